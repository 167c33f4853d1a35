"""Tile reads of the stored log: O(log n) index lookups, one query for full tiles and one for tails."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from ledger import checkpoint as cp
from ledger import keys, verify
from ledger.errors import StorageError
from ledger.hashing import leaf_hash
from ledger.storage.sequencer import Sequencer
from ledger.storage.store import ConnectionTileReader, LogStore
from ledger.tiles import TileKey

ORIGIN = "example.test/reads"
SIZE = 256 * 3 + 70  # three full level-0 tiles and a partial one; a partial level-1 tile


def _log(url: str) -> tuple[LogStore, list[bytes]]:
    skey, _ = keys.generate_log_key(ORIGIN)
    signer = keys.load_signer(skey)

    def sign(size: int, root: bytes) -> bytes:
        return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, root), [signer]).to_bytes()

    store = LogStore.create(url, ORIGIN)
    entries = [f"entry {i}".encode() for i in range(SIZE)]
    seq = Sequencer(store, sign)
    for start in range(0, SIZE, 200):
        seq.append(entries[start : start + 200])
    return store, entries


def _capture(store: LogStore) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", before)
    return statements


def test_proof_reads_tiles_in_two_queries(db_url: str) -> None:
    store, entries = _log(db_url)
    statements = _capture(store)
    root = store.root(SIZE)
    statements.clear()
    for index in (0, 300, 767, 768, SIZE - 1):
        proof = store.inclusion_proof(index, SIZE)
        verify.verify_inclusion(leaf_hash(entries[index]), index, SIZE, proof, root)
    tile_reads = [s for s, _ in statements if "hash_tile" in s or "tile_tail" in s]
    # Each proof: one query for the full tiles, at most one for the tails.
    assert 5 <= len(tile_reads) <= 10
    assert sum("hash_tile" in s for s in tile_reads) == 5


def test_full_tile_lookup_uses_the_primary_key(sqlite_db: str) -> None:
    store, _ = _log(sqlite_db)
    statements = _capture(store)
    store.inclusion_proof(5, SIZE)
    query, params = next((s, p) for s, p in statements if "FROM hash_tile" in s)
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params).all()
    details = " | ".join(str(row[-1]) for row in plan)
    assert "SCAN hash_tile" not in details, details
    assert "USING INDEX" in details, details


def test_tiles_match_between_full_and_tail_reads(db_url: str) -> None:
    store, _ = _log(db_url)
    with store.engine.connect() as conn:
        reader = ConnectionTileReader(conn)
        keys_ = [TileKey(0, 3, 70), TileKey(0, 0, 256), TileKey(1, 0, 3), TileKey(0, 3, 10), TileKey(0, 1, 5)]
        tiles = reader.read_tiles(keys_)
    assert [len(t) for t in tiles] == [70 * 32, 256 * 32, 3 * 32, 10 * 32, 5 * 32]
    assert tiles[3] == tiles[0][: 10 * 32]
    for key, tile in zip(keys_, tiles, strict=True):
        assert store.read_tile(key.level, key.index, key.width) == tile


def test_gap_in_tail_rows_is_refused(sqlite_db: str) -> None:
    store, _ = _log(sqlite_db)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM tile_tail WHERE level = 0 AND node = ?", (256 * 3 + 5,))
    with pytest.raises(StorageError) as info:
        store.read_tile(0, 3, 70)
    assert info.value.code == StorageError.code
