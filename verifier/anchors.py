"""Checkpoints judged under the verifier's trust anchors (docs/verify.md, "Trust anchors"; C2SP
tlog-checkpoint, tlog-cosignature, tlog-policy).

A bundle's newest checkpoint must open with the policy's log key for the policy's origin and carry
cosignatures meeting the policy's quorum; the newest timestamp among the cosignatures that verified is the
report's "as of". The older checkpoints that passports' embedded receipts name must open with the log's key
(their content is then pinned by a consistency proof to the newest, which the witnesses cosigned). Each
distinct note is opened once per verification (:class:`NoteCache`): a thousand links made against the same
checkpoint cost one signature check, not a thousand.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.cosignature import signature_timestamp
from ledger.errors import LedgerError, MalformedError
from ledger.errors import QuorumError as LedgerQuorumError
from ledger.note import Note, parse_note
from ledger.policy import Policy
from ledger.receipt import Receipt, parse_receipt
from verifier.errors import CheckpointError, QuorumError, VerifyError

__all__ = ["NoteCache", "judge_quorum", "open_log_note"]


def open_log_note(note: Note, checkpoint: Checkpoint, policy: Policy) -> None:
    """Check that a trusted log for the checkpoint's origin signed ``note``.

    Raises:
        CheckpointError: no log of the policy has this origin, or its signature is absent or does not verify
            (``verify.checkpoint``).
    """
    try:
        policy.verify_log(note, checkpoint)
    except LedgerError as e:
        raise CheckpointError(f"checkpoint of {checkpoint.origin!r}, size {checkpoint.size}: {e}") from e


def judge_quorum(note: Note, policy: Policy) -> int | None:
    """Check the witnesses' quorum on ``note``; return the newest timestamp among the cosignatures of the
    policy's witnesses that verified (None when no witness cosigned, as a policy asking for none allows).

    Raises:
        QuorumError: a trusted witness's cosignature does not verify, or the quorum is not met
            (``verify.quorum``).
    """
    try:
        cosigners = policy.require_quorum(note)
    except LedgerQuorumError as e:
        raise QuorumError(str(e), field="/checkpoint") from e
    except LedgerError as e:
        raise QuorumError(f"a witness's cosignature does not verify: {e}", field="/checkpoint") from e
    counted = {(w.verifier.name, w.verifier.key_id) for w in policy.witnesses if w.name in cosigners}
    times = []
    for sig in note.signatures:
        if (sig.name, sig.key_id) in counted:
            try:
                times.append(signature_timestamp(sig.signature))
            except MalformedError as e:  # it verified, so it has a timestamp; kept for the type checker
                raise QuorumError(f"cosignature by {sig.name}: {e}", field="/checkpoint") from e
    return max(times) if times else None


@dataclass
class _Opened:
    checkpoint: Checkpoint | None
    error: VerifyError | None


class NoteCache:
    """Older checkpoint notes, each parsed and opened with the log's key once (module docstring), and the
    embedded receipts that name them, each parsed once."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._opened: dict[bytes, _Opened] = {}
        self._receipts: dict[str, Receipt | LedgerError] = {}

    def receipt(self, text: str) -> Receipt:
        """An embedded receipt, parsed once however many times it is asked for.

        Raises:
            LedgerError: the receipt does not parse.
        """
        found = self._receipts.get(text)
        if found is None:
            try:
                found = parse_receipt(text.encode())
            except LedgerError as e:
                found = e
            self._receipts[text] = found
        if isinstance(found, LedgerError):
            raise found
        return found

    def open(self, note_bytes: bytes) -> Checkpoint:
        """The checkpoint of a note the policy's log signed.

        Raises:
            CheckpointError: the note does not parse, or the log did not sign it (``verify.checkpoint``).
        """
        opened = self._opened.get(note_bytes)
        if opened is None:
            opened = self._open(note_bytes)
            self._opened[note_bytes] = opened
        if opened.error is not None:
            raise opened.error
        assert opened.checkpoint is not None
        return opened.checkpoint

    def _open(self, note_bytes: bytes) -> _Opened:
        try:
            note = parse_note(note_bytes)
            checkpoint = parse_checkpoint(note.text)
        except LedgerError as e:
            return _Opened(None, CheckpointError(f"a checkpoint that does not parse: {e}"))
        try:
            open_log_note(note, checkpoint, self._policy)
        except CheckpointError as e:
            return _Opened(None, e)
        return _Opened(checkpoint, None)

    def seed(self, note_bytes: bytes, checkpoint: Checkpoint) -> None:
        """Record a note already opened (the bundle's own checkpoint)."""
        self._opened[note_bytes] = _Opened(checkpoint, None)

    def __len__(self) -> int:
        return len(self._opened)
