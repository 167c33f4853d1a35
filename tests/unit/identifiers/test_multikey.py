"""Multikey and did:key against the W3C vc-di-eddsa key pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from identifiers import multikey
from identifiers.errors import DidError

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "di-eddsa"


def test_w3c_key_pair_round_trips_and_matches() -> None:
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    seed = multikey.decode_private_multikey(pair["privateKeyMultibase"])
    pub = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert multikey.encode_public_multikey(pub) == pair["publicKeyMultibase"]
    assert multikey.encode_private_multikey(seed) == pair["privateKeyMultibase"]
    did = multikey.did_key_from_public_key(pub)
    assert multikey.public_key_from_did_key(did) == pub
    assert multikey.public_key_from_did_key(multikey.did_key_verification_method(pub)) == pub


@pytest.mark.parametrize(
    "bad",
    [
        "did:web:example.com",
        "did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6Mkother",
        "did:key:z0OIl",
        "did:key:z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
    ],
)
def test_bad_did_keys_are_refused(bad: str) -> None:
    with pytest.raises(DidError) as info:
        multikey.public_key_from_did_key(bad)
    assert info.value.code == "identifiers.did"
