"""What each kind of logged document is, and how its leaf record is made (pure: the API's submission
pipeline and the verifier both use it).

A document arrives as a signed credential (exact bytes). ``prepare`` parses it, verifies its Data
Integrity proof, recognises its kind and derives the small canonical leaf record the log holds (DESIGN.md,
"What a leaf holds"): ``{"v":1,"kind":..,"credential":"sha256:<hex>","subject":..,"issuer":..,"time":..}``
in JCS. Every field comes from the credential itself (a revocation that names no product takes the product of
the attestation it revokes, a function of that digest), so the same credential always makes the same record
and a resubmission gets its first index.

The kinds and their record subjects: ``registry`` (the organisation's USCC, or ``registrar``),
``attestation`` (the product identifier, canonical), ``endorsement`` and ``revocation`` (the product of the
attestation they name), ``factor-dataset`` (the dataset id), ``benchmark`` (the product category) and
``passport`` (the product identifier; the issuer is the ``CredentialIssuer`` object's did:key).

``classify`` is what the sequencer's admission uses: the same parsing and shape rules as ``prepare``, but the
proof is not verified again. It takes the signer's key from the proof's did:key verification method and
checks that it is the key the issuer names. Why that is enough is written in ``api/submission.py``: the
admission's attachments are only ever written by ``Pipeline.submit``, after ``prepare`` verified them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from identifiers.did import parse_did_key
from identifiers.errors import IdentifierError
from identifiers.multikey import did_key_verification_method
from identifiers.registry_ops import RegistryOperation
from passport import attestation as att_mod
from passport import endorsement as end_mod
from passport import factors as fac_mod
from passport import revocation as rev_mod
from passport.attestation import Attestation
from passport.document import SignedDocument, canonical_json
from passport.dpp import is_passport, parse_passport
from passport.dpp_parse import Passport, check_passport
from passport.endorsement import Endorsement
from passport.envelope import Kind, check_envelope
from passport.errors import (
    IssuerError,
    MalformedCredentialError,
    RegistryEntryError,
    RegistryIssuerError,
    UnknownKindError,
)
from passport.factors import Benchmark, FactorDataset
from passport.registry import REGISTRY_ENTRY, is_registry_entry, operation_from_subject, parse_registry_entry
from passport.revocation import Revocation

RECORD_VERSION = 1
KIND_REGISTRY = "registry"
KIND_ATTESTATION = "attestation"
KIND_ENDORSEMENT = "endorsement"
KIND_REVOCATION = "revocation"
KIND_FACTOR_DATASET = "factor-dataset"
KIND_BENCHMARK = "benchmark"
KIND_PASSPORT = "passport"
PASSPORT_KINDS = frozenset({KIND_PASSPORT})
"""The kinds ``POST /passports`` takes."""
CREDENTIAL_KINDS = frozenset(
    {KIND_ATTESTATION, KIND_ENDORSEMENT, KIND_REVOCATION, KIND_FACTOR_DATASET, KIND_BENCHMARK}
)
"""The kinds ``POST /attestations`` and ``carbontrail push`` take (every kind but registry entries)."""

Claim = RegistryOperation | Attestation | Endorsement | Revocation | FactorDataset | Benchmark | Passport
"""What a document states, as its model."""


@dataclass(frozen=True)
class Prepared:
    """A document ready to log: its kind, what it states, subject, issuer, signer key and leaf record.

    ``subject`` (and so ``record``) is None only for a revocation that names no product, until
    :func:`with_subject` gives it the revoked attestation's product.
    """

    document: SignedDocument
    kind: str
    claim: Claim
    subject: str | None
    issuer: str
    time: str
    signer: bytes
    record: bytes | None

    @property
    def operation(self) -> RegistryOperation | None:
        """The registry operation, for a registry entry."""
        return self.claim if isinstance(self.claim, RegistryOperation) else None


def leaf_record(kind: str, digest: str, subject: str, issuer: str, time: str) -> bytes:
    """The JCS leaf record that commits to a credential by digest."""
    return canonical_json(
        {
            "v": RECORD_VERSION,
            "kind": kind,
            "credential": digest,
            "subject": subject,
            "issuer": issuer,
            "time": time,
        }
    )


def is_leaf_record(entry: bytes) -> bool:
    """Whether a log entry is (or poses as) a leaf record: a JSON object with a ``credential`` digest."""
    try:
        data = json.loads(entry)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "credential" in data and data.get("v") == RECORD_VERSION


def with_subject(prepared: Prepared, subject: str) -> Prepared:
    """``prepared`` with its record subject set (a revocation's, once its attestation's product is known)."""
    digest = prepared.document.digest
    record = leaf_record(prepared.kind, digest, subject, prepared.issuer, prepared.time)
    return replace(prepared, subject=subject, record=record)


# --- the kinds ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """How one kind is recognised, parsed (verifying or not) and given its record subject."""

    kind: str
    envelope: Kind
    verify: Callable[[SignedDocument], tuple[Any, bytes]]
    from_subject: Callable[[Any], Any]
    subject: Callable[[Any], str | None]


_SPECS = (
    _Spec(
        KIND_ATTESTATION,
        att_mod.KIND,
        att_mod.parse_attestation,
        Attestation.from_subject,
        lambda a: a.product_id,
    ),
    _Spec(
        KIND_ENDORSEMENT,
        end_mod.KIND,
        end_mod.parse_endorsement,
        Endorsement.from_subject,
        lambda e: e.product_id,
    ),
    _Spec(
        KIND_REVOCATION,
        rev_mod.KIND,
        rev_mod.parse_revocation,
        Revocation.from_subject,
        lambda r: r.product_id,
    ),
    _Spec(
        KIND_FACTOR_DATASET,
        fac_mod.FACTOR_DATASET_KIND,
        fac_mod.parse_factor_dataset,
        FactorDataset.from_subject,
        lambda d: d.dataset_id,
    ),
    _Spec(
        KIND_BENCHMARK,
        fac_mod.BENCHMARK_KIND,
        fac_mod.parse_benchmark,
        Benchmark.from_subject,
        lambda b: b.category,
    ),
)
_BY_TYPE = {spec.envelope.type_name: spec for spec in _SPECS}


def _spec_of(data: Mapping[str, Any]) -> _Spec | None:
    types = data.get("type")
    if not isinstance(types, list):
        return None
    for name in types:
        if isinstance(name, str) and name in _BY_TYPE:
            return _BY_TYPE[name]
    return None


def _issuer(data: Mapping[str, Any]) -> str:
    issuer = data.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise MalformedCredentialError("the credential's issuer must be a did:key string")
    return issuer


def _time(data: Mapping[str, Any]) -> str:
    time = data.get("validFrom")
    if not isinstance(time, str):
        raise MalformedCredentialError("the credential has no validFrom")
    return time


def _make(
    document: SignedDocument,
    kind: str,
    claim: Claim,
    subject: str | None,
    signer: bytes,
    issuer_id: str | None = None,
) -> Prepared:
    data = document.data
    issuer, time = issuer_id or _issuer(data), _time(data)
    record = None if subject is None else leaf_record(kind, document.digest, subject, issuer, time)
    return Prepared(document, kind, claim, subject, issuer, time, signer, record)


def _registry_subject(op: RegistryOperation) -> str:
    return op.uscc or "registrar"


def prepare(raw: bytes) -> Prepared:
    """Parse, verify and classify one signed document.

    Raises:
        PassportError: the bytes are not a credential, it breaks its kind's rules, or its proof does not
            verify.
        IdentifierError: a field that must be an identifier is not one.
        UnknownKindError: a credential of a type carbontrail does not log.
    """
    document = SignedDocument.from_bytes(raw)
    data = document.data
    if is_registry_entry(data):
        operation, signer = parse_registry_entry(document)
        return _make(document, KIND_REGISTRY, operation, _registry_subject(operation), signer)
    if is_passport(data):
        passport, signer = parse_passport(document)
        return _make(document, KIND_PASSPORT, passport, passport.product_id, signer, passport.issuer)
    spec = _spec_of(data)
    if spec is None:
        raise UnknownKindError("carbontrail logs no credential of this type")
    if spec.kind == KIND_ATTESTATION:
        # The document was parsed just now, here, and its parse is shared with no one: checking and
        # verifying it on that parse spares a second one (the kind most often pushed in bulk).
        claim, signer = att_mod.parse_attestation(document, secured=dict(data))
    else:
        claim, signer = spec.verify(document)
    return _make(document, spec.kind, claim, spec.subject(claim), signer)


def _proof_key(data: Mapping[str, Any], issuer_key: bytes) -> bytes:
    proof = data.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
    if method != did_key_verification_method(issuer_key):
        raise IssuerError("the proof's verification method is not the issuer's did:key")
    return issuer_key


def classify(canonical: bytes) -> Prepared:
    """Classify a document that this code verified before it became a pending row (module docstring):
    parse the exact bytes and check every shape rule, but do not verify the proof again.

    Raises:
        PassportError: the bytes are not a credential or break their kind's rules; the proof's verification
            method is not the issuer's did:key (``passport.issuer``, ``passport.registry_issuer``).
        IdentifierError: a field that must be an identifier is not one.
        UnknownKindError: a credential of a type carbontrail does not log.
    """
    document = SignedDocument.from_bytes(canonical)
    data = document.data
    if is_registry_entry(data):
        operation, signer = registry_operation(document)
        return _make(document, KIND_REGISTRY, operation, _registry_subject(operation), signer)
    if is_passport(data):
        passport = check_passport(data)
        assert passport.envelope is not None  # check_passport always keeps it
        key = _proof_key(data, passport.envelope.issuer_key)
        return _make(document, KIND_PASSPORT, passport, passport.product_id, key, passport.issuer)
    spec = _spec_of(data)
    if spec is None:
        raise UnknownKindError("carbontrail logs no credential of this type")
    envelope = check_envelope(spec.envelope, data)
    claim = spec.from_subject(envelope.subject)
    return _make(document, spec.kind, claim, spec.subject(claim), _proof_key(data, envelope.issuer_key))


def registry_operation(document: SignedDocument) -> tuple[RegistryOperation, bytes]:
    """A stored registry entry's operation and signer, without verifying its proof again (the registry
    cache replays the ``credential`` table, which only holds documents verified before they were logged).

    Raises:
        RegistryEntryError: not a registry entry's shape or subject.
        RegistryIssuerError: the proof's verification method is not the issuer's did:key.
    """
    data = document.data
    if data.get("type") != ["VerifiableCredential", REGISTRY_ENTRY]:
        raise RegistryEntryError("not a registry entry")
    operation = operation_from_subject(data.get("credentialSubject"))
    issuer = data.get("issuer")
    if not isinstance(issuer, str):
        raise RegistryEntryError("a registry entry's issuer is the signing key's did:key, as a string")
    try:
        issuer_key = parse_did_key(issuer).public_key
    except IdentifierError as e:
        raise RegistryEntryError(f"issuer: {e.message}") from e
    try:
        return operation, _proof_key(data, issuer_key)
    except IssuerError as e:
        raise RegistryIssuerError(e.message) from e
