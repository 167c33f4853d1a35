"""Recompute a log's C2SP tlog-tiles hash tiles from its entries, streaming (RFC 9162 section 2.1).

A checker (the database's ``ledger.storage.fsck``, the auditor's ``verifier.audit``) feeds leaf hashes in
order to a :class:`TileReplay`; it folds them into one compact range (:class:`ledger.compact.CompactRange`),
which hashes every node once, and collects the nodes at heights that are multiples of 8 into tiles. Each tile
that completes is handed out once, with its 254 inner nodes (heights 1 to 7 inside it, laid out as
``ledger.tilebuild.inner_slot`` says); only the incomplete tile of each level is held, so memory is O(log n)
whatever the log's size.

It deliberately does not use the sequencer's tile writer (``ledger.tilebuild.TileAppender``): a checker that
shares the writer's code could not catch the writer's bugs.

A replay can stop and resume: :meth:`TileReplay.partial_tiles` is the incomplete tile of each level (together
they cover ``[0, size)``, highest level leftmost: they are the tree's right edge), and
:meth:`TileReplay.resume` rebuilds the replay from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.compact import CompactRange, NodeID
from ledger.errors import MalformedError, RangeError
from ledger.hashing import HASH_SIZE, node_hash
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, tile_position

__all__ = ["ReplayedTile", "TileReplay"]


@dataclass(frozen=True)
class ReplayedTile:
    """A full tile recomputed from the entries: its 256 hashes and its 254 inner nodes, concatenated."""

    level: int
    index: int
    hashes: bytes
    inner: bytes


def _split(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def _pairs(hashes: list[bytes]) -> list[bytes]:
    return [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]


class TileReplay:
    """The tiles of a tree being replayed leaf by leaf (see the module docstring)."""

    __slots__ = ("_complete", "_edge", "_filling", "_inner")

    def __init__(self) -> None:
        """Start an empty tree."""
        self._edge = CompactRange.empty()
        self._filling: dict[int, bytearray] = {}
        self._inner: dict[int, list[bytearray]] = {}
        self._complete: list[ReplayedTile] = []

    @classmethod
    def resume(cls, size: int, partial: Sequence[bytes]) -> TileReplay:
        """Rebuild the replay of the tree of ``size`` from its incomplete tiles (``partial[L]``: level L's).

        Levels past the end of ``partial`` are taken as empty.

        Raises:
            RangeError: a negative size.
            MalformedError: a level does not hold the ``(size >> 8L) mod 256`` hashes the size gives.
        """
        if size < 0:
            raise RangeError(f"a tree cannot have size {size}")
        replay = cls()
        level = 0
        roots: list[list[bytes]] = []
        while size >> (TILE_HEIGHT * level) or level < len(partial):
            data = partial[level] if level < len(partial) else b""
            want = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            if len(data) != want * HASH_SIZE:
                raise MalformedError(
                    f"tile level {level} of a tree of {size} has {want} hashes, not {len(data) / HASH_SIZE:g}"
                )
            hashes = _split(data)
            if hashes:
                replay._filling[level] = bytearray(data)
                heights = [bytearray() for _ in range(TILE_HEIGHT)]
                row = hashes
                for rise in range(1, TILE_HEIGHT):
                    row = _pairs(row)
                    heights[rise] += b"".join(row)
                replay._inner[level] = heights
            roots.append(_perfect_roots(hashes))
            level += 1
        # The compact range of [0, size): the roots of each level's incomplete tile, highest level first.
        edge = [h for level_roots in reversed(roots) for h in level_roots]
        replay._edge = CompactRange.from_hashes(0, size, edge)
        return replay

    @property
    def size(self) -> int:
        """Leaves replayed so far."""
        return self._edge.end

    def append(self, leaf_hash: bytes) -> None:
        """Append the next leaf hash.

        Raises:
            MalformedError: the hash is not 32 bytes.
        """
        self._edge.append(leaf_hash, self._visit)

    def _visit(self, node: NodeID, h: bytes) -> None:
        level, rise = divmod(node.level, TILE_HEIGHT)
        if rise:
            # An inner node of a level-``level`` tile. Nodes of one height are visited left to right.
            heights = self._inner.setdefault(level, [bytearray() for _ in range(TILE_HEIGHT)])
            heights[rise] += h
            if rise == TILE_HEIGHT - 1 and node.index & 1:
                # The last inner node of the tile: it is complete (its own hashes were visited before).
                buf = self._filling[level]
                inner = b"".join(bytes(heights[r]) for r in range(1, TILE_HEIGHT))
                self._complete.append(ReplayedTile(level, node.index >> 1, bytes(buf), inner))
                buf.clear()
                for r in range(TILE_HEIGHT):
                    heights[r].clear()
            return
        place = tile_position(node)
        if place is None or place[2] * HASH_SIZE != len(self._filling.get(level, b"")):
            raise RangeError(f"node {node} was visited out of order")  # a bug here, not in the data
        self._filling.setdefault(level, bytearray()).extend(h)

    def take_complete(self) -> list[ReplayedTile]:
        """The full tiles completed since the last call (a tile before the one above it), and forget them."""
        done, self._complete = self._complete, []
        return done

    def partial_tiles(self) -> list[bytes]:
        """The hashes of each level's incomplete tile, level 0 first (empty for a level whose tile is full).

        Lists every level up to the tree's highest (none for the empty tree).
        """
        out: list[bytes] = []
        level = 0
        while self.size >> (TILE_HEIGHT * level):
            out.append(bytes(self._filling.get(level, b"")))
            level += 1
        return out

    def root(self) -> bytes:
        """The RFC 9162 root of the tree replayed so far."""
        return self._edge.root()

    def edge(self) -> CompactRange:
        """A copy of the compact range ``[0, size)``."""
        return self._edge.copy()


def _perfect_roots(hashes: list[bytes]) -> list[bytes]:
    """The roots of the perfect subtrees covering ``hashes`` left to right, widest first."""
    out: list[bytes] = []
    start, left = 0, len(hashes)
    while left:
        width = 1 << (left.bit_length() - 1)
        row = hashes[start : start + width]
        while len(row) > 1:
            row = _pairs(row)
        out.append(row[0])
        start += width
        left -= width
    return out
