"""Endorsements: a certification body's countersignature of a footprint attestation (docs/attestation.md,
"Endorsements").

An ``Endorsement`` credential (envelope: passport/envelope.py) names the attestation it vouches for by the
digest of its credential (``endorses``, ``sha256:<hex>`` of the JCS form, the digest the log records) and the
attestation's ``productId``, so the pipeline can check both against the logged attestation. Optional fields
follow WBCSD PACT v3.0 ``Verification`` (v2.3 ``Assurance``): ``level`` (``limited`` or ``reasonable``),
``standardName``, ``completedAt``, ``comments``.

Whether the signer may endorse (a registered certification body, not blacklisted, at the endorsement's log
index; not the attestation's own issuer) is judged by the pipeline against the registry: parsing only hands
over the signer's key and the named digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport.dataintegrity import EDDSA_JCS_2022
from passport.document import SignedDocument
from passport.envelope import Kind, check_envelope, check_object, is_kind, sign_kind, verify_envelope
from passport.errors import AttestationError, EndorsementError
from passport.quantity import check_digest, check_text, parse_date_time
from passport.validation import check_product_id

ENDORSEMENT = "Endorsement"
KIND = Kind(ENDORSEMENT, EndorsementError)
LEVELS = ("limited", "reasonable")
_OPTIONAL = ("level", "standardName", "completedAt", "comments")


@dataclass(frozen=True)
class Endorsement:
    """A certification body's statement that it verified the attestation whose credential has digest
    ``endorses`` and whose subject is ``product_id``. Building one checks every rule."""

    endorses: str
    product_id: str
    level: str | None = None
    standard_name: str | None = None
    completed_at: str | None = None
    comments: str | None = None

    def __post_init__(self) -> None:
        check_digest(self.endorses, "endorses", EndorsementError)
        try:
            check_product_id(self.product_id)
        except AttestationError as e:
            raise EndorsementError("identifier", e.message) from e
        if self.level is not None and self.level not in LEVELS:
            raise EndorsementError("level", f"level must be one of {list(LEVELS)}")
        if self.standard_name is not None:
            check_text(self.standard_name, "standardName", EndorsementError)
        if self.completed_at is not None:
            parse_date_time(self.completed_at, "completedAt", EndorsementError)
        if self.comments is not None:
            check_text(self.comments, "comments", EndorsementError, limit=4096)

    def to_subject(self) -> dict[str, Any]:
        """The ``credentialSubject`` stating this endorsement."""
        subject: dict[str, Any] = {"endorses": self.endorses, "productId": self.product_id}
        for name, value in zip(
            _OPTIONAL, (self.level, self.standard_name, self.completed_at, self.comments), strict=True
        ):
            if value is not None:
                subject[name] = value
        return subject

    @classmethod
    def from_subject(cls, subject: Any) -> Endorsement:
        """Parse an endorsement's ``credentialSubject``.

        Raises:
            EndorsementError: a missing, unknown or mistyped field, or a broken rule.
        """
        s = check_object(
            subject, "credentialSubject", {"endorses", "productId"}, set(_OPTIONAL), EndorsementError
        )
        for name, value in s.items():
            if not isinstance(value, str):
                raise EndorsementError("field", f"{name} must be a string")
        return cls(
            s["endorses"],
            s["productId"],
            s.get("level"),
            s.get("standardName"),
            s.get("completedAt"),
            s.get("comments"),
        )


def sign_endorsement(
    endorsement: Endorsement,
    key: Ed25519PrivateKey,
    valid_from: str | None = None,
    *,
    cryptosuite: str = EDDSA_JCS_2022,
) -> SignedDocument:
    """Sign an endorsement with the certification body's ``key`` (the issuer is its did:key).

    Raises:
        EndorsementError: ``endorsement.shape``: ``valid_from`` is not a dateTimeStamp.
    """
    return sign_kind(KIND, endorsement.to_subject(), key, valid_from=valid_from, cryptosuite=cryptosuite)


def is_endorsement(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself an endorsement (routing only)."""
    return is_kind(KIND, data)


def parse_endorsement(doc: SignedDocument) -> tuple[Endorsement, bytes]:
    """Check and verify an endorsement; return it and the raw public key that signed it.

    Steps: 1. envelope and subject, before any hashing; 2. the proof on the exact bytes; 3. the issuer is the
    key that signed.

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        EndorsementError: the envelope or subject breaks a rule.
        UnsupportedCryptosuiteError, MalformedProofError, ProofPurposeError, ContextNotAllowedError,
            ContextDigestError, CanonicalizationError, VerificationMethodError, ProofError: the proof does not
            verify.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    envelope = check_envelope(KIND, doc.parse())
    endorsement = Endorsement.from_subject(envelope.subject)
    return endorsement, verify_envelope(KIND, doc, envelope).public_key
