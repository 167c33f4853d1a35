"""Reads of a stored log: entries, tiles, bundles, checkpoints and proofs, each in O(log n) tile reads.

A partial tile or bundle of width W is the first W hashes or entries of any wider version of it, so every
width of every tile is served from the one stored version: the full tile once it exists, else the entries'
leaf hashes (level 0) or the tail rows (higher levels).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from ledger import bundle, tileproof
from ledger.errors import RangeError, StorageError, TileError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.storage import dedupe
from ledger.storage.engine import IMMEDIATE, make_engine
from ledger.storage.orm import Base, Checkpoint, Cosignature, HashTile, LogEntry, LogMeta, TileTail
from ledger.tiles import TILE_WIDTH, TileKey

SCHEMA_VERSION = "3"
"""Version 2: level-0 tiles are never kept partial (the entries' leaf hashes are that tile), and full tiles
carry their inner nodes. Version 3: leaf hashes are unique through ``leaf_index``, merged in bulk
(``ledger.storage.dedupe``), not through an index on ``log_entry``."""


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored: the log's signed note, and the witnesses' cosignature lines."""

    size: int
    root: bytes
    note: bytes
    cosignatures: tuple[str, ...]
    created: datetime

    @property
    def cosigned_note(self) -> bytes:
        """The note with every cosignature line appended (a signed note may carry several signatures)."""
        return self.note + b"".join(line.encode() + b"\n" for line in self.cosignatures)


class ConnectionTileReader:
    """A ``ledger.tiles.TileReader`` over one database connection (so it sees its transaction's writes).

    It is also a ``ledger.tileproof.InnerTileReader``: full tiles come with their stored inner nodes.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # Positional parameters as the driver spells them: sqlite3 takes "?", psycopg "%s".
        self._placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"

    def _query(self, sql: str, params: Sequence[int]) -> list[Any]:
        """Run one read on the driver's own cursor, inside this connection's transaction (begun if need be),
        and return its rows as tuples. A proof runs three of these: SQLAlchemy's statement and result
        handling cost a third of each, and nothing here needs them."""
        if not self.conn.in_transaction():
            self.conn.begin()
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # open: begun above
        try:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        """Return each tile's first ``width`` hashes, from the full tile if stored, else from the tail rows.

        Raises:
            TileError: a tile the tree should have is missing or short.
        """
        return [data for data, _ in self._read(keys, with_inner=False)]

    def read_tiles_inner(self, keys: Sequence[TileKey]) -> list[tuple[bytes, bytes | None]]:
        """Return each tile as :meth:`read_tiles` does, with a full tile's inner nodes (None for a partial).

        Raises:
            TileError: a tile the tree should have is missing or short.
        """
        return self._read(keys, with_inner=True)

    def _read(self, keys: Sequence[TileKey], *, with_inner: bool) -> list[tuple[bytes, bytes | None]]:
        if not keys:
            return []
        wanted = sorted({(k.level, k.index) for k in keys})
        # One equality pair per tile, OR-ed: SQLite answers a row-value IN list by scanning the whole table
        # (O(n) per proof) but looks each pair up in the primary key, as PostgreSQL does. The SQL goes to the
        # driver as it is: compiling the same query from a SQLAlchemy expression costs several times what
        # running it does, and a proof runs one such query per request.
        p = self._placeholder
        where = " OR ".join([f"(level = {p} AND idx = {p})"] * len(wanted))
        columns = "level, idx, data, inner_nodes" if with_inner else "level, idx, data, NULL"
        full = {
            (level, index): (bytes(data), None if inner is None else bytes(inner))
            for level, index, data, inner in self._query(
                f"SELECT {columns} FROM {HashTile.__tablename__} WHERE {where}",  # noqa: S608 (no input)
                [v for pair in wanted for v in pair],
            )
        }
        tails = self._tails([k for k in keys if (k.level, k.index) not in full])
        out: list[tuple[bytes, bytes | None]] = []
        for key in keys:
            found = full.get((key.level, key.index))
            data, inner = (tails[(key.level, key.index)], None) if found is None else found
            need = key.width * HASH_SIZE
            if len(data) < need:
                raise TileError(
                    f"tile level {key.level} index {key.index}: {len(data) // HASH_SIZE} hashes stored, "
                    f"{key.width} needed"
                )
            out.append((data[:need], inner if key.full else None))
        return out

    def _tails(self, keys: Sequence[TileKey]) -> dict[tuple[int, int], bytes]:
        """Read the hashes of every incomplete tile in ``keys`` (up to its widest width asked), in at most
        two queries: level 0 from the entries' leaf hashes, higher levels from the tail rows."""
        widths: dict[tuple[int, int], int] = {}
        for key in keys:
            widths[(key.level, key.index)] = max(key.width, widths.get((key.level, key.index), 0))
        if not widths:
            return {}
        p = self._placeholder
        out: dict[tuple[int, int], bytes] = {}
        leaves = sorted((index, width) for (level, index), width in widths.items() if level == 0)
        if leaves:
            where = " OR ".join([f"(idx >= {p} AND idx < {p})"] * len(leaves))
            params = tuple(
                v for index, width in leaves for v in (index * TILE_WIDTH, index * TILE_WIDTH + width)
            )
            found = self._query(
                f"SELECT 0, idx, leaf_hash FROM {LogEntry.__tablename__} WHERE {where} ORDER BY idx",  # noqa: S608
                params,
            )
            _split_runs(found, [(0, index, width) for index, width in leaves], out, "entries")
        upper = sorted((level, index, width) for (level, index), width in widths.items() if level > 0)
        if upper:
            where = " OR ".join([f"(level = {p} AND node >= {p} AND node < {p})"] * len(upper))
            params = tuple(
                v
                for level, index, width in upper
                for v in (level, index * TILE_WIDTH, index * TILE_WIDTH + width)
            )
            found = self._query(
                f"SELECT level, node, hash FROM {TileTail.__tablename__} WHERE {where} ORDER BY level, node",  # noqa: S608
                params,
            )
            _split_runs(found, upper, out, "tile tail")
        return out


def _split_runs(
    rows: Sequence[tuple[int, int, bytes]],
    tiles: Sequence[tuple[int, int, int]],
    out: dict[tuple[int, int], bytes],
    what: str,
) -> None:
    """Cut ``rows`` (level, node, hash), ordered by level and node, into the hashes of each of ``tiles``
    (level, index, width; in the same order).

    The nodes of one level are unique (a primary key), so a tile's run of k rows has no gap exactly when it
    runs from the tile's first node to the k-th; a tree shorter than asked gives a short run (which the caller
    reports as a missing tile), a hole inside it is an inconsistent store.

    Raises:
        StorageError: a tile's run of rows has a gap.
    """
    keys = [(level, node) for level, node, _ in rows]
    at = 0
    for level, index, width in tiles:
        first = index * TILE_WIDTH
        stop = bisect_left(keys, (level, first + width), lo=at)
        run = rows[at:stop]
        if run and (run[0][1] != first or run[-1][1] != first + len(run) - 1):
            present = {node for _, node, _ in run}
            missing = next(n for n in range(first, first + width) if n not in present)
            raise StorageError(f"the {what} at level {level} have a gap at {missing}")
        out[(level, index)] = b"".join([h for _, _, h in run])
        at = stop


class LogStore:
    """A log in a database: reads, checkpoints and proofs. Appends go through ``ledger.storage.sequencer``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tail_cache = dedupe.TailCache()
        """This process's cache of the unmerged tail's leaf hashes (the sequencer's, see ``dedupe``)."""

    @classmethod
    def open(cls, url: str) -> LogStore:
        """Open the log in the database at ``url`` (a SQLite path or a SQLAlchemy URL).

        Raises:
            StorageError: the database holds no carbontrail log, or one of another schema version.
        """
        store = cls(make_engine(url))
        version = store.meta("schema_version")
        if version is None:
            raise StorageError(f"no carbontrail log in {url}: run `carbontrail init` first")
        if version != SCHEMA_VERSION:
            raise StorageError(f"log schema version {version}, this carbontrail reads {SCHEMA_VERSION}")
        return store

    @classmethod
    def create(cls, url: str, origin: str) -> LogStore:
        """Create the log's tables and record its origin; refuse a database that already holds another log.

        Raises:
            StorageError: a log with another origin is already there.
        """
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        store = cls(engine)
        with engine.begin() as conn:
            existing = conn.execute(select(LogMeta.value).where(LogMeta.key == "origin")).scalar()
            if existing is not None and existing != origin:
                raise StorageError(f"this database already holds the log {existing!r}")
            if existing is None:
                conn.execute(
                    insert(LogMeta),
                    [
                        {"key": "origin", "value": origin},
                        {"key": "schema_version", "value": SCHEMA_VERSION},
                        {"key": dedupe.MERGED_KEY, "value": "0"},
                    ],
                )
        return store

    def meta(self, key: str) -> str | None:
        """Return a setting from ``log_meta``, or None (also when the table does not exist yet)."""
        try:
            with self.engine.connect() as conn:
                return conn.execute(select(LogMeta.value).where(LogMeta.key == key)).scalar()
        except Exception as e:  # a missing table means "no log here"
            if "log_meta" in str(e):
                return None
            raise StorageError(f"cannot read the log database: {e}") from e

    @property
    def origin(self) -> str:
        """The log's origin line (C2SP tlog-checkpoint)."""
        origin = self.meta("origin")
        if origin is None:
            raise StorageError("the log has no origin recorded")
        return origin

    # --- size, checkpoints -------------------------------------------------------------------------------

    def size(self) -> int:
        """The number of sequenced entries."""
        with self.engine.connect() as conn:
            return size_of(conn)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The checkpoint of the largest size, or None for a log that has none yet."""
        with self.engine.connect() as conn:
            size = conn.execute(select(func.max(Checkpoint.size))).scalar()
            return None if size is None else self._checkpoint(conn, size)

    def checkpoint(self, size: int) -> StoredCheckpoint:
        """The checkpoint of exactly this size.

        Raises:
            RangeError: no checkpoint of that size was ever signed.
        """
        with self.engine.connect() as conn:
            return self._checkpoint(conn, size)

    def checkpoint_sizes(self) -> list[int]:
        """Every checkpoint size, ascending."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(Checkpoint.size).order_by(Checkpoint.size)).scalars())

    def _checkpoint(self, conn: Connection, size: int) -> StoredCheckpoint:
        cp = conn.execute(
            select(Checkpoint.size, Checkpoint.root, Checkpoint.note, Checkpoint.created).where(
                Checkpoint.size == size
            )
        ).first()
        if cp is None:
            raise RangeError(f"no checkpoint of size {size}")
        lines = conn.execute(
            select(Cosignature.line)
            .where(Cosignature.size == size)
            .order_by(Cosignature.key_name, Cosignature.key_id)
        ).scalars()
        created = cp.created if cp.created.tzinfo else cp.created.replace(tzinfo=UTC)
        return StoredCheckpoint(cp.size, cp.root, cp.note, tuple(lines), created)

    def add_cosignature(self, size: int, key_name: str, key_id: bytes, line: str) -> None:
        """Store one witness's cosignature line for the checkpoint of ``size`` (kept once per witness key).

        Raises:
            RangeError: no checkpoint of that size.
        """
        # It reads before it writes: on SQLite that transaction must take the write lock first (IMMEDIATE),
        # or a commit by anyone else between its read and its insert fails that insert ("database is locked").
        with self.engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
            self._checkpoint(conn, size)
            exists = conn.execute(
                select(Cosignature.line).where(
                    Cosignature.size == size, Cosignature.key_name == key_name, Cosignature.key_id == key_id
                )
            ).first()
            if exists is None:
                conn.execute(
                    insert(Cosignature),
                    {"size": size, "key_name": key_name, "key_id": key_id, "line": line},
                )

    def last_cosigned_size(self, key_name: str, key_id: bytes, below: int) -> int:
        """The largest checkpoint size below ``below`` that this witness key cosigned, or 0."""
        with self.engine.connect() as conn:
            size = conn.execute(
                select(func.max(Cosignature.size)).where(
                    Cosignature.key_name == key_name, Cosignature.key_id == key_id, Cosignature.size < below
                )
            ).scalar()
        return 0 if size is None else int(size)

    # --- entries -----------------------------------------------------------------------------------------

    def entry(self, index: int) -> bytes:
        """The exact bytes of entry ``index``.

        Raises:
            RangeError: there is no such entry.
        """
        with self.engine.connect() as conn:
            data = conn.execute(select(LogEntry.data).where(LogEntry.idx == index)).scalar()
        if data is None:
            raise RangeError(f"no entry {index} in the log")
        return data

    def index_of(self, leaf_hash: bytes) -> int:
        """The index of the entry with this leaf hash.

        Raises:
            RangeError: no entry has that leaf hash.
        """
        with self.engine.connect() as conn, conn.begin():
            idx = dedupe.index_of(conn, leaf_hash, size_of(conn))
        if idx is None:
            raise RangeError("no entry with that leaf hash")
        return idx

    def iter_entries(self, start: int = 0, end: int | None = None, chunk: int = 4096) -> Iterator[bytes]:
        """Yield the entries in [start, end) in order, reading ``chunk`` rows at a time."""
        stop = self.size() if end is None else end
        while start < stop:
            upto = min(stop, start + chunk)
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(LogEntry.idx, LogEntry.data)
                    .where(LogEntry.idx >= start, LogEntry.idx < upto)
                    .order_by(LogEntry.idx)
                ).all()
            for expected, row in enumerate(rows, start=start):
                if row.idx != expected:
                    raise StorageError(f"entry {expected} is missing from the log")
                yield row.data
            if len(rows) != upto - start:
                raise StorageError(f"entries {start}..{upto - 1} are incomplete")
            start = upto

    # --- tiles and proofs --------------------------------------------------------------------------------

    def read_tile(self, level: int, index: int, width: int) -> bytes:
        """The bytes of hash tile (level, index) at ``width``, as C2SP tlog-tiles serves it.

        Raises:
            TileError: the tree does not (yet) have that many hashes in that tile.
        """
        with self.engine.connect() as conn:
            return ConnectionTileReader(conn).read_tiles([TileKey(level, index, width)])[0]

    def read_bundle(self, index: int, width: int) -> bytes:
        """The entry bundle ``index`` at ``width`` (C2SP tlog-tiles ``tile/entries``).

        Raises:
            TileError: the log does not have that many entries in that bundle.
        """
        first = index * TILE_WIDTH
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LogEntry.data)
                .where(LogEntry.idx >= first, LogEntry.idx < first + width)
                .order_by(LogEntry.idx)
            ).all()
        if len(rows) != width:
            raise TileError(f"entry bundle {index}: {len(rows)} entries stored, {width} asked for")
        return bundle.encode_bundle([row.data for row in rows])

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size``.

        Raises:
            RangeError: not 0 <= index < size <= the log's size.
        """
        with self.engine.connect() as conn:
            current = size_of(conn)
            if not 0 <= index < size <= current:
                raise RangeError(f"cannot prove entry {index} in a tree of {size} (the log has {current})")
            return tileproof.inclusion_proof(ConnectionTileReader(conn), index, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The RFC 9162 consistency proof from the tree of ``size1`` to that of ``size2``.

        Raises:
            RangeError: not 0 <= size1 <= size2 <= the log's size.
        """
        with self.engine.connect() as conn:
            current = size_of(conn)
            if not 0 <= size1 <= size2 <= current:
                raise RangeError(f"cannot prove {size1} -> {size2} consistent (the log has {current})")
            if size1 == 0 or size1 == size2:
                return []
            return tileproof.consistency_proof(ConnectionTileReader(conn), size1, size2)

    def root(self, size: int) -> bytes:
        """The root hash of the tree of ``size`` recomputed from tiles.

        Raises:
            RangeError: ``size`` is past the end of the log.
        """
        with self.engine.connect() as conn:
            current = size_of(conn)
            if not 0 <= size <= current:
                raise RangeError(f"no tree of size {size} (the log has {current})")
            return EMPTY_ROOT if size == 0 else tileproof.tree_root(ConnectionTileReader(conn), size)


def size_of(conn: Connection) -> int:
    """The log's size as seen by this connection's transaction."""
    top = conn.exec_driver_sql(f"SELECT max(idx) FROM {LogEntry.__tablename__}").scalar()  # noqa: S608
    return 0 if top is None else int(top) + 1
