"""ledger.tilereplay: the recomputation agrees with the sequencer's tile writer and resumes anywhere."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import MalformedError
from ledger.hashing import leaf_hash
from ledger.tilebuild import TileAppender
from ledger.tilereplay import TileReplay


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def writer_view(n: int) -> tuple[list[tuple[int, int, bytes, bytes]], list[bytes], bytes]:
    w = TileAppender(0, [])
    w.extend(leaves(n))
    full = [(t.level, t.index, t.data, t.inner) for t in w.take_completed()]
    return full, [b"".join(p) for p in w.partial], w.root()


def replay_view(replay: TileReplay) -> tuple[list[tuple[int, int, bytes, bytes]], list[bytes], bytes]:
    full = [(t.level, t.index, t.hashes, t.inner) for t in replay.take_complete()]
    return full, replay.partial_tiles(), replay.root()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 70_000), st.data())
def test_replay_equals_writer_and_resumes(n: int, data: st.DataObject) -> None:
    full, partial, root = writer_view(n)
    hashes = leaves(n)
    cut = data.draw(st.integers(0, n))
    first = TileReplay()
    for h in hashes[:cut]:
        first.append(h)
    done = [(t.level, t.index, t.hashes, t.inner) for t in first.take_complete()]
    second = TileReplay.resume(cut, first.partial_tiles())
    assert second.root() == first.root()
    for h in hashes[cut:]:
        second.append(h)
    rest, got_partial, got_root = replay_view(second)
    assert done + rest == full
    assert got_root == root
    # The writer keeps empty lists for levels whose tile is full; the replay lists every level of the tree.
    assert [p for p in got_partial if p] == [p for p in partial if p]


def test_resume_refuses_a_wrong_shape() -> None:
    with pytest.raises(MalformedError) as e:
        TileReplay.resume(300, [b"\x00" * 32])
    assert e.value.code == "ledger.malformed"
