"""The sequencer: one at a time under a database lock, it turns pending submissions into log entries.

Submitting is two short transactions and a wait: (1) the submission's entries are inserted as ``pending`` rows
and committed; (2) the submitter takes the sequencer lock and sequences every pending row there is, its own
and anybody else's (group commit), in one transaction that writes the entries, the tiles they complete and a
signed checkpoint; (3) it reads its own rows' outcomes. A submitter that finds its rows already sequenced by
another process's batch just reads them. An entry is acknowledged only after the batch holding it has
committed, so after a crash the tree is exactly the one the committed entries define; rows pending at the
crash are sequenced by the next batch.

The admission function sees the batch's new entries in order with the log's state before them and accepts or
refuses each; it runs inside the locked transaction, so what it decides holds at the exact index each entry
gets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ledger import tileproof
from ledger.bundle import MAX_ENTRY_SIZE
from ledger.compact import CompactRange
from ledger.errors import EntryTooLargeError, StorageError
from ledger.hashing import leaf_hash
from ledger.proof import NodeID
from ledger.storage.engine import IMMEDIATE, lock_sequencer
from ledger.storage.orm import Checkpoint, HashTile, LogEntry, Pending, TileTail
from ledger.storage.store import ConnectionTileReader, LogStore, size_of
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH

MAX_BATCH = 4096
"""Pending rows one batch takes at most; the sequencer loops until nothing is pending."""

STALE_OUTCOMES = timedelta(hours=1)
"""Outcomes older than this whose submitter never collected them (it died) are deleted by the sequencer."""


@dataclass(frozen=True)
class Candidate:
    """A new entry the admission function judges: the entry's bytes and the submitter's opaque attachment.

    The log stores the attachment nowhere itself; an accept hook may (for example, the document a record
    commits to), in the same transaction as the entry.
    """

    entry: bytes
    attachment: bytes | None = None


@dataclass(frozen=True)
class Accepted:
    """An entry the batch sequenced, as the accept hook sees it."""

    index: int
    entry: bytes
    attachment: bytes | None


@dataclass(frozen=True)
class LogState:
    """What an admission function knows of the log: its size and root before the batch."""

    size: int
    root: bytes
    conn: Connection
    """The sequencer's connection, inside its locked transaction (read it; write nothing through it)."""


@dataclass(frozen=True)
class Accept:
    """The admission function's decision to sequence an entry."""


@dataclass(frozen=True)
class Refuse:
    """The admission function's decision not to sequence an entry, with a stable code and a reason."""

    code: str
    message: str


Decision = Accept | Refuse
Admission = Callable[[Sequence[Candidate], LogState], Sequence[Decision]]
"""Judges the batch's new entries (in order) at the positions they would take; one decision per entry."""

AcceptHook = Callable[[Connection, Sequence[Accepted]], None]
"""Runs inside the batch's transaction after its entries are written: what it writes commits with them."""

CheckpointSigner = Callable[[int, bytes], bytes]
"""Returns the log's signed checkpoint note for (size, root)."""


def admit_all(entries: Sequence[Candidate], _state: LogState) -> Sequence[Decision]:
    """The admission function of a log that accepts every entry."""
    return [Accept()] * len(entries)


@dataclass(frozen=True)
class AppendResult:
    """One submitted entry's outcome: its index (the first one if it was already logged) or a refusal."""

    index: int | None
    duplicate: bool = False
    refused_code: str | None = None
    refused_message: str | None = None


class Sequencer:
    """Appends entries to a stored log. Safe to use from several threads and processes at once."""

    def __init__(
        self,
        store: LogStore,
        sign: CheckpointSigner,
        admission: Admission = admit_all,
        on_accept: AcceptHook | None = None,
    ) -> None:
        self.store = store
        self.sign = sign
        self.admission = admission
        self.on_accept = on_accept

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
        now = datetime.now(UTC)
        extra = attachments if attachments is not None else [None] * len(entries)
        rows = [
            {"data": d, "attachment": a, "leaf_hash": leaf_hash(d), "submitted": now, "done": False}
            for d, a in zip(entries, extra, strict=True)
        ]
        with self.store.engine.begin() as conn:
            ids = list(
                conn.execute(
                    insert(Pending).returning(Pending.id, sort_by_parameter_order=True), rows
                ).scalars()
            )
        while True:
            results = self._collect(ids)
            if results is not None:
                return results
            self.sequence()

    def _collect(self, ids: list[int]) -> list[AppendResult] | None:
        # Read and delete in two transactions: on SQLite (WAL) a transaction that read before it writes
        # cannot take the write lock once another connection has committed since its read (it fails at once,
        # whatever the busy timeout), while one that starts by writing waits for the lock. The rows are done,
        # so no one else changes them in between.
        with self.store.engine.connect() as conn:
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
                    ).where(Pending.id.in_(ids))
                )
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
        logged, limit = 0, MAX_BATCH
        while True:
            try:
                with self.store.engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
                    lock_sequencer(conn)
                    added, more = self._batch(conn, limit)
            except _CallbackError as e:
                if limit == 1:
                    self._refuse_first(e)
                    limit = MAX_BATCH
                else:
                    limit = 1
                continue
            logged += added
            if limit == 1:
                limit = MAX_BATCH
                continue
            if not more:
                return logged

    def _refuse_first(self, error: _CallbackError) -> None:
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

    def _batch(self, conn: Connection, limit: int = MAX_BATCH) -> tuple[int, bool]:
        todo = conn.execute(
            select(Pending.id, Pending.data, Pending.attachment, Pending.leaf_hash)
            .where(Pending.done.is_(False))
            .order_by(Pending.id)
            .limit(limit)
        ).all()
        if not todo:
            return 0, False
        size = size_of(conn)
        reader = ConnectionTileReader(conn)
        edge = tileproof.right_edge(reader, size) if size else CompactRange.empty()
        state = LogState(size, edge.root(), conn)

        # Duplicates of logged entries, and repeats within the batch, get the first index and skip admission.
        hashes = list({row.leaf_hash for row in todo})
        known: dict[bytes, int] = {}
        for start in range(0, len(hashes), 500):
            for lh, idx in conn.execute(
                select(LogEntry.leaf_hash, LogEntry.idx).where(
                    LogEntry.leaf_hash.in_(hashes[start : start + 500])
                )
            ):
                known[lh] = idx
        fresh: list[tuple[int, Candidate, bytes]] = []
        seen: set[bytes] = set()
        for row in todo:
            if row.leaf_hash not in known and row.leaf_hash not in seen:
                seen.add(row.leaf_hash)
                fresh.append((row.id, Candidate(row.data, row.attachment), row.leaf_hash))
        try:
            decisions = list(self.admission([candidate for _, candidate, _ in fresh], state))
        except Exception as e:
            raise _CallbackError from e
        if len(decisions) != len(fresh):
            raise StorageError("the admission function must return one decision per entry")

        new_entries: list[dict[str, object]] = []
        outcomes: list[dict[str, object]] = []
        refused: dict[bytes, Refuse] = {}
        stored: dict[tuple[int, int], bytes] = {}
        accepted: list[Accepted] = []
        for (_pid, candidate, lh), decision in zip(fresh, decisions, strict=True):
            if isinstance(decision, Refuse):
                refused[lh] = decision
                continue
            index = edge.end
            known[lh] = index
            new_entries.append({"idx": index, "data": candidate.entry, "leaf_hash": lh})
            accepted.append(Accepted(index, candidate.entry, candidate.attachment))
            edge.append(lh, lambda node, h: _keep_tile_hash(stored, node, h))
        first_of: dict[bytes, int] = {lh: pid for pid, _, lh in fresh}
        for row in todo:
            if row.leaf_hash in known:
                dup = first_of.get(row.leaf_hash) != row.id
                outcomes.append(
                    {"pid": row.id, "idx": known[row.leaf_hash], "dup": dup, "rc": None, "rm": None}
                )
            else:
                r = refused[row.leaf_hash]
                outcomes.append({"pid": row.id, "idx": None, "dup": False, "rc": r.code, "rm": r.message})

        if new_entries:
            conn.execute(insert(LogEntry), new_entries)
            self._write_tiles(conn, stored, edge.end)
            if self.on_accept is not None:
                try:
                    self.on_accept(conn, accepted)
                except Exception as e:
                    raise _CallbackError from e
            root = edge.root()
            conn.execute(
                insert(Checkpoint),
                {
                    "size": edge.end,
                    "root": root,
                    "note": self.sign(edge.end, root),
                    "created": datetime.now(UTC),
                },
            )
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
            outcomes,
        )
        conn.execute(
            delete(Pending).where(
                Pending.done.is_(True), Pending.submitted < datetime.now(UTC) - STALE_OUTCOMES
            )
        )
        return len(new_entries), len(todo) == limit

    @staticmethod
    def _write_tiles(conn: Connection, stored: dict[tuple[int, int], bytes], size: int) -> None:
        """Store the batch's new tile-level hashes: full tiles as blobs, the rest as tail rows."""
        by_tile: dict[tuple[int, int], list[tuple[int, bytes]]] = {}
        for (level, node), h in stored.items():
            by_tile.setdefault((level, node // TILE_WIDTH), []).append((node, h))
        tails: list[dict[str, object]] = []
        for (level, tile), hashes in sorted(by_tile.items()):
            first = tile * TILE_WIDTH
            complete = (size >> (TILE_HEIGHT * level)) >= first + TILE_WIDTH
            if not complete:
                tails.extend({"level": level, "node": n, "hash": h} for n, h in hashes)
                continue
            have = dict(
                conn.execute(
                    select(TileTail.node, TileTail.hash).where(
                        TileTail.level == level, TileTail.node >= first, TileTail.node < first + TILE_WIDTH
                    )
                ).all()
            )
            have.update(hashes)
            if sorted(have) != list(range(first, first + TILE_WIDTH)):
                raise StorageError(f"tile level {level} index {tile} completed with hashes missing")
            conn.execute(
                insert(HashTile),
                {
                    "level": level,
                    "idx": tile,
                    "data": b"".join(have[n] for n in range(first, first + TILE_WIDTH)),
                },
            )
            conn.execute(
                delete(TileTail).where(
                    TileTail.level == level, TileTail.node >= first, TileTail.node < first + TILE_WIDTH
                )
            )
        if tails:
            conn.execute(insert(TileTail), tails)


class _CallbackError(Exception):
    """The admission function or the accept hook raised (the cause); the batch is rolled back."""


def _keep_tile_hash(stored: dict[tuple[int, int], bytes], node: NodeID, h: bytes) -> None:
    # Tiles store the nodes at heights 0, 8, 16, ...; the nodes between are recomputed from them when read.
    if node.level % TILE_HEIGHT == 0:
        stored[(node.level // TILE_HEIGHT, node.index)] = h
