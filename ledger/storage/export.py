"""Write a stored log as static files, laid out exactly as C2SP tlog-tiles serves them.

``checkpoint`` and every tile and entry bundle of the current tree: full tiles at ``tile/<L>/<N>`` and
partial ones at ``tile/<L>/<N>.p/<W>``. Full tiles never change, so an export into a directory that already
holds an earlier export skips those that exist with the same bytes; partial tiles of earlier sizes are left in
place (any static server, object store or CDN can then serve the log's reads).

C2SP tlog-tiles ("Partial Tiles"): logs MUST serve the partial tiles of every tree size they signed a
checkpoint for, and MAY drop one once its full tile exists. So an export also writes, for every stored
checkpoint, the partial tiles (and level-0 bundles) of its tree whose tile is still partial in the current
tree: a client holding an older checkpoint (a receipt's, say) can then prove against it from the export alone,
even when the directory is fresh.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import StorageError
from ledger.storage.store import LogStore
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileKey, entries_path, tile_path, tiles_for_size


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: the tree size, and how many files were written or already up to date."""

    size: int
    written: int
    unchanged: int


def _write(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _older_partials(sizes: list[int], size: int) -> list[TileKey]:
    """The partial tiles of the trees of ``sizes`` that are not full, nor of the same width, at ``size``."""
    keys: set[TileKey] = set()
    for old in sizes:
        level = 0
        while 0 < old < size and (hashes := old >> (TILE_HEIGHT * level)) > 0:
            index, width = divmod(hashes, TILE_WIDTH)
            current = min(TILE_WIDTH, (size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH)
            if width and current not in (TILE_WIDTH, width):
                keys.add(TileKey(level, index, width))
            level += 1
    return sorted(keys)


def export_log(store: LogStore, directory: Path) -> ExportReport:
    """Export the latest checkpoint (with its cosignatures) and the tiles and bundles of its tree.

    Raises:
        StorageError: the log has no checkpoint yet.
    """
    latest = store.latest_checkpoint()
    if latest is None:
        raise StorageError("the log has no checkpoint yet: append an entry first")
    size = latest.size
    written = unchanged = 0
    for key in [*tiles_for_size(size), *_older_partials(store.checkpoint_sizes(), size)]:
        files = [(directory / tile_path(key), False)]
        if key.level == 0:
            files.append((directory / entries_path(key.index, key.width), True))
        for path, is_bundle in files:
            # A full tile or bundle never changes: one already exported is not read again.
            if key.width == TILE_WIDTH and path.exists():
                unchanged += 1
                continue
            data = (
                store.read_bundle(key.index, key.width)
                if is_bundle
                else store.read_tile(key.level, key.index, key.width)
            )
            if _write(path, data):
                written += 1
            else:
                unchanged += 1
    # The checkpoint goes last, so a reader never sees a checkpoint whose tiles are not there yet.
    changed = _write(directory / "checkpoint", latest.cosigned_note)
    return ExportReport(size, written + changed, unchanged + (not changed))
