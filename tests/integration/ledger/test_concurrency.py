"""Four processes append to one stored log at once (SQLite and PostgreSQL): one tree, no gap, no loss.

Each child (multiprocessing "spawn": its own interpreter, engine and sequencer) appends 5,000 distinct
entries in calls of 1 to 50; the sequencer's lock and group commit must turn that into one append-only tree
whose every checkpoint is consistent with the one before, and which ``fsck`` and a naive RFC 9162
recomputation agree on.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from ledger import checkpoint as cp
from ledger import keys, verify
from ledger.hashing import leaf_hash
from ledger.storage.engine import make_engine
from ledger.storage.fsck import fsck
from ledger.storage.orm import Checkpoint, LogMeta
from ledger.storage.store import LogStore
from tests.integration.ledger import workers
from tests.unit.ledger import naive

PROCESSES = 4
PER_PROCESS = 5_000


def receive(pipe: Connection, child: BaseProcess, timeout: float) -> Any:
    """The child's next message; fails the test, naming the child's exit code, if none comes in time."""
    if not pipe.poll(timeout):
        pytest.fail(f"{child.name} sent nothing for {timeout} s (exit code {child.exitcode})")
    try:
        return pipe.recv()
    except EOFError:
        child.join(10)
        pytest.fail(f"{child.name} exited with code {child.exitcode} before reporting")


@pytest.mark.slow
def test_four_processes_append_one_tree(db_url: str) -> None:
    skey, vkey = keys.generate_log_key(workers.ORIGIN)
    verifier = keys.load_verifier(vkey)
    store = LogStore.create(db_url, workers.ORIGIN)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    tags = [f"p{i}" for i in range(PROCESSES)]
    pipes = []
    children = []
    for i, tag in enumerate(tags):
        ours, theirs = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=workers.append_concurrently,
            args=(db_url, skey, tag, PER_PROCESS, 1000 + i, start, theirs),
        )
        child.start()
        theirs.close()
        pipes.append(ours)
        children.append(child)
    try:
        for pipe, child in zip(pipes, children, strict=True):
            assert receive(pipe, child, 60) == "ready"
        began = time.perf_counter()
        start.set()
        acknowledged: dict[str, list[int]] = {}
        # While the children append, fsck the log now and then: it checks the snapshot it starts on.
        live: list[int] = []
        waiting = dict(zip(tags, zip(pipes, children, strict=True), strict=True))
        while waiting:
            assert time.perf_counter() - began < 180, f"children {sorted(waiting)} did not finish"
            for tag, (pipe, child) in list(waiting.items()):
                if pipe.poll(0.05):
                    acknowledged[tag], _elapsed = receive(pipe, child, 0)
                    del waiting[tag]
            if waiting and (not live or time.perf_counter() - began > 2 * len(live)):
                live.append(fsck(store, [verifier]).entries)
        appended = time.perf_counter() - began
        for child in children:
            child.join(30)
            assert child.exitcode == 0
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()

    # One tree of 20,000 distinct entries, indices 0..19999, each where its process was told it is.
    total = PROCESSES * PER_PROCESS
    assert store.size() == total
    expected: dict[int, bytes] = {}
    for tag, indices in acknowledged.items():
        assert len(indices) == PER_PROCESS
        for k, index in enumerate(indices):
            assert index not in expected
            expected[index] = workers.entry_bytes(tag, k)
    assert sorted(expected) == list(range(total))
    stored = list(store.iter_entries())
    assert stored == [expected[i] for i in range(total)]

    # Every checkpoint is consistent with the one before it, and signed by the log.
    with store.engine.connect() as conn:
        roots = {row.size: row.root for row in conn.execute(select(Checkpoint.size, Checkpoint.root))}
    sizes = sorted(roots)
    assert sizes[-1] == total
    for old, new in itertools.pairwise(sizes):
        proof = store.consistency_proof(old, new)
        verify.verify_consistency(old, new, roots[old], roots[new], proof)
    latest = store.latest_checkpoint()
    assert latest is not None
    assert cp.open_checkpoint(latest.note, [verifier]).checkpoint.size == total

    checked = time.perf_counter()
    report = fsck(store, [verifier])
    assert (report.entries, report.checkpoints) == (total, len(sizes))
    assert latest.root == naive.mth([leaf_hash(e) for e in stored]) == store.root(total)
    # Each live fsck passed (it raises otherwise) on a log that only grew.
    assert live == sorted(live)
    assert live[-1] <= total
    print(
        f"\n{PROCESSES} x {PER_PROCESS} appends in {appended:.2f} s, {len(sizes)} checkpoints, "
        f"fsck during appends at sizes {live}; checks "
        f"{checked - began - appended:.2f} s, fsck and naive root {time.perf_counter() - checked:.2f} s"
    )


def test_collect_survives_a_commit_between_its_read_and_its_delete(sqlite_db: str) -> None:
    # On SQLite (WAL), a transaction that read and then writes cannot take the write lock if another
    # connection committed since its read: it fails at once with "database is locked", whatever the busy
    # timeout. Commit a write from another engine exactly between the submitter's read of its outcomes and
    # its delete of them. (The pending path: a direct append, with the lock free, has no outcomes to collect.)
    skey, _ = keys.generate_log_key(workers.ORIGIN)
    LogStore.create(sqlite_db, workers.ORIGIN)
    store, seq = workers.open_log(sqlite_db, skey, direct=False)
    other = make_engine(sqlite_db)
    interleaved: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("DELETE FROM pending WHERE pending.id IN") and not interleaved:
            interleaved.append(statement)
            with other.begin() as conn:
                conn.execute(insert(LogMeta), {"key": "interleaved", "value": "1"})

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        results = seq.append([b"one", b"two"])
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
        other.dispose()
    assert interleaved
    assert [r.index for r in results] == [0, 1]


def test_add_cosignature_survives_a_commit_between_its_read_and_its_insert(sqlite_db: str) -> None:
    # The same SQLite (WAL) trap in LogStore.add_cosignature: it reads the checkpoint, then inserts. Another
    # writer tries to commit between the two, from a thread: a transaction that holds the write lock from its
    # start makes that writer wait (the join times out), one that does not lets it in and then fails.
    skey, _ = keys.generate_log_key(workers.ORIGIN)
    LogStore.create(sqlite_db, workers.ORIGIN)
    store, seq = workers.open_log(sqlite_db, skey)
    seq.append([b"one"])
    other = make_engine(sqlite_db)
    writers: list[threading.Thread] = []

    def write() -> None:
        with other.begin() as conn:
            conn.execute(insert(LogMeta), {"key": "interleaved", "value": "1"})

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO cosignature") and not writers:
            writers.append(threading.Thread(target=write))
            writers[0].start()
            writers[0].join(1.0)

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        store.add_cosignature(1, "witness.example", b"\x01\x02\x03\x04", "— witness.example AQIDBA==")
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
        for writer in writers:
            writer.join(30)
        other.dispose()
    assert writers
    assert store.meta("interleaved") == "1"
    latest = store.latest_checkpoint()
    assert latest is not None
    assert latest.cosignatures == ("— witness.example AQIDBA==",)
