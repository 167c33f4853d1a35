"""The ledger's errors: one base class, specific subclasses, each with a stable ``code``.

Tests assert the type and the code, never the message. The API maps these to RFC 9457 problem+json in one
place (``api/problems.py``).
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises."""

    code = "ledger.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedError(LedgerError):
    """Bytes that do not parse as the wire format they claim to be."""

    code = "ledger.malformed"


class ProofError(LedgerError):
    """A proof whose shape is wrong for the sizes and index it claims (checked before any hashing)."""

    code = "ledger.proof_shape"


class RootMismatchError(LedgerError):
    """A proof that has the right shape but leads to a different root."""

    code = "ledger.root_mismatch"

    def __init__(self, message: str, *, expected: bytes, computed: bytes) -> None:
        super().__init__(message)
        self.expected = expected
        self.computed = computed


class SignatureError(LedgerError):
    """A signed note, checkpoint or cosignature whose signatures do not verify, or verify too few."""

    code = "ledger.signature"


class UnknownKeyError(SignatureError):
    """No signature on a note was made by any of the keys the verifier trusts."""

    code = "ledger.unknown_key"


class PolicyError(LedgerError):
    """A policy file that does not parse, or a checkpoint that does not satisfy the policy's quorum."""

    code = "ledger.policy"


class QuorumError(PolicyError):
    """Fewer trusted witnesses cosigned than the policy requires."""

    code = "ledger.quorum"


class RangeError(LedgerError):
    """An index or size outside the tree (for example, an entry past the end of the log)."""

    code = "ledger.range"


class EntryTooLargeError(LedgerError):
    """An entry over 65,535 bytes: C2SP entry bundles cannot carry it."""

    code = "ledger.entry_too_large"


class TileError(LedgerError):
    """A tile or entry bundle that is missing, truncated, or of the wrong width."""

    code = "ledger.tile"


class ConsistencyError(LedgerError):
    """Two checkpoints of one log that cannot both be true (a fork, or a shrinking tree)."""

    code = "ledger.inconsistent"


class WitnessError(LedgerError):
    """A witness refused to cosign; ``status`` is the HTTP status the C2SP tlog-witness protocol gives."""

    code = "ledger.witness"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class StorageError(LedgerError):
    """The database behind the log failed or holds something it should not."""

    code = "ledger.storage"


class BusyError(LedgerError):
    """The sequencer is saturated; HTTP shows this as 503 with Retry-After."""

    code = "ledger.busy"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RefusedError(LedgerError):
    """The admission function refused an entry at the position it would have taken."""

    code = "ledger.refused"

    def __init__(self, message: str, *, reason_code: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code


class KeyFormatError(MalformedError):
    """A signed-note verifier or signer key (vkey, skey) that does not parse, or whose key ID is wrong."""

    code = "ledger.key_format"


class KeyFileError(LedgerError):
    """A private key file that cannot be written or read safely (exists already, or readable by others)."""

    code = "ledger.key_file"


class WitnessConflictError(WitnessError):
    """C2SP tlog-witness 409: the old size does not match what the witness recorded, or a fork was offered.

    ``recorded_size`` is the size of the latest checkpoint the witness cosigned for the origin; the HTTP
    response body is ``body`` with Content-Type ``content_type``.
    """

    code = "ledger.witness_conflict"
    content_type = "text/x.tlog.size"

    def __init__(self, message: str, *, recorded_size: int) -> None:
        super().__init__(message, status=409)
        self.recorded_size = recorded_size

    @property
    def body(self) -> bytes:
        """The 409 response body the spec prescribes: the recorded size in decimal and a newline."""
        return f"{self.recorded_size}\n".encode()


class FsckError(LedgerError):
    """A stored log that disagrees with what its entries define, found by ``ledger.storage.fsck``.

    ``kind`` names the check that failed, stably: ``gap`` (an index with no entry), ``leaf_hash`` (a stored
    leaf hash that is not the hash of the entry), ``tile``, ``tile_missing``, ``tile_extra`` (a full hash tile
    that differs, is absent, or should not exist), ``tail`` (a hash of an incomplete tile that differs or is
    absent), ``tail_full`` (a tail row for a tile that is full), ``tail_extra`` (a tail row past the tree),
    ``checkpoint_signature`` (a note that does not open with the log's key), ``checkpoint_note`` (a note whose
    origin, size or root is not the stored one), ``checkpoint_root`` (a root the entries do not give),
    ``checkpoint_extra`` (a checkpoint past the log's size), ``checkpoint_missing`` (no checkpoint of the
    log's size), ``leaf_index`` (the leaf-hash index does not map the entries before its extent to their
    indices, or its extent is wrong), ``duplicate`` (the same leaf hash logged twice). ``location`` says
    where, e.g. ``entry 41``, ``tile 0/3``, ``checkpoint 1000``.
    """

    code = "ledger.fsck"

    def __init__(self, message: str, *, kind: str, location: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.location = location
