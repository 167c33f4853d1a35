"""A Bloom filter over leaf hashes: "certainly not in the set" without a query, "maybe" otherwise.

The sequencer keeps one per process over the merged leaf-hash index (``ledger.storage.dedupe``): a batch
asks the database only about the hashes the filter may hold, so a batch of new entries, the usual case,
skips the index lookup. The database stays the truth: the filter has false positives (looked up, and not
found), never false negatives, as long as every hash of the set was added.

Leaf hashes are SHA-256 outputs, so the filter takes its two bit positions from a hash's first eight bytes
instead of hashing again. Someone who grinds entries to land on set bits only makes their own entries be
looked up, as every entry was before the filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

BITS_PER_HASH = 16
"""Filter bits per hash at full capacity: with two bit positions, about 1.4 % false positives."""

MIN_CAPACITY = 65_536
"""The smallest capacity a filter is made with (128 KiB of bits)."""

_from_bytes = int.from_bytes


class HashFilter:
    """A Bloom filter of 32-byte hashes with room for :attr:`capacity` of them (two bit positions each).

    It holds more without error, only with more false positives: the owner makes a larger one when
    :attr:`count` passes :attr:`capacity`.
    """

    __slots__ = ("_bits", "_mask", "capacity", "count")

    def __init__(self, capacity: int) -> None:
        """An empty filter sized for at least ``capacity`` hashes (and :data:`MIN_CAPACITY`)."""
        size = 1 << (BITS_PER_HASH * max(capacity, MIN_CAPACITY) - 1).bit_length()
        size = min(size, 1 << 32)  # two 32-bit halves of one 64-bit word give the positions
        self._bits = bytearray(size >> 3)
        self._mask = size - 1
        self.capacity = size // BITS_PER_HASH
        self.count = 0

    def add(self, hashes: Iterable[bytes]) -> None:
        """Add hashes (each at least 8 bytes; only the first 8 are used)."""
        bits, mask, count = self._bits, self._mask, 0
        for h in hashes:
            x = _from_bytes(h[:8], "little")
            a, b = x & mask, (x >> 32) & mask
            bits[a >> 3] |= 1 << (a & 7)
            bits[b >> 3] |= 1 << (b & 7)
            count += 1
        self.count += count

    def maybe(self, hashes: Sequence[bytes]) -> list[bytes]:
        """Those of ``hashes`` the filter may hold, in order: every one that was added is among them."""
        bits, mask, out = self._bits, self._mask, []
        for h in hashes:
            x = _from_bytes(h[:8], "little")
            a, b = x & mask, (x >> 32) & mask
            if bits[a >> 3] >> (a & 7) & 1 and bits[b >> 3] >> (b & 7) & 1:
                out.append(h)
        return out
