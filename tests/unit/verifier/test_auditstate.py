"""verifier.auditstate: the state file round-trips, and anything else is refused with audit.state."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import leaf_hash
from ledger.tilereplay import TileReplay
from verifier.auditstate import AuditState, load_state, parse_state, save_state
from verifier.errors import AuditStateError


def state_of(size: int) -> AuditState:
    replay = TileReplay()
    for i in range(size):
        replay.append(leaf_hash(str(i).encode()))
    return AuditState(
        "o/log", size, replay.root(), b"o/log\n1\nAA==\n\n- sig\n", tuple(replay.partial_tiles())
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 3000))
def test_round_trip(size: int) -> None:
    state = state_of(size)
    assert parse_state(state.to_bytes()) == state
    assert state.replay().root() == state.root


def test_load_and_save(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    assert load_state(path) is None
    save_state(path, state_of(300))
    assert load_state(path) == state_of(300)


def mutate(field: str, value: object) -> bytes:
    doc = json.loads(state_of(300).to_bytes())
    doc[field] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        mutate("v", 2),
        mutate("origin", ""),
        mutate("size", -1),
        mutate("size", True),
        mutate("size", 301),
        mutate("root", "!!"),
        mutate("root", base64.b64encode(b"short").decode()),
        mutate("partial", ["AAAA"]),
        mutate("checkpoint", 5),
    ],
)
def test_refused(data: bytes) -> None:
    with pytest.raises(AuditStateError) as e:
        parse_state(data)
    assert e.value.code == "audit.state"
