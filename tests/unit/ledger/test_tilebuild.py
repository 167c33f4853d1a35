"""The tile appender and tile inner nodes, against the naive RFC 9162 tree and compact-range visits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.compact import CompactRange, NodeID
from ledger.errors import MalformedError, RangeError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.tilebuild import (
    INNER_HASHES,
    FullTile,
    TileAppender,
    inner_nodes,
    inner_slot,
    perfect_roots,
    subtree_root,
)
from ledger.tiles import TILE_WIDTH, tile_position
from tests.unit.ledger import naive

LEAVES = naive.leaves(70_000)  # three tile levels


def _tiles_by_visits(size: int) -> dict[tuple[int, int], bytes]:
    """The full tiles of the tree of ``size``, from compact-range visits (an independent writer)."""
    tiles: dict[tuple[int, int], bytearray] = {}

    def visit(node: NodeID, h: bytes) -> None:
        pos = tile_position(node)
        if pos is not None:
            tiles.setdefault(pos[:2], bytearray()).extend(h)

    CompactRange.empty().extend(LEAVES[:size], visit)
    return {k: bytes(v) for k, v in tiles.items() if len(v) == TILE_WIDTH * HASH_SIZE}


def _appended(size: int, steps: list[int]) -> tuple[TileAppender, list[FullTile]]:
    tree = TileAppender(0, [])
    done: list[FullTile] = []
    start = 0
    for step in [*steps, size]:
        stop = min(size, start + step)
        tree.extend(LEAVES[start:stop])
        done += tree.take_completed()
        # Reopen from the incomplete tiles alone, as the sequencer does at each batch.
        tree = TileAppender(tree.size, tree.partial)
        start = stop
    return tree, done


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 3000), steps=st.lists(st.integers(1, 700), max_size=8))
def test_root_and_tiles_match_the_naive_tree(size: int, steps: list[int]) -> None:
    tree, done = _appended(size, steps)
    assert tree.size == size
    assert tree.root() == (naive.mth(LEAVES[:size]) if size else EMPTY_ROOT)
    assert {(t.level, t.index): t.data for t in done} == _tiles_by_visits(size)
    for t in done:
        assert t.inner == inner_nodes(t.data)


def test_a_level_1_tile_completes_after_the_tile_below_it() -> None:
    _, done = _appended(65_536 + 3, [65_536])
    assert [(t.level, t.index) for t in done][-2:] == [(0, 255), (1, 0)]
    assert _tiles_by_visits(65_539)[(1, 0)] == done[-1].data


@pytest.mark.parametrize("tile", [0, 7, 255])
def test_inner_nodes_are_the_tree_nodes_by_height(tile: int) -> None:
    data = b"".join(LEAVES[tile * TILE_WIDTH : (tile + 1) * TILE_WIDTH])
    inner = inner_nodes(data)
    assert len(inner) == INNER_HASHES * HASH_SIZE
    for rise in range(1, 8):
        for i in range(TILE_WIDTH >> rise):
            slot = inner_slot(rise, i)
            want = naive.node(NodeID(rise, (tile * TILE_WIDTH >> rise) + i))
            assert inner[slot * HASH_SIZE : (slot + 1) * HASH_SIZE] == want
    assert subtree_root(data, TILE_WIDTH) == naive.node(NodeID(8, tile))


def test_inner_slots_cover_every_slot_once() -> None:
    slots = [inner_slot(rise, i) for rise in range(1, 8) for i in range(TILE_WIDTH >> rise)]
    assert sorted(slots) == list(range(INNER_HASHES))


@pytest.mark.parametrize(("rise", "index"), [(0, 0), (8, 0), (1, 128), (7, 2), (3, -1)])
def test_inner_slot_refuses_what_a_tile_does_not_hold(rise: int, index: int) -> None:
    with pytest.raises(RangeError) as info:
        inner_slot(rise, index)
    assert info.value.code == "ledger.range"


@given(count=st.integers(0, 255))
def test_perfect_roots_are_the_compact_range(count: int) -> None:
    nodes = CompactRange.empty()
    nodes.extend(LEAVES[:count])
    assert perfect_roots(LEAVES[:count]) == nodes.hashes


@pytest.mark.parametrize("tile", [b"", bytes(32 * 255), bytes(32 * 256 + 1)])
def test_inner_nodes_refuse_a_tile_that_is_not_full(tile: bytes) -> None:
    with pytest.raises(MalformedError) as info:
        inner_nodes(tile)
    assert info.value.code == "ledger.malformed"


@pytest.mark.parametrize(
    ("size", "partial"),
    [
        (5, [LEAVES[:4]]),  # one hash short
        (256, [LEAVES[:256]]),  # a full tile is not incomplete
        (257, [LEAVES[:1]]),  # level 1's hash missing
        (3, [[b"short", *LEAVES[:2]]]),  # not 32 bytes
    ],
)
def test_appender_refuses_a_wrong_shape(size: int, partial: list[list[bytes]]) -> None:
    with pytest.raises(MalformedError) as info:
        TileAppender(size, partial)
    assert info.value.code == "ledger.malformed"


def test_appender_refuses_a_negative_size_and_a_short_leaf_hash() -> None:
    with pytest.raises(RangeError):
        TileAppender(-1, [])
    tree = TileAppender(0, [])
    with pytest.raises(MalformedError):
        tree.extend([LEAVES[0], b"\x00" * 31])
    assert tree.size == 1
