"""The envelope every carbontrail credential kind shares: VC 2.0 shape, did:key issuer, Data Integrity proof.

W3C VC Data Model 2.0 sections 4.3 (``@context``), 4.5 (``type``), 4.7 (``issuer``), 4.9 (``validFrom``,
``validUntil``) and VC Data Integrity 1.0 section 4 (the proof), in the strict profile docs/attestation.md
("The envelope") states for attestations, endorsements, revocations, factor datasets and benchmarks:

* ``type`` is exactly ``["VerifiableCredential", <Kind>]`` and ``@context`` exactly ``[credentials/v2,
  carbontrail/v1]``;
* top-level properties are ``@context``, ``id``, ``type``, ``issuer``, ``validFrom`` (required),
  ``validUntil`` (where the kind allows it), ``name``, ``description``, ``credentialSubject`` (one object)
  and ``proof``; nothing else (no ``credentialStatus``: revocation is a logged credential, not a list);
* ``issuer`` is the did:key of the signing key, and the proof's ``verificationMethod`` is its ``#`` method;
* the proof is ``eddsa-jcs-2022`` (default) or, where the kind allows, ``eddsa-rdfc-2022``.

Parsing checks all of that before any hashing (:func:`check_envelope`), the kind's module then checks the
subject, and only then :func:`verify_envelope` verifies the proof on the exact bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from identifiers.did import parse_did_key
from identifiers.errors import IdentifierError
from identifiers.multikey import did_key_from_public_key, did_key_verification_method
from passport.contexts import CARBONTRAIL_V1, CREDENTIALS_V2
from passport.dataintegrity import (
    CRYPTOSUITES,
    EDDSA_JCS_2022,
    PROOF_TYPE,
    VerifiedProof,
    is_date_time_stamp,
    sign_credential,
    verify_credential,
)
from passport.document import SignedDocument
from passport.errors import IssuerError, RuleError, UnsupportedCryptosuiteError

CONTEXT = (CREDENTIALS_V2, CARBONTRAIL_V1)
_CONTEXT_LIST = list(CONTEXT)
"""``CONTEXT`` as the list a credential's ``@context`` must equal (only ever compared, never handed out)."""
_BASE_PROPERTIES = frozenset(
    {"@context", "id", "type", "issuer", "validFrom", "name", "description", "credentialSubject", "proof"}
)
_UTC_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Kind:
    """One credential kind: its type name, its error family, and what its envelope may carry."""

    type_name: str
    error: type[RuleError]
    valid_until: bool = False
    cryptosuites: tuple[str, ...] = CRYPTOSUITES

    @property
    def types(self) -> list[str]:
        """The credential's ``type`` value."""
        return ["VerifiableCredential", self.type_name]

    @functools.cached_property
    def properties(self) -> frozenset[str]:
        """The top-level properties a credential of this kind may carry (made once per kind)."""
        return _BASE_PROPERTIES | {"validUntil"} if self.valid_until else _BASE_PROPERTIES


@dataclass(frozen=True)
class Envelope:
    """What the envelope of a parsed credential says, before its proof is checked."""

    issuer_key: bytes
    valid_from: str
    valid_until: str | None
    subject: dict[str, Any]


def check_object(
    value: Any, what: str, required: set[str], optional: set[str], error: type[RuleError]
) -> dict[str, Any]:
    """Check a JSON object has every ``required`` member and no member beyond ``optional``.

    Raises:
        RuleError: ``error`` with rule ``field``.
    """
    if not isinstance(value, dict):
        raise error("field", f"{what} must be a JSON object")
    keys = value.keys()
    if keys >= required and keys - required <= optional:
        return value  # the usual case, decided without building the sorted lists the message needs
    missing = sorted(required - set(value))
    unknown = sorted(set(value) - required - optional)
    if missing or unknown:
        raise error("field", f"{what}: missing {missing}, unknown {unknown}")
    return value


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of an Ed25519 private key."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def is_kind(kind: Kind, data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself of ``kind`` (its ``type`` lists the kind's name).

    This only routes a document to the kind's parser, which decides whether it is a valid one.
    """
    types = data.get("type")
    return isinstance(types, list) and kind.type_name in types


def sign_kind(
    kind: Kind,
    subject: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    valid_from: str | None = None,
    valid_until: str | None = None,
    cryptosuite: str = EDDSA_JCS_2022,
) -> SignedDocument:
    """Sign ``subject`` as a credential of ``kind``; the issuer is the did:key of ``private_key``.

    Raises:
        RuleError: ``kind.error`` with rule ``shape``: ``valid_from``/``valid_until`` not a dateTimeStamp, a
            ``valid_until`` the kind does not take.
        UnsupportedCryptosuiteError: a cryptosuite the kind does not allow.
    """
    if cryptosuite not in kind.cryptosuites:
        raise UnsupportedCryptosuiteError(f"{kind.type_name} credentials are not signed {cryptosuite}")
    when = valid_from if valid_from is not None else datetime.now(UTC).strftime(_UTC_SECONDS)
    if not is_date_time_stamp(when):
        raise kind.error("shape", f"validFrom {when!r} is not an XML Schema dateTimeStamp")
    public_key = public_key_bytes(private_key)
    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "type": kind.types,
        "issuer": did_key_from_public_key(public_key),
        "validFrom": when,
        "credentialSubject": dict(subject),
    }
    if valid_until is not None:
        if not kind.valid_until or not is_date_time_stamp(valid_until):
            raise kind.error("shape", f"validUntil {valid_until!r} is not allowed or not a dateTimeStamp")
        credential["validUntil"] = valid_until
    return sign_credential(
        credential,
        private_key,
        did_key_verification_method(public_key),
        cryptosuite=cryptosuite,
        created=when,
    )


def check_envelope(kind: Kind, data: Mapping[str, Any]) -> Envelope:
    """Check a parsed credential's envelope against ``kind`` (module docstring), hashing nothing.

    Raises:
        RuleError: ``kind.error`` with rule ``shape``.
        UnsupportedCryptosuiteError: a Data Integrity proof with a cryptosuite the kind does not allow.
    """
    err = kind.error
    if data.get("type") != kind.types:
        raise err("shape", f"a {kind.type_name}'s type is {kind.types}")
    if data.get("@context") != _CONTEXT_LIST:
        raise err("shape", f"a {kind.type_name}'s @context is {list(CONTEXT)}")
    if not data.keys() <= kind.properties:
        extra = sorted(set(data) - kind.properties)
        raise err("shape", f"a {kind.type_name} may not carry {', '.join(extra)}")
    valid_from = data.get("validFrom")
    if not isinstance(valid_from, str) or not is_date_time_stamp(valid_from):
        raise err("shape", "validFrom must be an XML Schema dateTimeStamp")
    valid_until = data.get("validUntil")
    if valid_until is not None and not is_date_time_stamp(valid_until):
        raise err("shape", "validUntil must be an XML Schema dateTimeStamp")
    for name in ("name", "description"):
        if name in data and not isinstance(data[name], str):
            raise err("shape", f"{name} must be a string")
    if "id" in data and (not isinstance(data["id"], str) or ":" not in data["id"]):
        raise err("shape", "id must be an absolute IRI")
    issuer = data.get("issuer")
    if not isinstance(issuer, str):
        raise err("shape", "the issuer is the signing key's did:key, as a string")
    try:
        issuer_key = _canonical_did_key(issuer)
    except IdentifierError as e:
        raise err("shape", f"the issuer is not a canonical did:key: {e.message}") from e
    if issuer_key is None:
        raise err("shape", "the issuer is not a canonical did:key")
    proof = data.get("proof")
    if (
        isinstance(proof, dict)
        and proof.get("type") == PROOF_TYPE
        and proof.get("cryptosuite") not in kind.cryptosuites
    ):
        raise UnsupportedCryptosuiteError(f"{kind.type_name} credentials are signed {kind.cryptosuites}")
    subject = data.get("credentialSubject")
    if not isinstance(subject, dict):
        raise err("shape", "credentialSubject must be one JSON object")
    return Envelope(issuer_key, valid_from, valid_until, subject)


@functools.lru_cache(maxsize=1024)
def _canonical_did_key(issuer: str) -> bytes | None:
    # The key a did:key issuer names, or None if the text is not that key's canonical did:key. A pure
    # function of the text, cached: a supplier signs many credentials (errors raise and are not cached).
    key = parse_did_key(issuer).public_key
    return key if issuer == did_key_from_public_key(key) else None


@functools.lru_cache(maxsize=1024)
def _verification_method(key: bytes) -> str:
    return did_key_verification_method(key)


def verify_envelope(
    kind: Kind, doc: SignedDocument, envelope: Envelope, secured: dict[str, Any] | None = None
) -> VerifiedProof:
    """Verify the proof on the exact bytes and that the issuer is the key that signed.

    ``secured``, if given, is the parse of ``doc.raw`` the envelope was checked on, made for this
    verification and unchanged (see :func:`~passport.dataintegrity.verify_credential`); otherwise the bytes
    are parsed again.

    Raises:
        MalformedProofError, ProofPurposeError, ContextNotAllowedError, VerificationMethodError, ProofError:
            the proof does not verify (see :func:`~passport.dataintegrity.verify_credential`).
        UnsupportedCryptosuiteError: a cryptosuite the kind does not allow.
        IssuerError: the issuer is not the did:key of the key that signed.
    """
    verified = verify_credential(doc, secured=secured)
    if verified.cryptosuite not in kind.cryptosuites:
        raise UnsupportedCryptosuiteError(f"{kind.type_name} credentials are signed {kind.cryptosuites}")
    if verified.public_key != envelope.issuer_key or verified.verification_method != _verification_method(
        envelope.issuer_key
    ):
        raise IssuerError(f"the {kind.type_name}'s issuer is not the did:key of the key that signed it")
    return verified
