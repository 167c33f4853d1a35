"""Every intermediate value of the W3C vc-di-eddsa test vectors, both cryptosuites, byte for byte.

The vectors (tests/vectors/di-eddsa, from w3c/vc-di-eddsa TestVectors/) give, for one credential and key
pair: the canonical document, the proof configuration and its canonical form, both hashes, the combined
hash data, the signature in hex and as a base58btc ``proofValue``, and the signed document.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.multikey import decode_private_multikey
from passport import dataintegrity as di
from passport.document import SignedDocument

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "di-eddsa"
JCS_DIR = VECTORS / "eddsa-jcs-2022"
RDFC_DIR = VECTORS / "eddsa-rdfc-2022"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _line(path: Path) -> str:
    return _text(path).strip()


def _json(path: Path) -> Any:
    return json.loads(_text(path))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    pair = _json(VECTORS / "keyPair.json")
    return Ed25519PrivateKey.from_private_bytes(decode_private_multikey(pair["privateKeyMultibase"]))


@pytest.fixture
def unsigned() -> dict[str, Any]:
    data = _json(VECTORS / "unsigned.json")
    assert isinstance(data, dict)
    return data


def _options(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != "@context"}


# --- eddsa-jcs-2022 -----------------------------------------------------------------------------------------


def test_jcs_canonical_document(unsigned: dict[str, Any]) -> None:
    canonical = di.transform_jcs(unsigned)
    assert canonical == (JCS_DIR / "canonDocJCS.txt").read_bytes()
    assert hashlib.sha256(canonical).hexdigest() == _line(JCS_DIR / "docHashJCS.txt")


def test_jcs_proof_configuration() -> None:
    canonical = di.proof_config_jcs(_json(JCS_DIR / "proofConfigJCS.json"))
    assert canonical == (JCS_DIR / "proofCanonJCS.txt").read_bytes()
    assert hashlib.sha256(canonical).hexdigest() == _line(JCS_DIR / "proofHashJCS.txt")


def test_jcs_hash_signature_and_proof_value(unsigned: dict[str, Any], key: Ed25519PrivateKey) -> None:
    data = di.hash_data(
        di.transform_jcs(unsigned), di.proof_config_jcs(_json(JCS_DIR / "proofConfigJCS.json"))
    )
    assert data.hex() == _line(JCS_DIR / "combinedHashJCS.txt")
    signature = key.sign(data)
    assert signature.hex() == _line(JCS_DIR / "sigHexJCS.txt")
    assert di.encode_proof_value(signature) == _line(JCS_DIR / "sigBTC58JCS.txt")
    assert di.decode_proof_value(_line(JCS_DIR / "sigBTC58JCS.txt")) == signature


def test_jcs_signing_reproduces_the_signed_document(unsigned: dict[str, Any], key: Ed25519PrivateKey) -> None:
    config = _json(JCS_DIR / "proofConfigJCS.json")
    signed = di.sign_credential(
        unsigned,
        key,
        config["verificationMethod"],
        created=config["created"],
        proof_purpose=config["proofPurpose"],
    )
    assert signed.data == _json(JCS_DIR / "signedJCS.json")


def test_jcs_signed_vector_verifies_as_published() -> None:
    raw = (JCS_DIR / "signedJCS.json").read_bytes()
    result = di.verify_credential(raw)
    assert result.cryptosuite == di.EDDSA_JCS_2022
    assert result.verification_method == _json(JCS_DIR / "proofConfigJCS.json")["verificationMethod"]
    assert result.created == "2023-02-24T23:36:38Z"
    assert result.document_digest == SignedDocument.from_bytes(raw).digest


# --- eddsa-rdfc-2022 ----------------------------------------------------------------------------------------


def test_rdfc_canonical_document(unsigned: dict[str, Any]) -> None:
    canonical = di.transform_rdfc(unsigned)
    assert canonical == (RDFC_DIR / "canonDocDataInt.txt").read_bytes()
    assert hashlib.sha256(canonical).hexdigest() == _line(RDFC_DIR / "docHashDataInt.txt")


def test_rdfc_proof_configuration(unsigned: dict[str, Any]) -> None:
    config = _json(RDFC_DIR / "proofConfigDataInt.json")
    assert config["@context"] == unsigned["@context"]
    canonical = di.proof_config_rdfc(_options(config), unsigned["@context"])
    assert canonical == (RDFC_DIR / "proofCanonDataInt.txt").read_bytes()
    assert hashlib.sha256(canonical).hexdigest() == _line(RDFC_DIR / "proofHashDataInt.txt")


def test_rdfc_hash_signature_and_proof_value(unsigned: dict[str, Any], key: Ed25519PrivateKey) -> None:
    config = _options(_json(RDFC_DIR / "proofConfigDataInt.json"))
    data = di.hash_data(di.transform_rdfc(unsigned), di.proof_config_rdfc(config, unsigned["@context"]))
    assert data.hex() == _line(RDFC_DIR / "combinedHashDataInt.txt")
    signature = key.sign(data)
    assert signature.hex() == _line(RDFC_DIR / "sigHexDataInt.txt")
    assert di.encode_proof_value(signature) == _line(RDFC_DIR / "sigBTC58DataInt.txt")


def test_rdfc_signing_reproduces_the_signed_document(
    unsigned: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    config = _json(RDFC_DIR / "proofConfigDataInt.json")
    signed = di.sign_credential(
        unsigned,
        key,
        config["verificationMethod"],
        cryptosuite=di.EDDSA_RDFC_2022,
        created=config["created"],
        proof_purpose=config["proofPurpose"],
    )
    assert signed.data == _json(RDFC_DIR / "signedDataInt.json")


def test_rdfc_signed_vector_verifies_as_published() -> None:
    result = di.verify_credential((RDFC_DIR / "signedDataInt.json").read_bytes())
    assert result.cryptosuite == di.EDDSA_RDFC_2022
    assert result.proof_purpose == "assertionMethod"
