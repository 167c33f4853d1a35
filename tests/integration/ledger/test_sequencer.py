"""The stored log on SQLite and PostgreSQL: appends, duplicates, admission, tiles, proofs and checkpoints."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from ledger import checkpoint as cp
from ledger import keys, verify
from ledger.errors import EntryTooLargeError
from ledger.hashing import leaf_hash
from ledger.note import Verifier
from ledger.storage.sequencer import Accept, Candidate, Decision, LogState, Refuse, Sequencer
from ledger.storage.store import LogStore

ORIGIN = "example.test/log"


def make_log(url: str) -> tuple[LogStore, Sequencer, Verifier]:
    skey, vkey = keys.generate_log_key(ORIGIN)
    signer = keys.load_signer(skey)
    store = LogStore.create(url, ORIGIN)

    def sign(size: int, root: bytes) -> bytes:
        return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, root), [signer]).to_bytes()

    return store, Sequencer(store, sign), keys.load_verifier(vkey)


def test_append_prove_and_checkpoint(db_url: str) -> None:
    store, seq, verifier = make_log(db_url)
    entries = [f"entry {i}".encode() for i in range(700)]
    results = []
    for start in range(0, 700, 97):
        results += seq.append(entries[start : start + 97])
    assert [r.index for r in results] == list(range(700))
    assert store.size() == 700
    latest = store.latest_checkpoint()
    assert latest is not None
    assert latest.size == 700
    signed = cp.open_checkpoint(latest.note, [verifier])
    assert signed.checkpoint.root == store.root(700)
    for index in (0, 1, 255, 256, 511, 699):
        for size in (index + 1, 700):
            proof = store.inclusion_proof(index, size)
            verify.verify_inclusion(leaf_hash(entries[index]), index, size, proof, store.root(size))
    sizes = store.checkpoint_sizes()
    for old, new in itertools.pairwise(sizes):
        proof = store.consistency_proof(old, new)
        verify.verify_consistency(old, new, store.checkpoint(old).root, store.checkpoint(new).root, proof)
    assert store.entry(300) == entries[300]


def test_duplicates_get_first_index(db_url: str) -> None:
    store, seq, _ = make_log(db_url)
    first = seq.append([b"a", b"b", b"a"])
    assert [r.index for r in first] == [0, 1, 0]
    assert [r.duplicate for r in first] == [False, False, True]
    again = seq.append([b"b"])
    assert again[0].index == 1
    assert again[0].duplicate
    assert store.size() == 2


def test_entry_too_large_changes_nothing(db_url: str) -> None:
    store, seq, _ = make_log(db_url)
    with pytest.raises(EntryTooLargeError) as info:
        seq.append([b"ok", b"x" * 65536])
    assert info.value.code == "ledger.entry_too_large"
    assert store.size() == 0
    assert seq.append([b"x" * 65535])[0].index == 0


def test_admission_judges_each_position(db_url: str) -> None:
    seen: list[tuple[int, int]] = []

    def admit(batch: Sequence[Candidate], state: LogState) -> Sequence[Decision]:
        seen.append((state.size, len(batch)))
        return [
            Refuse("test.odd", "odd entries refused") if c.entry.endswith(b"!") else Accept() for c in batch
        ]

    store, seq, _ = make_log(db_url)
    seq.admission = admit
    results = seq.append([b"one", b"two!", b"three"])
    assert [r.index for r in results] == [0, None, 1]
    assert results[1].refused_code == "test.odd"
    assert seen == [(0, 3)]
    assert store.size() == 2


def test_attachments_reach_admission_and_the_accept_hook_in_one_transaction(db_url: str) -> None:
    from sqlalchemy import Connection, text

    from ledger.storage.sequencer import Accepted

    store, seq, _ = make_log(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE side (idx INTEGER PRIMARY KEY, note TEXT)"))
    seen: list[bytes | None] = []

    def admit(batch: Sequence[Candidate], state: LogState) -> Sequence[Decision]:
        seen.extend(c.attachment for c in batch)
        return [Refuse("test.no", "no") if c.attachment == b"refuse" else Accept() for c in batch]

    def hook(conn: Connection, accepted: Sequence[Accepted]) -> None:
        for a in accepted:
            if a.attachment is None:
                continue
            conn.execute(text("INSERT INTO side VALUES (:i, :n)"), {"i": a.index, "n": a.attachment.decode()})
            if a.attachment == b"boom":
                raise RuntimeError("the hook failed: the whole batch must roll back")

    seq.admission, seq.on_accept = admit, hook
    results = seq.append([b"a", b"b", b"c"], [b"first", b"refuse", None])
    assert [r.index for r in results] == [0, None, 1]
    assert seen == [b"first", b"refuse", None]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT idx, note FROM side ORDER BY idx")).all() == [(0, "first")]
    # A hook (or admission function) that raises rolls its batch back; the entry that makes it raise is
    # refused on its own and the others in the batch are sequenced: one bad submission never stops the log.
    results = seq.append([b"d", b"e"], [b"boom", b"fine"])
    assert results[0].index is None
    assert results[0].refused_code == "ledger.admission_error"
    assert results[1].index == 2
    assert store.size() == 3
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT idx, note FROM side ORDER BY idx")).all() == [
            (0, "first"),
            (2, "fine"),
        ]


def test_direct_append_sequences_what_is_pending_first(db_url: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from ledger.storage.orm import Pending

    store, seq, _ = make_log(db_url)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            insert(Pending),
            [
                {"data": d, "attachment": None, "leaf_hash": leaf_hash(d), "submitted": now, "done": False}
                for d in (b"left pending 1", b"mine", b"left pending 2")
            ],
        )
    results = seq.append([b"mine", b"new"])
    assert [(r.index, r.duplicate) for r in results] == [(1, True), (3, False)]
    with store.engine.connect() as conn:
        rows = conn.execute(select(Pending.done, Pending.idx).order_by(Pending.id)).all()
    assert [tuple(r) for r in rows] == [(True, 0), (True, 1), (True, 2)]
    assert list(store.iter_entries()) == [b"left pending 1", b"mine", b"left pending 2", b"new"]


def test_a_held_lock_sends_the_append_through_the_pending_rows(db_url: str) -> None:
    import threading
    import time

    from sqlalchemy import event

    from ledger.storage.engine import IMMEDIATE, lock_sequencer

    store, seq, _ = make_log(db_url)
    seq.append([b"first"])
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results: list[int | None] = []
    with store.engine.connect().execution_options(**{IMMEDIATE: True}) as holder, holder.begin():
        lock_sequencer(holder)
        worker = threading.Thread(target=lambda: results.extend(r.index for r in seq.append([b"second"])))
        worker.start()
        time.sleep(0.5)
        # It waits for the lock: on SQLite to insert its pending row, on PostgreSQL to sequence it.
        assert worker.is_alive()
    worker.join(30)
    assert results == [1]
    assert any(s.startswith("INSERT INTO pending") for s in statements)
    assert store.size() == 2
