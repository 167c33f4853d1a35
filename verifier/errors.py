"""The verifier's errors: one base class, specific subclasses, each with a stable ``code``.

Tests assert the type and the code, never the message. An audit (``verifier.audit``) turns each into an
:class:`verifier.audit.AuditProblem` carrying the same code and the log index of the damage.
"""

from __future__ import annotations


class VerifierError(Exception):
    """Base of every error the verifier raises."""

    code = "verifier.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuditError(VerifierError):
    """A log that does not replay to what it signed; ``index`` is the first log index concerned, if any."""

    code = "audit.error"

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class AuditSourceError(AuditError):
    """The tiles' source failed (unreadable directory, HTTP error other than 404, bad URL)."""

    code = "audit.source"


class AuditMissingError(AuditError):
    """A tile, entry bundle or checkpoint the tree needs is not served (404, no file, no rows)."""

    code = "audit.missing"


class AuditMalformedError(AuditError):
    """A tile or entry bundle that does not parse: wrong length, truncated, wrong number of entries."""

    code = "audit.malformed"


class AuditCheckpointError(AuditError):
    """A checkpoint that does not open with the log's key, does not parse, or names another origin."""

    code = "audit.checkpoint"


class AuditEntryError(AuditError):
    """An entry whose hash is not the one the log's tiles hold for its index (the entry was changed)."""

    code = "audit.entry"


class AuditTileError(AuditError):
    """A served hash tile that differs from the one the entries give (the tile was changed)."""

    code = "audit.tile"


class AuditRootError(AuditError):
    """The entries do not give the root the checkpoint signs."""

    code = "audit.root"


class AuditForkError(AuditError):
    """Two checkpoints of one log that cannot both be true: a fork, a rewrite of history, a shrinking log."""

    code = "audit.fork"


class AuditStateError(AuditError):
    """An audit state file that does not parse, or belongs to another log."""

    code = "audit.state"


class AuditCredentialMissingError(AuditError):
    """A carbontrail record names a credential the credential store does not hold."""

    code = "audit.credential_missing"


class AuditCredentialDigestError(AuditError):
    """A stored credential whose bytes do not hash to the digest its record names (the body was rewritten)."""

    code = "audit.credential_digest"


class AuditCredentialError(AuditError):
    """A stored credential that is not one the log may record: its proof does not verify, or it breaks its
    kind's rules (the underlying code is the problem's ``cause``)."""

    code = "audit.credential"


class AuditRecordError(AuditError):
    """A carbontrail record that is not exactly the record its credential makes, does not parse, or records a
    credential already recorded at an earlier index."""

    code = "audit.record"


class AuditAuthorityError(AuditError):
    """A recorded document its signer had no authority for at its log index, or that earlier documents forbid
    there (the admission rule's code, ``registry.*`` or ``submission.*``, is the problem's ``cause``)."""

    code = "audit.authority"


class VerifyError(VerifierError):
    """A bundle, or one document of it, that does not verify (docs/verify.md, "Checks").

    ``document`` is the digest of the document concerned (None for the bundle as a whole) and ``field`` a
    JSON pointer into it (or into the bundle, for a bundle-wide failure) when the failure is about one member.
    """

    code = "verify.error"

    def __init__(self, message: str, *, document: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.document = document
        self.field = field


class BundleError(VerifyError):
    """A bundle that does not parse: its type, a member, a record, a receipt, a credential's shape."""

    code = "verify.bundle"


class CheckpointError(VerifyError):
    """The bundle's checkpoint does not open with the policy's log key, or names another origin."""

    code = "verify.checkpoint"


class QuorumError(VerifyError):
    """The bundle's checkpoint is not cosigned by the policy's quorum of witnesses."""

    code = "verify.quorum"


class ConsistencyError(VerifyError):
    """An older checkpoint the bundle mentions is not proven consistent with the bundle's checkpoint."""

    code = "verify.consistency"


class ReceiptError(VerifyError):
    """A record's receipt does not prove it at its index under the bundle's checkpoint."""

    code = "verify.receipt"


class DigestError(VerifyError):
    """A credential's bytes do not hash to the digest its record names."""

    code = "verify.digest"


class RecordError(VerifyError):
    """A record is not the one its credential makes (kind, subject, issuer or time differ)."""

    code = "verify.record"


class SignatureError(VerifyError):
    """A credential's Data Integrity proof does not verify, or its issuer is not the signing key."""

    code = "verify.signature"


class ContextError(VerifyError):
    """A ``@context`` that is not on the allow-list, or whose pinned copy does not hash to its digest."""

    code = "verify.context"


class AuthorityError(VerifyError):
    """The signer may not sign the document at its log index (the registry replay and admission rules)."""

    code = "verify.authority"


class RevokedError(VerifyError):
    """The document is revoked as of the bundle's checkpoint."""

    code = "verify.revoked"


class SupersededError(VerifyError):
    """The document is superseded as of the bundle's checkpoint."""

    code = "verify.superseded"


class BlacklistedError(VerifyError):
    """An endorsement in the bundle is by a certification body blacklisted as of the bundle's checkpoint."""

    code = "verify.blacklisted"


class MissingError(VerifyError):
    """A document a passport links (or uses) is not in the bundle."""

    code = "verify.missing"


class LinkError(VerifyError):
    """A passport's link states another digest or log index than the bundle's record, or its embedded
    receipt does not verify."""

    code = "verify.link"


class RollupError(VerifyError):
    """The passport's figures do not recompute, digit for digit, from its components."""

    code = "verify.rollup"


class GradeError(VerifyError):
    """The passport's grade is not the one its stated footprint and benchmark give."""

    code = "verify.grade"


class AnchorError(VerifyError):
    """A trust anchor given to the verifier (policy file, registrar key) that does not parse."""

    code = "verify.anchor"
