"""Sign and verify with both cryptosuites: round trips, tampering, proof shape, contexts, resolvers, bytes."""

from __future__ import annotations

import calendar
import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers.multikey import did_key_verification_method
from passport import dataintegrity as di
from passport.contexts import CARBONTRAIL_V1, CREDENTIALS_EXAMPLES_V2, CREDENTIALS_V2, UNTP_DPP_0_6_1
from passport.document import SignedDocument
from passport.errors import (
    CanonicalizationError,
    ContextNotAllowedError,
    MalformedCredentialError,
    MalformedProofError,
    PassportError,
    ProofError,
    ProofPurposeError,
    UnsupportedCryptosuiteError,
    VerificationMethodError,
)

SUITES = [di.EDDSA_JCS_2022, di.EDDSA_RDFC_2022]
SEED = bytes(range(32))
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
PUB = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
VM = did_key_verification_method(PUB)
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
OTHER_PUB = OTHER_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
OTHER_VM = did_key_verification_method(OTHER_PUB)
CREATED = "2025-03-01T08:00:00Z"


def attestation() -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2, CARBONTRAIL_V1],
        "id": "urn:uuid:0b6c0a4e-1111-4b6e-9a50-0d1f7d3c0001",
        "type": ["VerifiableCredential", "FootprintAttestation"],
        "issuer": "did:web:supplier.example",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://id.gs1.org/01/09506000134352",
            "productId": "88.118.8/LFP-280Ah",
            "declaredUnit": "kilogram",
            "pcfExcludingBiogenic": "12.345",
            "boundary": "cradle-to-gate",
            "standards": ["ISO 14067", "GB/T 24067"],
        },
    }


def expect(error: type[PassportError], code: str, call: Any) -> PassportError:
    with pytest.raises(error) as info:
        call()
    assert info.value.code == code
    return info.value


def signed_json(suite: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    signed = di.sign_credential(document or attestation(), KEY, VM, cryptosuite=suite, created=CREATED)
    return dict(signed.data)


def raw(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


# --- round trips --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_sign_then_verify(suite: str) -> None:
    signed = di.sign_credential(attestation(), KEY, VM, cryptosuite=suite, created=CREATED)
    result = di.verify_credential(signed)
    assert (result.cryptosuite, result.public_key, result.created) == (suite, PUB, CREATED)
    assert result.document_digest == signed.digest
    assert ("@context" in signed.data["proof"]) == (suite == di.EDDSA_JCS_2022)


def test_jcs_is_the_default_and_created_defaults_to_now() -> None:
    proof = di.create_proof(attestation(), KEY, VM)
    assert proof["cryptosuite"] == di.EDDSA_JCS_2022
    assert di.is_date_time_stamp(proof["created"])
    assert proof["created"].endswith("Z")


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8).filter(lambda k: not k.startswith("@")), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(subject=st.dictionaries(st.text(max_size=12).filter(lambda k: not k.startswith("@")), JSON_VALUES))
def test_jcs_round_trip_over_json_subjects(subject: dict[str, Any]) -> None:
    document = {**attestation(), "credentialSubject": subject}
    signed = di.sign_credential(document, KEY, VM, created=CREATED)
    assert di.verify_credential(signed.raw).public_key == PUB
    assert di.verify_credential(raw(dict(signed.data))).public_key == PUB


CT_TEXT_TERMS = ["productId", "declaredUnit", "boundary", "geography", "uscc", "legalName"]
CT_DECIMAL_TERMS = ["pcfExcludingBiogenic", "pcfIncludingBiogenic", "fossilGhgEmissions", "primaryDataShare"]


@settings(max_examples=25, deadline=None)
@given(
    texts=st.dictionaries(st.sampled_from(CT_TEXT_TERMS), st.text(max_size=20)),
    decimals=st.dictionaries(
        st.sampled_from(CT_DECIMAL_TERMS), st.decimals(allow_nan=False, allow_infinity=False)
    ),
    standards=st.lists(st.text(max_size=10), max_size=3),
)
def test_rdfc_round_trip_over_vocabulary_subjects(
    texts: dict[str, str], decimals: dict[str, Any], standards: list[str]
) -> None:
    subject: dict[str, Any] = {**texts, **{k: str(v) for k, v in decimals.items()}, "standards": standards}
    document = {**attestation(), "credentialSubject": subject}
    signed = di.sign_credential(document, KEY, VM, cryptosuite=di.EDDSA_RDFC_2022, created=CREATED)
    assert di.verify_credential(signed.raw).cryptosuite == di.EDDSA_RDFC_2022


# --- exact bytes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_unusual_key_order_and_whitespace_verify(suite: str) -> None:
    document = signed_json(suite)
    shuffled = {k: document[k] for k in sorted(document, reverse=True)}
    text = json.dumps(shuffled, indent="\t", ensure_ascii=True, separators=(" ,\n", " :  ")) + "\n\n"
    signed = SignedDocument.from_bytes(text.encode())
    assert signed.raw == text.encode()
    assert di.verify_credential(signed).document_digest == SignedDocument.from_json(document).digest


@pytest.mark.parametrize("suite", SUITES)
def test_verification_reads_the_bytes_not_the_parsed_model(suite: str) -> None:
    signed = SignedDocument.from_bytes(raw(signed_json(suite)))
    signed.data["credentialSubject"]["productId"] = "88.118.8/OTHER"
    assert di.verify_credential(signed).public_key == PUB
    tampered = SignedDocument.from_json(signed.data)
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(tampered))


@pytest.mark.parametrize("suite", SUITES)
def test_unknown_fields_survive_and_are_signed(suite: str) -> None:
    document = attestation()
    document["pactExtension"] = {"dataSchema": "https://example.org/x.json", "data": {"a": 1}}
    document["@context"] = [
        CREDENTIALS_V2,
        CARBONTRAIL_V1,
        {"pactExtension": {"@id": "https://example.org/pact#ext", "@type": "@json"}},
    ]
    signed = di.sign_credential(document, KEY, VM, cryptosuite=suite, created=CREATED)
    assert signed.parse()["pactExtension"] == document["pactExtension"]
    tampered = copy.deepcopy(dict(signed.data))
    tampered["pactExtension"]["data"]["a"] = 2
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(tampered)))


# --- tampering ----------------------------------------------------------------------------------------------


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return [path]


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


LEAVES = [p for p in _paths(attestation()) if p[0] != "@context"]


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("path", LEAVES, ids=["/".join(map(str, p)) for p in LEAVES])
def test_tampering_any_credential_value_fails(suite: str, path: tuple[Any, ...]) -> None:
    document = signed_json(suite)
    _set(document, path, "urn:x:tampered")
    if suite == di.EDDSA_RDFC_2022 and path == ("type", 0):
        # Without the VerifiableCredential type its scoped context, which defines credentialSubject, is gone.
        expect(
            CanonicalizationError, "passport.canonicalization", lambda: di.verify_credential(raw(document))
        )
    else:
        expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(document)))


@pytest.mark.parametrize("suite", SUITES)
def test_adding_or_removing_a_field_fails(suite: str) -> None:
    added = signed_json(suite)
    added["credentialSubject"]["geography"] = "CN-JS"
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(added)))
    removed = signed_json(suite)
    del removed["validFrom"]
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(removed)))


@pytest.mark.parametrize("suite", SUITES)
def test_tampering_the_proof_fails(suite: str) -> None:
    created = signed_json(suite)
    created["proof"]["created"] = "2025-03-01T08:00:01Z"
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(created)))
    value = signed_json(suite)
    signature = bytearray(di.decode_proof_value(value["proof"]["proofValue"]))
    signature[5] ^= 1
    value["proof"]["proofValue"] = di.encode_proof_value(bytes(signature))
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(value)))
    extra = signed_json(suite)
    extra["proof"]["domain"] = "example.com"
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(extra)))


@pytest.mark.parametrize("suite", SUITES)
def test_swapping_the_verification_method_fails(suite: str) -> None:
    document = signed_json(suite)
    document["proof"]["verificationMethod"] = OTHER_VM
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(document)))
    garbage = signed_json(suite)
    garbage["proof"]["verificationMethod"] = "did:key:z6Mkgarbage#z6Mkgarbage"
    expect(
        VerificationMethodError, "passport.verification_method", lambda: di.verify_credential(raw(garbage))
    )
    bare = signed_json(suite)
    bare["proof"]["verificationMethod"] = VM.split("#")[0]
    expect(VerificationMethodError, "passport.verification_method", lambda: di.verify_credential(raw(bare)))


@pytest.mark.parametrize("suite", SUITES)
def test_tampering_a_context_fails(suite: str) -> None:
    swapped = signed_json(suite)
    swapped["@context"] = [CREDENTIALS_V2, CREDENTIALS_EXAMPLES_V2]
    with pytest.raises(PassportError) as info:
        di.verify_credential(raw(swapped))
    # JCS: the proof's @context no longer opens the document's; RDFC: the terms no longer mean the same.
    assert info.value.code in {"passport.proof_invalid", "passport.canonicalization"}
    remote = signed_json(suite)
    remote["@context"].append("https://evil.example/v1")
    expect(ContextNotAllowedError, "passport.context_not_allowed", lambda: di.verify_credential(raw(remote)))
    first = signed_json(suite)
    first["@context"] = list(reversed(first["@context"]))
    expect(MalformedCredentialError, "passport.malformed", lambda: di.verify_credential(raw(first)))


def test_jcs_proof_context_must_open_the_document_context() -> None:
    document = signed_json(di.EDDSA_JCS_2022)
    document["proof"]["@context"] = [CREDENTIALS_V2, CREDENTIALS_EXAMPLES_V2]
    expect(ProofError, "passport.proof_invalid", lambda: di.verify_credential(raw(document)))
    # An appended context (allowed by the prefix rule) is outside what was signed, so it verifies.
    document = signed_json(di.EDDSA_JCS_2022)
    document["@context"].append(CREDENTIALS_EXAMPLES_V2)
    assert di.verify_credential(raw(document)).public_key == PUB


# --- contexts per cryptosuite -------------------------------------------------------------------------------


def test_untp_context_is_accepted_only_for_jcs() -> None:
    document = attestation()
    document["@context"].append(UNTP_DPP_0_6_1)
    signed = di.sign_credential(document, KEY, VM, created=CREATED)
    assert di.verify_credential(signed).cryptosuite == di.EDDSA_JCS_2022
    error = expect(
        ContextNotAllowedError,
        "passport.context_not_allowed",
        lambda: di.sign_credential(document, KEY, VM, cryptosuite=di.EDDSA_RDFC_2022),
    )
    assert getattr(error, "url", None) == UNTP_DPP_0_6_1
    # An RDFC proof on a document naming it is refused before any processing, too.
    rdfc = signed_json(di.EDDSA_RDFC_2022)
    rdfc["@context"].append(UNTP_DPP_0_6_1)
    expect(ContextNotAllowedError, "passport.context_not_allowed", lambda: di.verify_credential(raw(rdfc)))


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(
    "where",
    ["top", "nested", "scoped", "import"],
)
def test_unlisted_contexts_are_refused_wherever_they_appear(suite: str, where: str) -> None:
    document = attestation()
    url = "https://contexts.example/v1"
    if where == "top":
        document["@context"].append(url)
    elif where == "nested":
        document["credentialSubject"]["@context"] = url
    elif where == "scoped":
        document["@context"].append({"Thing": {"@id": "https://ex.org/Thing", "@context": url}})
    else:
        document["@context"].append({"@import": url})
    error = expect(
        ContextNotAllowedError,
        "passport.context_not_allowed",
        lambda: di.sign_credential(document, KEY, VM, cryptosuite=suite),
    )
    assert getattr(error, "url", None) == url


def test_rdfc_refuses_terms_it_would_drop() -> None:
    document = attestation()
    document["credentialSubject"]["undefinedTerm"] = 1
    expect(
        CanonicalizationError,
        "passport.canonicalization",
        lambda: di.sign_credential(document, KEY, VM, cryptosuite=di.EDDSA_RDFC_2022),
    )
    # JCS signs the JSON itself: nothing is dropped, so the same document signs and verifies.
    assert di.verify_credential(di.sign_credential(document, KEY, VM)).public_key == PUB


# --- proof shape, purpose, suites ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "error", "code"),
    [
        (lambda p: p.pop("proofValue"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(proofValue="2HnFSS"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(proofValue="z" + "1" * 40), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(proofValue="z0OIl"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(proofValue=12), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.pop("verificationMethod"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.pop("proofPurpose"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(created="2025-03-01T08:00:00"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(created="2025-02-30T08:00:00Z"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(created="yesterday"), MalformedProofError, "passport.proof_malformed"),
        (lambda p: p.update(expires="2025-13-01T00:00:00Z"), MalformedProofError, "passport.proof_malformed"),
        (
            lambda p: p.update(type="Ed25519Signature2020"),
            UnsupportedCryptosuiteError,
            "passport.cryptosuite_unsupported",
        ),
        (
            lambda p: p.update(cryptosuite="ecdsa-rdfc-2019"),
            UnsupportedCryptosuiteError,
            "passport.cryptosuite_unsupported",
        ),
        (lambda p: p.update(proofPurpose="authentication"), ProofPurposeError, "passport.proof_purpose"),
    ],
)
def test_malformed_proofs_are_refused_before_hashing(
    mutate: Any, error: type[PassportError], code: str
) -> None:
    document = signed_json(di.EDDSA_JCS_2022)
    mutate(document["proof"])
    expect(error, code, lambda: di.verify_credential(raw(document)))


def test_proof_sets_and_missing_proofs_are_refused() -> None:
    document = signed_json(di.EDDSA_JCS_2022)
    document["proof"] = [document["proof"]]
    expect(MalformedProofError, "passport.proof_malformed", lambda: di.verify_credential(raw(document)))
    del document["proof"]
    expect(MalformedProofError, "passport.proof_malformed", lambda: di.verify_credential(raw(document)))
    expect(
        MalformedCredentialError,
        "passport.malformed",
        lambda: di.sign_credential(signed_json(di.EDDSA_JCS_2022), KEY, VM),
    )


def test_created_accepts_offsets_and_fractions() -> None:
    for created in ("2025-03-01T08:00:00.123Z", "2025-03-01T16:00:00+08:00", "2024-02-29T24:00:00Z"):
        assert (
            di.verify_credential(di.sign_credential(attestation(), KEY, VM, created=created)).created
            == created
        )
    assert not di.is_date_time_stamp("2023-02-29T00:00:00Z")


@given(st.integers(1, 9999), st.integers(1, 12), st.integers(1, 31))
def test_a_date_time_stamp_names_a_day_of_the_calendar(year: int, month: int, day: int) -> None:
    # is_date_time_stamp asks the calendar only past the 28th: the same answer as asking it always.
    exists = day <= calendar.monthrange(year, month)[1]
    assert di.is_date_time_stamp(f"{year:04d}-{month:02d}-{day:02d}T12:00:00Z") == exists


def test_expected_proof_purpose_is_enforced() -> None:
    signed = di.sign_credential(attestation(), KEY, VM, proof_purpose="authentication", created=CREATED)
    expect(ProofPurposeError, "passport.proof_purpose", lambda: di.verify_credential(signed))
    assert (
        di.verify_credential(signed, expected_proof_purpose="authentication").proof_purpose
        == "authentication"
    )


def test_signing_refuses_bad_inputs() -> None:
    expect(
        UnsupportedCryptosuiteError,
        "passport.cryptosuite_unsupported",
        lambda: di.sign_credential(attestation(), KEY, VM, cryptosuite="eddsa-2022"),
    )
    expect(
        VerificationMethodError,
        "passport.verification_method",
        lambda: di.sign_credential(attestation(), KEY, OTHER_VM),
    )
    expect(
        MalformedProofError,
        "passport.proof_malformed",
        lambda: di.sign_credential(attestation(), KEY, VM, created="now"),
    )
    no_context = {k: v for k, v in attestation().items() if k != "@context"}
    expect(MalformedCredentialError, "passport.malformed", lambda: di.sign_credential(no_context, KEY, VM))


# --- resolvers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_other_verification_methods_go_through_the_resolver(suite: str) -> None:
    web_vm = "did:web:supplier.example#key-1"
    calls: list[tuple[str, str]] = []

    def resolver(method: str, purpose: str) -> bytes:
        calls.append((method, purpose))
        if method != web_vm:
            raise VerificationMethodError(f"unknown {method}")
        return PUB

    signed = di.sign_credential(attestation(), KEY, web_vm, cryptosuite=suite, created=CREATED)
    assert di.verify_credential(signed, resolver=resolver).verification_method == web_vm
    assert calls == [(web_vm, "assertionMethod")]
    expect(VerificationMethodError, "passport.verification_method", lambda: di.verify_credential(signed))
    expect(
        ProofError,
        "passport.proof_invalid",
        lambda: di.verify_credential(signed, resolver=lambda m, p: OTHER_PUB),
    )
    expect(
        VerificationMethodError,
        "passport.verification_method",
        lambda: di.verify_credential(signed, resolver=lambda m, p: b"short"),
    )
