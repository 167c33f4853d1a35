"""did:key and did:web."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import assume, given
from hypothesis import strategies as st

from identifiers.did import DidWeb, parse_did_key, parse_did_web
from identifiers.errors import DidError, DidKeyError, DidWebError
from identifiers.multikey import check_public_key, did_key_from_public_key, encode_public_multikey

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "di-eddsa"


def test_w3c_vector_key() -> None:
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    text = "did:key:" + pair["publicKeyMultibase"]
    key = parse_did_key(text)
    assert key.canonical == text
    assert key.verification_method == f"{text}#{pair['publicKeyMultibase']}"
    assert encode_public_multikey(key.public_key) == pair["publicKeyMultibase"]


@given(st.binary(min_size=32, max_size=32))
def test_did_key_round_trip(raw: bytes) -> None:
    assume(_acceptable(raw))
    key = parse_did_key(did_key_from_public_key(raw))
    assert key.public_key == raw
    assert parse_did_key(key.canonical) == key


GOOD = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@pytest.mark.parametrize(
    "text",
    [
        "did:web:example.com",
        GOOD + "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        GOOD + "?x=1",
        "did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:key:z0OIl",
        "did:key:z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
        "did:key:",
        "DID:KEY:" + GOOD[8:],
    ],
)
def test_refused_did_keys(text: str) -> None:
    with pytest.raises(DidKeyError) as info:
        parse_did_key(text)
    assert info.value.code == "identifiers.did.key"


@pytest.mark.parametrize(
    ("text", "canonical", "url"),
    [
        (
            "did:web:w3c-ccg.github.io",
            "did:web:w3c-ccg.github.io",
            "https://w3c-ccg.github.io/.well-known/did.json",
        ),
        (
            "did:web:w3c-ccg.github.io:user:alice",
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
        (
            "did:web:example.com%3A3000",
            "did:web:example.com%3A3000",
            "https://example.com:3000/.well-known/did.json",
        ),
        (
            "did:web:Example.COM%3a3000:U",
            "did:web:example.com%3A3000:U",
            "https://example.com:3000/U/did.json",
        ),
        (
            "did:web:xn--bcher-kva.example",
            "did:web:xn--bcher-kva.example",
            "https://xn--bcher-kva.example/.well-known/did.json",
        ),
        ("did:web:example.com:a%2fb", "did:web:example.com:a%2Fb", "https://example.com/a%2Fb/did.json"),
    ],
)
def test_valid_did_webs(text: str, canonical: str, url: str) -> None:
    did = parse_did_web(text)
    assert did.canonical == canonical
    assert did.document_url == url
    assert parse_did_web(canonical) == did


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("did:key:z6Mk", "syntax"),
        ("did:web:", "domain"),
        ("did:web:localhost", "domain"),
        ("did:web:app.localhost", "domain"),
        ("did:web:exa_mple.com", "domain"),
        ("did:web:-example.com", "domain"),
        ("did:web:example..com", "domain"),
        ("did:web:ab--cd.example", "domain"),
        ("did:web:xn--zz.example", "domain"),
        ("did:web:bücher.example", "domain"),
        ("did:web:" + "a" * 64 + ".com", "domain"),
        ("did:web:example.com%2Fx", "domain"),
        ("did:web:127.0.0.1", "ip_address"),
        ("did:web:127.0.0.1%3A8443", "ip_address"),
        ("did:web:example.com%3A", "port"),
        ("did:web:example.com%3A0", "port"),
        ("did:web:example.com%3A08443", "port"),
        ("did:web:example.com%3A65536", "port"),
        ("did:web:example.com%3A1%3A2", "port"),
        ("did:web:example.com%3Ahttp", "port"),
        ("did:web:example.com:", "path"),
        ("did:web:example.com::a", "path"),
        ("did:web:example.com:..", "path"),
        ("did:web:example.com:.", "path"),
        ("did:web:example.com:a~b", "path"),
        ("did:web:example.com:a%2", "path"),
        ("did:web:example.com#key-1", "fragment"),
        ("did:web:example.com?service=x", "fragment"),
        ("did:web:example.com/path", "fragment"),
        ("did:web:example.com:" + "a" * 2100, "too_long"),
    ],
)
def test_refused_did_webs(text: str, reason: str) -> None:
    with pytest.raises(DidWebError) as info:
        parse_did_web(text)
    assert info.value.code == f"identifiers.did.web.{reason}"


label = st.from_regex(r"\A[a-z0-9]([a-z0-9]{0,10}[a-z0-9])?\Z")
tld = st.from_regex(r"\A[a-z][a-z0-9]{1,8}\Z")
segment = st.from_regex(r"\A[A-Za-z0-9_-]{1,10}\Z")


@given(
    st.lists(label, min_size=1, max_size=3),
    tld,
    st.none() | st.integers(1, 65535),
    st.lists(segment, max_size=3),
)
def test_did_web_round_trip(labels: list[str], top: str, port: int | None, path: list[str]) -> None:
    did = DidWeb(".".join([*labels, top]), port, tuple(path))
    assert parse_did_web(did.canonical) == did


def _acceptable(raw: bytes) -> bool:
    try:
        check_public_key(raw)
    except DidError:
        return False
    return True


SMALL_ORDER = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
]
NON_CANONICAL = [
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # p, that is 0
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # p + 1, that is 1
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


@pytest.mark.parametrize("hexed", SMALL_ORDER + NON_CANONICAL)
@pytest.mark.parametrize("sign", [0, 0x80])
def test_keys_no_one_should_hold_are_refused(hexed: str, sign: int) -> None:
    raw = bytearray.fromhex(hexed)
    raw[31] |= sign
    with pytest.raises(DidError) as refused:
        check_public_key(bytes(raw))
    assert refused.value.code == "identifiers.did"
    with pytest.raises(DidKeyError) as refused_key:
        parse_did_key(did_key_from_public_key(bytes(raw)))
    assert refused_key.value.code == "identifiers.did.key"


def test_why_the_identity_key_is_refused() -> None:
    # cryptography (OpenSSL) verifies R = identity, S = 0 under the identity key for any message.
    identity = bytes.fromhex(SMALL_ORDER[1])
    Ed25519PublicKey.from_public_bytes(identity).verify(identity + bytes(32), b"anything at all")


def test_a_real_key_is_accepted() -> None:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    assert check_public_key(raw) == raw
