"""RFC 9162 sections 2.1.3.2 and 2.1.4.2: verifying inclusion and consistency proofs.

Every check raises and nothing returns a bool. A proof whose shape cannot fit the sizes and index it claims
(a wrong number of hashes, a hash that is not 32 bytes, an index outside the tree, sizes out of order) raises
:class:`ProofError` before anything is hashed; a proof of the right shape that leads to another root raises
:class:`RootMismatchError` carrying both the expected and the computed root.

The hash chain is walked as RFC 9162 describes it, split in two parts as transparency-dev/merkle does: the
*inner* part, below the point where the path to the leaf leaves the path to the tree's last leaf, in which a
proof hash may sit on either side; and the *border* part, above it, in which every proof hash is a left
sibling. Consistency from size 0 is refused here (the library rule the test vectors encode); the witness
protocol's "old size 0 is consistent with an empty proof" belongs to the witness.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from hashlib import sha256

from ledger.errors import ProofError, RootMismatchError
from ledger.hashing import HASH_SIZE, NODE_PREFIX, node_hash

__all__ = [
    "inclusion_proof_size",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


def _split(index: int, size: int) -> tuple[int, int]:
    """Return (inner, border): the two part lengths of the inclusion proof of ``index`` in a tree of ``size``.

    ``inner`` counts the levels below the node where the paths to ``index`` and to ``size - 1`` meet; every
    set bit of ``index`` above that point is one left sibling on the right border. Requires 0 <= index < size.
    """
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def inclusion_proof_size(index: int, size: int) -> int:
    """Return how many hashes the inclusion proof of leaf ``index`` in a tree of ``size`` has.

    Raises:
        ProofError: unless 0 <= index < size.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    inner, border = _split(index, size)
    return inner + border


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, want {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes], want: int) -> None:
    if len(proof) != want:
        raise ProofError(f"proof has {len(proof)} hashes, want {want}")
    # One pass over the lengths; the message (naming the first bad hash) is built only on failure.
    if any(len(h) != HASH_SIZE for h in proof):
        i = next(i for i, h in enumerate(proof) if len(h) != HASH_SIZE)
        _check_hash(f"proof[{i}]", proof[i])


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    # Bit i of index says whether the node at height i on the path is a right child (its sibling on the left).
    # The node hash is inlined (SHA-256(0x01 || left || right)): this loop is most of a receipt's hashing.
    for h in proof:
        pair = h + seed if index & 1 else seed + h
        seed = sha256(NODE_PREFIX + pair).digest()
        index >>= 1
    return seed


def _chain_inner_left_only(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    # Keeps only the siblings on the left of the path: the result is the hash of the same subtree as it was
    # before anything right of the path was appended, which is what the older root is built from.
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = sha256(NODE_PREFIX + h + seed).digest()
    return seed


def _match(what: str, expected: bytes, computed: bytes) -> None:
    if not hmac.compare_digest(expected, computed):
        raise RootMismatchError(
            f"{what}: computed root {computed.hex()} differs from expected {expected.hex()}",
            expected=expected,
            computed=computed,
        )


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Return the root that an inclusion proof leads to, for the leaf hash at ``index`` in a tree of ``size``.

    Requires 0 <= index < size.

    Args:
        leaf_hash: the RFC 9162 leaf hash (32 bytes) of the entry.
        index: the entry's 0-based index.
        size: the size of the tree the proof is for.
        proof: the audit path, lowest level first.

    Returns:
        The root hash the proof computes; compare it with a trusted root (or call :func:`verify_inclusion`).

    Raises:
        ProofError: the index is outside the tree, the leaf hash or a proof hash is not 32 bytes, or the proof
            has the wrong number of hashes for ``index`` and ``size``.
    """
    # 1. Shape: the index lies in the tree, every hash is 32 bytes, the proof length fits index and size.
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    _check_hash("leaf hash", leaf_hash)
    inner, border = _split(index, size)
    _check_proof(proof, inner + border)
    # 2. Hash up the inner part (siblings on either side), then along the right border (all on the left).
    node = _chain_inner(leaf_hash, proof[:inner], index)
    return _chain_border(node, proof[inner:])


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is the leaf at ``index`` of the tree of ``size`` whose root is ``root``.

    Requires 0 <= index < size.

    Args:
        leaf_hash: the RFC 9162 leaf hash (32 bytes) of the entry.
        index: the entry's 0-based index.
        size: the tree size the root belongs to.
        proof: the audit path, lowest level first.
        root: the trusted root hash of the tree of ``size``.

    Raises:
        ProofError: the proof's shape does not fit ``index`` and ``size``, or the root is not 32 bytes.
        RootMismatchError: the proof leads to a different root (``expected`` is ``root``).
    """
    _check_hash("root", root)
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _match("inclusion proof", root, computed)


def root_from_consistency_proof(size1: int, size2: int, root1: bytes, proof: Sequence[bytes]) -> bytes:
    """Check a consistency proof against the older root and return the newer root it leads to.

    Requires 0 < size1 <= size2 (or size1 == size2 == 0 with an empty proof).

    Args:
        size1: the older tree size.
        size2: the newer tree size.
        root1: the trusted root of the tree of ``size1``.
        proof: the consistency proof, as RFC 9162 section 2.1.4 builds it.

    Returns:
        The root of the tree of ``size2`` that the proof computes.

    Raises:
        ProofError: the sizes are out of order, ``size1`` is 0 with ``size2`` > 0, a hash is not 32 bytes
            (``root1`` is checked only when the sizes differ), or the proof has the wrong number of hashes.
        RootMismatchError: the proof does not lead back to ``root1`` (``expected`` is ``root1``).
    """
    # 1. Shape: sizes in order, every hash 32 bytes, the proof length fits the two sizes.
    if not 0 <= size1 <= size2:
        raise ProofError(f"consistency needs 0 <= size1 <= size2, got {size1} and {size2}")
    if size1 == size2:
        # Nothing is hashed: the newer root is the older one, whatever bytes it is made of.
        _check_proof(proof, 0)
        return root1
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    _check_hash("root1", root1)
    # The older tree's last leaf, size1 - 1, has an inclusion path in the newer tree. Its lowest `shift`
    # levels lie inside the perfect subtree that ends the older tree, whose hash (the seed) the proof
    # carries first, unless the older tree is itself that perfect subtree and root1 is the seed.
    inner, border = _split(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    seed_in_proof = size1 != 1 << shift
    _check_proof(proof, int(seed_in_proof) + inner + border)
    if seed_in_proof:
        seed, path = proof[0], proof[1:]
    else:
        seed, path = root1, proof[:]
    mask = (size1 - 1) >> shift
    # 2. Rebuild the older root from the seed and the left siblings only, and check it.
    hash1 = _chain_border(_chain_inner_left_only(seed, path[:inner], mask), path[inner:])
    _match("consistency proof (older root)", root1, hash1)
    # 3. Rebuild the newer root from the same seed and every sibling.
    return _chain_border(_chain_inner(seed, path[:inner], mask), path[inner:])


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``.

    Requires 0 < size1 <= size2. When size1 == size2 the proof must be empty and the roots equal; nothing is
    hashed then, and the roots are compared as they are (the test vectors pass equal roots of any length).

    Args:
        size1: the older tree size.
        size2: the newer tree size.
        root1: the trusted root of the tree of ``size1``.
        root2: the root of the tree of ``size2``.
        proof: the consistency proof, as RFC 9162 section 2.1.4 builds it.

    Raises:
        ProofError: the sizes are out of order, ``size1`` is 0 (a library rule; the witness treats an old size
            0 itself), a root (when the sizes differ) or a proof hash is not 32 bytes, or the proof has the
            wrong number of hashes.
        RootMismatchError: the proof does not lead to ``root1`` or to ``root2``, or equal sizes carry
            different roots.
    """
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 != size2:
        _check_hash("root2", root2)
    computed = root_from_consistency_proof(size1, size2, root1, proof)
    _match("consistency proof (newer root)", root2, computed)
