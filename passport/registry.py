"""Registry entries: W3C VC 2.0 credentials signed ``eddsa-jcs-2022`` (docs/registry.md, "Registry entries").

A registry entry is a credential of type ``["VerifiableCredential", "RegistryEntry"]`` under the contexts
``[credentials/v2, carbontrail/v1]`` whose ``credentialSubject`` is one registry operation
(identifiers/registry_ops.py) and whose ``issuer`` is the did:key of the key that signed it. The mapping is a
bijection: every operation has exactly one subject (fields in canonical text, empty lists left out) and
parsing refuses anything else (unknown or empty fields, non-canonical identifiers), so the bytes the
registrar signed say exactly what the registry applies.

Registry entries must use ``eddsa-jcs-2022``: it loads no context and signs the JSON as it is, so what a
replaying verifier reads is what was signed, with nothing left to JSON-LD processing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from identifiers.did import parse_did_key
from identifiers.errors import IdentifierError
from identifiers.multikey import did_key_from_public_key, did_key_verification_method
from identifiers.registry_ops import Action, RegistryOperation, allowed_fields, parse_prefixes, parse_roles
from passport.contexts import CARBONTRAIL_V1, CREDENTIALS_V2
from passport.dataintegrity import (
    EDDSA_JCS_2022,
    PROOF_TYPE,
    is_date_time_stamp,
    sign_credential,
    verify_credential,
)
from passport.document import SignedDocument
from passport.errors import RegistryEntryError, RegistryIssuerError, UnsupportedCryptosuiteError

REGISTRY_ENTRY = "RegistryEntry"
TYPES = ("VerifiableCredential", REGISTRY_ENTRY)
CONTEXT = (CREDENTIALS_V2, CARBONTRAIL_V1)
ALLOWED_PROPERTIES = frozenset(
    {"@context", "id", "type", "issuer", "validFrom", "name", "description", "credentialSubject", "proof"}
)
"""Top-level properties a registry entry may carry. ``validUntil`` and ``credentialStatus`` are not among
them: an entry takes effect at its log index and is undone only by a later entry, never by a clock or a
status list."""

_JSON_NAMES = {
    "uscc": "uscc",
    "legal_name": "legalName",
    "roles": "roles",
    "prefixes": "prefixes",
    "keys": "keys",
    "revoked_key": "revokedKey",
    "reason": "reason",
    "did_web": "didWeb",
}
_FIELD_OF = {json_name: field for field, json_name in _JSON_NAMES.items()}
_LISTS = frozenset({"roles", "prefixes", "keys"})
_UTC_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


def registry_subject(op: RegistryOperation) -> dict[str, Any]:
    """Return an operation's ``credentialSubject``: ``registryAction`` and its fields in canonical text."""
    subject: dict[str, Any] = {"registryAction": op.action.value}
    if op.uscc is not None:
        subject["uscc"] = op.uscc
    if op.legal_name is not None:
        subject["legalName"] = op.legal_name
    if op.roles:
        subject["roles"] = [role.value for role in op.roles]
    if op.prefixes:
        subject["prefixes"] = [prefix.canonical for prefix in op.prefixes]
    if op.keys:
        subject["keys"] = [did_key_from_public_key(key) for key in op.keys]
    if op.revoked_key is not None:
        subject["revokedKey"] = did_key_from_public_key(op.revoked_key)
    if op.reason is not None:
        subject["reason"] = op.reason
    if op.did_web is not None:
        subject["didWeb"] = op.did_web
    return subject


def _did_key(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise RegistryEntryError(f"{what} must be a did:key string")
    try:
        return parse_did_key(value).public_key
    except IdentifierError as e:
        raise RegistryEntryError(f"{what}: {e.message}") from e


def operation_from_subject(subject: Any) -> RegistryOperation:
    """Parse a registry entry's ``credentialSubject`` into the one operation it states.

    Raises:
        RegistryEntryError: not an object, an unknown action, a field the action does not take or lacks, a
            wrongly typed, empty or non-canonical value.
    """
    if not isinstance(subject, dict):
        raise RegistryEntryError("a registry entry's credentialSubject is one JSON object")
    action_text = subject.get("registryAction")
    try:
        action = Action(str(action_text)) if isinstance(action_text, str) else None
    except ValueError:
        action = None
    if action is None:
        raise RegistryEntryError(f"unknown registryAction {action_text!r}")
    required, optional = allowed_fields(action)
    names = {_JSON_NAMES[f] for f in required | optional}
    for name in subject:
        if name != "registryAction" and name not in names:
            raise RegistryEntryError(f"{action} does not take {name!r}")
    values: dict[str, Any] = {}
    for name, value in subject.items():
        if name == "registryAction":
            continue
        field = _FIELD_OF[name]
        if field in _LISTS:
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise RegistryEntryError(f"{name} must be a non-empty list of strings")
            values[field] = value
        elif not isinstance(value, str):
            raise RegistryEntryError(f"{name} must be a string")
        else:
            values[field] = value
    keys = tuple(_did_key(v, "keys") for v in values.get("keys", ()))
    revoked = values.get("revoked_key")
    try:
        op = RegistryOperation(
            action,
            uscc=values.get("uscc"),
            legal_name=values.get("legal_name"),
            roles=parse_roles(values.get("roles", ())),
            prefixes=parse_prefixes(values.get("prefixes", ())),
            keys=keys,
            revoked_key=None if revoked is None else _did_key(revoked, "revokedKey"),
            reason=values.get("reason"),
            did_web=values.get("did_web"),
        )
    except IdentifierError as e:
        raise RegistryEntryError(f"not a valid registry operation: {e.message}") from e
    return op


def registry_credential(op: RegistryOperation, issuer_key_did: str, valid_from: str) -> dict[str, Any]:
    """Return the unsigned registry credential stating ``op``, issued by ``issuer_key_did``.

    Args:
        op: the operation.
        issuer_key_did: the signer's ``did:key`` (the registrar's current key, or for ``revoke-key`` an
            organisation's key).
        valid_from: an XML Schema dateTimeStamp; informative only (the entry takes effect at its log index).

    Raises:
        RegistryEntryError: ``issuer_key_did`` is not a canonical did:key, or ``valid_from`` not a
            dateTimeStamp.
    """
    _did_key(issuer_key_did, "issuer")
    if not is_date_time_stamp(valid_from):
        raise RegistryEntryError(f"validFrom {valid_from!r} is not an XML Schema dateTimeStamp")
    return {
        "@context": list(CONTEXT),
        "type": list(TYPES),
        "issuer": issuer_key_did,
        "validFrom": valid_from,
        "credentialSubject": registry_subject(op),
    }


def sign_registry_entry(
    op: RegistryOperation, private_key: Ed25519PrivateKey, valid_from: str | None = None
) -> SignedDocument:
    """Sign ``op`` as a registry entry with ``private_key`` (``eddsa-jcs-2022``; the issuer is its did:key).

    Args:
        op: the operation.
        private_key: the registrar's current key, or for ``revoke-key`` one of the organisation's keys.
        valid_from: the credential's ``validFrom`` and the proof's ``created``; now (UTC, seconds) if None.

    Raises:
        RegistryEntryError: ``valid_from`` is not a dateTimeStamp.
    """
    public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    when = valid_from if valid_from is not None else datetime.now(UTC).strftime(_UTC_SECONDS)
    credential = registry_credential(op, did_key_from_public_key(public_key), when)
    return sign_credential(
        credential,
        private_key,
        did_key_verification_method(public_key),
        cryptosuite=EDDSA_JCS_2022,
        created=when,
    )


def is_registry_entry(data: Mapping[str, Any]) -> bool:
    """Whether a parsed credential declares itself a registry entry (its ``type`` lists ``RegistryEntry``).

    This only routes a document to :func:`parse_registry_entry`, which decides whether it is a valid one.
    """
    types = data.get("type")
    return isinstance(types, list) and REGISTRY_ENTRY in types


def _check_shape(data: Mapping[str, Any]) -> str:
    if data.get("type") != list(TYPES):
        raise RegistryEntryError(f"a registry entry's type is {list(TYPES)}")
    if data.get("@context") != list(CONTEXT):
        raise RegistryEntryError(f"a registry entry's @context is {list(CONTEXT)}")
    extra = sorted(set(data) - ALLOWED_PROPERTIES)
    if extra:
        raise RegistryEntryError(f"a registry entry may not carry {', '.join(extra)}")
    if not is_date_time_stamp(data.get("validFrom")):
        raise RegistryEntryError("a registry entry's validFrom must be an XML Schema dateTimeStamp")
    issuer = data.get("issuer")
    if not isinstance(issuer, str):
        raise RegistryEntryError("a registry entry's issuer is the signing key's did:key, as a string")
    proof = data.get("proof")
    if (
        isinstance(proof, dict)
        and proof.get("type") == PROOF_TYPE
        and proof.get("cryptosuite") != EDDSA_JCS_2022
    ):
        raise UnsupportedCryptosuiteError(f"registry entries are signed {EDDSA_JCS_2022} only")
    return issuer


def parse_registry_entry(doc: SignedDocument) -> tuple[RegistryOperation, bytes]:
    """Verify a registry entry and return its operation and the raw public key that signed it.

    Steps: 1. the credential's shape (type, @context, properties, validFrom, issuer, cryptosuite) and its
    subject (one valid operation), before any hashing; 2. the Data Integrity proof, on the exact bytes;
    3. the issuer is the did:key of the key that signed. Whether that key may sign the operation is the
    registry's question (``RegistryState.apply``).

    Raises:
        MalformedCredentialError: the bytes are not a credential.
        RegistryEntryError: not a well-formed registry entry (see the class).
        UnsupportedCryptosuiteError: not ``eddsa-jcs-2022``.
        MalformedProofError, ProofPurposeError, ContextNotAllowedError, VerificationMethodError, ProofError:
            the proof does not verify (see :func:`~passport.dataintegrity.verify_credential`).
        RegistryIssuerError: the issuer is not the signing key's did:key.
    """
    # 1. Shape first, on a fresh parse of the exact bytes.
    data = doc.parse()
    issuer = _check_shape(data)
    op = operation_from_subject(data.get("credentialSubject"))
    issuer_key = _did_key(issuer, "issuer")
    # 2. The proof (verify_credential parses the bytes again itself and checks the proof's shape first).
    verified = verify_credential(doc)
    if verified.cryptosuite != EDDSA_JCS_2022:
        raise UnsupportedCryptosuiteError(f"registry entries are signed {EDDSA_JCS_2022} only")
    # 3. The issuer speaks for the key that signed.
    if verified.public_key != issuer_key or verified.verification_method != did_key_verification_method(
        issuer_key
    ):
        raise RegistryIssuerError("the issuer is not the did:key of the key that signed the entry")
    return op, verified.public_key
