"""The sequencer's filter of merged leaf hashes (``ledger.storage.dedupe`` with ``hashfilter``), on SQLite and
PostgreSQL: repeats of merged entries keep their first index whether the filter is caught up from another
process's merges, built late in a process that opened a large log, outgrown and rebuilt, or left with the
bits of a merge that rolled back."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import Connection

from ledger.storage import dedupe, hashfilter
from ledger.storage.fsck import fsck
from ledger.storage.sequencer import Accepted, Sequencer
from ledger.storage.store import LogStore

# An autouse fixture applies to the modules that import it.
from tests.integration.ledger.dedupe_support import (
    make_log,
    other_sequencer,
    small_merges,  # noqa: F401
)


def entries(start: int, stop: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(start, stop)]


def merged(store: LogStore) -> int:
    with store.engine.connect() as conn:
        return dedupe.merged_size(conn)


def test_a_new_log_filters_from_the_start_and_catches_up_on_others_merges(db_url: str) -> None:
    store, seq, verifier = make_log(db_url)
    seq.append(entries(0, 3))
    cache = store.tail_cache
    assert cache.filter is not None
    assert cache.covered == 0
    other = other_sequencer(store, seq)
    for start in range(3, 40, 4):
        other.append(entries(start, start + 4))  # merges that seq's process does not see happen
    extent = merged(store)
    assert extent > 8
    results = seq.append([*entries(0, 3), *entries(extent - 2, extent), b"new"])
    assert [(r.index, r.duplicate) for r in results] == [
        (0, True),
        (1, True),
        (2, True),
        (extent - 2, True),
        (extent - 1, True),
        (43, False),
    ]
    assert cache.covered == extent  # read from the tiles, not queried
    fsck(store, [verifier])


def test_a_process_opening_a_large_log_builds_its_filter_once_it_pays(db_url: str) -> None:
    store, seq, verifier = make_log(db_url)
    for start in range(0, 200, 10):
        seq.append(entries(start, start + 10))
    extent = merged(store)
    other = other_sequencer(store, seq)
    cache = other.store.tail_cache
    other.append([b"a"])  # looks one hash up by query: far from paying for reading the whole index
    assert cache.filter is None
    size = 201
    for i in range(extent // dedupe.FILTER_PAYBACK):
        assert other.append([*entries(i, i + 1), f"more {i}".encode()])[0].index == i
        size += 1
    assert cache.filter is not None  # built from the tiles once the queries would have cost more
    assert [r.index for r in other.append([*entries(0, 1), *entries(150, 151)])] == [0, 150]
    assert store.size() == size
    fsck(store, [verifier])


def test_an_outgrown_filter_is_rebuilt_larger(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashfilter, "MIN_CAPACITY", 1)
    store, seq, verifier = make_log(db_url)
    cache = store.tail_cache
    capacities = set()
    for start in range(0, 300, 9):
        assert [r.index for r in seq.append([*entries(start, start + 9), *entries(0, 1)])][-1] == 0
        assert cache.filter is not None
        capacities.add(cache.filter.capacity)
    assert len(capacities) > 2
    assert cache.filter is not None
    assert cache.filter.capacity >= merged(store)
    repeats = [r.index for r in seq.append(entries(0, 297))]
    assert repeats == list(range(297))
    fsck(store, [verifier])


def test_a_merge_that_rolls_back_does_not_move_what_the_filter_covers(db_url: str) -> None:
    def hook(_conn: Connection, _accepted: Sequence[Accepted]) -> None:
        raise RuntimeError("the accept hook fails")

    store, seq, verifier = make_log(db_url)
    seq.append(entries(0, 7))  # one short of the threshold: the next entry merges
    cache = store.tail_cache
    assert merged(store) == 0
    assert cache.filter is not None
    failing = Sequencer(store, seq.sign, on_accept=hook)
    assert failing.append([b"x"])[0].refused_code == "ledger.admission_error"
    assert cache.covered == 0
    assert merged(store) == 0
    results = seq.append([b"y", *entries(0, 7)])
    assert [r.index for r in results] == list(range(7, 8)) + list(range(7))
    assert merged(store) == 8
    assert cache.covered == 8
    assert [r.index for r in seq.append([b"x", b"y"])] == [8, 7]
    fsck(store, [verifier])
