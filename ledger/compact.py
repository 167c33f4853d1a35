"""Compact ranges over an RFC 9162 (section 2.1.1) Merkle tree.

Any range of leaves ``[begin, end)`` is covered, without overlap, by a short list of *perfect* subtrees (at
most two per level, so O(log n) of them): each starts at a multiple of its own width and lies wholly inside
the range. Their hashes, left to right, are the range's compact form. Appending a leaf merges equal-sized
neighbours, and the range ``[0, n)`` folds, right to left, into the root of the tree of size ``n`` (RFC 9162's
left subtree is the largest power of two below n, which is exactly what the right-to-left fold builds).
The model is transparency-dev/merkle ``compact/range.go``.

A :class:`NodeID` names one perfect subtree: ``level`` is its height above the leaves and it covers leaves
``[index << level, (index + 1) << level)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger.errors import MalformedError, RangeError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = ["CompactRange", "NodeID", "range_nodes"]


@dataclass(frozen=True, order=True)
class NodeID:
    """A perfect subtree: height ``level``, over leaves ``[index << level, (index + 1) << level)``."""

    level: int
    index: int

    @property
    def begin(self) -> int:
        """The first leaf the node covers."""
        return self.index << self.level

    @property
    def end(self) -> int:
        """One past the last leaf the node covers."""
        return (self.index + 1) << self.level

    def parent(self) -> NodeID:
        """The node one level up whose child this is."""
        return NodeID(self.level + 1, self.index >> 1)

    def sibling(self) -> NodeID:
        """The other child of this node's parent."""
        return NodeID(self.level, self.index ^ 1)


def range_nodes(begin: int, end: int) -> list[NodeID]:
    """Return the perfect subtrees that cover ``[begin, end)``, left to right.

    Requires 0 <= begin <= end. Each step takes the widest subtree that starts at ``begin`` (it must be
    aligned to its width) and still fits before ``end``; the widths rise, then fall.

    Raises:
        RangeError: unless 0 <= begin <= end.
    """
    if not 0 <= begin <= end:
        raise RangeError(f"range [{begin}, {end}) is not a range of leaves")
    out: list[NodeID] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:
            level = min(level, (begin & -begin).bit_length() - 1)
        out.append(NodeID(level, begin >> level))
        begin += 1 << level
    return out


Visitor = Callable[[NodeID, bytes], None]
"""Called with each node an append hashes: the new leaf, then each node it completes, lowest first."""


class CompactRange:
    """The hashes of the perfect subtrees covering ``[begin, end)`` (see :func:`range_nodes`), left to right.

    Mutable by design: a sequencer appends leaves to it. ``hashes`` has one entry per node of
    ``range_nodes(begin, end)``.
    """

    __slots__ = ("begin", "end", "hashes")

    def __init__(self, begin: int, end: int, hashes: list[bytes]) -> None:
        """Build a range without checking it; use :meth:`from_hashes` for hashes from outside."""
        self.begin = begin
        self.end = end
        self.hashes = hashes

    @classmethod
    def from_hashes(cls, begin: int, end: int, hashes: Sequence[bytes]) -> CompactRange:
        """Build the compact range ``[begin, end)`` from its node hashes (in ``range_nodes`` order).

        Raises:
            RangeError: unless 0 <= begin <= end.
            MalformedError: the number of hashes does not match the range, or a hash is not 32 bytes.
        """
        want = len(range_nodes(begin, end))
        if len(hashes) != want:
            raise MalformedError(f"compact range [{begin}, {end}) has {want} nodes, got {len(hashes)} hashes")
        for i, h in enumerate(hashes):
            if len(h) != HASH_SIZE:
                raise MalformedError(f"compact range hash {i} is {len(h)} bytes, want {HASH_SIZE}")
        return cls(begin, end, list(hashes))

    @classmethod
    def empty(cls, begin: int = 0) -> CompactRange:
        """Return the empty range ``[begin, begin)``, ready for appends.

        Raises:
            RangeError: if ``begin`` is negative.
        """
        if begin < 0:
            raise RangeError(f"a range cannot begin at {begin}")
        return cls(begin, begin, [])

    def nodes(self) -> list[NodeID]:
        """The IDs of the nodes whose hashes ``hashes`` holds, in the same order."""
        return range_nodes(self.begin, self.end)

    def copy(self) -> CompactRange:
        """An independent copy (appending to it leaves this one alone)."""
        return CompactRange(self.begin, self.end, list(self.hashes))

    def append(self, leaf_hash: bytes, visit: Visitor | None = None) -> None:
        """Append the leaf at index ``end``, merging every subtree it completes.

        Args:
            leaf_hash: the RFC 9162 leaf hash (32 bytes) of the new entry.
            visit: if given, called for the leaf (level 0) and then for each node the append completes, lowest
                first; a tile writer stores these.

        Raises:
            MalformedError: the leaf hash is not 32 bytes.
        """
        if len(leaf_hash) != HASH_SIZE:
            raise MalformedError(f"leaf hash is {len(leaf_hash)} bytes, want {HASH_SIZE}")
        node, h = NodeID(0, self.end), leaf_hash
        if visit is not None:
            visit(node, h)
        # A right child whose left sibling lies wholly inside the range completes its parent; that sibling is
        # then the last node of the range.
        while node.index & 1 and node.sibling().begin >= self.begin:
            h = node_hash(self.hashes.pop(), h)
            node = node.parent()
            if visit is not None:
                visit(node, h)
        self.hashes.append(h)
        self.end += 1

    def extend(self, leaf_hashes: Sequence[bytes], visit: Visitor | None = None) -> None:
        """Append each leaf hash in turn (see :meth:`append`)."""
        for h in leaf_hashes:
            self.append(h, visit)

    def root(self) -> bytes:
        """Return the RFC 9162 root of the tree ``[0, end)``; ``EMPTY_ROOT`` when the range is empty.

        Raises:
            RangeError: if the range does not begin at 0 (only a whole tree has a root).
        """
        if self.begin != 0:
            raise RangeError(f"only a range from 0 has a root, this one begins at {self.begin}")
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            acc = node_hash(left, acc)
        return acc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return (self.begin, self.end, self.hashes) == (other.begin, other.end, other.hashes)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable, like list

    def __repr__(self) -> str:
        return f"CompactRange(begin={self.begin}, end={self.end}, hashes=<{len(self.hashes)}>)"
