"""The leaf-hash index merged in bulk (``ledger.storage.dedupe``), on SQLite and PostgreSQL: the same bytes
keep their first index whether that entry is merged or still in the tail, across sequencers with their own
caches, after a failed batch, and fsck checks the index."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import Connection, delete, func, insert, select, update

from ledger.errors import FsckError, RangeError
from ledger.hashing import leaf_hash
from ledger.storage import batch, dedupe
from ledger.storage.fsck import fsck
from ledger.storage.orm import LeafIndex, LogMeta
from ledger.storage.sequencer import Accepted, Sequencer
from ledger.storage.store import LogStore

# An autouse fixture applies to the modules that import it.
from tests.integration.ledger.dedupe_support import (
    make_log,
    other_sequencer,
    small_merges,  # noqa: F401
)


def merged(store: LogStore) -> int:
    with store.engine.connect() as conn:
        return dedupe.merged_size(conn)


def entries(start: int, stop: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(start, stop)]


def test_threshold_grows_with_the_index_within_bounds() -> None:
    assert dedupe.merge_threshold(0) == dedupe.MERGE_MIN
    assert dedupe.merge_threshold(64) == 16
    assert dedupe.merge_threshold(10**6) == dedupe.MERGE_MAX


def test_repeats_keep_their_first_index_merged_or_in_the_tail(db_url: str) -> None:
    store, seq, verifier = make_log(db_url)
    for start in range(0, 300, 7):
        assert [r.index for r in seq.append(entries(start, start + 7))] == list(range(start, start + 7))
    size, extent = store.size(), merged(store)
    assert 0 < extent < size  # some entries are merged, the last ones are in the tail
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LeafIndex)).scalar() == extent
    again = [0, 1, extent - 1, extent, size - 1]
    results = seq.append([f"entry {i}".encode() for i in again] + [b"new"])
    assert [r.index for r in results] == [*again, size]
    assert [r.duplicate for r in results] == [True] * len(again) + [False]
    for i in (*again, size):
        data = b"new" if i == size else f"entry {i}".encode()
        assert store.index_of(leaf_hash(data)) == i
    with pytest.raises(RangeError):
        store.index_of(leaf_hash(b"never logged"))
    assert fsck(store, [verifier]).entries == size + 1


def test_sequencers_with_their_own_caches_agree(db_url: str) -> None:
    store, seq, verifier = make_log(db_url)
    other = other_sequencer(store, seq)
    seq.append(entries(0, 3))
    assert [r.index for r in other.append(entries(2, 5))] == list(range(2, 5))  # reads the tail it lacks
    assert [r.index for r in seq.append(entries(4, 7))] == list(range(4, 7))  # catches up on 3..4
    assert [r.index for r in other.append(entries(6, 10))] == list(range(6, 10))
    assert merged(store) == 10  # other's batch took the tail to the threshold and merged it
    assert [r.index for r in seq.append([*entries(0, 2), *entries(9, 12)])] == [0, 1, 9, 10, 11]
    assert store.size() == 12
    fsck(store, [verifier])


def test_a_failed_batch_leaves_no_trace_in_the_cache(db_url: str) -> None:
    def hook(_conn: Connection, _accepted: Sequence[Accepted]) -> None:
        raise RuntimeError("the accept hook fails")

    store, seq, verifier = make_log(db_url)
    seq.append(entries(0, 3))
    failing = Sequencer(store, seq.sign, on_accept=hook)  # the same store: the same tail cache
    refused = failing.append([b"x"])  # rolled back (after the batch had taken index 3), then refused alone
    assert refused[0].index is None
    assert refused[0].refused_code == "ledger.admission_error"
    assert other_sequencer(store, seq).append([b"y"])[0].index == 3  # another process takes index 3
    results = seq.append([b"x", b"y", *entries(0, 1)])
    assert [(r.index, r.duplicate) for r in results] == [(4, False), (3, True), (0, True)]
    assert store.size() == 5
    fsck(store, [verifier])


def test_fsck_checks_the_leaf_index(db_url: str) -> None:
    store, seq, verifier = make_log(db_url)
    for start in range(0, 33, 3):
        seq.append(entries(start, start + 3))
    extent = merged(store)
    assert extent == 27  # merged at 9, 18 and 27 (the tail reached 8)

    with store.engine.begin() as conn:
        conn.execute(delete(LeafIndex).where(LeafIndex.idx == 4))
    with pytest.raises(FsckError) as info:
        fsck(store, [verifier])
    assert (info.value.code, info.value.kind, info.value.location) == ("ledger.fsck", "leaf_index", "entry 4")

    with store.engine.begin() as conn:
        conn.execute(insert(LeafIndex), {"leaf_hash": leaf_hash(b"entry 4"), "idx": 4})  # repaired
        conn.execute(update(LogMeta).where(LogMeta.key == dedupe.MERGED_KEY).values(value=str(extent - 1)))
    with pytest.raises(FsckError) as info:
        fsck(store, [verifier])
    assert (info.value.kind, info.value.location) == ("leaf_index", f"entry {extent - 1}")

    with store.engine.begin() as conn:
        conn.execute(update(LogMeta).where(LogMeta.key == dedupe.MERGED_KEY).values(value="34"))
    with pytest.raises(FsckError) as info:
        fsck(store, [verifier])
    assert info.value.kind == "leaf_index"


def test_fsck_finds_the_same_bytes_logged_twice(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store, seq, verifier = make_log(db_url)
    seq.append(entries(0, 10))  # merged: 0..9 in the index
    seq.append(entries(10, 12))
    with monkeypatch.context() as m:
        m.setattr(batch, "_logged", lambda *_args: {})  # a sequencer that forgets what is logged
        seq.append([b"entry 11", b"entry 3"])  # 12 repeats the tail's 11, 13 the index's 3
    assert merged(store) == 10
    with pytest.raises(FsckError) as info:
        fsck(store, [verifier])
    assert (info.value.kind, info.value.location) == ("duplicate", "entry 12")
