"""Check a stored log against its entries: every tile and checkpoint recomputed from the entries alone.

What is checked, against RFC 9162 section 2.1 (the tree hash), C2SP tlog-tiles (which hashes each tile
holds) and C2SP tlog-checkpoint / signed-note (what each checkpoint says and who signed it):

1. the entries have the indices 0..size-1, with no gap, and each stored leaf hash is SHA-256(0x00 || entry);
2. every full hash tile, and its stored inner nodes (``ledger.tilebuild``), equal the ones recomputed from
   the entries, and no other full tile is stored;
3. the tail rows hold exactly the hashes of the incomplete tile of each level above 0 (none for a full tile,
   none past the tree, none at level 0, whose incomplete tile is the entries' leaf hashes checked in 1),
   equal to the recomputed ones;
4. every checkpoint note opens with the log's key, names the log's origin, and states the stored size and
   root; that root is the one the entries give; no checkpoint is past the log, and the log's size has one;
5. the leaf-hash index (``ledger.storage.dedupe``) maps each entry before its recorded extent to that entry's
   index and holds nothing else, and no leaf hash is logged twice (in the index or in the unmerged tail).

It streams: entries are read ``chunk`` rows at a time and fed to :class:`ledger.tilereplay.TileReplay` (the
recomputation ``verifier.audit`` uses too), which yields every node hash once (the tile-level ones and the
inner nodes between them); only the tile being filled at each level is held, so memory is O(log n) plus one
chunk, whatever the log's size. Nothing trusts the stored tiles while recomputing, and the recomputation does
not use the sequencer's tile writer (``ledger.tilebuild``), so a bug there cannot hide itself.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, tuple_

from ledger.checkpoint import open_checkpoint
from ledger.errors import FsckError, LedgerError, StorageError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash
from ledger.note import Verifier
from ledger.storage import dedupe
from ledger.storage.orm import Checkpoint, HashTile, LeafIndex, LogEntry, TileTail
from ledger.storage.store import LogStore, size_of
from ledger.tilereplay import ReplayedTile, TileReplay
from ledger.tiles import MAX_LEVEL, TILE_HEIGHT, TILE_WIDTH

__all__ = ["FsckReport", "fsck"]

DEFAULT_CHUNK = 4096
"""Entries (and checkpoints) read per query."""


@dataclass(frozen=True)
class FsckReport:
    """What a successful check covered."""

    entries: int
    tiles: int
    """Hash tiles checked: full tiles and the incomplete tile of each level."""
    checkpoints: int


def _fail(kind: str, location: str, message: str) -> FsckError:
    return FsckError(f"{location}: {message}", kind=kind, location=location)


def _same(a: bytes, b: bytes) -> bool:
    return len(a) == len(b) and hmac.compare_digest(a, b)


def _entry_rows(conn: Connection, start: int, end: int) -> Sequence[tuple[int, bytes, bytes]]:
    rows = conn.execute(
        select(LogEntry.idx, LogEntry.data, LogEntry.leaf_hash)
        .where(LogEntry.idx >= start, LogEntry.idx < end)
        .order_by(LogEntry.idx)
    ).all()
    return [(row.idx, row.data, row.leaf_hash) for row in rows]


def _checkpoint_rows(conn: Connection, first: int, last: int) -> Iterator[tuple[int, bytes, bytes]]:
    """Checkpoints with first <= size <= last, ascending."""
    rows = conn.execute(
        select(Checkpoint.size, Checkpoint.root, Checkpoint.note)
        .where(Checkpoint.size >= first, Checkpoint.size <= last)
        .order_by(Checkpoint.size)
    ).all()
    for row in rows:
        yield row.size, row.root, row.note


class _CheckpointChecker:
    def __init__(self, origin: str, verifiers: Sequence[Verifier]) -> None:
        self.origin = origin
        self.verifiers = verifiers
        self.checked = 0

    def check(self, size: int, stored_root: bytes, note: bytes, computed: bytes) -> None:
        where = f"checkpoint {size}"
        try:
            signed = open_checkpoint(note, self.verifiers)
        except LedgerError as e:
            raise _fail(
                "checkpoint_signature", where, f"the note does not open with the log's key ({e.code})"
            ) from e
        body = signed.checkpoint
        if body.origin != self.origin:
            raise _fail(
                "checkpoint_note", where, f"the note names origin {body.origin!r}, not {self.origin!r}"
            )
        if body.size != size:
            raise _fail("checkpoint_note", where, f"the note states size {body.size}")
        if not _same(body.root, stored_root):
            raise _fail("checkpoint_note", where, "the note's root is not the stored root")
        if not _same(stored_root, computed):
            raise _fail("checkpoint_root", where, "the stored root is not the root the entries give")
        self.checked += 1


def _check_full_tiles(conn: Connection, tiles: list[ReplayedTile]) -> int:
    """Compare recomputed full tiles with the stored ones; return how many were checked."""
    if not tiles:
        return 0
    keys = [(t.level, t.index) for t in tiles]
    stored = {
        (row.level, row.idx): (row.data, row.inner_nodes)
        for row in conn.execute(
            select(HashTile.level, HashTile.idx, HashTile.data, HashTile.inner_nodes).where(
                tuple_(HashTile.level, HashTile.idx).in_(keys)
            )
        )
    }
    for t in tiles:
        where = f"tile {t.level}/{t.index}"
        found = stored.get((t.level, t.index))
        if found is None:
            raise _fail("tile_missing", where, "the full tile is not stored")
        data, inner = found
        if not _same(data, t.hashes):
            raise _fail("tile", where, "the stored tile is not the one the entries give")
        if inner is None or not _same(inner, t.inner):
            raise _fail("tile_inner", where, "the stored inner nodes are not the ones the entries give")
    return len(tiles)


def _check_extra_tiles(conn: Connection, size: int) -> None:
    for level in conn.execute(select(HashTile.level).distinct().order_by(HashTile.level)).scalars():
        full = (size >> (TILE_HEIGHT * level)) // TILE_WIDTH if 0 <= level <= MAX_LEVEL else 0
        extra = conn.execute(
            select(HashTile.idx)
            .where(HashTile.level == level, (HashTile.idx >= full) | (HashTile.idx < 0))
            .order_by(HashTile.idx)
        ).first()
        if extra is not None:
            raise _fail(
                "tile_extra", f"tile {level}/{extra.idx}", "a full tile is stored that the tree lacks"
            )


def _check_tails(conn: Connection, size: int, filling: dict[int, bytes]) -> int:
    """Check the tail rows against the incomplete tile of each level; return how many tiles were checked."""
    for level in conn.execute(select(TileTail.level).distinct().order_by(TileTail.level)).scalars():
        hashes = size >> (TILE_HEIGHT * level) if 0 <= level <= MAX_LEVEL else 0
        first = hashes - hashes % TILE_WIDTH
        # Level 0 keeps no tail rows at all: its incomplete tile is the entries' leaf hashes.
        end = hashes if level else first
        row = conn.execute(
            select(TileTail.node)
            .where(TileTail.level == level, (TileTail.node < first) | (TileTail.node >= end))
            .order_by(TileTail.node)
        ).first()
        if row is not None:
            where = f"tail {level}/{row.node}"
            if 0 <= row.node < first:
                raise _fail("tail_full", where, "a tail row is kept for a tile that is full")
            if level == 0 and row.node < hashes:
                raise _fail(
                    "tail_extra", where, "a tail row at level 0, whose incomplete tile is the entries"
                )
            raise _fail("tail_extra", where, "a tail row is past the tree")
    checked = 0
    for level, buf in sorted(filling.items()):
        width = len(buf) // HASH_SIZE
        if not width:
            continue
        hashes = size >> (TILE_HEIGHT * level)
        first = hashes - width
        stored: dict[int, bytes] = {}
        if level:
            # (Level 0's incomplete tile is the entries' own leaf hashes, each checked against its entry.)
            rows = conn.execute(
                select(TileTail.node, TileTail.hash)
                .where(TileTail.level == level, TileTail.node >= first, TileTail.node < hashes)
                .order_by(TileTail.node)
            ).all()
            stored = {r.node: r.hash for r in rows}
        for offset in range(width if level else 0):
            node = first + offset
            where = f"tail {level}/{node}"
            h = stored.get(node)
            if h is None:
                raise _fail("tail", where, "the hash of the incomplete tile is not stored")
            if not _same(h, bytes(buf[offset * HASH_SIZE : (offset + 1) * HASH_SIZE])):
                raise _fail("tail", where, "the stored hash is not the one the entries give")
        index = first // TILE_WIDTH
        if conn.execute(select(HashTile.idx).where(HashTile.level == level, HashTile.idx == index)).first():
            raise _fail("tile_extra", f"tile {level}/{index}", "an incomplete tile is stored as full")
        checked += 1
    return checked


def fsck(store: LogStore, verifiers: Sequence[Verifier], *, chunk: int = DEFAULT_CHUNK) -> FsckReport:
    """Recompute every tile and checkpoint root of a stored log from its entries, and compare.

    It reads one snapshot of the database in a single read transaction (REPEATABLE READ on PostgreSQL), so
    it may run while a sequencer appends: it checks the log as it was when it started.

    Args:
        store: the log.
        verifiers: the log's verifier key(s); every checkpoint must open with one of them.
        chunk: entries read per query.

    Returns:
        How many entries, tiles and checkpoints were checked.

    Raises:
        FsckError: the first disagreement found; its ``kind`` and ``location`` say what and where.
    """
    if chunk < 1:
        raise ValueError("chunk must be positive")
    origin = store.origin
    with _snapshot(store) as conn:
        return _check(conn, origin, verifiers, chunk)


@contextmanager
def _snapshot(store: LogStore) -> Iterator[Connection]:
    """One read transaction over the whole check, so a sequencer appending meanwhile is not seen."""
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        # SQLite (WAL): a deferred transaction reads one snapshot from its first read to its end.
        with conn.begin():
            yield conn


def _check(conn: Connection, origin: str, verifiers: Sequence[Verifier], chunk: int) -> FsckReport:
    size = size_of(conn)
    lowest = conn.execute(select(func.min(LogEntry.idx))).scalar()
    if lowest is not None and lowest < 0:
        raise _fail("gap", f"entry {lowest}", "an entry has a negative index")

    replay = TileReplay()
    checkpoints = _CheckpointChecker(origin, verifiers)
    full_tiles = 0
    for _size, stored_root, note in _checkpoint_rows(conn, 0, 0):
        checkpoints.check(0, stored_root, note, EMPTY_ROOT)
    for start in range(0, size, chunk):
        end = min(size, start + chunk)
        rows = _entry_rows(conn, start, end)
        due = list(_checkpoint_rows(conn, start + 1, end))
        due.reverse()
        for expected, (idx, data, stored_hash) in enumerate(rows, start=start):
            if idx != expected:
                raise _fail("gap", f"entry {expected}", "the entry is missing")
            computed = leaf_hash(data)
            if not _same(stored_hash, computed):
                raise _fail("leaf_hash", f"entry {idx}", "the stored leaf hash is not the entry's hash")
            replay.append(computed)
            while due and due[-1][0] == replay.size:
                # Check the tiles completed so far first: the error reported is then the first in log order.
                full_tiles += _check_full_tiles(conn, replay.take_complete())
                cp_size, cp_root, note = due.pop()
                checkpoints.check(cp_size, cp_root, note, replay.root())
        if len(rows) != end - start:
            raise _fail("gap", f"entry {start + len(rows)}", "the entry is missing")
        full_tiles += _check_full_tiles(conn, replay.take_complete())

    extra = conn.execute(
        select(Checkpoint.size)
        .where((Checkpoint.size > size) | (Checkpoint.size < 0))
        .order_by(Checkpoint.size)
    ).first()
    if extra is not None:
        raise _fail("checkpoint_extra", f"checkpoint {extra.size}", f"the log has only {size} entries")
    if size and conn.execute(select(Checkpoint.size).where(Checkpoint.size == size)).first() is None:
        raise _fail("checkpoint_missing", f"checkpoint {size}", "no checkpoint was signed at the log's size")
    _check_extra_tiles(conn, size)
    partial = _check_tails(conn, size, dict(enumerate(replay.partial_tiles())))
    _check_leaf_index(conn, size)
    return FsckReport(entries=size, tiles=full_tiles + partial, checkpoints=checkpoints.checked)


def _check_leaf_index(conn: Connection, size: int) -> None:
    """Check the leaf-hash index against the entries (whose leaf hashes were checked already)."""
    try:
        merged = dedupe.merged_size(conn)
    except (StorageError, ValueError) as e:
        raise _fail(
            "leaf_index", "leaf_index", f"the extent of the leaf-hash index is unreadable: {e}"
        ) from e
    if not 0 <= merged <= size:
        raise _fail("leaf_index", "leaf_index", f"the index covers {merged} entries, the log has {size}")
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    entry, index = LogEntry.__tablename__, LeafIndex.__tablename__
    # Every entry before the extent has its own row (a second entry with the same bytes finds the first's)...
    row = conn.exec_driver_sql(
        f"SELECT e.idx, li.idx FROM {entry} e LEFT JOIN {index} li ON li.leaf_hash = e.leaf_hash "  # noqa: S608
        f"WHERE e.idx < {m} AND (li.idx IS NULL OR li.idx <> e.idx) ORDER BY e.idx LIMIT 1",
        (merged,),
    ).first()
    if row is not None:
        if row[1] is not None and row[1] < row[0]:
            raise _fail("duplicate", f"entry {row[0]}", f"the same bytes are logged at {row[1]}")
        raise _fail("leaf_index", f"entry {row[0]}", "the entry is not in the leaf-hash index at its index")
    # ... and the index holds nothing else (a row past the extent, or one whose entry has another hash).
    row = conn.exec_driver_sql(
        f"SELECT li.idx FROM {index} li LEFT JOIN {entry} e ON e.idx = li.idx "  # noqa: S608 (no input)
        f"WHERE li.idx >= {m} OR li.idx < 0 OR e.idx IS NULL OR e.leaf_hash <> li.leaf_hash "
        "ORDER BY li.idx LIMIT 1",
        (merged,),
    ).first()
    if row is not None:
        raise _fail("leaf_index", f"entry {row[0]}", "the leaf-hash index has a row for no such entry")
    # The unmerged tail (at most dedupe.MERGE_MAX entries): no repeat, and nothing that is already indexed.
    first: dict[bytes, int] = {}
    for idx, lh in dedupe.tail_hashes(conn, merged, size, size):
        if lh in first:
            raise _fail("duplicate", f"entry {idx}", f"the same bytes are logged at {first[lh]}")
        first[lh] = idx
    again = dedupe.indexed(conn, list(first))
    if again:
        lh = min(again, key=first.__getitem__)
        raise _fail("duplicate", f"entry {first[lh]}", f"the same bytes are logged at {again[lh]}")
