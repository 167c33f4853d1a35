"""C2SP tlog-tiles "Log entries": entry bundles, each entry a big-endian uint16 length and its bytes.

A bundle holds the entries of one level-0 tile (up to 256) in order; entry ``i`` of bundle ``N`` hashes to
hash ``i`` of tile ``0/N``. A partial bundle is a prefix of every wider one, so :func:`decode_bundle_prefix`
lets a reader that was served a wider bundle take the entries it asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.errors import EntryTooLargeError, TileError
from ledger.tiles import TILE_WIDTH

__all__ = ["MAX_ENTRY_SIZE", "decode_bundle", "decode_bundle_prefix", "encode_bundle"]

MAX_ENTRY_SIZE = 65535
"""The largest entry a bundle can carry: its length must fit in a uint16."""


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Encode 1..256 entries as one entry bundle.

    Raises:
        EntryTooLargeError: an entry is over 65,535 bytes.
        TileError: there are no entries, or more than 256.
    """
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise TileError(f"an entry bundle holds 1..{TILE_WIDTH} entries, not {len(entries)}")
    out = bytearray()
    for i, e in enumerate(entries):
        if len(e) > MAX_ENTRY_SIZE:
            raise EntryTooLargeError(f"entry {i} is {len(e)} bytes, over {MAX_ENTRY_SIZE}")
        out += len(e).to_bytes(2, "big")
        out += e
    return bytes(out)


def _split(data: bytes) -> list[bytes]:
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if len(entries) == TILE_WIDTH:
            raise TileError(f"entry bundle has bytes after its {TILE_WIDTH}th entry")
        if pos + 2 > len(data):
            raise TileError(f"entry bundle is truncated in the length of entry {len(entries)}")
        n = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + n > len(data):
            raise TileError(f"entry bundle is truncated in entry {len(entries)} ({n} bytes announced)")
        entries.append(data[pos : pos + n])
        pos += n
    return entries


def decode_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Decode an entry bundle; with ``width``, it must hold exactly that many entries.

    Raises:
        TileError: the bundle is empty or truncated, holds more than 256 entries, or not ``width`` of them.
    """
    entries = _split(data)
    if not entries:
        raise TileError("entry bundle is empty")
    if width is not None and len(entries) != width:
        raise TileError(f"entry bundle holds {len(entries)} entries, want {width}")
    return entries


def decode_bundle_prefix(data: bytes, width: int) -> list[bytes]:
    """Decode a bundle of at least ``width`` entries (a wider version is fine) and return the first ``width``.

    The whole bundle must still parse: a wider bundle is accepted, a damaged one is not.

    Raises:
        TileError: ``width`` is outside 1..256, or the bundle is truncated or holds fewer than ``width``.
    """
    if not 1 <= width <= TILE_WIDTH:
        raise TileError(f"entry bundle width {width} is outside 1..{TILE_WIDTH}")
    entries = _split(data)
    if len(entries) < width:
        raise TileError(f"entry bundle holds {len(entries)} entries, want at least {width}")
    return entries[:width]
