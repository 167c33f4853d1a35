"""Tile reads of the stored log: O(log n) index lookups, one query for full tiles and one for tails; the
incomplete level-0 tile read from the entries, full tiles with their stored inner nodes."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import checkpoint as cp
from ledger import keys, verify
from ledger.errors import RootMismatchError, StorageError
from ledger.hashing import leaf_hash
from ledger.storage.sequencer import Sequencer
from ledger.storage.store import ConnectionTileReader, LogStore
from ledger.tilebuild import inner_nodes, inner_slot
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


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Record every query the tile reader sends (it runs them on the driver's cursor)."""
    statements: list[tuple[str, Any]] = []
    real = ConnectionTileReader._query

    def query(self: ConnectionTileReader, sql: str, params: Any) -> list[Any]:
        statements.append((sql, tuple(params)))
        return real(self, sql, params)

    monkeypatch.setattr(ConnectionTileReader, "_query", query)
    return statements


def test_proof_reads_tiles_in_two_queries(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store, entries = _log(db_url)
    statements = _capture(monkeypatch)
    root = store.root(SIZE)
    statements.clear()
    for index in (0, 300, 767, 768, SIZE - 1):
        proof = store.inclusion_proof(index, SIZE)
        verify.verify_inclusion(leaf_hash(entries[index]), index, SIZE, proof, root)
    # Each proof: one query for the full tiles, at most one each for the incomplete tiles of level 0 (the
    # entries' leaf hashes) and of the levels above (the tail rows).
    assert 5 <= len(statements) <= 15
    assert sum("FROM hash_tile" in s for s, _ in statements) == 5


def test_full_tile_lookup_uses_the_primary_key(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = _log(sqlite_db)
    statements = _capture(monkeypatch)
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
        conn.exec_driver_sql("DELETE FROM tile_tail WHERE level = 1 AND node = 1")
    with pytest.raises(StorageError) as info:
        store.read_tile(1, 0, 3)
    assert info.value.code == StorageError.code


def test_gap_in_the_entries_of_the_partial_level_0_tile_is_refused(sqlite_db: str) -> None:
    # The incomplete level-0 tile is the leaf hashes of the entries past the last full tile.
    store, _ = _log(sqlite_db)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM log_entry WHERE idx = ?", (256 * 3 + 5,))
    with pytest.raises(StorageError) as info:
        store.read_tile(0, 3, 70)
    assert info.value.code == StorageError.code


def test_no_level_0_tail_rows_and_full_tiles_carry_their_inner_nodes(db_url: str) -> None:
    store, _ = _log(db_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM tile_tail WHERE level = 0").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM tile_tail WHERE level = 1").scalar() == 3
        rows = conn.exec_driver_sql("SELECT level, idx, data, inner_nodes FROM hash_tile ORDER BY idx").all()
    assert [(level, idx) for level, idx, _, _ in rows] == [(0, 0), (0, 1), (0, 2)]
    for _, _, data, inner in rows:
        assert bytes(inner) == inner_nodes(bytes(data))


def test_a_proof_through_full_tiles_reads_their_inner_nodes(sqlite_db: str) -> None:
    # Damage one stored inner node: the proof that reads it changes (and so fails to verify), which shows the
    # proof read it instead of recomputing it.
    store, entries = _log(sqlite_db)
    root = store.root(SIZE)
    index = 300  # in full tile 0/1; its proof takes the node at height 1 over leaves 302..303 (inner slot 23)
    proof = store.inclusion_proof(index, SIZE)
    verify.verify_inclusion(leaf_hash(entries[index]), index, SIZE, proof, root)
    with store.engine.begin() as conn:
        inner = conn.exec_driver_sql(
            "SELECT inner_nodes FROM hash_tile WHERE level = 0 AND idx = 1"
        ).scalar_one()
        assert isinstance(inner, bytes)
        slot = inner_slot(1, (302 - 256) // 2)
        bad = inner[: slot * 32] + bytes(32) + inner[(slot + 1) * 32 :]
        conn.exec_driver_sql("UPDATE hash_tile SET inner_nodes = ? WHERE level = 0 AND idx = 1", (bad,))
    assert store.inclusion_proof(index, SIZE)[1] == bytes(32)
    with pytest.raises(RootMismatchError):
        verify.verify_inclusion(
            leaf_hash(entries[index]), index, SIZE, store.inclusion_proof(index, SIZE), root
        )
