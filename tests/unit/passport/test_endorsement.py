"""Endorsements and revocations round-trip through signed bytes; malformed ones are refused with codes;
supersession names the earlier digest and the same product."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.attestation import sign_attestation
from passport.dataintegrity import EDDSA_RDFC_2022
from passport.document import SignedDocument
from passport.endorsement import Endorsement, is_endorsement, parse_endorsement, sign_endorsement
from passport.envelope import public_key_bytes
from passport.errors import AttestationError, EndorsementError, PassportError, RevocationError
from passport.revocation import (
    Revocation,
    check_supersession,
    is_revocation,
    parse_revocation,
    sign_revocation,
)
from tests.unit.passport.footprint_strategies import base_attestation, flip_byte

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
WHEN = "2026-03-01T00:00:00Z"
ATTESTATION = sign_attestation(base_attestation(), Ed25519PrivateKey.from_private_bytes(bytes(32)), WHEN)

endorsements = st.builds(
    Endorsement,
    endorses=st.just(ATTESTATION.digest),
    product_id=st.sampled_from(["88.118.8/LFP-280Ah", "06901234567892"]),
    level=st.none() | st.sampled_from(["limited", "reasonable"]),
    standard_name=st.none() | st.just("ISO 14064-3"),
    completed_at=st.none() | st.just("2026-02-27T09:30:00+08:00"),
    comments=st.none()
    | st.text(st.characters(codec="utf-8", categories=["L"]), min_size=1, max_size=30).filter(
        lambda t: unicodedata.normalize("NFC", t) == t
    ),
)
revocations = st.builds(
    Revocation,
    revokes=st.just(ATTESTATION.digest),
    product_id=st.none() | st.just("88.118.8/LFP-280Ah"),
    reason=st.none() | st.just("recalculated with 2025 grid factors"),
)


@settings(max_examples=60, deadline=None)
@given(endorsements, st.booleans())
def test_endorsement_round_trip(endorsement: Endorsement, rdfc: bool) -> None:
    suite = {"cryptosuite": EDDSA_RDFC_2022} if rdfc else {}
    doc = sign_endorsement(endorsement, KEY, WHEN, **suite)
    parsed, key = parse_endorsement(SignedDocument.from_bytes(doc.raw))
    assert parsed == endorsement
    assert key == public_key_bytes(KEY)
    assert parsed.to_subject() == doc.data["credentialSubject"]
    assert is_endorsement(doc.data)
    assert not is_revocation(doc.data)


@settings(max_examples=60, deadline=None)
@given(revocations, st.booleans())
def test_revocation_round_trip(revocation: Revocation, rdfc: bool) -> None:
    suite = {"cryptosuite": EDDSA_RDFC_2022} if rdfc else {}
    doc = sign_revocation(revocation, KEY, WHEN, **suite)
    parsed, key = parse_revocation(SignedDocument.from_bytes(doc.raw))
    assert parsed == revocation
    assert key == public_key_bytes(KEY)
    assert is_revocation(doc.data)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_tampered_endorsements_and_revocations_are_refused(data: st.DataObject) -> None:
    endorsement = sign_endorsement(Endorsement(ATTESTATION.digest, "88.118.8/LFP-280Ah"), KEY, WHEN)
    with pytest.raises(PassportError):
        parse_endorsement(SignedDocument.from_bytes(flip_byte(data, endorsement.raw)))
    revocation = sign_revocation(Revocation(ATTESTATION.digest), KEY, WHEN)
    with pytest.raises(PassportError):
        parse_revocation(SignedDocument.from_bytes(flip_byte(data, revocation.raw)))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"endorses": "sha256:abc"}, "endorsement.digest"),
        ({"product_id": "88.118.8"}, "endorsement.identifier"),
        ({"level": "high"}, "endorsement.level"),
        ({"completed_at": "yesterday"}, "endorsement.date_time"),
        ({"standard_name": ""}, "endorsement.text"),
    ],
)
def test_endorsement_rules(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(EndorsementError) as e:
        replace(Endorsement(ATTESTATION.digest, "88.118.8/LFP-280Ah"), **changes)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ({"endorses": "sha256:" + "a" * 64}, "endorsement.field"),
        ({"endorses": "sha256:" + "a" * 64, "productId": "88.118.8/X", "extra": 1}, "endorsement.field"),
        ({"endorses": "sha256:" + "a" * 64, "productId": 5}, "endorsement.field"),
    ],
)
def test_endorsement_subject_shape(subject: dict[str, Any], code: str) -> None:
    doc = json.loads(sign_endorsement(Endorsement(ATTESTATION.digest, "88.118.8/LFP-280Ah"), KEY, WHEN).raw)
    doc["credentialSubject"] = subject
    with pytest.raises(EndorsementError) as e:
        parse_endorsement(SignedDocument.from_json(doc))
    assert e.value.code == code


def test_an_attestation_is_not_an_endorsement() -> None:
    with pytest.raises(EndorsementError) as e:
        parse_endorsement(ATTESTATION)
    assert e.value.code == "endorsement.shape"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("sha256:" + "g" * 64,), "revocation.digest"),
        ((ATTESTATION.digest, "not an id"), "revocation.identifier"),
        ((ATTESTATION.digest, None, "x" * 513), "revocation.text"),
    ],
)
def test_revocation_rules(args: tuple[Any, ...], code: str) -> None:
    with pytest.raises(RevocationError) as e:
        Revocation(*args)
    assert e.value.code == code


def test_revocation_subject_shape() -> None:
    doc = json.loads(sign_revocation(Revocation(ATTESTATION.digest), KEY, WHEN).raw)
    doc["credentialSubject"]["reason"] = ["a list"]
    with pytest.raises(RevocationError) as e:
        parse_revocation(SignedDocument.from_json(doc))
    assert e.value.code == "revocation.field"


def test_supersession() -> None:
    earlier = base_attestation()
    newer = replace(earlier, supersedes=ATTESTATION.digest)
    check_supersession(newer, earlier, ATTESTATION.digest)
    for candidate, digest in (
        (earlier, ATTESTATION.digest),
        (newer, "sha256:" + "0" * 64),
        (replace(newer, product_id="88.118.8/LFP-100Ah"), ATTESTATION.digest),
    ):
        with pytest.raises(AttestationError) as e:
            check_supersession(candidate, earlier, digest)
        assert e.value.code == "attestation.supersedes"
