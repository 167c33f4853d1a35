"""RFC 9162 section 2.1: the Merkle tree hash.

Leaves and interior nodes are hashed with distinct one-byte prefixes so that no leaf can be passed off as an
interior node (a second-preimage defence); the empty tree hashes to SHA-256 of the empty string.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
"""Bytes in every hash of the tree (SHA-256)."""

LEAF_PREFIX = b"\x00"
"""Prefix of a leaf hash input (RFC 9162 section 2.1.1)."""

NODE_PREFIX = b"\x01"
"""Prefix of an interior node hash input (RFC 9162 section 2.1.1)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root hash of the tree of size 0."""


def leaf_hash(entry: bytes) -> bytes:
    """Return SHA-256(0x00 || entry), the hash of one log entry."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), the hash of an interior node.

    Requires len(left) == len(right) == HASH_SIZE; callers check shapes before hashing.
    """
    return hashlib.sha256(NODE_PREFIX + left + right).digest()
