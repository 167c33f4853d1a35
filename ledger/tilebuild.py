"""Hashes inside C2SP tlog-tiles hash tiles (RFC 9162 section 2.1 over tiles of height 8), and an appender.

A full tile at level ``L`` holds 256 hashes at height ``8L``; the nodes between it and the hash its tile
contributes to level ``L + 1`` are its *inner nodes*: 128 at relative height 1, 64 at height 2, ..., 2 at
height 7 (254 hashes; the one at height 8 is the tile's own hash, stored in the tile above). A store may keep
them beside a full tile, written once when it completes, so that a proof through the tile reads them instead
of recomputing up to 127 hashes per node. :func:`inner_nodes` computes them; :func:`inner_slot` says where
one is.

:class:`TileAppender` appends leaf hashes to a tree held as the incomplete tile of each level (what the log
stores for the right edge of its tree): it reports every tile that completes, with its inner nodes, and
folds the incomplete tiles into the tree's root. It hashes each node once (n - 1 node hashes for n leaves,
as a compact range does) and creates no object per node, which is what makes it the sequencer's writer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ledger.errors import MalformedError, RangeError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, NODE_PREFIX
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH

__all__ = [
    "INNER_HASHES",
    "FullTile",
    "TileAppender",
    "inner_nodes",
    "inner_slot",
    "perfect_roots",
    "subtree_root",
]

INNER_HASHES = TILE_WIDTH - 2
"""Inner nodes of a full tile: heights 1 to 7 above its stored hashes, 128 + 64 + ... + 2 = 254."""

_sha256 = hashlib.sha256


def _pairs(level: list[bytes]) -> list[bytes]:
    """The hashes of the parents of consecutive pairs (``len(level)`` is even)."""
    prefix = NODE_PREFIX
    return [_sha256(prefix + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]


def subtree_root(hashes: bytes, count: int) -> bytes:
    """The root of the perfect subtree over the first ``count`` (a power of two >= 1) 32-byte hashes.

    Requires ``len(hashes) >= 32 * count``; callers check shapes before hashing.
    """
    # Hash pairs straight from one buffer, level by level: one slice and one concatenation per node.
    prefix, sha256, step = NODE_PREFIX, _sha256, 2 * HASH_SIZE
    level = hashes[: count * HASH_SIZE]
    while len(level) > HASH_SIZE:
        level = b"".join([sha256(prefix + level[i : i + step]).digest() for i in range(0, len(level), step)])
    return level


def inner_slot(rise: int, index: int) -> int:
    """Where inner node ``index`` (0-based, left to right) at height ``rise`` (1..7) is, in hashes.

    The inner nodes are stored by height, lowest first: height ``r`` starts at ``256 - (512 >> r)``.

    Raises:
        RangeError: ``rise`` is not 1..7 or ``index`` is not a node of that height in one tile.
    """
    if not 1 <= rise < TILE_HEIGHT or not 0 <= index < TILE_WIDTH >> rise:
        raise RangeError(f"a tile has no inner node {index} at height {rise}")
    return TILE_WIDTH - (2 * TILE_WIDTH >> rise) + index


def _tile_of(data: bytes) -> tuple[bytes, bytes]:
    """The inner nodes (concatenated) of a full tile given as its 8 KiB of hashes, and the tile's own hash.

    Pairs are hashed straight from the buffer of the level below (one slice and one concatenation per node,
    no list of the tile's hashes), and each level is joined once.
    """
    prefix, sha256, step = NODE_PREFIX, _sha256, 2 * HASH_SIZE
    levels: list[bytes] = []
    level = data
    for _ in range(TILE_HEIGHT):
        level = b"".join([sha256(prefix + level[i : i + step]).digest() for i in range(0, len(level), step)])
        levels.append(level)
    return b"".join(levels[:-1]), levels[-1]


def inner_nodes(tile: bytes) -> bytes:
    """The 254 inner nodes of a full tile (see :func:`inner_slot` for their order), concatenated.

    Raises:
        MalformedError: ``tile`` is not 256 hashes.
    """
    if len(tile) != TILE_WIDTH * HASH_SIZE:
        raise MalformedError(f"a full tile is {TILE_WIDTH * HASH_SIZE} bytes, not {len(tile)}")
    return _tile_of(tile)[0]


def perfect_roots(hashes: Sequence[bytes]) -> list[bytes]:
    """The roots of the perfect subtrees covering ``hashes`` left to right, widest first (its compact range).

    Fewer than 256 hashes (an incomplete tile) give at most 8 roots.
    """
    out: list[bytes] = []
    start, left = 0, len(hashes)
    while left:
        width = 1 << (left.bit_length() - 1)
        level = list(hashes[start : start + width])
        while len(level) > 1:
            level = _pairs(level)
        out.append(level[0])
        start += width
        left -= width
    return out


@dataclass(frozen=True)
class FullTile:
    """A tile an append completed: its 256 hashes and its 254 inner nodes, concatenated."""

    level: int
    index: int
    data: bytes
    inner: bytes


class TileAppender:
    """A tree of ``size`` leaves held as the incomplete tile of each level; appends complete tiles.

    ``partial[L]`` holds the hashes of level ``L``'s incomplete tile: ``(size >> 8L) mod 256`` of them (an
    empty list when the level's last tile is full or the level is empty). Tiles that complete are collected
    in :attr:`completed`, in the order they complete (a tile before the tile above it that it completes).
    """

    __slots__ = ("completed", "partial", "size")

    def __init__(self, size: int, partial: Sequence[Sequence[bytes]]) -> None:
        """Start from a tree of ``size`` whose incomplete tiles are ``partial`` (level 0 first).

        Raises:
            RangeError: a negative size.
            MalformedError: ``partial`` does not have the shape ``size`` gives, or a hash is not 32 bytes.
        """
        if size < 0:
            raise RangeError(f"a tree cannot have size {size}")
        levels = max(len(partial), _levels(size))
        self.partial: list[list[bytes]] = [
            list(partial[i]) if i < len(partial) else [] for i in range(levels)
        ]
        for level, hashes in enumerate(self.partial):
            want = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            if len(hashes) != want:
                raise MalformedError(
                    f"tile level {level} of a tree of {size} has {want} hashes, not {len(hashes)}"
                )
            if any(len(h) != HASH_SIZE for h in hashes):
                raise MalformedError(f"tile level {level} holds a hash that is not {HASH_SIZE} bytes")
        self.size = size
        self.completed: list[FullTile] = []

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes (RFC 9162 leaf hashes, 32 bytes each) in order.

        Raises:
            MalformedError: a leaf hash is not 32 bytes (the ones before it are appended).
        """
        hashes = list(leaf_hashes)
        if set(map(len, hashes)) - {HASH_SIZE}:
            bad = next(i for i, h in enumerate(hashes) if len(h) != HASH_SIZE)
            self.extend(hashes[:bad])
            raise MalformedError(f"leaf hash is {len(hashes[bad])} bytes, want {HASH_SIZE}")
        tile = self.partial[0] if self.partial else self._level(0)
        at = 0
        while at < len(hashes):
            # Fill level 0's incomplete tile as far as the hashes go, a slice at a time.
            take = min(TILE_WIDTH - len(tile), len(hashes) - at)
            tile += hashes[at : at + take]
            at += take
            self.size += take
            if len(tile) == TILE_WIDTH:
                self._complete(0, tile)

    def _level(self, level: int) -> list[bytes]:
        while len(self.partial) <= level:
            self.partial.append([])
        return self.partial[level]

    def _complete(self, level: int, tile: list[bytes]) -> None:
        # The level's tile is full: keep it with its inner nodes, and its hash goes up a level (which may
        # complete that level's tile in turn).
        while len(tile) == TILE_WIDTH:
            data = b"".join(tile)
            inner, top = _tile_of(data)
            index = (self.size >> (TILE_HEIGHT * level)) // TILE_WIDTH - 1
            self.completed.append(FullTile(level, index, data, inner))
            tile.clear()
            level += 1
            tile = self._level(level)
            tile.append(top)

    def take_completed(self) -> list[FullTile]:
        """The tiles completed since the last call, and forget them."""
        done, self.completed = self.completed, []
        return done

    def root(self) -> bytes:
        """The RFC 9162 root of the tree of :attr:`size` (``EMPTY_ROOT`` for 0)."""
        edge: list[bytes] = []
        for hashes in reversed(self.partial):
            edge += perfect_roots(hashes)
        if not edge:
            return EMPTY_ROOT
        acc = edge[-1]
        for left in reversed(edge[:-1]):
            acc = _sha256(NODE_PREFIX + left + acc).digest()
        return acc


def _levels(size: int) -> int:
    """Tile levels a tree of ``size`` has (levels with at least one hash)."""
    levels = 0
    while size >> (TILE_HEIGHT * levels):
        levels += 1
    return levels
