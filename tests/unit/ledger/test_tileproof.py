"""Proofs and roots read from tiles, checked by ledger.verify, the naive tree, pymerkle and Tessera's log."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.compact import CompactRange, NodeID
from ledger.errors import ProofError, RangeError, RootMismatchError, TileError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash
from ledger.tilebuild import inner_nodes
from ledger.tileproof import (
    InnerTileReader,
    consistency_proof,
    inclusion_proof,
    node_hashes,
    right_edge,
    tree_root,
)
from ledger.tiles import TileKey, tile_path, tile_position
from ledger.verify import verify_consistency, verify_inclusion
from tests.unit.ledger import naive

TESSERA = Path(__file__).resolve().parents[2] / "vectors" / "tessera-log" / "log"


class MemoryTiles:
    """An in-memory tile store filled by ``CompactRange.append`` visits; it serves the newest version of a
    tile (possibly wider than asked, as a real store that keeps only the latest partial tile does), or with
    ``exact`` the width asked for. It counts calls and tiles read."""

    def __init__(self, exact: bool = False) -> None:
        self.tiles: dict[tuple[int, int], bytearray] = {}
        self.exact = exact
        self.calls = 0
        self.last_keys: list[TileKey] = []

    def visit(self, node: NodeID, h: bytes) -> None:
        pos = tile_position(node)
        if pos is None:
            return
        level, index, offset = pos
        tile = self.tiles.setdefault((level, index), bytearray())
        assert len(tile) == offset * HASH_SIZE, "hashes arrive in order"
        tile += h

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        self.calls += 1
        self.last_keys = list(keys)
        out = []
        for k in keys:
            data = self.tiles.get((k.level, k.index))
            if data is None or len(data) < HASH_SIZE * k.width:
                raise TileError(f"no tile {tile_path(k)}")
            out.append(bytes(data[: HASH_SIZE * k.width]) if self.exact else bytes(data))
        return out


def _build(size: int, exact: bool = False) -> tuple[MemoryTiles, list[bytes]]:
    """A log of ``size`` naive entries: its tiles, and the root after every append (roots[n] for size n)."""
    store = MemoryTiles(exact)
    cr = CompactRange.empty()
    roots = [cr.root()]
    for lh in naive.leaves(size):
        cr.append(lh, store.visit)
        roots.append(cr.root())
    return store, roots


SMALL = 300
SMALL_TILES, SMALL_ROOTS = _build(SMALL)
EXACT_TILES, _ = _build(SMALL, exact=True)
BIG = (
    70_000  # three tile levels: 273 full level-0 tiles, a level-1 tile of width 17, a level-2 tile of width 1
)
BIG_TILES, _ = _build(0)
_big = CompactRange.empty()
_big.extend(naive.leaves(BIG), BIG_TILES.visit)


def _root_of(size: int) -> bytes:
    cr = CompactRange.empty()
    cr.extend(naive.leaves(size))
    return cr.root()


def test_small_log_roots_are_the_naive_roots() -> None:
    leaves = naive.leaves(SMALL)
    assert [naive.mth(leaves[:n]) for n in range(SMALL + 1)] == SMALL_ROOTS


@pytest.mark.parametrize("reader", [SMALL_TILES, EXACT_TILES], ids=["wider", "exact"])
def test_tree_root_from_tiles_for_every_size(reader: MemoryTiles) -> None:
    for size in range(SMALL + 1):
        assert tree_root(reader, size) == SMALL_ROOTS[size]
        edge = right_edge(reader, size)
        assert edge.end == size
        assert edge.root() == SMALL_ROOTS[size]


def test_every_inclusion_proof_from_tiles_verifies() -> None:
    leaves = naive.leaves(SMALL)
    for size in range(1, SMALL + 1):
        for index in range(size):
            proof = inclusion_proof(SMALL_TILES, index, size)
            verify_inclusion(leaves[index], index, size, proof, SMALL_ROOTS[size])


def test_every_consistency_proof_from_tiles_verifies() -> None:
    for size2 in range(1, SMALL + 1):
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(SMALL_TILES, size1, size2)
            verify_consistency(size1, size2, SMALL_ROOTS[size1], SMALL_ROOTS[size2], proof)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 600).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_tile_proofs_equal_the_rfc_definitions(case: tuple[int, int]) -> None:
    index, size = case
    store, _ = _build(size, exact=True)
    leaves = naive.leaves(size)
    assert inclusion_proof(store, index, size) == naive.path(index, leaves)
    assert consistency_proof(store, index + 1, size) == naive.subproof(index + 1, leaves)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, BIG).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_sampled_large_sizes(case: tuple[int, int]) -> None:
    index, size = case
    root = _root_of(size)
    assert tree_root(BIG_TILES, size) == root
    verify_inclusion(
        naive.leaves(index + 1)[index], index, size, inclusion_proof(BIG_TILES, index, size), root
    )
    size1 = index + 1
    verify_consistency(size1, size, _root_of(size1), root, consistency_proof(BIG_TILES, size1, size))


@pytest.mark.parametrize(("index", "size"), [(0, BIG), (BIG - 1, BIG), (12_345, 65_537), (65_535, 65_536)])
def test_proofs_read_few_tiles_in_one_call(index: int, size: int) -> None:
    # At most three tiles per tile level (the path's, the left edge's, the right edge's), one read_tiles call.
    levels = 3  # a tree of 70,000 has tiles at levels 0, 1 and 2
    for fn, args in [(inclusion_proof, (index, size)), (consistency_proof, (index + 1, size))]:
        before = BIG_TILES.calls
        fn(BIG_TILES, *args)
        assert BIG_TILES.calls - before <= 1
        assert len(BIG_TILES.last_keys) <= 3 * levels
    before = BIG_TILES.calls
    tree_root(BIG_TILES, size)
    assert BIG_TILES.calls - before == 1
    assert len(BIG_TILES.last_keys) <= 3 * levels


def test_right_edge_is_the_appended_compact_range() -> None:
    assert right_edge(BIG_TILES, BIG) == _big
    assert right_edge(SMALL_TILES, 0) == CompactRange.empty()
    assert tree_root(SMALL_TILES, 0) == EMPTY_ROOT


# Mutations. Which ones a verifier catches is decided by the proof's shape as RFC 9162 defines it: each
# proof hash is a left or a right sibling (inclusion), or the seed, a left sibling in both trees, or a right
# sibling absent from the older tree (consistency). The size and index enter only through that shape, so a
# mutated size or index with the very same shape is (rightly) not caught: the size is vouched for by the
# signed checkpoint, not by the proof.


def _inclusion_shape(index: int, size: int) -> tuple[str, ...]:
    if size == 1:
        return ()
    k = naive.split(size)
    if index < k:
        return (*_inclusion_shape(index, k), "R")
    return (*_inclusion_shape(index - k, size - k), "L")


def _consistency_shape(m: int, n: int, whole: bool = True) -> tuple[str, ...]:
    if m == n:
        return () if whole else ("seed",)
    k = naive.split(n)
    if m <= k:
        return (*_consistency_shape(m, k, whole), "R")
    return (*_consistency_shape(m - k, n - k, False), "L")


def _expect_inclusion(
    index: int, size: int, proof: list[bytes], real: tuple[int, int]
) -> type[Exception] | None:
    if not 0 <= index < size:
        return ProofError
    shape = _inclusion_shape(index, size)
    if len(shape) != len(proof):
        return ProofError
    return None if shape == _inclusion_shape(*real) else RootMismatchError


def _expect_consistency(
    s1: int, s2: int, proof: list[bytes], real: tuple[int, int]
) -> type[Exception] | None:
    if not 0 < s1 <= s2:
        return ProofError
    shape = _consistency_shape(s1, s2)
    if len(shape) != len(proof):
        return ProofError
    return None if shape == _consistency_shape(*real) else RootMismatchError


def _outcome(call: Callable[[], None]) -> type[Exception] | None:
    """The error type a verification raises (checked against its code), or None if it passes."""
    caught: ProofError | RootMismatchError | None = None
    try:
        call()
    except (ProofError, RootMismatchError) as e:
        caught = e
    if caught is None:
        return None
    assert (
        caught.code
        == {ProofError: "ledger.proof_shape", RootMismatchError: "ledger.root_mismatch"}[type(caught)]
    )
    return type(caught)


cases = st.integers(1, SMALL).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n)))


@settings(max_examples=200, deadline=None)
@given(cases, st.integers(0, 2**16))
def test_inclusion_mutations_fail_with_the_right_error(case: tuple[int, int], bit: int) -> None:
    index, size = case
    leaf = naive.leaves(SMALL)[index]
    root = SMALL_ROOTS[size]
    proof = inclusion_proof(SMALL_TILES, index, size)
    b = bit % 256
    for i in range(len(proof)):
        bad = [*proof[:i], naive.flip(proof[i], b), *proof[i + 1 :]]
        assert _outcome(partial(verify_inclusion, leaf, index, size, bad, root)) is RootMismatchError
    assert (
        _outcome(lambda: verify_inclusion(leaf, index, size, proof, naive.flip(root, b))) is RootMismatchError
    )
    assert (
        _outcome(lambda: verify_inclusion(naive.flip(leaf, b), index, size, proof, root)) is RootMismatchError
    )
    mutated_index = index ^ (1 << (bit % 10))
    assert _outcome(lambda: verify_inclusion(leaf, mutated_index, size, proof, root)) is _expect_inclusion(
        mutated_index, size, proof, (index, size)
    )
    mutated_size = size ^ (1 << (bit % 10))
    assert _outcome(lambda: verify_inclusion(leaf, index, mutated_size, proof, root)) is _expect_inclusion(
        index, mutated_size, proof, (index, size)
    )
    assert _outcome(lambda: verify_inclusion(leaf, index, size, [*proof, root], root)) is ProofError
    if proof:
        assert _outcome(lambda: verify_inclusion(leaf, index, size, proof[:-1], root)) is ProofError


@settings(max_examples=200, deadline=None)
@given(cases, st.integers(0, 2**16))
def test_consistency_mutations_fail_with_the_right_error(case: tuple[int, int], bit: int) -> None:
    size1, size2 = case[0] + 1, case[1]
    root1, root2 = SMALL_ROOTS[size1], SMALL_ROOTS[size2]
    proof = consistency_proof(SMALL_TILES, size1, size2)
    b = bit % 256
    for i in range(len(proof)):
        bad = [*proof[:i], naive.flip(proof[i], b), *proof[i + 1 :]]
        assert _outcome(partial(verify_consistency, size1, size2, root1, root2, bad)) is RootMismatchError
    for r1, r2 in [(naive.flip(root1, b), root2), (root1, naive.flip(root2, b))]:
        assert _outcome(partial(verify_consistency, size1, size2, r1, r2, proof)) is RootMismatchError
    s1 = size1 ^ (1 << (bit % 10))
    assert _outcome(lambda: verify_consistency(s1, size2, root1, root2, proof)) is _expect_consistency(
        s1, size2, proof, (size1, size2)
    )
    s2 = size2 ^ (1 << (bit % 10))
    assert _outcome(lambda: verify_consistency(size1, s2, root1, root2, proof)) is _expect_consistency(
        size1, s2, proof, (size1, size2)
    )
    assert _outcome(lambda: verify_consistency(size1, size2, root1, root2, [*proof, root2])) is ProofError


def test_mutation_oracle_sees_an_undetectable_size() -> None:
    # The oracle is not vacuous: leaf 0's proof in a tree of 5 has the same shape in a tree of 6, so the
    # verifier cannot tell (and need not: the checkpoint signs the size), while a tree of 9 has another shape.
    proof = inclusion_proof(SMALL_TILES, 0, 5)
    assert _expect_inclusion(0, 6, proof, (0, 5)) is None
    verify_inclusion(naive.leaves(1)[0], 0, 6, proof, SMALL_ROOTS[5])
    assert _expect_inclusion(0, 9, proof, (0, 5)) is ProofError


# Tile readers that misbehave.


class _Answer:
    def __init__(self, answer: list[bytes]) -> None:
        self.answer = answer

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        return self.answer


@pytest.mark.parametrize(
    "answer",
    [
        [b"\1" * (HASH_SIZE * 5 - 1)],  # truncated mid-hash
        [b"\1" * (HASH_SIZE * 4)],  # a whole hash short
        [b"\1" * (HASH_SIZE * 257)],  # longer than any tile
        [b"\1" * (HASH_SIZE * 6 + 3)],  # wider, but not whole hashes
        [],  # no answer
        [b"\1" * (HASH_SIZE * 5)] * 2,  # too many answers
    ],
)
def test_bad_tile_answers_raise_tile_error(answer: list[bytes]) -> None:
    with pytest.raises(TileError) as info:
        tree_root(_Answer(answer), 5)
    assert info.value.code == "ledger.tile"


def test_missing_tile_raises_tile_error() -> None:
    with pytest.raises(TileError) as info:
        inclusion_proof(SMALL_TILES, 3, 600)
    assert info.value.code == "ledger.tile"


def test_a_wider_answer_uses_only_the_prefix() -> None:
    wide = SMALL_TILES.tiles[(0, 0)]
    assert tree_root(_Answer([bytes(wide)]), 5) == SMALL_ROOTS[5]


def test_node_hashes_refuses_incomplete_nodes() -> None:
    assert node_hashes(SMALL_TILES, 10, []) == []
    assert node_hashes(SMALL_TILES, 300, [NodeID(8, 0), NodeID(3, 5)]) == [
        naive.node(NodeID(8, 0)),
        naive.node(NodeID(3, 5)),
    ]
    for node in [NodeID(2, 2), NodeID(4, 0), NodeID(0, 10)]:
        with pytest.raises(RangeError) as info:
            node_hashes(SMALL_TILES, 10, [node])
        assert info.value.code == "ledger.range"
    with pytest.raises(RangeError):
        inclusion_proof(SMALL_TILES, 10, 10)
    with pytest.raises(RangeError):
        consistency_proof(SMALL_TILES, 11, 10)


# Tessera's log: tiles written by another implementation, read with ours.


class DirectoryTiles:
    """Reads tiles from a directory laid out as C2SP tlog-tiles, by their exact paths."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        out = []
        for k in keys:
            path = self.root / tile_path(k)
            if not path.is_file():
                raise TileError(f"no tile {tile_path(k)}")
            out.append(path.read_bytes())
        return out


def _checkpoints() -> list[tuple[int, bytes]]:
    out = []
    for n in range(16):
        lines = (TESSERA / f"checkpoint.{n}").read_text().split("\n")
        assert lines[0] == "example.com/log/testdata"
        out.append((int(lines[1]), base64.b64decode(lines[2], validate=True)))
    return out


def test_tessera_checkpoint_roots_from_its_tiles() -> None:
    reader = DirectoryTiles(TESSERA)
    checkpoints = _checkpoints()
    assert [size for size, _ in checkpoints] == list(range(16))
    for size, root in checkpoints:
        assert tree_root(reader, size) == root
    for size1, root1 in checkpoints[1:]:
        for size2, root2 in checkpoints[size1:]:
            verify_consistency(size1, size2, root1, root2, consistency_proof(reader, size1, size2))
        for index in range(size1):
            leaf = (TESSERA / "tile/0/000.p" / str(size1)).read_bytes()[index * 32 : (index + 1) * 32]
            verify_inclusion(leaf, index, size1, inclusion_proof(reader, index, size1), root1)


# pymerkle: an independent RFC 9162 implementation.


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 31, 64, 100, 257])
def test_cross_check_with_pymerkle(size: int) -> None:
    pymerkle = pytest.importorskip("pymerkle")
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    entries = [naive.entry(i) for i in range(size)]
    for e in entries:
        tree.append_entry(e)
    store, roots = _build(size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for n in range(1, size + 1):
            assert tree.get_root(n) == roots[n] == tree_root(store, n)
        for index in range(size):
            # pymerkle counts leaves from 1 and puts the leaf's own hash first in its path; the rest is the
            # RFC 9162 audit path, lowest level first.
            theirs = tree.prove_inclusion(index + 1).serialize()
            path = [bytes.fromhex(h) for h in theirs["path"]]
            assert path[0] == leaf_hash(entries[index])
            verify_inclusion(path[0], index, size, path[1:], tree.get_root(size))
            assert path[1:] == inclusion_proof(store, index, size)
            # pymerkle's consistency proofs are its own format (a bottom-up path with rule and subset bits),
            # not RFC 9162's list; ours must verify between pymerkle's roots of the two sizes.
            verify_consistency(
                index + 1,
                size,
                tree.get_root(index + 1),
                tree.get_root(size),
                consistency_proof(store, index + 1, size),
            )


class InnerMemoryTiles:
    """A reader that also serves full tiles' inner nodes (as the database does), counting the hashes it
    would have had to recompute; ``inner_len`` truncates them to test the shape check."""

    def __init__(self, tiles: MemoryTiles, inner_len: int | None = None) -> None:
        self.tiles = tiles
        self.inner_len = inner_len

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        return self.tiles.read_tiles(keys)

    def read_tiles_inner(self, keys: Sequence[TileKey]) -> list[tuple[bytes, bytes | None]]:
        out: list[tuple[bytes, bytes | None]] = []
        for key, data in zip(keys, self.tiles.read_tiles(keys), strict=True):
            inner = inner_nodes(data[: 256 * HASH_SIZE]) if key.full else None
            if inner is not None and self.inner_len is not None:
                inner = inner[: self.inner_len]
            out.append((data, inner))
        return out


@settings(max_examples=40, deadline=None)
@given(st.integers(1, BIG).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_proofs_through_stored_inner_nodes_are_the_same(case: tuple[int, int]) -> None:
    index, size = case
    reader = InnerMemoryTiles(BIG_TILES)
    assert isinstance(reader, InnerTileReader)
    assert inclusion_proof(reader, index, size) == inclusion_proof(BIG_TILES, index, size)
    assert consistency_proof(reader, index + 1, size) == consistency_proof(BIG_TILES, index + 1, size)
    assert tree_root(reader, size) == tree_root(BIG_TILES, size)


def test_inner_nodes_of_the_wrong_length_raise_tile_error() -> None:
    with pytest.raises(TileError) as info:
        inclusion_proof(InnerMemoryTiles(BIG_TILES, inner_len=32 * 253), 1000, BIG)
    assert info.value.code == "ledger.tile"
