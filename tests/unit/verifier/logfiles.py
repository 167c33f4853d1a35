"""Write a log as tlog-tiles static files, in memory terms only (the sequencer's tile writer, no database)."""

from __future__ import annotations

from pathlib import Path

from ledger.bundle import encode_bundle
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.hashing import leaf_hash
from ledger.notekeys import Ed25519Signer
from ledger.policy import Policy
from ledger.tilebuild import TileAppender
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileKey, entries_path, tile_path

ORIGIN = "audit.test/log"
SIGNER = Ed25519Signer(ORIGIN, bytes(range(32)))
POLICY = Policy.from_keys(SIGNER.verifier().vkey, [], 0)


def entries(n: int, tag: str = "") -> list[bytes]:
    return [f"entry {i}{tag}".encode() for i in range(n)]


def write_log(root: Path, items: list[bytes], signer: Ed25519Signer = SIGNER) -> None:
    """Write ``checkpoint``, every tile and every bundle of the tree of ``items`` under ``root``."""
    size = len(items)
    appender = TileAppender(0, [])
    appender.extend(leaf_hash(e) for e in items)
    files: dict[str, bytes] = {}
    for tile in appender.take_completed():
        files[tile_path(TileKey(tile.level, tile.index, TILE_WIDTH))] = tile.data
    for level, hashes in enumerate(appender.partial):
        if hashes:
            index = (size >> (TILE_HEIGHT * level)) // TILE_WIDTH
            files[tile_path(TileKey(level, index, len(hashes)))] = b"".join(hashes)
    for start in range(0, size, TILE_WIDTH):
        chunk = items[start : start + TILE_WIDTH]
        files[entries_path(start // TILE_WIDTH, len(chunk))] = encode_bundle(chunk)
    note = sign_checkpoint(Checkpoint(signer.name, size, appender.root()), [signer]).to_bytes()
    files["checkpoint"] = note
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
