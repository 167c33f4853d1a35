"""Issuer revocation and supersession of footprint attestations (docs/attestation.md, "Revocation and
supersession").

* A ``Revocation`` credential (envelope: passport/envelope.py) names the digest of the credential it revokes
  (``revokes``), optionally the revoked attestation's ``productId`` and a ``reason``. It is signed by a key of
  the organisation that issued the revoked credential; the pipeline judges that against the registry at the
  revocation's log index (the revoked attestation's product must be covered by a prefix the signer's
  organisation holds). A revocation is final: nothing un-revokes.
* Supersession is an attestation whose ``supersedes`` names the digest of an earlier attestation of the same
  product, by the same organisation: :func:`check_supersession` checks what the two documents say; the
  pipeline checks the organisation. The earlier attestation stays logged and valid for what relied on it
  before; newer passports should use the newest one.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport.attestation import Attestation
from passport.dataintegrity import EDDSA_JCS_2022
from passport.document import SignedDocument
from passport.envelope import Kind, check_envelope, check_object, is_kind, sign_kind, verify_envelope
from passport.errors import AttestationError, RevocationError
from passport.quantity import check_digest, check_text
from passport.validation import check_product_id

REVOCATION = "Revocation"
KIND = Kind(REVOCATION, RevocationError)


@dataclass(frozen=True)
class Revocation:
    """The issuer's withdrawal of the credential whose digest is ``revokes``."""

    revokes: str
    product_id: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        check_digest(self.revokes, "revokes", RevocationError)
        if self.product_id is not None:
            try:
                check_product_id(self.product_id)
            except AttestationError as e:
                raise RevocationError("identifier", e.message) from e
        if self.reason is not None:
            check_text(self.reason, "reason", RevocationError, limit=512)

    def to_subject(self) -> dict[str, Any]:
        """The ``credentialSubject`` stating this revocation."""
        subject: dict[str, Any] = {"revokes": self.revokes}
        if self.product_id is not None:
            subject["productId"] = self.product_id
        if self.reason is not None:
            subject["reason"] = self.reason
        return subject

    @classmethod
    def from_subject(cls, subject: Any) -> Revocation:
        """Parse a revocation's ``credentialSubject``.

        Raises:
            RevocationError: a missing, unknown or mistyped field, or a broken rule.
        """
        s = check_object(subject, "credentialSubject", {"revokes"}, {"productId", "reason"}, RevocationError)
        for name, value in s.items():
            if not isinstance(value, str):
                raise RevocationError("field", f"{name} must be a string")
        return cls(s["revokes"], s.get("productId"), s.get("reason"))


def sign_revocation(
    revocation: Revocation,
    key: Ed25519PrivateKey,
    valid_from: str | None = None,
    *,
    cryptosuite: str = EDDSA_JCS_2022,
) -> SignedDocument:
    """Sign a revocation with ``key`` (a key of the revoked credential's issuing organisation).

    Raises:
        RevocationError: ``revocation.shape``: ``valid_from`` is not a dateTimeStamp.
    """
    return sign_kind(KIND, revocation.to_subject(), key, valid_from=valid_from, cryptosuite=cryptosuite)


def is_revocation(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself a revocation (routing only)."""
    return is_kind(KIND, data)


def parse_revocation(doc: SignedDocument) -> tuple[Revocation, bytes]:
    """Check and verify a revocation; return it and the raw public key that signed it.

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        RevocationError: the envelope or subject breaks a rule.
        UnsupportedCryptosuiteError, MalformedProofError, ProofPurposeError, ContextNotAllowedError,
            ContextDigestError, CanonicalizationError, VerificationMethodError, ProofError: the proof does not
            verify.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    envelope = check_envelope(KIND, doc.parse())
    revocation = Revocation.from_subject(envelope.subject)
    return revocation, verify_envelope(KIND, doc, envelope).public_key


def check_supersession(newer: Attestation, earlier: Attestation, earlier_digest: str) -> None:
    """Check that ``newer`` supersedes the attestation ``earlier`` whose credential digest is
    ``earlier_digest``: it names that digest and is about the same product.

    Raises:
        AttestationError: ``attestation.supersedes``: ``newer`` supersedes nothing, another digest, or an
            attestation of another product.
    """
    if newer.supersedes is None or not hmac.compare_digest(newer.supersedes, earlier_digest):
        raise AttestationError("supersedes", f"the attestation does not supersede {earlier_digest}")
    if newer.product_id != earlier.product_id:
        raise AttestationError(
            "supersedes", "an attestation supersedes only an attestation of the same product"
        )
