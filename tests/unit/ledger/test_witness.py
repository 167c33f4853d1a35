"""The tlog-witness add-checkpoint state machine, and its file-backed state."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.cosignature import CosignatureSigner
from ledger.errors import WitnessConflictError, WitnessError
from ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from ledger.note import Ed25519Signer, open_note, parse_note
from ledger.witness import Witness, add_checkpoint, parse_add_checkpoint
from ledger.witness_state import FileWitnessState

ORIGIN = "log.example/w"
LOG = Ed25519Signer(ORIGIN, b"\x21" * 32)
SIGNER = CosignatureSigner("witness.example/w1", b"\x22" * 32)
LEAVES = [leaf_hash(bytes([i])) for i in range(4)]
ROOT1 = LEAVES[0]
ROOT2 = node_hash(LEAVES[0], LEAVES[1])
ROOT3 = node_hash(ROOT2, LEAVES[2])
NOW = 1700000000


def _body(old: int, proof: list[bytes], size: int, root: bytes, signer: Ed25519Signer = LOG) -> bytes:
    note = sign_checkpoint(Checkpoint(signer.name, size, root), [signer])
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n".encode() + note.to_bytes()


class MemoryState:
    def __init__(self) -> None:
        self.records: dict[str, tuple[int, bytes]] = {}

    def load(self, origin: str) -> tuple[int, bytes] | None:
        return self.records.get(origin)

    def compare_and_swap(self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]) -> bool:
        if self.records.get(origin) != old:
            return False
        self.records[origin] = new
        return True


def _witness(state: MemoryState | FileWitnessState | None = None) -> Witness:
    return Witness((SIGNER,), {ORIGIN: [LOG.verifier()]}, state if state is not None else MemoryState())


def _status(witness: Witness, body: bytes) -> int:
    with pytest.raises(WitnessError) as e:
        witness.add_checkpoint(body, NOW)
    return e.value.status


def test_cosigns_first_checkpoint_and_extension() -> None:
    w = _witness()
    first = w.add_checkpoint(_body(0, [], 2, ROOT2), NOW)
    assert first.new_state == (2, ROOT2)
    # The response lines are cosignatures on the checkpoint: append them and open with the witness key.
    cp = sign_checkpoint(Checkpoint(ORIGIN, 2, ROOT2), [LOG]).to_bytes()
    assert open_note(cp + first.body, [SIGNER.verifier()]).verified[0].name == SIGNER.name
    # From size 2 to 3 the RFC 9162 consistency proof is the one new leaf hash (the old root is a subtree).
    ext = w.add_checkpoint(_body(2, [LEAVES[2]], 3, ROOT3), NOW + 1)
    assert ext.new_state == (3, ROOT3)
    assert w.state.load(ORIGIN) == (3, ROOT3)


def test_same_checkpoint_again_is_cosigned() -> None:
    w = _witness()
    w.add_checkpoint(_body(0, [], 2, ROOT2), NOW)
    assert w.add_checkpoint(_body(2, [], 2, ROOT2), NOW).new_state == (2, ROOT2)


def test_refuses_fork_same_size_other_root() -> None:
    w = _witness()
    w.add_checkpoint(_body(0, [], 2, ROOT2), NOW)
    with pytest.raises(WitnessConflictError) as e:
        w.add_checkpoint(_body(2, [], 2, b"\x09" * 32), NOW)
    assert (e.value.status, e.value.code, e.value.body) == (409, "ledger.witness_conflict", b"2\n")
    assert w.state.load(ORIGIN) == (2, ROOT2)


def test_stale_old_size_is_409_with_recorded_size() -> None:
    w = _witness()
    w.add_checkpoint(_body(0, [], 3, ROOT3), NOW)
    with pytest.raises(WitnessConflictError) as e:
        w.add_checkpoint(_body(1, [], 2, ROOT2), NOW)
    assert e.value.recorded_size == 3
    assert e.value.body == b"3\n"
    assert e.value.content_type == "text/x.tlog.size"


def test_bad_proof_is_422() -> None:
    w = _witness()
    w.add_checkpoint(_body(0, [], 2, ROOT2), NOW)
    assert _status(w, _body(2, [LEAVES[3]], 3, ROOT3)) == 422  # wrong hash
    assert _status(w, _body(2, [], 3, ROOT3)) == 422  # wrong length
    assert _status(w, _body(2, [LEAVES[2]], 3, b"\x07" * 32)) == 422  # proof of another root
    assert w.state.load(ORIGIN) == (2, ROOT2)


def test_old_zero_needs_empty_proof() -> None:
    assert _status(_witness(), _body(0, [LEAVES[1]], 2, ROOT2)) == 422


def test_empty_tree() -> None:
    w = _witness()
    assert w.add_checkpoint(_body(0, [], 0, EMPTY_ROOT), NOW).new_state == (0, EMPTY_ROOT)
    with pytest.raises(WitnessConflictError):
        w.add_checkpoint(_body(0, [], 0, ROOT1), NOW)


def test_unknown_log_is_404() -> None:
    other = Ed25519Signer("other.example/log", b"\x23" * 32)
    assert _status(_witness(), _body(0, [], 1, ROOT1, other)) == 404


def test_bad_signature_is_403() -> None:
    impostor = Ed25519Signer(ORIGIN, b"\x24" * 32)  # right name, other key: an unknown key
    assert _status(_witness(), _body(0, [], 1, ROOT1, impostor)) == 403
    body = _body(0, [], 1, ROOT1)
    tampered = body.replace(base64.b64encode(ROOT1), base64.b64encode(b"\x05" * 32))
    assert _status(_witness(), tampered) == 403


def test_old_size_past_checkpoint_is_400() -> None:
    assert _status(_witness(), _body(5, [], 2, ROOT2)) == 400


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 01\n\n",
        b"new 1\n\n",
        b"old 1\nAAAA\n\n",
        b"old 1\n" + b"\n",  # no checkpoint
        b"old 1\n" + (base64.b64encode(b"\x00" * 32) + b"\n") * 64 + b"\n",
    ],
)
def test_malformed_request_is_400(body: bytes) -> None:
    with pytest.raises(WitnessError) as e:
        parse_add_checkpoint(body)
    assert e.value.status == 400
    assert e.value.code == "ledger.witness"


def test_pure_function_does_not_touch_state() -> None:
    req = parse_add_checkpoint(_body(0, [], 2, ROOT2))
    out = add_checkpoint(req, {ORIGIN: [LOG.verifier()]}, [SIGNER], None, NOW)
    line = parse_note(sign_checkpoint(req.checkpoint, [LOG]).to_bytes() + out.body).signatures[1]
    assert line.signature[:8] == NOW.to_bytes(8, "big")


def test_file_state_round_trip_and_cas(tmp_path: Path) -> None:
    state = FileWitnessState(tmp_path / "state")
    assert state.load(ORIGIN) is None
    assert state.compare_and_swap(ORIGIN, None, (2, ROOT2))
    assert not state.compare_and_swap(ORIGIN, None, (3, ROOT3))
    assert state.load(ORIGIN) == (2, ROOT2)
    assert FileWitnessState(tmp_path / "state").load(ORIGIN) == (2, ROOT2)


def test_file_state_serialises_concurrent_requests(tmp_path: Path) -> None:
    # Many threads race to cosign the first checkpoint (old 0): exactly one may win; the rest get 409.
    w = _witness(FileWitnessState(tmp_path))
    body = _body(0, [], 2, ROOT2)
    results: list[int] = []

    def run() -> None:
        try:
            w.add_checkpoint(body, NOW)
            results.append(200)
        except WitnessError as e:
            results.append(e.status)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Once size 2 is recorded, the same request with old 0 is a 409: only one request can have won.
    assert sorted(results) == [200] + [409] * 7
    assert w.state.load(ORIGIN) == (2, ROOT2)
