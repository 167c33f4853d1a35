"""One sequencer batch, inside the transaction that holds the sequencer's lock (see ``sequencer``).

A batch takes submissions in order and, at the exact positions they would get: finds those already logged
(in ``leaf_index`` or the unmerged tail, ``ledger.storage.dedupe``) and repeats within the batch, which keep
their first index; asks the admission function about the rest; writes the accepted entries, the hash tiles
they complete (C2SP tlog-tiles, each full tile with its inner nodes, ``ledger.tilebuild``), the new tail
hashes of the incomplete tiles above level 0, runs the accept hook, and stores a signed checkpoint (C2SP
tlog-checkpoint) of the new tree. Each hash is written once: the incomplete level-0 tile is the entries' own
leaf hashes, and a tile above it moves from ``tile_tail`` into ``hash_tile`` when it completes, so n entries
write O(n) tile bytes.

The batch also defines the types the admission function and the accept hook see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import Connection, insert

from ledger.errors import LedgerError, StorageError
from ledger.storage import dedupe
from ledger.storage.dedupe import TailCache
from ledger.storage.orm import Checkpoint, HashTile, LogEntry, TileTail
from ledger.storage.store import size_of
from ledger.tilebuild import TileAppender
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH


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


@dataclass(slots=True)
class AppendResult:
    """One submitted entry's outcome: its index (the first one if it was already logged) or a refusal.

    Read-only by convention, not frozen: a batch makes one per entry, and a frozen dataclass costs three
    times as much to make (each field set through ``object.__setattr__``)."""

    index: int | None
    duplicate: bool = False
    refused_code: str | None = None
    refused_message: str | None = None


class Submission(NamedTuple):
    """One entry a batch takes: its bytes, the submitter's attachment and the entry's leaf hash (a named
    tuple: a batch makes thousands, and a frozen dataclass costs several times more to make)."""

    entry: bytes
    attachment: bytes | None
    leaf_hash: bytes


class CallbackError(Exception):
    """The admission function or the accept hook raised (the cause); the batch must be rolled back."""


@dataclass(frozen=True)
class Callbacks:
    """What a batch calls: the admission function, the accept hook (or None) and the checkpoint signer."""

    admission: Admission
    on_accept: AcceptHook | None
    sign: CheckpointSigner


def run_batch(
    conn: Connection, items: Sequence[Submission], calls: Callbacks, tail: TailCache
) -> list[AppendResult]:
    """Sequence ``items`` in order in the locked transaction of ``conn``; return one outcome per item.

    ``tail`` is the process's cache of the unmerged leaf hashes (``ledger.storage.dedupe``), held by the
    caller around this transaction and its commit. Nothing is committed here: the caller commits (and only
    then may acknowledge) or rolls back.

    Raises:
        CallbackError: the admission function or the accept hook raised; roll the transaction back.
        StorageError: the stored tree is inconsistent, or the admission function broke its contract.
    """
    size = size_of(conn)
    hashes = [item.leaf_hash for item in items]
    known = _logged(conn, hashes, tail, size)
    tree, root = tail.tree if tail.tree is not None else _open_tree(conn, size)
    # Each hash's first position in the batch (later positions are repeats of it).
    first_of = {h: pos for pos, h in reversed(list(enumerate(hashes)))}
    if not known and len(first_of) == len(items):
        fresh = list(items)  # the usual batch: nothing logged before, no repeats
    else:
        fresh = [
            item
            for pos, item in enumerate(items)
            if item.leaf_hash not in known and first_of[item.leaf_hash] == pos
        ]
    decisions = _judge(calls.admission, fresh, LogState(size, root, conn))

    refused: dict[bytes, Refuse] = {}
    if decisions is None:  # every one accepted
        new = fresh
    else:
        new = []
        for item, decision in zip(fresh, decisions, strict=True):
            if isinstance(decision, Refuse):
                refused[item.leaf_hash] = decision
            else:
                new.append(item)
    rows = [(size + i, item.entry, item.leaf_hash) for i, item in enumerate(new)]

    if rows:
        _insert(conn, LogEntry.__tablename__, ("idx", "data", "leaf_hash"), rows)
        tree.extend([item.leaf_hash for item in new])
        _write_tiles(conn, tree, size)
        _index(conn, tail, rows, tree.size)
        if calls.on_accept is not None:
            try:
                calls.on_accept(
                    conn,
                    [
                        Accepted(row[0], item.entry, item.attachment)
                        for row, item in zip(rows, new, strict=True)
                    ],
                )
            except Exception as e:
                raise CallbackError from e
        root = tree.root()
        note = calls.sign(tree.size, root)
        conn.execute(
            insert(Checkpoint), {"size": tree.size, "root": root, "note": note, "created": datetime.now(UTC)}
        )
    tail.keep_tree(tree, root)

    if len(rows) == len(items):  # each entry new and accepted, in order
        return [AppendResult(i) for i in range(size, tree.size)]
    added = {lh: i for i, _, lh in rows}
    out: list[AppendResult] = []
    for pos, h in enumerate(hashes):
        logged = known.get(h)
        if logged is not None:  # logged before the batch
            out.append(AppendResult(logged, True))
        elif (logged := added.get(h)) is not None:
            out.append(AppendResult(logged, first_of[h] != pos))
        else:
            r = refused[h]
            out.append(AppendResult(None, False, r.code, r.message))
    return out


def _judge(admission: Admission, fresh: list[Submission], state: LogState) -> list[Decision] | None:
    """The admission function's decisions on ``fresh``, or None if it is :func:`admit_all`."""
    if admission is admit_all:
        return None
    try:
        decisions = list(admission([Candidate(item.entry, item.attachment) for item in fresh], state))
    except Exception as e:
        raise CallbackError from e
    if len(decisions) != len(fresh):
        raise StorageError("the admission function must return one decision per entry")
    return decisions


def _placeholder(conn: Connection) -> str:
    # Positional parameters as the driver spells them: sqlite3 takes "?", psycopg "%s". Statements run many
    # times a batch go to the driver as they are: SQLAlchemy's per-row work costs more than the insert.
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
    """Insert ``rows`` with one ``executemany`` through the driver."""
    marks = ", ".join([_placeholder(conn)] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def _logged(conn: Connection, hashes: list[bytes], tail: TailCache, size: int) -> dict[bytes, int]:
    """The index of every one of ``hashes`` that is already logged: in ``leaf_index`` or in the tail."""
    merged = dedupe.merged_size(conn)
    tail.sync(conn, merged, size)
    unique = list(dict.fromkeys(hashes))
    known = tail.lookup(conn, unique, merged, size)
    cached = tail.hashes
    for h in unique:
        i = cached.get(h)
        if i is not None:
            known[h] = i
    return known


def _index(conn: Connection, tail: TailCache, rows: list[tuple[int, bytes, bytes]], size: int) -> None:
    """Make the batch's new entries (``rows``, taking the tree to ``size``) findable by leaf hash: in the
    tail, or, once the tail has reached its threshold, merged with it into ``leaf_index``."""
    if size - tail.merged >= dedupe.merge_threshold(tail.merged):
        dedupe.merge(conn, tail.merged, size)
        tail.merged_to(rows, size)
    else:
        tail.extend(rows, size)


def _open_tree(conn: Connection, size: int) -> tuple[TileAppender, bytes]:
    """The tree of ``size`` as its incomplete tiles (level 0 from the entries, higher levels from tail rows),
    and its root.

    Raises:
        StorageError: a hash of an incomplete tile is missing, or a tail row is where none should be.
    """
    p = _placeholder(conn)
    first = size - size % TILE_WIDTH
    leaves = [
        bytes(lh)
        for _, lh in conn.exec_driver_sql(
            f"SELECT idx, leaf_hash FROM {LogEntry.__tablename__} WHERE idx >= {p} ORDER BY idx",  # noqa: S608
            (first,),
        ).all()
    ]
    partial: list[list[bytes]] = [leaves]
    expected: list[int] = []
    for level, node, h in conn.exec_driver_sql(
        f"SELECT level, node, hash FROM {TileTail.__tablename__} ORDER BY level, node"  # noqa: S608 (no input)
    ).all():
        while len(partial) <= level:
            hashes = size >> (TILE_HEIGHT * len(partial))
            partial.append([])
            expected.append(hashes - hashes % TILE_WIDTH)
        if level < 1 or node != expected[level - 1] + len(partial[level]):
            raise StorageError(f"tile tail at level {level} has a row for node {node} where none belongs")
        partial[level].append(bytes(h))
    try:
        tree = TileAppender(size, partial)
    except LedgerError as e:
        raise StorageError(f"the incomplete tiles of the tree of {size} are not as stored: {e}") from e
    return tree, tree.root()


def _write_tiles(conn: Connection, tree: TileAppender, before: int) -> None:
    """Store what the batch added to the tree that had ``before`` leaves: the tiles it completed, with their
    inner nodes, and the new hashes of the incomplete tiles above level 0 (tail rows)."""
    p = _placeholder(conn)
    completed = tree.take_completed()
    if completed:
        _insert(
            conn,
            HashTile.__tablename__,
            ("level", "idx", "data", "inner_nodes"),
            [(t.level, t.index, t.data, t.inner) for t in completed],
        )
        # A completed tile above level 0 may have had tail rows from earlier batches: they move into the tile.
        gone = [(t.level, t.index * TILE_WIDTH, (t.index + 1) * TILE_WIDTH) for t in completed if t.level > 0]
        if gone:
            conn.exec_driver_sql(
                f"DELETE FROM {TileTail.__tablename__} WHERE level = {p} AND node >= {p} AND node < {p}",  # noqa: S608
                gone,
            )
    tails: list[tuple[int, int, bytes]] = []
    for level in range(1, len(tree.partial)):
        hashes = tree.size >> (TILE_HEIGHT * level)
        first = hashes - len(tree.partial[level])
        new_from = max(first, before >> (TILE_HEIGHT * level))
        tails += [(level, node, tree.partial[level][node - first]) for node in range(new_from, hashes)]
    if tails:
        _insert(conn, TileTail.__tablename__, ("level", "node", "hash"), tails)
