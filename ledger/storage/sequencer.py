"""The sequencer: one at a time under a database lock, it turns submissions into log entries.

A submitter first tries the sequencer's lock without waiting (SQLite: ``BEGIN IMMEDIATE`` with no busy
timeout; PostgreSQL: ``pg_try_advisory_xact_lock``). If it gets it, it sequences, in that one transaction,
every pending submission there is (others', first) and then its own entries, which never become pending rows;
its entries are acknowledged when that transaction has committed.

If the lock is held, it takes the group-commit path: (1) its entries are inserted as ``pending`` rows and
committed; (2) it waits for the lock and sequences every pending row there is, its own and anybody else's, in
one transaction; (3) it reads its rows' outcomes. A submitter that finds its rows already sequenced by another
process's batch just reads them. Either way an entry is acknowledged only after the batch holding it has
committed, so after a crash the tree is exactly the one the committed entries define; rows pending at the
crash are sequenced by the next batch, and the entries of an uncommitted direct batch were never acknowledged.

What one batch does, and the admission function and accept hook it calls inside the locked transaction (so
what they decide holds at the exact index each entry gets), is in :mod:`ledger.storage.batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ledger.bundle import MAX_ENTRY_SIZE
from ledger.errors import EntryTooLargeError, StorageError
from ledger.hashing import leaf_hash
from ledger.storage.batch import (
    Accept,
    Accepted,
    AcceptHook,
    Admission,
    AppendResult,
    CallbackError,
    Callbacks,
    Candidate,
    CheckpointSigner,
    Decision,
    LogState,
    Refuse,
    Submission,
    admit_all,
    run_batch,
)
from ledger.storage.engine import IMMEDIATE, TRY_IMMEDIATE, lock_sequencer, try_lock_sequencer
from ledger.storage.orm import Pending
from ledger.storage.store import LogStore

__all__ = [
    "MAX_BATCH",
    "Accept",
    "AcceptHook",
    "Accepted",
    "Admission",
    "AppendResult",
    "Candidate",
    "CheckpointSigner",
    "Decision",
    "LogState",
    "Refuse",
    "Sequencer",
    "admit_all",
]

MAX_BATCH = 4096
"""Pending rows one batch takes at most; the sequencer loops until nothing is pending. A submission of more
entries than this goes through the pending rows."""

STALE_OUTCOMES = timedelta(hours=1)
"""Outcomes older than this whose submitter never collected them (it died) are deleted by the sequencer."""


class _Pending(NamedTuple):
    """A pending row: its id and the submission it holds."""

    id: int
    submission: Submission


class Sequencer:
    """Appends entries to a stored log. Safe to use from several threads and processes at once.

    ``direct`` (the default) lets a submitter that finds the lock free sequence its entries in its own
    transaction; False always takes the group-commit path through the pending rows.
    """

    def __init__(
        self,
        store: LogStore,
        sign: CheckpointSigner,
        admission: Admission = admit_all,
        on_accept: AcceptHook | None = None,
        *,
        direct: bool = True,
    ) -> None:
        self.store = store
        self.sign = sign
        self.admission = admission
        self.on_accept = on_accept
        self.direct = direct

    def append(
        self, entries: Sequence[bytes], attachments: Sequence[bytes | None] | None = None
    ) -> list[AppendResult]:
        """Submit entries and wait until each is durably sequenced (or refused); results in input order.

        ``attachments`` (one per entry, or None) travel with the entries to the admission function and the
        accept hook, whichever process's batch sequences them.

        Raises:
            EntryTooLargeError: an entry is over 65,535 bytes; nothing is submitted.
            StorageError: ``attachments`` does not match ``entries``.
        """
        if attachments is not None and len(attachments) != len(entries):
            raise StorageError("one attachment per entry, or none")
        for i, data in enumerate(entries):
            if len(data) > MAX_ENTRY_SIZE:
                raise EntryTooLargeError(
                    f"entry {i} is {len(data)} bytes; an entry holds at most {MAX_ENTRY_SIZE}"
                )
        if not entries:
            return []
        extra = attachments if attachments is not None else [None] * len(entries)
        own = [Submission(d, a, leaf_hash(d)) for d, a in zip(entries, extra, strict=True)]
        if self.direct and len(own) <= MAX_BATCH:
            results = self._direct(own)
            if results is not None:
                return results
        ids = self._submit(own)
        while True:
            results = self._collect(ids)
            if results is not None:
                return results
            self.sequence()

    def _callbacks(self) -> Callbacks:
        return Callbacks(self.admission, self.on_accept, self.sign)

    def _direct(self, own: list[Submission]) -> list[AppendResult] | None:
        """Sequence what is pending and then ``own`` if the lock is free now; None if it is not (or if a
        callback raised: the pending path then refuses the entry that makes it raise, alone)."""
        tail = self.store.tail_cache
        try:
            # The tail cache is held around the transaction and its commit (a thread of this process holding
            # it is sequencing, or about to: the lock is as good as taken).
            with (
                tail.hold(blocking=False) as free,
                self.store.engine.connect().execution_options(**{TRY_IMMEDIATE: True}) as conn,
                conn.begin(),
            ):
                if not free or not try_lock_sequencer(conn):
                    return None
                todo = self._pending(conn, MAX_BATCH + 1)
                if len(todo) > MAX_BATCH:
                    return None  # a backlog: let the pending path work through it in order
                items = [row.submission for row in todo]
                outcomes = run_batch(conn, items + own if items else own, self._callbacks(), tail)
                self._record(conn, [row.id for row in todo], outcomes)
        except CallbackError:
            return None
        return outcomes[len(todo) :]

    def _submit(self, own: list[Submission]) -> list[int]:
        now = datetime.now(UTC)
        rows = [
            {
                "data": s.entry,
                "attachment": s.attachment,
                "leaf_hash": s.leaf_hash,
                "submitted": now,
                "done": False,
            }
            for s in own
        ]
        with self.store.engine.begin() as conn:
            return list(
                conn.execute(
                    insert(Pending).returning(Pending.id, sort_by_parameter_order=True), rows
                ).scalars()
            )

    def _collect(self, ids: list[int]) -> list[AppendResult] | None:
        # Read and delete in two transactions: on SQLite (WAL) a transaction that read before it writes
        # cannot take the write lock once another connection has committed since its read (it fails at once,
        # whatever the busy timeout), while one that starts by writing waits for the lock. The rows are done,
        # so no one else changes them in between. Reading by id range reads other submitters' rows in
        # between too, which are left alone.
        with self.store.engine.connect() as conn:
            wanted = set(ids)
            found = {
                row.id: row
                for row in conn.execute(
                    select(
                        Pending.id,
                        Pending.done,
                        Pending.idx,
                        Pending.duplicate,
                        Pending.refused_code,
                        Pending.refused_message,
                    ).where(Pending.id >= min(ids), Pending.id <= max(ids))
                )
                if row.id in wanted
            }
            if len(found) != len(ids):
                raise StorageError("a pending submission disappeared before it was sequenced")
            if not all(row.done for row in found.values()):
                return None
        with self.store.engine.begin() as conn:
            conn.execute(delete(Pending).where(Pending.id.in_(ids)))
        return [
            AppendResult(found[i].idx, found[i].duplicate, found[i].refused_code, found[i].refused_message)
            for i in ids
        ]

    def sequence(self) -> int:
        """Sequence everything pending, batch by batch; return how many new entries were logged.

        If the admission function or the accept hook raises, the batch rolls back and the sequencer goes on
        one entry at a time: the entry whose own batch still raises is refused (``ledger.admission_error``) so
        that one bad submission can never stop the log; the others are sequenced as usual.
        """
        logged, limit, tail = 0, MAX_BATCH, self.store.tail_cache
        while True:
            try:
                with (
                    tail.hold(),
                    self.store.engine.connect().execution_options(**{IMMEDIATE: True}) as conn,
                    conn.begin(),
                ):
                    lock_sequencer(conn)
                    todo = self._pending(conn, limit)
                    if not todo:
                        return logged
                    outcomes = run_batch(conn, [row.submission for row in todo], self._callbacks(), tail)
                    self._record(conn, [row.id for row in todo], outcomes)
            except CallbackError as e:
                if limit == 1:
                    self._refuse_first(e)
                    limit = MAX_BATCH
                else:
                    limit = 1
                continue
            logged += sum(r.index is not None and not r.duplicate for r in outcomes)
            if limit == 1:
                limit = MAX_BATCH
            elif len(todo) < limit:
                return logged

    @staticmethod
    def _pending(conn: Connection, limit: int) -> list[_Pending]:
        """Up to ``limit`` pending rows, oldest first, as (id, submission) pairs. Plain SQL to the driver: it
        runs once a batch, and compiling the statement cost several times what running it does."""
        m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        rows = conn.exec_driver_sql(
            f"SELECT id, data, attachment, leaf_hash FROM {Pending.__tablename__} "  # noqa: S608 (no input)
            f"WHERE done = {m} ORDER BY id LIMIT {m}",
            (False, limit),
        ).all()
        return [
            _Pending(i, Submission(bytes(d), None if a is None else bytes(a), bytes(h)))
            for i, d, a, h in rows
        ]

    @staticmethod
    def _record(conn: Connection, ids: list[int], outcomes: list[AppendResult]) -> None:
        """Record the outcomes of the batch's pending rows (the first ``len(ids)`` outcomes), and delete
        outcomes nobody collected for a long time."""
        stale = datetime.now(UTC) - STALE_OUTCOMES
        bind = Pending.__table__.c.submitted.type.bind_processor(conn.dialect)  # as SQLAlchemy stores it
        m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"DELETE FROM {Pending.__tablename__} WHERE done = {m} AND submitted < {m}",  # noqa: S608 (no input)
            (True, stale if bind is None else bind(stale)),
        )
        if ids:
            conn.execute(
                update(Pending)
                .where(Pending.id == bindparam("pid"))
                .values(
                    done=True,
                    idx=bindparam("idx"),
                    duplicate=bindparam("dup"),
                    refused_code=bindparam("rc"),
                    refused_message=bindparam("rm"),
                ),
                [
                    {
                        "pid": i,
                        "idx": r.index,
                        "dup": r.duplicate,
                        "rc": r.refused_code,
                        "rm": r.refused_message,
                    }
                    for i, r in zip(ids, outcomes, strict=False)
                ],
            )

    def _refuse_first(self, error: CallbackError) -> None:
        with self.store.engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
            lock_sequencer(conn)
            first = conn.execute(
                select(Pending.id).where(Pending.done.is_(False)).order_by(Pending.id).limit(1)
            ).scalar()
            if first is not None:
                conn.execute(
                    update(Pending)
                    .where(Pending.id == first)
                    .values(
                        done=True,
                        refused_code="ledger.admission_error",
                        refused_message=f"judging this entry failed: {error.__cause__!r}",
                    )
                )
