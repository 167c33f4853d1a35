"""Registry entries as credentials: every operation round-trips through signed bytes; tampering, a foreign
issuer, the wrong cryptosuite, type or context, extra or non-canonical fields are refused with their codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers.multikey import did_key_from_public_key, did_key_verification_method
from identifiers.registry import RegistryOperation, RegistryState, Role
from passport import registry as pr
from passport.dataintegrity import EDDSA_RDFC_2022, sign_credential
from passport.document import SignedDocument
from passport.errors import (
    MalformedProofError,
    PassportError,
    ProofError,
    RegistryEntryError,
    RegistryIssuerError,
    UnsupportedCryptosuiteError,
)
from tests.unit.identifiers.strategies import handle_prefixes, usccs

REGISTRAR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
REGISTRAR_PUB = REGISTRAR.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
OTHER_PUB = OTHER.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
WHEN = "2026-11-24T10:00:00Z"
USCC = "91320000MA1234567T"  # a valid USCC: register_op() would refuse it otherwise


def raw_key(seed: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def register_op() -> RegistryOperation:
    return RegistryOperation.register_organisation(
        USCC,
        "江苏示例电芯有限公司 Jiangsu Example Cell Co., Ltd.",
        ["supplier", "manufacturer"],
        ["88.118.8", "gs1:4712345"],
        [OTHER_PUB],
        did_web="did:web:cells.example.com",
    )


def code_of(doc: SignedDocument) -> str:
    with pytest.raises(PassportError) as e:
        pr.parse_registry_entry(doc)
    return e.value.code


def resign(credential: dict[str, Any], key: Ed25519PrivateKey = REGISTRAR, **kwargs: Any) -> SignedDocument:
    """Sign an arbitrary credential validly, so only the registry rules can refuse it."""
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return sign_credential(credential, key, did_key_verification_method(public), created=WHEN, **kwargs)


# --- every operation, round trip ---------------------------------------------------------------------------

keys = st.builds(raw_key, st.binary(min_size=32, max_size=32))
names = (
    st.text(st.sampled_from("Acme Steel Co.,Ltd 江苏电芯-&()"), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
reasons = st.none() | names
prefix_texts = st.one_of(
    handle_prefixes(), st.text("0123456789", min_size=3, max_size=11).map(lambda d: "gs1:1" + d)
)


@st.composite
def operations(draw: st.DrawFn) -> RegistryOperation:
    u = draw(usccs())
    choice = draw(st.integers(0, 9))
    unique_keys = st.lists(keys, min_size=1, max_size=3, unique=True)
    prefixes = st.lists(prefix_texts, min_size=1, max_size=3, unique=True)
    if choice == 0:
        return RegistryOperation.register_organisation(
            u,
            draw(names),
            draw(st.lists(st.sampled_from(list(Role)), min_size=1, max_size=4, unique=True)),
            draw(st.lists(prefix_texts, max_size=3, unique=True)),
            draw(st.lists(keys, max_size=3, unique=True)),
            draw(st.none() | st.sampled_from(["did:web:example.com", "did:web:id.example.cn%3A8443:org:42"])),
        )
    if choice == 1:
        return RegistryOperation.bind_prefixes(u, draw(prefixes))
    if choice == 2:
        return RegistryOperation.unbind_prefixes(u, draw(prefixes))
    if choice == 3:
        return RegistryOperation.add_keys(u, draw(unique_keys))
    if choice == 4:
        new, old = draw(st.lists(keys, min_size=2, max_size=2, unique=True))
        return RegistryOperation.rotate_key(u, new, old)
    if choice == 5:
        return RegistryOperation.revoke_key(u, draw(keys), draw(reasons))
    if choice == 6:
        return RegistryOperation.suspend(u, draw(reasons))
    if choice == 7:
        return RegistryOperation.reinstate(u, draw(reasons))
    if choice == 8:
        return RegistryOperation.blacklist(u, draw(reasons))
    return RegistryOperation.rotate_registrar_key(draw(keys))


@settings(max_examples=100, deadline=None)
@given(operations(), st.booleans())
def test_round_trip(op: RegistryOperation, pretty: bool) -> None:
    signed = pr.sign_registry_entry(op, REGISTRAR, WHEN)
    raw = json.dumps(json.loads(signed.raw), indent=2).encode() if pretty else signed.raw
    received = SignedDocument.from_bytes(raw)
    assert pr.is_registry_entry(received.data)
    assert pr.parse_registry_entry(received) == (op, REGISTRAR_PUB)
    assert pr.operation_from_subject(pr.registry_subject(op)) == op


def test_the_credential_shape() -> None:
    credential = pr.registry_credential(register_op(), did_key_from_public_key(REGISTRAR_PUB), WHEN)
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://carbontrail.dev/ns/v1"],
        "type": ["VerifiableCredential", "RegistryEntry"],
        "issuer": did_key_from_public_key(REGISTRAR_PUB),
        "validFrom": WHEN,
        "credentialSubject": {
            "registryAction": "register-organisation",
            "uscc": USCC,
            "legalName": "江苏示例电芯有限公司 Jiangsu Example Cell Co., Ltd.",
            "roles": ["supplier", "manufacturer"],
            "prefixes": ["88.118.8", "gs1:4712345"],
            "keys": [did_key_from_public_key(OTHER_PUB)],
            "didWeb": "did:web:cells.example.com",
        },
    }
    signed = pr.sign_registry_entry(register_op(), REGISTRAR, WHEN)
    assert signed.data["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed.data["proof"]["created"] == WHEN
    assert pr.sign_registry_entry(register_op(), REGISTRAR).data["validFrom"].endswith("Z")


def test_a_parsed_entry_applies_to_the_registry() -> None:
    op, signer = pr.parse_registry_entry(pr.sign_registry_entry(register_op(), REGISTRAR, WHEN))
    state = RegistryState.genesis(REGISTRAR_PUB).apply(op, signer, 0)
    revoke = pr.sign_registry_entry(RegistryOperation.revoke_key(USCC, OTHER_PUB, "compromised"), OTHER, WHEN)
    op, signer = pr.parse_registry_entry(revoke)
    assert signer == OTHER_PUB
    assert state.apply(op, signer, 1).organisation(USCC).keys[0].revoked_at == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ({"type": ["VerifiableCredential", "RegistryEntry"]}, True),
        ({"type": ["VerifiableCredential"]}, False),
        ({"type": "RegistryEntry"}, False),
        ({}, False),
    ],
)
def test_is_registry_entry(text: dict[str, Any], expected: bool) -> None:
    assert pr.is_registry_entry(text) is expected


# --- refusals -----------------------------------------------------------------------------------------------


def tampered(path: tuple[str, ...], value: Any) -> SignedDocument:
    data = json.loads(pr.sign_registry_entry(register_op(), REGISTRAR, WHEN).raw)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return SignedDocument.from_json(data)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "uscc"), "91110000MA0000000X"),
        (("credentialSubject", "prefixes"), ["88.118.8", "gs1:4712345", "88.118.9"]),
        (("credentialSubject", "keys"), [did_key_from_public_key(REGISTRAR_PUB)]),
        (("credentialSubject", "legalName"), "Someone Else Ltd."),
        (("validFrom",), "2026-11-25T10:00:00Z"),
        (("proof", "created"), "2026-11-25T10:00:00Z"),
    ],
)
def test_tampering_is_refused(path: tuple[str, ...], value: Any) -> None:
    doc = tampered(path, value)
    with pytest.raises(PassportError) as e:
        pr.parse_registry_entry(doc)
    assert isinstance(e.value, ProofError | RegistryEntryError)
    assert e.value.code in {"passport.proof_invalid", "passport.registry_entry"}


def test_tampered_bytes_are_refused() -> None:
    raw = pr.sign_registry_entry(register_op(), REGISTRAR, WHEN).raw
    doc = SignedDocument.from_bytes(raw.replace(b'"88.118.8"', b'"88.118.9"'))
    assert code_of(doc) == "passport.proof_invalid"


def test_issuer_must_be_the_signing_key() -> None:
    credential = pr.registry_credential(register_op(), did_key_from_public_key(OTHER_PUB), WHEN)
    assert code_of(resign(credential, REGISTRAR)) == "passport.registry_issuer"
    with pytest.raises(RegistryIssuerError):
        pr.parse_registry_entry(resign(credential, REGISTRAR))


def test_registry_entries_are_eddsa_jcs_2022_only() -> None:
    credential = pr.registry_credential(register_op(), did_key_from_public_key(REGISTRAR_PUB), WHEN)
    doc = resign(credential, cryptosuite=EDDSA_RDFC_2022)
    with pytest.raises(UnsupportedCryptosuiteError) as e:
        pr.parse_registry_entry(doc)
    assert e.value.code == "passport.cryptosuite_unsupported"


def test_an_unsigned_entry_is_refused() -> None:
    credential = pr.registry_credential(register_op(), did_key_from_public_key(REGISTRAR_PUB), WHEN)
    with pytest.raises(MalformedProofError) as e:
        pr.parse_registry_entry(SignedDocument.from_json(credential))
    assert e.value.code == "passport.proof_malformed"


def _credential(**changes: Any) -> dict[str, Any]:
    credential = pr.registry_credential(register_op(), did_key_from_public_key(REGISTRAR_PUB), WHEN)
    for name, value in changes.items():
        if value is None:
            del credential[name]
        else:
            credential[name] = value
    return credential


def _subject(**changes: Any) -> dict[str, Any]:
    subject = pr.registry_subject(register_op())
    for name, value in changes.items():
        if value is None:
            del subject[name]
        else:
            subject[name] = value
    return _credential(credentialSubject=subject)


@pytest.mark.parametrize(
    "credential",
    [
        _credential(type=["VerifiableCredential"]),
        _credential(type=["VerifiableCredential", "RegistryEntry", "Extra"]),
        _credential(**{"@context": ["https://www.w3.org/ns/credentials/v2"]}),
        _credential(validUntil="2027-01-01T00:00:00Z"),
        _credential(credentialStatus={"type": "BitstringStatusListEntry"}),
        _credential(validFrom=None),
        _credential(validFrom="yesterday"),
        _credential(issuer={"id": did_key_from_public_key(REGISTRAR_PUB)}),
        _credential(credentialSubject=[pr.registry_subject(register_op())]),
        _subject(registryAction="delete-everything"),
        _subject(registryAction=None),
        _subject(uscc=USCC.lower()),
        _subject(uscc=None),
        _subject(prefixes=[]),
        _subject(prefixes=["88.118.8", "88.118.8"]),
        _subject(prefixes="88.118.8"),
        _subject(prefixes=["88.118.8", 7]),
        _subject(prefixes=["88.118.8", "gs1:04712345"]),
        _subject(roles=["supplier", "auditor"]),
        _subject(keys=["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#frag"]),
        _subject(keys=[did_key_from_public_key(REGISTRAR_PUB).upper()]),
        _subject(revokedKey=did_key_from_public_key(REGISTRAR_PUB)),
        _subject(reason="not taken by register-organisation"),
        _subject(didWeb="did:web:Cells.Example.com"),
        _subject(legalName=""),
        _subject(legalName=42),
        _subject(id="urn:uuid:7b1c"),
    ],
)
def test_malformed_registry_entries(credential: dict[str, Any]) -> None:
    with pytest.raises(RegistryEntryError) as e:
        pr.parse_registry_entry(resign(credential))
    assert e.value.code == "passport.registry_entry"


def test_registry_credential_checks_its_arguments() -> None:
    for issuer, when in (
        ("did:web:example.com", WHEN),
        (did_key_from_public_key(REGISTRAR_PUB), "2026-11-24"),
    ):
        with pytest.raises(RegistryEntryError) as e:
            pr.registry_credential(register_op(), issuer, when)
        assert e.value.code == "passport.registry_entry"
