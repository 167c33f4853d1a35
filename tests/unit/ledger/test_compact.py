"""Compact ranges: covering nodes, appends, visits and roots, against the naive RFC 9162 tree."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.compact import CompactRange, NodeID, range_nodes
from ledger.errors import MalformedError, RangeError
from ledger.hashing import EMPTY_ROOT
from tests.unit.ledger import naive


def test_range_nodes_example() -> None:
    # [3, 14): a leaf, two 4-wide subtrees, then a 2-wide one and nothing narrower.
    assert range_nodes(3, 14) == [NodeID(0, 3), NodeID(2, 1), NodeID(2, 2), NodeID(1, 6)]
    assert range_nodes(0, 8) == [NodeID(3, 0)]
    assert range_nodes(5, 5) == []


@given(st.integers(0, 2**64), st.integers(0, 2**64))
def test_range_nodes_cover_exactly(a: int, b: int) -> None:
    begin, end = min(a, b), max(a, b)
    nodes = range_nodes(begin, end)
    pos = begin
    for n in nodes:
        assert n.begin == pos  # contiguous and aligned by construction of NodeID's coverage
        pos = n.end
    assert pos == end
    assert len(nodes) <= 2 * max(1, (end - begin).bit_length())
    # Maximal: no two neighbours are siblings (they would have merged into their parent).
    for left, right in itertools.pairwise(nodes):
        assert not (left.level == right.level and left.index % 2 == 0 and right.index == left.index + 1)
    # Sizes rise, then fall.
    levels = [n.level for n in nodes]
    peak = levels.index(max(levels)) if levels else 0
    assert levels[:peak] == sorted(levels[:peak])
    assert levels[peak:] == sorted(levels[peak:], reverse=True)


@pytest.mark.parametrize(("begin", "end"), [(-1, 3), (4, 3)])
def test_range_nodes_refuses_non_ranges(begin: int, end: int) -> None:
    with pytest.raises(RangeError) as info:
        range_nodes(begin, end)
    assert info.value.code == "ledger.range"


def test_roots_of_every_size_up_to_300_match_naive() -> None:
    leaves = naive.leaves(300)
    cr = CompactRange.empty()
    assert cr.root() == EMPTY_ROOT
    for n, lh in enumerate(leaves, start=1):
        cr.append(lh)
        assert cr.root() == naive.mth(leaves[:n]), n
        assert len(cr.hashes) == n.bit_count()
        assert cr.nodes() == range_nodes(0, n)


@settings(max_examples=15, deadline=None)
@given(st.integers(300, 5000))
def test_roots_of_sampled_larger_sizes(size: int) -> None:
    cr = CompactRange.empty()
    cr.extend(naive.leaves(size))
    assert cr.root() == naive.mth(naive.leaves(size))


def test_visits_every_complete_node_once_with_its_hash() -> None:
    size = 300
    seen: dict[NodeID, bytes] = {}

    def visit(node: NodeID, h: bytes) -> None:
        assert node not in seen
        seen[node] = h

    cr = CompactRange.empty()
    for i, lh in enumerate(naive.leaves(size)):
        before = len(seen)
        cr.append(lh, visit)
        # The leaf, then one node per trailing 1 bit of its index (the subtrees it completes).
        assert len(seen) - before == 1 + ((i ^ (i + 1)).bit_length() - 1)
    complete = {NodeID(lv, ix) for lv in range(size.bit_length()) for ix in range(size >> lv)}
    assert set(seen) == complete
    for node, h in seen.items():
        assert h == naive.node(node), node


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 600), st.integers(0, 300))
def test_ranges_not_starting_at_zero(begin: int, count: int) -> None:
    leaves = naive.leaves(begin + count)
    cr = CompactRange.empty(begin)
    visited: list[NodeID] = []
    cr.extend(leaves[begin:], lambda node, _h: visited.append(node))
    assert (cr.begin, cr.end) == (begin, begin + count)
    assert cr.hashes == [naive.node(n) for n in range_nodes(begin, begin + count)]
    # Nothing outside the range is ever visited.
    assert all(begin <= n.begin and n.end <= begin + count for n in visited)
    if begin:
        with pytest.raises(RangeError):
            cr.root()


def test_from_hashes_round_trip_and_copy() -> None:
    cr = CompactRange.empty()
    cr.extend(naive.leaves(77))
    again = CompactRange.from_hashes(0, 77, cr.hashes)
    assert again == cr
    assert again.root() == cr.root()
    fork = again.copy()
    fork.append(naive.sha(b"x"))
    assert again == cr
    assert fork != cr
    assert fork.end == 78
    assert "end=77" in repr(cr)


@pytest.mark.parametrize(
    ("begin", "end", "hashes"),
    [
        (0, 7, [naive.sha(b"a")] * 2),  # 7 = 4 + 2 + 1 needs three
        (0, 4, [naive.sha(b"a")] * 2),
        (0, 1, [b"\0" * 31]),
    ],
)
def test_from_hashes_refuses_wrong_shapes(begin: int, end: int, hashes: list[bytes]) -> None:
    with pytest.raises(MalformedError) as info:
        CompactRange.from_hashes(begin, end, hashes)
    assert info.value.code == "ledger.malformed"


def test_append_refuses_a_short_leaf_hash() -> None:
    cr = CompactRange.empty()
    with pytest.raises(MalformedError) as info:
        cr.append(b"\1" * 33)
    assert info.value.code == "ledger.malformed"
    assert cr.end == 0
    with pytest.raises(RangeError):
        CompactRange.empty(-1)
