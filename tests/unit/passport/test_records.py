"""passport/records.py: ``classify`` (the admission's, without verifying) agrees with ``prepare`` (the
submitter's, verifying) on every kind, checks that the proof's key is the issuer's, and records."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings

from identifiers.multikey import did_key_from_public_key, did_key_verification_method
from identifiers.registry_ops import RegistryOperation
from passport.attestation import Attestation, sign_attestation
from passport.background import load_benchmarks, load_factor_dataset
from passport.document import SignedDocument, canonical_json
from passport.endorsement import Endorsement, sign_endorsement
from passport.errors import IssuerError, ProofError, RegistryIssuerError, UnknownKindError
from passport.factors import sign_benchmark, sign_factor_dataset
from passport.records import (
    KIND_ATTESTATION,
    KIND_BENCHMARK,
    KIND_ENDORSEMENT,
    KIND_FACTOR_DATASET,
    KIND_REGISTRY,
    KIND_REVOCATION,
    classify,
    prepare,
    registry_operation,
    with_subject,
)
from passport.registry import sign_registry_entry
from passport.revocation import Revocation, sign_revocation
from tests.integration.api.registry_support import unknown_kind, uscc
from tests.unit.passport.footprint_strategies import attestations, base_attestation

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
WHEN = "2026-11-24T10:00:00Z"
DIGEST = "sha256:" + "ab" * 32
PRODUCT = "88.118.8/LFP-280Ah"


def documents() -> dict[str, bytes]:
    """One signed document of each kind."""
    other_key = OTHER.public_key().public_bytes_raw()
    return {
        KIND_REGISTRY: sign_registry_entry(RegistryOperation.rotate_registrar_key(other_key), KEY, WHEN).raw,
        KIND_ATTESTATION: sign_attestation(base_attestation(), KEY, WHEN).raw,
        KIND_ENDORSEMENT: sign_endorsement(Endorsement(DIGEST, PRODUCT), KEY, WHEN).raw,
        KIND_REVOCATION: sign_revocation(Revocation(DIGEST, PRODUCT), KEY, WHEN).raw,
        KIND_FACTOR_DATASET: sign_factor_dataset(load_factor_dataset(uscc(3)), KEY, WHEN).raw,
        KIND_BENCHMARK: sign_benchmark(load_benchmarks()[0], KEY, WHEN).raw,
    }


SUBJECTS = {
    KIND_REGISTRY: "registrar",
    KIND_ATTESTATION: PRODUCT,
    KIND_ENDORSEMENT: PRODUCT,
    KIND_REVOCATION: PRODUCT,
    KIND_FACTOR_DATASET: "cn-background",
    KIND_BENCHMARK: load_benchmarks()[0].category,
}


@pytest.mark.parametrize("kind", list(SUBJECTS))
def test_classify_agrees_with_prepare(kind: str) -> None:
    raw = documents()[kind]
    verified = prepare(raw)
    classified = classify(verified.document.canonical)
    assert (verified.kind, verified.subject) == (kind, SUBJECTS[kind])
    assert classified.record == verified.record
    assert classified.record is not None
    assert json.loads(classified.record) == {
        "v": 1,
        "kind": kind,
        "credential": verified.document.digest,
        "subject": SUBJECTS[kind],
        "issuer": did_key_from_public_key(KEY.public_key().public_bytes_raw()),
        "time": WHEN,
    }
    assert (classified.claim, classified.signer) == (verified.claim, verified.signer)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attestations())
def test_classify_agrees_with_prepare_on_any_attestation(att: Attestation) -> None:
    verified = prepare(sign_attestation(att, KEY, WHEN).raw)
    classified = classify(verified.document.canonical)
    assert (classified.claim, classified.record, classified.signer) == (att, verified.record, verified.signer)


def with_method(raw: bytes, key: Ed25519PrivateKey) -> bytes:
    data: dict[str, Any] = json.loads(raw)
    data["proof"]["verificationMethod"] = did_key_verification_method(key.public_key().public_bytes_raw())
    return canonical_json(data)


@pytest.mark.parametrize("kind", [k for k in SUBJECTS if k != KIND_REGISTRY])
def test_classify_refuses_a_proof_key_that_is_not_the_issuers(kind: str) -> None:
    forged = with_method(documents()[kind], OTHER)
    with pytest.raises(IssuerError) as refused:
        classify(forged)
    assert refused.value.code == "passport.issuer"
    with pytest.raises(ProofError):
        prepare(forged)  # the submitter's check would have refused it too


def test_registry_operation_refuses_a_proof_key_that_is_not_the_issuers() -> None:
    forged = with_method(documents()[KIND_REGISTRY], OTHER)
    with pytest.raises(RegistryIssuerError) as refused:
        registry_operation(SignedDocument.from_bytes(forged))
    assert refused.value.code == "passport.registry_issuer"
    with pytest.raises(RegistryIssuerError):
        classify(forged)


def test_a_revocation_without_product_gets_its_subject_later() -> None:
    raw = sign_revocation(Revocation(DIGEST), KEY, WHEN).raw
    prepared = prepare(raw)
    assert (prepared.subject, prepared.record) == (None, None)
    resolved = with_subject(prepared, PRODUCT)
    assert resolved.record is not None
    assert json.loads(resolved.record)["subject"] == PRODUCT
    assert with_subject(classify(prepared.document.canonical), PRODUCT) == resolved


def test_an_unknown_kind_is_refused_by_both() -> None:
    raw = unknown_kind()
    for parse in (prepare, classify):
        with pytest.raises(UnknownKindError) as refused:
            parse(raw)
        assert refused.value.code == "passport.unknown_kind"
