"""C2SP tlog-tiles ("Merkle Tree" and "Log entries" sections): which tiles a tree has and where they live.

A hash tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of tree nodes at height
``8 * L`` (level 0: leaf hashes; level ``L`` > 0: the hashes of the full tiles of the level below), the ones
numbered ``N * 256`` and up. The tile of a tree of size ``s`` is *full* (256 hashes) or *partial*, of width
``floor(s / 256**L) mod 256`` when it is the rightmost; empty tiles do not exist. A partial tile is a prefix
of every wider version of itself, which is what lets a reader use a wider tile than it asked for.

Paths are the spec's: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, with ``<N>`` in zero-padded
3-digit elements, all but the last prefixed with ``x`` (1234067 is ``x001/x234/067``). Parsing is strict: an
encoding the spec would not write is refused, so one tile has exactly one name. The model is
transparency-dev/tessera ``api/layout/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ledger.compact import NodeID
from ledger.errors import MalformedError, RangeError

__all__ = [
    "MAX_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileKey",
    "TileReader",
    "entries_path",
    "parse_tile_path",
    "tile_path",
    "tile_position",
    "tile_width",
    "tiles_for_size",
]

TILE_HEIGHT = 8
"""Tree levels a tile spans: a full tile is a perfect subtree of height 8 over its hashes."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes (or entries) in a full tile (or entry bundle): 256."""

MAX_LEVEL = 63
"""The highest tile level the spec allows in a path."""


@dataclass(frozen=True, order=True)
class TileKey:
    """One hash tile: ``level`` (it stores nodes at height ``8 * level``), ``index`` and ``width`` (1..256).

    ``width`` 256 is a full tile. Two keys that differ only in width name versions of one tile; the narrower
    is a prefix of the wider.
    """

    level: int
    index: int
    width: int

    def __post_init__(self) -> None:
        """Refuse keys that name no tile.

        Raises:
            RangeError: a negative level or index, a level over 63, or a width outside 1..256.
        """
        if not 0 <= self.level <= MAX_LEVEL or self.index < 0 or not 1 <= self.width <= TILE_WIDTH:
            raise RangeError(f"no tile has level {self.level}, index {self.index}, width {self.width}")

    @property
    def full(self) -> bool:
        """Whether this is a full (256-wide) tile."""
        return self.width == TILE_WIDTH


def _index_path(index: int) -> str:
    if index < 0:
        raise RangeError(f"tile index {index} is negative")
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise RangeError(f"tile width {width} is outside 1..{TILE_WIDTH}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(key: TileKey) -> str:
    """Return the path of a hash tile relative to the log's prefix, e.g. ``tile/0/x001/234.p/5``."""
    return f"tile/{key.level}/{_index_path(key.index)}{_suffix(key.width)}"


def entries_path(index: int, width: int) -> str:
    """Return the path of an entry bundle relative to the log's prefix, e.g. ``tile/entries/x001/234.p/5``.

    Raises:
        RangeError: a negative index or a width outside 1..256.
    """
    return f"tile/entries/{_index_path(index)}{_suffix(width)}"


# One regular expression with the spec's exact grammar: a level without leading zeros (or "entries"), then
# x-prefixed 3-digit groups, a last 3-digit group, and an optional ".p/" width 1..255 without leading zeros.
_PATH = re.compile(
    r"tile/(?:(?P<level>0|[1-9][0-9]?)|entries)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """Parse a tile or entry-bundle path into ``(level, index, width)``; ``level`` is None for entries.

    The inverse of :func:`tile_path` and :func:`entries_path`: only the encoding they produce is accepted.

    Raises:
        MalformedError: anything not written exactly as the spec writes it (a missing or extra zero group,
            a leading zero in the level or width, ``.p/256`` or ``.p/0``, a level over 63, stray characters).
    """
    m = _PATH.fullmatch(path)
    if m is None:
        raise MalformedError(f"not a tlog-tiles path: {path!r}")
    groups = m["index"].replace("x", "").split("/")
    # The shortest encoding only: a leading group of 000 is padding the spec would not write.
    if len(groups) > 1 and groups[0] == "000":
        raise MalformedError(f"tile index in {path!r} has a redundant leading group")
    index = int("".join(groups))
    width = TILE_WIDTH
    if m["width"] is not None:
        width = int(m["width"])
        if width >= TILE_WIDTH:
            raise MalformedError(f"partial tile width in {path!r} must be 1..255")
    level = None if m["level"] is None else int(m["level"])
    if level is not None and level > MAX_LEVEL:
        raise MalformedError(f"tile level in {path!r} is over {MAX_LEVEL}")
    return level, index, width


def tile_width(level: int, index: int, size: int) -> int:
    """Return the width of tile ``(level, index)`` in the tree of ``size``: 256 if full, 0 if it has none.

    An entry bundle has the width of the level-0 tile of the same index.

    Raises:
        RangeError: a negative level, index or size.
    """
    if level < 0 or index < 0 or size < 0:
        raise RangeError(f"no tile has level {level}, index {index} in a tree of size {size}")
    hashes = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes - index * TILE_WIDTH))


def tiles_for_size(size: int) -> list[TileKey]:
    """Return every hash tile, full and partial, of the tree of ``size``: level by level, left to right.

    Raises:
        RangeError: a negative size.
    """
    if size < 0:
        raise RangeError(f"a tree cannot have size {size}")
    keys: list[TileKey] = []
    level = 0
    while (hashes := size >> (TILE_HEIGHT * level)) > 0:
        for index in range(-(-hashes // TILE_WIDTH)):
            keys.append(TileKey(level, index, min(TILE_WIDTH, hashes - index * TILE_WIDTH)))
        level += 1
    return keys


def tile_position(node: NodeID) -> tuple[int, int, int] | None:
    """Return where a hash tile stores ``node``'s hash: ``(tile level, tile index, offset in the tile)``.

    Only nodes at heights that are multiples of 8 are stored; for any other node this returns None. A tile
    writer feeds it the nodes :meth:`ledger.compact.CompactRange.append` visits.
    """
    level, rise = divmod(node.level, TILE_HEIGHT)
    if rise:
        return None
    index, offset = divmod(node.index, TILE_WIDTH)
    return level, index, offset


class TileReader(Protocol):
    """Where hash tiles come from: a database, a directory of static files, an HTTP client, a test's dict.

    ``read_tiles`` returns one ``bytes`` per key, in order: the tile's hashes concatenated, at least
    ``32 * key.width`` bytes. It may return a wider version of the tile (a partial tile is a prefix of every
    wider one); readers of this protocol use only the prefix they asked for. It raises
    :class:`ledger.errors.TileError` for a tile it does not have.
    """

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        """Return the bytes of each tile in ``keys``, in order (see the class docstring)."""
        ...
