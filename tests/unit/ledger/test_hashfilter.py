"""The Bloom filter of leaf hashes (``ledger.storage.hashfilter``): never a false negative, few false
positives at capacity, sized in powers of two."""

from __future__ import annotations

import hashlib

from ledger.storage.hashfilter import BITS_PER_HASH, MIN_CAPACITY, HashFilter


def hashes(start: int, stop: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(start, stop)]


def test_every_added_hash_may_be_held_and_an_empty_filter_holds_none() -> None:
    f = HashFilter(0)
    assert f.maybe(hashes(0, 1000)) == []
    added = hashes(0, 5000)
    f.add(added)
    assert f.count == 5000
    assert f.maybe(added) == added  # no false negative, order kept


def test_false_positives_at_capacity_stay_near_the_design_rate() -> None:
    f = HashFilter(MIN_CAPACITY)
    assert f.capacity == MIN_CAPACITY
    f.add(hashes(0, f.capacity))
    others = hashes(10**6, 10**6 + 20_000)
    rate = len(f.maybe(others)) / len(others)
    assert rate < 0.03  # about 1.4 % with two positions and 16 bits per hash


def test_capacity_is_at_least_asked_for_and_a_power_of_two_of_bits() -> None:
    f = HashFilter(100_000)
    assert f.capacity >= 100_000
    bits = f.capacity * BITS_PER_HASH
    assert bits & (bits - 1) == 0
