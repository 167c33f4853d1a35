"""RFC 9162 sections 2.1.3.1 and 2.1.4.1: which tree nodes an inclusion or consistency proof is made of.

A proof in a tree whose size is not a power of two can need the hash of an *ephemeral* node: a node on the
tree's right edge that is not a complete subtree, so no store holds it. :class:`Nodes` lists only complete
nodes (which a store or a tile reader can fetch) and says which consecutive run of them folds into the
ephemeral one; :meth:`Nodes.rehash` turns the fetched hashes into the proof. The model is
transparency-dev/merkle ``proof/proof.go``; this module only plans, it hashes nothing but the fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.compact import NodeID, range_nodes
from ledger.errors import ProofError, RangeError
from ledger.hashing import HASH_SIZE, node_hash

__all__ = ["NodeID", "Nodes", "consistency", "inclusion"]


@dataclass(frozen=True)
class Nodes:
    """The complete nodes to fetch for one proof, and how to fold the ephemeral right-edge node.

    ``ids`` is in proof order except that ``ids[begin:end]`` (lowest level first, right to left) are the
    complete subtrees under the ephemeral node ``ephem``; they fold into one proof hash. ``begin == end == 0``
    and ``ephem is None`` when the proof needs no ephemeral node.
    """

    ids: tuple[NodeID, ...]
    begin: int
    end: int
    ephem: NodeID | None

    def rehash(self, hashes: Sequence[bytes]) -> list[bytes]:
        """Turn the hashes of ``ids`` (same order) into the proof, folding ``hashes[begin:end]`` into one.

        Raises:
            ProofError: the number of hashes differs from the number of ids, or a hash is not 32 bytes.
        """
        if len(hashes) != len(self.ids):
            raise ProofError(f"got {len(hashes)} hashes for {len(self.ids)} nodes")
        for i, h in enumerate(hashes):
            if len(h) != HASH_SIZE:
                raise ProofError(f"hash of node {self.ids[i]} is {len(h)} bytes, want {HASH_SIZE}")
        if self.begin == self.end:
            return list(hashes)
        # The run is ordered lowest (rightmost) first, so each next hash is the left child of the fold so far.
        folded = hashes[self.begin]
        for left in hashes[self.begin + 1 : self.end]:
            folded = node_hash(left, folded)
        return [*hashes[: self.begin], folded, *hashes[self.end :]]

    def _without_first(self) -> Nodes:
        # The first node is the one being proven, which the verifier already has.
        if self.begin < self.end:
            return Nodes(self.ids[1:], self.begin - 1, self.end - 1, self.ephem)
        return Nodes(self.ids[1:], 0, 0, None)


def _path(node: NodeID, size: int) -> Nodes:
    """Plan the proof that the complete ``node`` is part of the tree of ``size``, ``node`` itself first.

    Walking up from ``node``, siblings are complete until the path reaches the *fork*: the lowest ancestor
    whose sibling reaches past the tree's last leaf. That sibling is the ephemeral node, covered by the
    complete subtrees of ``[fork.end, size)``; everything left of the fork is covered by those of
    ``[0, fork.begin)``. Both runs are listed lowest level first, which is the order the proof takes them in.
    """
    # The highest bit where the node's index differs from the index, at the node's level, of the first leaf
    # past the tree is the number of levels from the node up to the fork.
    up = (node.index ^ (size >> node.level)).bit_length() - 1
    fork = NodeID(node.level + up, node.index >> up)
    ids = [node]
    cur = node
    while cur.level < fork.level:
        ids.append(cur.sibling())
        cur = cur.parent()
    right = range_nodes(fork.end, size)[::-1]
    left = range_nodes(0, fork.begin)[::-1]
    if right:
        begin = len(ids)
        return Nodes((*ids, *right, *left), begin, begin + len(right), fork.sibling())
    return Nodes((*ids, *left), 0, 0, None)


def inclusion(index: int, size: int) -> Nodes:
    """Plan the inclusion proof of leaf ``index`` in the tree of ``size``. Requires 0 <= index < size.

    Raises:
        RangeError: unless 0 <= index < size.
    """
    if not 0 <= index < size:
        raise RangeError(f"leaf {index} is outside a tree of size {size}")
    return _path(NodeID(0, index), size)._without_first()


def consistency(size1: int, size2: int) -> Nodes:
    """Plan the consistency proof from the tree of ``size1`` to the tree of ``size2``.

    Requires 0 <= size1 <= size2.

    ``size1 == 0`` and ``size1 == size2`` give an empty plan (the proof is empty).

    Raises:
        RangeError: unless 0 <= size1 <= size2.
    """
    if not 0 <= size1 <= size2:
        raise RangeError(f"consistency needs 0 <= size1 <= size2, got {size1} and {size2}")
    if size1 == 0 or size1 == size2:
        return Nodes((), 0, 0, None)
    # The proof is the inclusion path, in the newer tree, of the largest perfect subtree that ends the older
    # tree; that subtree's own hash leads the proof unless it is the whole older tree (the verifier has that
    # root already).
    level = (size1 & -size1).bit_length() - 1
    plan = _path(NodeID(level, (size1 - 1) >> level), size2)
    return plan._without_first() if size1 == 1 << level else plan
