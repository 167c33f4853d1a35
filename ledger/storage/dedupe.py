"""The log's leaf-hash index ("is this entry already logged, and where?"), built in bulk, not per entry.

A B-tree of random keys (leaf hashes) updated every batch dirties most of its pages each batch, and under WAL
every dirty page is written twice: at 50,000 entries that index cost more than the entries themselves. So the
index is two-part, LSM-style, and only the database is trusted:

* ``leaf_index`` (leaf hash, primary key -> index) covers the entries ``[0, merged)``; ``merged`` is the
  ``log_meta`` row ``leaf_index_size``, written in the same transaction as the index rows;
* the entries ``[merged, size)`` (the *tail*, at most :func:`merge_threshold` of them and never more than
  :data:`MERGE_MAX`) are in no index: their leaf hashes are in ``log_entry`` and the level-0 hash tiles.

When a batch leaves the tail at its threshold, the batch merges the tail into ``leaf_index`` in one sorted
``INSERT ... SELECT`` (each index page is then dirtied once per merge, not once per batch) and moves
``merged`` to the log's size; the primary key still refuses a second row for the same leaf hash.

The sequencer looks tail hashes up in :class:`TailCache`, a per-process map of the tail's leaf hashes that it
brings up to date under the sequencer's lock (reading only the entries appended since, by anyone) and
forgets whenever a batch of its own fails; others (``LogStore.index_of``) scan the tail's tiles.

The same cache keeps a Bloom filter (``ledger.storage.hashfilter``) of the merged hashes, ``[0, merged)``,
caught up from the level-0 tiles whenever someone else has merged, so a batch queries ``leaf_index`` only
for the hashes the filter may hold (none, for most batches of new entries). A process that opens a large
log builds the filter only once its own queries have looked up a quarter as many hashes as the index holds
(:data:`FILTER_PAYBACK`): reading every merged hash once then costs less than the queries it saves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from ledger.errors import StorageError
from ledger.hashing import HASH_SIZE
from ledger.storage.hashfilter import HashFilter
from ledger.storage.orm import HashTile, LeafIndex, LogEntry, LogMeta
from ledger.tilebuild import TileAppender
from ledger.tiles import TILE_WIDTH

MERGED_KEY = "leaf_index_size"
"""``log_meta`` key: how many entries, from index 0, ``leaf_index`` covers."""

MERGE_MIN = 16_384
"""Tail length that triggers a merge while the index is small."""

MERGE_MAX = 65_536
"""Tail length that always triggers a merge (bounds the tail a lookup by leaf hash scans: 256 tiles)."""

LOOKUP_CHUNK = 500
"""Leaf hashes looked up in ``leaf_index`` per query."""

FILTER_PAYBACK = 4
"""A process builds its filter of the merged hashes once it has looked up by query at least ``merged /
FILTER_PAYBACK`` hashes (reading a merged hash into the filter costs a fraction of looking one up)."""

FILTER_HEADROOM = 4
"""A filter is made for this many times the merged hashes it starts with (a larger one is built, from the
tiles, when they outgrow it: each hash is read a bounded number of times over the log's life)."""


def merge_threshold(merged: int) -> int:
    """The tail length at which a batch merges the tail into ``leaf_index``, which covers ``merged`` entries.

    A quarter of the index (within [:data:`MERGE_MIN`, :data:`MERGE_MAX`]): a merge dirties about every page
    of the index, so merging when the tail is a fixed fraction of it bounds what each entry costs.
    """
    return min(MERGE_MAX, max(MERGE_MIN, merged // 4))


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def merged_size(conn: Connection) -> int:
    """How many entries (from index 0) ``leaf_index`` covers, as this connection's transaction sees it.

    Raises:
        StorageError: the log has no such row (not a log of this schema).
    """
    value = conn.exec_driver_sql(
        f"SELECT value FROM {LogMeta.__tablename__} WHERE key = {_mark(conn)}",  # noqa: S608 (no input)
        (MERGED_KEY,),
    ).scalar()
    if value is None:
        raise StorageError(f"the log has no {MERGED_KEY!r} setting")
    return int(value)


def tail_hashes(conn: Connection, start: int, stop: int, size: int) -> Iterator[tuple[int, bytes]]:
    """Yield (index, leaf hash) for the entries in [start, stop) of the tree of ``size``, in order.

    Full level-0 tiles give 256 leaf hashes in one 8 KiB read; the rest come from the entries' rows.

    Raises:
        StorageError: a tile or an entry in the range is missing.
    """
    m = _mark(conn)
    full_end = min(stop, size - size % TILE_WIDTH)
    first_tile, tile_stop = start // TILE_WIDTH, -(-full_end // TILE_WIDTH) if full_end > start else 0
    at = start
    if tile_stop > first_tile:
        rows = conn.exec_driver_sql(
            f"SELECT idx, data FROM {HashTile.__tablename__} "  # noqa: S608 (no input)
            f"WHERE level = 0 AND idx >= {m} AND idx < {m} ORDER BY idx",
            (first_tile, tile_stop),
        ).all()
        for tile, data in rows:
            base = int(tile) * TILE_WIDTH
            if base > at or len(data) != TILE_WIDTH * HASH_SIZE:
                raise StorageError(f"level-0 tile {base // TILE_WIDTH} is missing or short")
            for i in range(at - base, min(TILE_WIDTH, full_end - base)):
                yield base + i, bytes(data[i * HASH_SIZE : (i + 1) * HASH_SIZE])
            at = min(base + TILE_WIDTH, full_end)
        if at < full_end:
            raise StorageError(f"level-0 tile {at // TILE_WIDTH} is missing")
    if at < stop:
        expected = at
        for idx, lh in conn.exec_driver_sql(
            f"SELECT idx, leaf_hash FROM {LogEntry.__tablename__} "  # noqa: S608 (no input)
            f"WHERE idx >= {m} AND idx < {m} ORDER BY idx",
            (at, stop),
        ).all():
            if idx != expected:
                raise StorageError(f"entry {expected} is missing from the log")
            yield expected, bytes(lh)
            expected += 1
        if expected != stop:
            raise StorageError(f"entry {expected} is missing from the log")


def indexed(conn: Connection, hashes: Sequence[bytes]) -> dict[bytes, int]:
    """The index of each of ``hashes`` that ``leaf_index`` holds (unique hashes expected)."""
    m = _mark(conn)
    found: dict[bytes, int] = {}
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        chunk = hashes[start : start + LOOKUP_CHUNK]
        sql = (
            f"SELECT leaf_hash, idx FROM {LeafIndex.__tablename__} "  # noqa: S608 (no input)
            f"WHERE leaf_hash IN ({', '.join([m] * len(chunk))})"
        )
        for lh, idx in conn.exec_driver_sql(sql, tuple(chunk)).all():
            found[bytes(lh)] = int(idx)
    return found


def index_of(conn: Connection, leaf_hash: bytes, size: int) -> int | None:
    """The index of the entry with this leaf hash in the tree of ``size``, or None: ``leaf_index`` first,
    then a scan of the tail (at most :data:`MERGE_MAX` hashes, mostly from full tiles).

    The extent is read before the index: a merge in between (visible under READ COMMITTED) only moves
    entries from the tail into the index, and the scan reads the entries, which stay."""
    merged = merged_size(conn)
    found = indexed(conn, [leaf_hash]).get(leaf_hash)
    if found is not None:
        return found
    return next((i for i, lh in tail_hashes(conn, merged, size, size) if lh == leaf_hash), None)


def merge(conn: Connection, merged: int, size: int) -> None:
    """Move the tail [merged, size) into ``leaf_index`` (sorted, one statement) and record the new extent.

    Raises:
        sqlalchemy.exc.IntegrityError: a tail leaf hash is already indexed (the batch must roll back).
    """
    m = _mark(conn)
    conn.exec_driver_sql(
        f"INSERT INTO {LeafIndex.__tablename__} (leaf_hash, idx) "  # noqa: S608 (no input)
        f"SELECT leaf_hash, idx FROM {LogEntry.__tablename__} WHERE idx >= {m} AND idx < {m} "
        "ORDER BY leaf_hash",
        (merged, size),
    )
    conn.exec_driver_sql(
        f"UPDATE {LogMeta.__tablename__} SET value = {m} WHERE key = {m}",  # noqa: S608 (no input)
        (str(size), MERGED_KEY),
    )


class TailCache:
    """One process's map of the tail's leaf hashes, valid for the tail [merged, size) it records; and, once a
    batch of this process has run, the tree of ``size`` as its incomplete tiles and its root (so the next
    batch neither reads nor rehashes them, unless someone else appended in between).

    Only a sequencer batch uses it, holding :meth:`hold` around the whole transaction (commit included): a
    batch that fails leaves it empty, so it never holds an entry that was not committed. Entries appended by
    other processes are read in by :meth:`sync` at the start of the next batch.

    It also keeps the filter of the merged hashes (:meth:`lookup`): it covers ``[0, covered)``; a batch's own
    merge adds its hashes at once but moves ``covered`` only once the batch has committed (a failed batch
    leaves extra bits: false positives, which the database answers).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._reset(-1, -1)
        self._drop_filter()

    def _reset(self, merged: int, size: int) -> None:
        self.merged = merged
        self.size = size
        self.hashes: dict[bytes, int] = {}
        self.tree: tuple[TileAppender, bytes] | None = None

    def _drop_filter(self) -> None:
        self.filter: HashFilter | None = None
        self.covered = 0
        """The filter holds the leaf hashes of the entries [0, covered)."""
        self._covered_last: bytes | None = None  # the leaf hash of entry covered - 1
        self._pending: tuple[int, bytes] | None = None  # (covered, last) once the batch commits
        self._queried = 0

    @contextmanager
    def hold(self, *, blocking: bool = True) -> Iterator[bool]:
        """Hold the cache for one batch (yields False if ``blocking`` is False and another thread holds it).
        Any exception inside, a failed commit included, empties the cache."""
        if self._pid != os.getpid():  # inherited through fork(): the lock may be held by a parent's thread
            self._lock, self._pid = threading.Lock(), os.getpid()
            self._reset(-1, -1)
            self._drop_filter()
        if not self._lock.acquire(blocking=blocking):
            yield False
            return
        try:
            self._pending = None
            yield True
            if self._pending is not None:  # the batch that merged has committed
                self.covered, self._covered_last = self._pending
        except BaseException:
            self._reset(-1, -1)
            raise
        finally:
            self._pending = None
            self._lock.release()

    def sync(self, conn: Connection, merged: int, size: int) -> None:
        """Make the cache hold exactly the tail [merged, size) that ``conn`` sees (inside the locked batch).

        Raises:
            StorageError: the stored entries or tiles of the tail are incomplete.
        """
        if self.merged != merged or not merged <= self.size <= size or not self._agrees(conn):
            self._reset(merged, merged)
        if self.size < size:
            self.hashes.update((lh, i) for i, lh in tail_hashes(conn, self.size, size, size))
            self.size = size
            self.tree = None

    def _agrees(self, conn: Connection) -> bool:
        # A cheap guard against a database changed under the process (restored, replaced): the last cached
        # entry must still have its cached leaf hash.
        if self.size == self.merged:
            return True
        last = conn.exec_driver_sql(
            f"SELECT leaf_hash FROM {LogEntry.__tablename__} WHERE idx = {_mark(conn)}",  # noqa: S608
            (self.size - 1,),
        ).scalar()
        return last is not None and self.hashes.get(bytes(last)) == self.size - 1

    def extend(self, rows: Sequence[tuple[int, bytes, bytes]], size: int) -> None:
        """Add a batch's new rows (index, entry, leaf hash), which take the tree to ``size``."""
        self.hashes.update((lh, i) for i, _, lh in rows)
        self.size = size
        self.tree = None

    def merged_to(self, rows: Sequence[tuple[int, bytes, bytes]], size: int) -> None:
        """The batch merged the tail and its new ``rows`` (index, entry, leaf hash; at least one), which take
        the tree to ``size``, into ``leaf_index``: the tail is now empty at ``size``. (If the filter would
        outgrow its capacity, the next batch's :meth:`lookup` builds a larger one from the tiles.)"""
        f = self.filter
        if f is not None and self.covered == self.merged and self._pending is None and size <= f.capacity:
            f.add(self.hashes)
            f.add([lh for _, _, lh in rows])
            self._pending = (size, rows[-1][2])
        self._reset(size, size)

    def lookup(self, conn: Connection, hashes: Sequence[bytes], merged: int, size: int) -> dict[bytes, int]:
        """The index of each of ``hashes`` (unique) that ``leaf_index`` holds, which covers the entries
        ``[0, merged)`` of the tree of ``size``: only those the filter may hold are queried.

        Raises:
            StorageError: the stored tiles or entries of the merged range are incomplete.
        """
        f = self._caught_up(conn, merged, size)
        if f is None:
            self._queried += len(hashes)
            return indexed(conn, hashes)
        maybe = f.maybe(hashes)
        return indexed(conn, maybe) if maybe else {}

    def _caught_up(self, conn: Connection, merged: int, size: int) -> HashFilter | None:
        """The filter, made to cover exactly [0, merged) (read from the tiles), or None if not worth it."""
        f = self.filter
        if f is not None and (self.covered > merged or not self._filter_agrees(conn)):
            self._drop_filter()
            f = None
        if f is None:
            if self._queried * FILTER_PAYBACK < merged:
                return None
            f = self.filter = HashFilter(FILTER_HEADROOM * merged)
        if self.covered < merged:
            if merged > f.capacity:  # outgrown: a larger one, from the start
                f = self.filter = HashFilter(FILTER_HEADROOM * merged)
                self.covered, self._covered_last = 0, None
            read = [lh for _, lh in tail_hashes(conn, self.covered, merged, size)]
            f.add(read)
            self.covered, self._covered_last = merged, read[-1]
        return f

    def _filter_agrees(self, conn: Connection) -> bool:
        # As _agrees: the last entry the filter covers must still have the leaf hash it had.
        if self.covered == 0:
            return True
        last = conn.exec_driver_sql(
            f"SELECT leaf_hash FROM {LogEntry.__tablename__} WHERE idx = {_mark(conn)}",  # noqa: S608
            (self.covered - 1,),
        ).scalar()
        return last is not None and bytes(last) == self._covered_last

    def keep_tree(self, tree: TileAppender, root: bytes) -> None:
        """Keep the batch's tree (its completed tiles taken) and root, for the next batch of this process.

        Raises:
            StorageError: the tree is not of the cached size, or has completed tiles not yet stored.
        """
        if tree.size != self.size or tree.completed:
            raise StorageError("only a stored tree of the cached size can be kept")
        self.tree = (tree, root)
