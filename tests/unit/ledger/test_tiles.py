"""C2SP tlog-tiles layout: paths (round trip, strict refusal), widths and the tiles of a tree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.compact import NodeID
from ledger.errors import MalformedError, RangeError
from ledger.tiles import (
    TILE_WIDTH,
    TileKey,
    entries_path,
    parse_tile_path,
    tile_path,
    tile_position,
    tile_width,
    tiles_for_size,
)


@pytest.mark.parametrize(
    ("key", "path"),
    [
        (TileKey(0, 0, 256), "tile/0/000"),
        (TileKey(0, 0, 1), "tile/0/000.p/1"),
        (TileKey(0, 1234, 5), "tile/0/x001/234.p/5"),
        (TileKey(3, 1234067, 256), "tile/3/x001/x234/067"),
        (TileKey(63, 999, 255), "tile/63/999.p/255"),
        (TileKey(1, 1000, 256), "tile/1/x001/000"),
    ],
)
def test_tile_paths_as_the_spec_writes_them(key: TileKey, path: str) -> None:
    assert tile_path(key) == path
    assert parse_tile_path(path) == (key.level, key.index, key.width)


def test_entries_paths() -> None:
    assert entries_path(1234, 5) == "tile/entries/x001/234.p/5"
    assert entries_path(0, 256) == "tile/entries/000"
    assert parse_tile_path("tile/entries/x001/234.p/5") == (None, 1234, 5)
    with pytest.raises(RangeError):
        entries_path(0, 0)
    with pytest.raises(RangeError):
        entries_path(-1, 3)


keys = st.builds(TileKey, st.integers(0, 63), st.integers(0, 2**64), st.integers(1, 256))


@given(keys)
def test_tile_path_round_trip(key: TileKey) -> None:
    assert parse_tile_path(tile_path(key)) == (key.level, key.index, key.width)


@given(st.integers(0, 2**64), st.integers(1, 256))
def test_entries_path_round_trip(index: int, width: int) -> None:
    assert parse_tile_path(entries_path(index, width)) == (None, index, width)


# Near-misses: the spec's shape with the padding, x prefixes, level and width left loose.
loose_paths = st.from_regex(
    r"tile/(entries|[0-9]{1,3})/(x?[0-9]{1,4}/){0,3}x?[0-9]{1,4}(\.p/[0-9]{1,4})?", fullmatch=True
)


@given(st.one_of(loose_paths, st.text(alphabet="tile/entrsx.p0123456789", max_size=30)))
def test_anything_that_parses_is_canonical(path: str) -> None:
    """A path is accepted only if encoding what it parses to gives the same path back."""
    try:
        level, index, width = parse_tile_path(path)
    except MalformedError:
        return
    again = entries_path(index, width) if level is None else tile_path(TileKey(level, index, width))
    assert again == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",  # missing zero padding
        "tile/0/01",
        "tile/0/0001",
        "tile/0/x000/001",  # a redundant leading group
        "tile/0/001/234",  # a non-final group without its x
        "tile/0/x001",  # a final group with an x
        "tile/0/X001/234",
        "tile/00/000",  # leading zero in the level
        "tile/01/000",
        "tile/64/000",  # level over 63
        "tile/100/000",
        "tile/-1/000",
        "tile/0/000.p/256",  # a full tile has no .p
        "tile/0/000.p/0",
        "tile/0/000.p/05",  # leading zero in the width
        "tile/0/000.p/",
        "tile/0/000.p/1/",
        "tile/0/000/",
        "/tile/0/000",
        "tile/0/000\n",
        "tile/0/000.p/1 ",
        "tile/entries/0",
        "tile/entries/000.p/256",
        "tile/entry/000",
        "tile/0/\u0660\u0660\u0660",  # digits, but not ASCII ones
        "",
    ],
)
def test_non_canonical_paths_are_refused(path: str) -> None:
    with pytest.raises(MalformedError) as info:
        parse_tile_path(path)
    assert info.value.code == "ledger.malformed"


@pytest.mark.parametrize(
    ("level", "index", "width"), [(-1, 0, 1), (64, 0, 1), (0, -1, 1), (0, 0, 0), (0, 0, 257)]
)
def test_tile_keys_that_name_no_tile(level: int, index: int, width: int) -> None:
    with pytest.raises(RangeError) as info:
        TileKey(level, index, width)
    assert info.value.code == "ledger.range"


def test_spec_example_tree_of_70000() -> None:
    keys = tiles_for_size(70_000)
    by_level: dict[int, list[TileKey]] = {}
    for k in keys:
        by_level.setdefault(k.level, []).append(k)
    assert sorted(by_level) == [0, 1, 2]
    level0 = by_level[0]
    assert len(level0) == 274
    assert all(k.full for k in level0[:273])
    assert level0[273].width == 112
    assert [k.width for k in by_level[1]] == [256, 17]
    assert [k.width for k in by_level[2]] == [1]
    assert tile_width(0, 273, 70_000) == 112
    assert tile_width(0, 274, 70_000) == 0
    assert tile_width(2, 0, 70_000) == 1


def test_tree_of_256_and_empty_tree() -> None:
    assert tiles_for_size(256) == [TileKey(0, 0, 256), TileKey(1, 0, 1)]
    assert tiles_for_size(0) == []
    assert tiles_for_size(1) == [TileKey(0, 0, 1)]
    with pytest.raises(RangeError):
        tiles_for_size(-1)
    with pytest.raises(RangeError):
        tile_width(0, 0, -1)


@given(st.one_of(st.integers(0, 70_000), st.integers(0, 2**40)))
def test_tiles_for_size_agrees_with_tile_width(size: int) -> None:
    keys = tiles_for_size(size) if size < 2**20 else []
    for k in keys:
        assert tile_width(k.level, k.index, size) == k.width
    # Per level: the spec's partial width, floor(s / 256**l) mod 256; the tile past the end is absent.
    level = 0
    while (n := size >> (8 * level)) > 0:
        last = (n - 1) // TILE_WIDTH
        assert tile_width(level, last, size) == (n % TILE_WIDTH or TILE_WIDTH)
        assert tile_width(level, last + 1, size) == 0
        level += 1
    assert tile_width(level, 0, size) == 0


def test_tile_position() -> None:
    assert tile_position(NodeID(0, 300)) == (0, 1, 44)
    assert tile_position(NodeID(8, 5)) == (1, 0, 5)
    assert tile_position(NodeID(16, 256 * 3 + 2)) == (2, 3, 2)
    assert tile_position(NodeID(3, 1)) is None
