"""A naive RFC 9162 reference tree for the ledger's tests: the section 2.1 definitions written out literally.

Nothing here is clever or fast; it recurses over the list of leaf hashes exactly as the RFC's MTH, PATH and
SUBPROOF do, so the production code (compact ranges, proof plans, tiles) is checked against the text of the
RFC rather than against itself.
"""

from __future__ import annotations

import hashlib

from ledger.compact import NodeID
from ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 section 2.1.1, over leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool = True) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 section 2.1.4.1; PROOF(m, D[n]) when ``whole`` is true."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = split(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def entry(i: int) -> bytes:
    """A deterministic entry for leaf i."""
    return b"entry-%d" % i


_LEAVES: list[bytes] = []


def leaves(n: int) -> list[bytes]:
    """The leaf hashes of the first n deterministic entries (a fresh list)."""
    while len(_LEAVES) < n:
        _LEAVES.append(leaf_hash(entry(len(_LEAVES))))
    return _LEAVES[:n]


def node(n: NodeID) -> bytes:
    """The hash of a complete node, straight from the definition."""
    return mth(leaves(n.end)[n.begin : n.end])


def flip(data: bytes, bit: int) -> bytes:
    """``data`` with one bit flipped (bit counts from the first byte's most significant bit)."""
    out = bytearray(data)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


def sha(data: bytes) -> bytes:
    """SHA-256, for tests that need an arbitrary well-formed hash."""
    return hashlib.sha256(data).digest()
