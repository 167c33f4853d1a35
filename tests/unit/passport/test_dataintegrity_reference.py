"""The verifier's shortcuts agree with the steps they stand for: the proofValue decoder with the base58
package, the JCS forms cut out of the document's with ``rfc8785`` on the unsecured document and the proof
options (vc-di-eddsa 3.3.3-3.3.5), and the context check on two members with the walk over the document."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers.multikey import did_key_verification_method
from passport import dataintegrity as di
from passport.contexts import CARBONTRAIL_V1, CREDENTIALS_V2
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.errors import ContextNotAllowedError, MalformedProofError, ProofError

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VM = did_key_verification_method(public_key_bytes(KEY))

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["a", "proof", "@value", "\U0001f600", "\ue000", "x"]), inner, max_size=3
        )
    ),
    max_leaves=12,
)


@given(st.binary(max_size=80), st.sampled_from(["", " ", "\n", "\t "]))
def test_proof_value_decoding_agrees_with_the_base58_package(data: bytes, trailing: str) -> None:
    text = base58.b58encode(data).decode() + trailing
    assert di._base58_decode(text) == base58.b58decode(text) == data


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+", "é", "z"])
def test_proof_value_decoding_refuses_what_is_not_base58(text: str) -> None:
    if text == "z":  # in the alphabet: decodes, but is no 64-byte signature
        with pytest.raises(MalformedProofError):
            di.decode_proof_value("z" + text)
        return
    with pytest.raises(ValueError, match="base58"):
        di._base58_decode(text)
    with pytest.raises(MalformedProofError) as info:
        di.decode_proof_value("z" + text)
    assert info.value.code == "passport.proof_malformed"


def _signed(extra: dict[str, Any], proof_context: Any = None) -> SignedDocument:
    unsecured: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, CARBONTRAIL_V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:supplier.example",
        "credentialSubject": {"id": "urn:x:1", **extra},
        **{k: v for k, v in extra.items() if k not in ("@context", "proof", "type")},
    }
    document = di.sign_credential(unsecured, KEY, VM, created="2025-01-01T00:00:00Z")
    if proof_context is None:
        return document
    # A proof whose @context is a strict prefix of the document's, signed as such.
    data = json.loads(document.raw)
    del data["proof"]
    options = di.create_proof(unsecured, KEY, VM, created="2025-01-01T00:00:00Z")
    options.pop("proofValue")
    options["@context"] = proof_context
    signing = {**data, "@context": proof_context}
    signature = KEY.sign(di.hash_data(rfc8785.dumps(signing), rfc8785.dumps(options)))
    data["proof"] = {**options, "proofValue": di.encode_proof_value(signature)}
    return SignedDocument.from_bytes(json.dumps(data).encode())


def _reference_hash(document: SignedDocument) -> bytes:
    secured = document.parse()
    proof = secured["proof"]
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        unsecured["@context"] = options["@context"]
    return hashlib.sha256(rfc8785.dumps(options)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "proof", "name", "zeta", "\ue000"]), VALUES, max_size=4))
def test_the_jcs_hash_is_the_reference_hash(extra: dict[str, Any]) -> None:
    # Members named like the proof, repeated copies of it inside the subject, floats, large integers and
    # characters beyond U+FFFF: the hash is always that of rfc8785 on the unsecured document and the options.
    try:
        document = _signed(extra)
    except Exception:  # a value with no JCS form: nothing to sign
        return
    secured = document.parse()
    proof = secured["proof"]
    copy = json.loads(document.raw)
    copy["credentialSubject"]["proof"] = proof  # the proof member repeated deeper: no cut is exact then
    again = SignedDocument.from_bytes(json.dumps(copy).encode())
    for doc in (document, again):
        data = doc.parse()
        unsecured = {k: v for k, v in data.items() if k != "proof"}
        options = {k: v for k, v in data["proof"].items() if k != "proofValue"}
        unsecured["@context"] = options["@context"]
        assert di._hash_jcs(doc, data, data["proof"], unsecured, options) == _reference_hash(doc)
    di.verify_credential(document)
    with pytest.raises(ProofError):
        di.verify_credential(again)


def test_a_proof_context_that_is_a_prefix_is_hashed_as_signed() -> None:
    document = _signed({}, proof_context=[CREDENTIALS_V2])
    assert di.verify_credential(document).cryptosuite == di.EDDSA_JCS_2022
    assert di.verify_credential(document.raw).public_key == public_key_bytes(KEY)


@pytest.mark.parametrize(
    "where",
    [
        lambda d: d["credentialSubject"].update({"@context": "https://evil.example/ctx"}),
        lambda d: d["credentialSubject"].update({"x": [{"@context": ["https://evil.example/ctx"]}]}),
        lambda d: d["@context"].append({"@import": "https://evil.example/ctx"}),
        lambda d: d["proof"]["@context"].append("https://evil.example/ctx"),
    ],
)
def test_a_context_anywhere_is_checked(where: Any) -> None:
    data = json.loads(_signed({}).raw)
    where(data)
    document = SignedDocument.from_bytes(json.dumps(data).encode())
    with pytest.raises(ContextNotAllowedError) as info:
        di.verify_credential(document)
    assert info.value.code == "passport.context_not_allowed"
