"""C2SP tlog-witness (c2sp.org/tlog-witness), "add-checkpoint": the witness's pure state machine.

The request body is ``old <size>``, zero to 63 base64 consistency-proof hashes, an empty line, and a signed
checkpoint. :func:`add_checkpoint` decides, from the request, the witness's configuration and its recorded
(size, root) for the origin, in the spec's order:

1. the body parses (else 400) and the origin is a known log (404);
2. a trusted key of that log signed the checkpoint (403);
3. the old size is at most the checkpoint size (400);
4. the old size equals the recorded size (409, body: the recorded size);
5. same size: the roots must be equal (409), so no two roots are ever cosigned for one size; otherwise the
   consistency proof from the recorded root verifies (422), with old size 0 needing an empty proof.

On success it returns the cosignature lines and the new state. :class:`Witness` wires that to a
:class:`WitnessState` with compare-and-swap, so concurrent requests cannot roll the recorded size back.
Every refusal is a :class:`WitnessError` whose ``status`` is the HTTP status the spec gives.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ledger.checkpoint import Checkpoint, parse_checkpoint, parse_decimal
from ledger.cosignature import CosignatureSigner, cosign
from ledger.errors import (
    MalformedError,
    ProofError,
    RootMismatchError,
    SignatureError,
    WitnessConflictError,
    WitnessError,
)
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.note import Note, Verifier, decode_b64, parse_note, verify_note
from ledger.verify import verify_consistency

__all__ = [
    "MAX_PROOF_LINES",
    "AddCheckpointRequest",
    "Cosigned",
    "Witness",
    "WitnessState",
    "add_checkpoint",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES = 63
"""Most consistency proof lines a client may send (tlog-witness, "add-checkpoint")."""

TreeState = tuple[int, bytes]
"""A recorded (size, root) for one origin."""


class WitnessState(Protocol):
    """Where a witness keeps, per origin, the size and root of the latest checkpoint it cosigned."""

    def load(self, origin: str) -> TreeState | None:
        """Return the recorded (size, root) for ``origin``, or None if it never cosigned one."""
        ...

    def compare_and_swap(self, origin: str, old: TreeState | None, new: TreeState) -> bool:
        """Atomically replace the record ``old`` by ``new``; return False if the record was not ``old``."""
        ...


@dataclass(frozen=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body: old size, consistency proof, the signed checkpoint's note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: Note
    checkpoint: Checkpoint


@dataclass(frozen=True)
class Cosigned:
    """A successful add-checkpoint: the response body (cosignature lines) and the state to record."""

    body: bytes
    origin: str
    new_state: TreeState


def _bad_request(message: str) -> WitnessError:
    return WitnessError(message, status=400)


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint request body.

    Raises:
        WitnessError: status 400 when the body is malformed.
    """
    try:
        end = body.find(b"\n")
        if end < 0 or not body.startswith(b"old "):
            raise MalformedError("request does not start with an old size line")
        old_size = parse_decimal(body[4:end].decode("ascii"), "old size")
        pos = end + 1
        proof: list[bytes] = []
        while True:
            end = body.find(b"\n", pos)
            if end < 0:
                raise MalformedError("request has no empty line before the checkpoint")
            line = body[pos:end].decode("ascii")
            pos = end + 1
            if not line:
                break
            if len(proof) == MAX_PROOF_LINES:
                raise MalformedError(f"more than {MAX_PROOF_LINES} consistency proof lines")
            digest = decode_b64(line, f"consistency proof line {len(proof)}")
            if len(digest) != HASH_SIZE:
                raise MalformedError(f"consistency proof line {len(proof)} is not a 32-byte hash")
            proof.append(digest)
        note = parse_note(body[pos:])
        checkpoint = parse_checkpoint(note.text)
    except (MalformedError, UnicodeDecodeError) as e:
        raise _bad_request(f"malformed add-checkpoint request: {e}") from e
    return AddCheckpointRequest(old_size, tuple(proof), note, checkpoint)


def add_checkpoint(
    request: AddCheckpointRequest,
    logs: Mapping[str, Sequence[Verifier]],
    signers: Sequence[CosignatureSigner],
    recorded: TreeState | None,
    now: int,
) -> Cosigned:
    """Decide an add-checkpoint request; pure: the caller persists ``new_state`` before answering.

    Args:
        request: the parsed request.
        logs: for each known origin, the log's trusted verifier keys.
        signers: the witness's cosigning keys (at least one).
        recorded: the (size, root) last cosigned for the origin, None if none.
        now: the POSIX time to stamp the cosignatures with.

    Raises:
        WitnessError: 404 unknown origin, 403 no valid log signature, 400 old size above the checkpoint
            size, 422 consistency proof that does not verify; :class:`WitnessConflictError` (409) when the
            old size is not the recorded size or the same size comes with another root.
    """
    cp = request.checkpoint
    # 1. The log must be known.
    verifiers = logs.get(cp.origin)
    if not verifiers:
        raise WitnessError(f"unknown log origin {cp.origin!r}", status=404)
    # 2. A trusted key of that log must have signed (SignatureError covers UnknownKeyError).
    try:
        verify_note(request.note, verifiers)
    except SignatureError as e:
        raise WitnessError(f"checkpoint is not signed by {cp.origin!r}: {e.message}", status=403) from e
    # 3. The old size cannot be past the checkpoint.
    if request.old_size > cp.size:
        raise WitnessError(f"old size {request.old_size} exceeds checkpoint size {cp.size}", status=400)
    # 4. The old size must be what this witness last cosigned.
    rec_size, rec_root = recorded if recorded is not None else (0, EMPTY_ROOT)
    if request.old_size != rec_size:
        raise WitnessConflictError(
            f"old size {request.old_size} is not the recorded size {rec_size}", recorded_size=rec_size
        )
    # 5. Same size: the same root, or this is a fork. Otherwise the proof must verify.
    if cp.size == rec_size:
        if request.proof:
            raise WitnessError("a consistency proof between equal sizes must be empty", status=422)
        if not hmac.compare_digest(cp.root, rec_root):
            raise WitnessConflictError(
                f"checkpoint of size {cp.size} has a root other than the one cosigned", recorded_size=rec_size
            )
    elif rec_size == 0:
        if request.proof:
            raise WitnessError("the consistency proof from old size 0 must be empty", status=422)
    else:
        try:
            verify_consistency(rec_size, cp.size, rec_root, cp.root, request.proof)
        except (ProofError, RootMismatchError) as e:
            raise WitnessError(f"consistency proof does not verify: {e.message}", status=422) from e
    if not signers:
        raise WitnessError("the witness has no cosigning key", status=500)
    text = request.note.text
    lines = "".join(cosign(text, s, now).line() for s in signers)
    return Cosigned(lines.encode("utf-8"), cp.origin, (cp.size, cp.root))


@dataclass(frozen=True)
class Witness:
    """A witness: its cosigning keys, the logs it knows, and its persistent state."""

    signers: tuple[CosignatureSigner, ...]
    logs: Mapping[str, Sequence[Verifier]]
    state: WitnessState

    def add_checkpoint(self, body: bytes, now: int) -> Cosigned:
        """Handle one add-checkpoint request body and persist the new state before returning.

        The state is read, the request decided, and the new state written with compare-and-swap; if another
        request changed the state in between, the decision is taken again against the new state.

        Raises:
            WitnessError: as :func:`add_checkpoint` and :func:`parse_add_checkpoint`.
        """
        request = parse_add_checkpoint(body)
        origin = request.checkpoint.origin
        while True:
            recorded = self.state.load(origin)
            result = add_checkpoint(request, self.logs, self.signers, recorded, now)
            if result.new_state == recorded or self.state.compare_and_swap(
                origin, recorded, result.new_state
            ):
                return result
