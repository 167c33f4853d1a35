"""Footprint attestations: model -> credential -> signed bytes -> parse -> model is exact for generated valid
attestations (both cryptosuites); tampering, foreign issuers, unknown fields, wrong JSON types are refused."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identifiers.multikey import did_key_from_public_key
from passport import attestation as pa
from passport.dataintegrity import EDDSA_RDFC_2022, sign_credential
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.errors import (
    AttestationError,
    IssuerError,
    MalformedProofError,
    PassportError,
    ProofError,
)
from tests.unit.passport.footprint_strategies import attestations, base_attestation, flip_byte

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
WHEN = "2026-02-01T08:00:00Z"


def signed(**subject_changes: Any) -> SignedDocument:
    """The base attestation signed after changing its subject's JSON (so any shape can be tried)."""
    credential = base_attestation().to_credential(did_key_from_public_key(public_key_bytes(KEY)), WHEN)
    credential["credentialSubject"].update(subject_changes)
    for name, value in list(credential["credentialSubject"].items()):
        if value is None:
            del credential["credentialSubject"][name]
    return sign_credential(
        credential, KEY, credential["issuer"] + "#" + credential["issuer"][8:], created=WHEN
    )


def code_of(doc: SignedDocument) -> str:
    with pytest.raises(PassportError) as e:
        pa.parse_attestation(doc)
    return e.value.code


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attestations())
def test_round_trip_through_signed_bytes(att: pa.Attestation) -> None:
    doc = pa.sign_attestation(att, KEY, WHEN)
    parsed, key = pa.parse_attestation(SignedDocument.from_bytes(doc.raw))
    assert parsed == att
    assert key == public_key_bytes(KEY)
    # The bijection: the subject written again is exactly the subject signed (decimal text included).
    assert parsed.to_subject() == doc.data["credentialSubject"]
    assert pa.Attestation.from_credential(doc.data) == att
    assert pa.is_attestation(doc.data)


@settings(max_examples=15, deadline=None)
@given(attestations())
def test_round_trip_rdfc(att: pa.Attestation) -> None:
    doc = pa.sign_attestation(att, KEY, WHEN, cryptosuite=EDDSA_RDFC_2022)
    parsed, _ = pa.parse_attestation(doc)
    assert parsed == att
    assert parsed.to_subject() == doc.data["credentialSubject"]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_changed_byte_is_refused(data: st.DataObject) -> None:
    doc = pa.sign_attestation(base_attestation(), KEY, WHEN)
    with pytest.raises(PassportError):
        pa.parse_attestation(SignedDocument.from_bytes(flip_byte(data, doc.raw)))


def test_decimal_text_is_kept_exactly() -> None:
    att, _ = pa.parse_attestation(pa.sign_attestation(base_attestation(), KEY, WHEN))
    assert str(att.pcf_excluding_biogenic) == "62.40"
    assert att.to_subject()["pcfExcludingBiogenic"] == "62.40"


def test_a_changed_value_with_the_old_proof_is_refused() -> None:
    doc = pa.sign_attestation(base_attestation(), KEY, WHEN)
    data = json.loads(doc.raw)
    data["credentialSubject"]["fossilGhgEmissions"] = "61.80"
    data["credentialSubject"]["pcfExcludingBiogenic"] = "62.30"
    data["credentialSubject"]["pcfIncludingBiogenic"] = "62.10"
    data["credentialSubject"]["stages"]["manufacturing"] = "16.70"
    with pytest.raises(ProofError) as e:
        pa.parse_attestation(SignedDocument.from_json(data))
    assert e.value.code == "passport.proof_invalid"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"pcfExcludingBiogenic": 62.4}, "attestation.decimal"),
        ({"unitaryProductAmount": 1}, "attestation.decimal"),
        ({"fossilGhgEmissions": "6.19e1"}, "attestation.decimal"),
        ({"fossilGhgEmissions": "NaN"}, "attestation.decimal"),
        ({"fossilGhgEmissions": "+61.90"}, "attestation.decimal"),
        ({"fossilGhgEmissions": "061.90"}, "attestation.decimal"),
        ({"biogenicCO2Uptake": "-0"}, "attestation.decimal"),
        ({"fossilGhgEmissions": "1" * 31}, "attestation.decimal"),
        ({"landUseEmissions": "0." + "1" * 19}, "attestation.decimal"),
        ({"comment": "x"}, "attestation.field"),
        ({"boundary": None}, "attestation.field"),
        ({"packagingEmissionsIncluded": "true"}, "attestation.field"),
        ({"standards": "ISO14067"}, "attestation.field"),
        ({"standards": []}, "attestation.field"),
        ({"stages": {}}, "attestation.field"),
        ({"stages": {"assembly": "1"}}, "attestation.field"),
        ({"dqi": {"technologicalDQR": "1"}}, "attestation.field"),
        (
            {"extensions": [{"specVersion": "2.0.0", "dataSchema": "https://e.x/s.json", "data": [1]}]},
            "attestation.extension",
        ),
        ({"productId": 42}, "attestation.field"),
    ],
)
def test_malformed_subjects_are_refused_before_the_proof(changes: dict[str, Any], code: str) -> None:
    assert code_of(signed(**changes)) == code


def test_envelope_rules() -> None:
    doc = pa.sign_attestation(base_attestation(), KEY, WHEN)
    for change, code in [
        (("type", ["VerifiableCredential"]), "attestation.shape"),
        (("@context", ["https://www.w3.org/ns/credentials/v2"]), "attestation.shape"),
        (("credentialStatus", {"id": "urn:x"}), "attestation.shape"),
        (("validFrom", "2026-02-01"), "attestation.shape"),
        (("issuer", {"id": "did:key:z"}), "attestation.shape"),
        (("credentialSubject", [base_attestation().to_subject()]), "attestation.shape"),
    ]:
        data = json.loads(doc.raw)
        data[change[0]] = change[1]
        assert code_of(SignedDocument.from_json(data)) == code


def test_foreign_issuer_is_refused() -> None:
    credential = base_attestation().to_credential(did_key_from_public_key(public_key_bytes(OTHER)), WHEN)
    method = did_key_from_public_key(public_key_bytes(KEY))
    doc = sign_credential(credential, KEY, method + "#" + method[8:], created=WHEN)
    with pytest.raises(IssuerError) as e:
        pa.parse_attestation(doc)
    assert e.value.code == "passport.issuer"


def test_missing_proof_is_refused() -> None:
    data = json.loads(pa.sign_attestation(base_attestation(), KEY, WHEN).raw)
    del data["proof"]
    with pytest.raises(MalformedProofError):
        pa.parse_attestation(SignedDocument.from_json(data))


def test_valid_until_is_allowed_and_checked() -> None:
    doc = pa.sign_attestation(base_attestation(), KEY, WHEN, valid_until="2027-01-01T00:00:00Z")
    assert pa.parse_attestation(doc)[0] == base_attestation()
    with pytest.raises(AttestationError) as e:
        pa.sign_attestation(base_attestation(), KEY, WHEN, valid_until="2027")
    assert e.value.code == "attestation.shape"


def test_pact_extension_data_survives_verbatim() -> None:
    extension = {
        "specVersion": "2.0.0",
        "dataSchema": "https://catalog.carbon-transparency.com/shipment/1.0.0/data-model.json",
        "data": {"shipmentId": "S1234567890", "weight": 10, "ratio": 0.25, "nested": {"a": [True, None]}},
    }
    att, _ = pa.parse_attestation(signed(extensions=[extension]))
    assert att.extensions[0].data_value == extension["data"]
    assert att.to_subject()["extensions"] == [extension]


@pytest.mark.parametrize(
    "value", [Decimal("1E+40"), Decimal("0.0000000000000000001"), Decimal("1" * 31), Decimal("NaN")]
)
def test_a_parsed_attestation_changed_in_code_is_checked_in_full(value: Decimal) -> None:
    # Parsing skips the decimal rule (parse_decimal already enforced it); a copy made in code does not.
    parsed, _ = pa.parse_attestation(signed())
    assert parsed == base_attestation()
    with pytest.raises(AttestationError) as e:
        parsed.with_changes(land_use_emissions=value)
    assert e.value.code == "attestation.decimal"


def test_checking_and_verifying_on_a_given_parse_is_checking_and_verifying_the_bytes() -> None:
    doc = signed()
    assert pa.parse_attestation(doc, secured=doc.parse()) == pa.parse_attestation(doc)
    for changed in (signed(fossilGhgEmissions="61.91"), SignedDocument.from_bytes(flip_byte_at(doc.raw))):
        with pytest.raises(PassportError):
            pa.parse_attestation(changed, secured=changed.parse())


def flip_byte_at(raw: bytes) -> bytes:
    """``raw`` with the last digit of the proof value changed (still base58, another signature)."""
    at = raw.rindex(b'"proofValue":"z') + 20
    return raw[:at] + (b"2" if raw[at : at + 1] != b"2" else b"3") + raw[at + 1 :]
