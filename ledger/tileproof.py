"""Proofs and roots of an RFC 9162 tree (sections 2.1.3, 2.1.4) read from its C2SP tlog-tiles hash tiles.

Each answer reads the O(log n) tiles that hold the nodes a proof plan (:mod:`ledger.proof`) or a compact range
(:mod:`ledger.compact`) names, in a single batched :meth:`TileReader.read_tiles` call, and never builds the
tree in memory. A tile stores the nodes at height ``8 * L``; a node between two such heights is recomputed
from the at most 128 stored hashes under it in its tile, or read from the tile's stored inner nodes
(:mod:`ledger.tilebuild`) when the reader is an :class:`InnerTileReader` that has them.

Tile widths: every key asked for has the width the tile has in the tree of ``size`` (the name a client of a
tree of that size would fetch). A reader may answer with a *wider* version of the tile, since a partial
tile is a prefix of every wider one; only the prefix asked for is used, so hashes appended since do not enter
the answer. An answer shorter than asked, longer than a full tile, or not a whole number of hashes raises
:class:`TileError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ledger.compact import CompactRange, NodeID, range_nodes
from ledger.errors import RangeError, TileError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.proof import consistency, inclusion
from ledger.tilebuild import INNER_HASHES, inner_slot, subtree_root
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileKey, TileReader, tile_width

__all__ = [
    "InnerTileReader",
    "consistency_proof",
    "inclusion_proof",
    "node_hashes",
    "right_edge",
    "tree_root",
]


@runtime_checkable
class InnerTileReader(TileReader, Protocol):
    """A tile reader that can also return a full tile's inner nodes (see :mod:`ledger.tilebuild`)."""

    def read_tiles_inner(self, keys: Sequence[TileKey]) -> list[tuple[bytes, bytes | None]]:
        """Return, for each key in order, the tile's bytes (as ``read_tiles``) and its 254 inner nodes
        concatenated, or None where it has none (a partial tile, or a full tile stored without them)."""
        ...


def _tile_of(node: NodeID, size: int) -> tuple[TileKey, int, int]:
    """Return the tile holding ``node``'s stored descendants, their offset in it, and how many there are."""
    level, rise = divmod(node.level, TILE_HEIGHT)
    first = node.index << rise
    index, offset = divmod(first, TILE_WIDTH)
    key = TileKey(level, index, tile_width(level, index, size))
    return key, offset, 1 << rise


def _checked(key: TileKey, data: bytes) -> bytes:
    """Return the first ``key.width`` hashes of a tile answer, after checking its length."""
    if len(data) % HASH_SIZE or not HASH_SIZE * key.width <= len(data) <= HASH_SIZE * TILE_WIDTH:
        raise TileError(
            f"tile {key.level}/{key.index} is {len(data)} bytes, want {HASH_SIZE * key.width}"
            f" (or a wider version of it)"
        )
    return data[: HASH_SIZE * key.width]


def _checked_inner(key: TileKey, inner: bytes | None) -> bytes | None:
    """Return a full tile's inner nodes after checking their length; None for a tile without them."""
    if inner is None or not key.full:
        return None
    if len(inner) != INNER_HASHES * HASH_SIZE:
        raise TileError(
            f"tile {key.level}/{key.index} has {len(inner)} bytes of inner nodes,"
            f" want {INNER_HASHES * HASH_SIZE}"
        )
    return inner


def node_hashes(reader: TileReader, size: int, ids: Sequence[NodeID]) -> list[bytes]:
    """Return the hashes of complete nodes of the tree of ``size``, in the order of ``ids``.

    Reads each tile needed once, in one ``read_tiles`` call (none when ``ids`` is empty).

    Raises:
        RangeError: a node is not complete in the tree of ``size`` (it reaches past the last leaf).
        TileError: the reader lacks a tile, returns the wrong number of tiles, or a tile of the wrong length.
    """
    places: list[tuple[TileKey, int, int]] = []
    for node in ids:
        if node.level < 0 or node.index < 0 or node.end > size:
            raise RangeError(f"node {node} is not complete in a tree of size {size}")
        places.append(_tile_of(node, size))
    keys = sorted({key for key, _, _ in places})
    if not keys:
        return []
    answers: Sequence[tuple[bytes, bytes | None]]
    # The method is looked up rather than isinstance-checked: a runtime protocol check costs more than
    # computing a whole proof's node positions.
    read_inner = getattr(reader, "read_tiles_inner", None)
    if read_inner is not None:
        answers = read_inner(keys)
    else:
        answers = [(data, None) for data in reader.read_tiles(keys)]
    if len(answers) != len(keys):
        raise TileError(f"asked for {len(keys)} tiles, got {len(answers)}")
    tiles = {
        key: (_checked(key, data), _checked_inner(key, inner))
        for key, (data, inner) in zip(keys, answers, strict=True)
    }
    out: list[bytes] = []
    for key, offset, count in places:
        data, inner = tiles[key]
        if count == 1:
            out.append(data[offset * HASH_SIZE : (offset + 1) * HASH_SIZE])
        elif inner is not None:
            # A node inside a full tile whose inner nodes are stored: read it (count is 2**rise).
            slot = inner_slot(count.bit_length() - 1, offset // count)
            out.append(inner[slot * HASH_SIZE : (slot + 1) * HASH_SIZE])
        else:
            out.append(subtree_root(data[offset * HASH_SIZE : (offset + count) * HASH_SIZE], count))
    return out


def inclusion_proof(reader: TileReader, index: int, size: int) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size``. Requires 0 <= index < size.

    Raises:
        RangeError: unless 0 <= index < size.
        TileError: a tile needed is missing or malformed.
    """
    plan = inclusion(index, size)
    return plan.rehash(node_hashes(reader, size, plan.ids))


def consistency_proof(reader: TileReader, size1: int, size2: int) -> list[bytes]:
    """Return the consistency proof from the tree of ``size1`` to that of ``size2``.

    Requires 0 <= size1 <= size2; the proof is empty when size1 is 0 or equals size2.

    Raises:
        RangeError: unless 0 <= size1 <= size2.
        TileError: a tile needed is missing or malformed.
    """
    plan = consistency(size1, size2)
    return plan.rehash(node_hashes(reader, size2, plan.ids))


def right_edge(reader: TileReader, size: int) -> CompactRange:
    """Return the compact range ``[0, size)``, read from tiles: what a sequencer resumes appending from.

    Raises:
        RangeError: a negative size.
        TileError: a tile needed is missing or malformed.
    """
    ids = range_nodes(0, size)
    return CompactRange.from_hashes(0, size, node_hashes(reader, size, ids))


def tree_root(reader: TileReader, size: int) -> bytes:
    """Return the RFC 9162 root of the tree of ``size`` (``EMPTY_ROOT`` for 0), read from tiles.

    Raises:
        RangeError: a negative size.
        TileError: a tile needed is missing or malformed.
    """
    if size == 0:
        return EMPTY_ROOT
    return right_edge(reader, size).root()
