"""The document loader and RDFC canonicalization: allow-list only, no network, safe mode, poisoning guard.

Also cross-checks our cryptosuites against an independent, minimal implementation written here from the
vc-di-eddsa text (plain hashlib, rfc8785, pyld and cryptography calls, none of passport's code), both ways.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import socket
from pathlib import Path
from typing import Any

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

from identifiers.multikey import did_key_verification_method
from passport import contexts
from passport import dataintegrity as di
from passport.contexts import ContextStore
from passport.errors import CanonicalizationError, ContextDigestError, ContextNotAllowedError, PassportError
from passport.jsonld import DocumentLoader, canonicalize_rdfc

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUB = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
VM = did_key_verification_method(PUB)
SHIPPED = Path(str(importlib.resources.files("contexts")))
CREDENTIAL = {
    "@context": [contexts.CREDENTIALS_V2, contexts.CARBONTRAIL_V1],
    "type": ["VerifiableCredential", "FootprintAttestation"],
    "issuer": "did:web:supplier.example",
    "credentialSubject": {"productId": "88.118.8/LFP-280Ah", "pcfExcludingBiogenic": "12.5"},
}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def expect(error: type[PassportError], code: str, call: Any) -> PassportError:
    with pytest.raises(error) as info:
        call()
    assert info.value.code == code
    return info.value


# --- the loader ---------------------------------------------------------------------------------------------


def test_loader_serves_allow_listed_contexts() -> None:
    remote = DocumentLoader()(contexts.CREDENTIALS_V2, {})
    assert remote["documentUrl"] == contexts.CREDENTIALS_V2
    assert remote["contextUrl"] is None
    assert remote["document"] == json.loads((SHIPPED / "credentials-v2.jsonld").read_bytes())


@pytest.mark.parametrize("url", ["https://evil.example/v1", "http://localhost:1/x", contexts.UNTP_DPP_0_6_1])
def test_loader_refuses_everything_else_without_touching_the_network(no_network: None, url: str) -> None:
    expect(ContextNotAllowedError, "passport.context_not_allowed", lambda: DocumentLoader()(url, {}))
    document = {"@context": url, "http://ex.org/p": 1}
    error = expect(
        ContextNotAllowedError, "passport.context_not_allowed", lambda: canonicalize_rdfc(document)
    )
    assert getattr(error, "url", None) == url


def test_signing_and_verifying_never_touch_the_network(no_network: None) -> None:
    for suite in di.CRYPTOSUITES:
        signed = di.sign_credential(CREDENTIAL, KEY, VM, cryptosuite=suite, loader=DocumentLoader())
        assert di.verify_credential(signed.raw, loader=DocumentLoader()).public_key == PUB


def test_a_tampered_context_file_is_refused_during_verification(tmp_path: Path) -> None:
    signed = di.sign_credential(CREDENTIAL, KEY, VM, cryptosuite=di.EDDSA_RDFC_2022)
    original = (SHIPPED / "carbontrail-v1.jsonld").read_bytes()
    # Remap a term: a loader that trusted the file would now verify a document meaning something else.
    (tmp_path / "carbontrail-v1.jsonld").write_bytes(
        original.replace(b'"ct:productId"', b'"ct:declaredUnit"')
    )
    loader = DocumentLoader(ContextStore(tmp_path))
    error = expect(
        ContextDigestError, "passport.context_digest", lambda: di.verify_credential(signed, loader=loader)
    )
    assert getattr(error, "url", None) == contexts.CARBONTRAIL_V1


def test_resolved_contexts_are_cached_per_loader_not_globally(tmp_path: Path) -> None:
    assert canonicalize_rdfc(CREDENTIAL)  # warm the default loader's cache
    (tmp_path / "credentials-v2.jsonld").write_bytes(b'{"@context": {}}')
    with pytest.raises(ContextDigestError):
        canonicalize_rdfc(CREDENTIAL, DocumentLoader(ContextStore(tmp_path)))


# --- safe mode and poisoning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {**CREDENTIAL, "undefinedTerm": "x"},
        {**CREDENTIAL, "id": "relative/path"},
        {**CREDENTIAL, "type": ["VerifiableCredential", "UndefinedType"]},
        {"@context": {"p": "http://ex.org/p"}, "p": {"@id": "relative"}},
        {"@context": {"@version": 1.0}},
        {"@context": 5},
    ],
)
def test_what_json_ld_would_drop_or_cannot_process_is_refused(document: dict[str, Any]) -> None:
    expect(CanonicalizationError, "passport.canonicalization", lambda: canonicalize_rdfc(document))


def test_poisoned_datasets_are_refused_quickly() -> None:
    size = 14
    nodes = [
        {"@id": f"_:b{i}", "http://ex.org/p": [{"@id": f"_:b{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    expect(CanonicalizationError, "passport.canonicalization", lambda: canonicalize_rdfc({"@graph": nodes}))


def test_ordinary_shared_blank_nodes_still_canonicalize() -> None:
    nodes = [{"http://ex.org/p": {"http://ex.org/v": "same"}} for _ in range(20)]
    result = canonicalize_rdfc({"@graph": nodes})
    assert len({word for word in result.split() if word.startswith("_:c14n")}) == 40


# --- an independent implementation, both ways -------------------------------------------------------------


def _reference_loader(url: str, options: Any = None) -> dict[str, Any]:
    files = {
        contexts.CREDENTIALS_V2: "credentials-v2.jsonld",
        contexts.CARBONTRAIL_V1: "carbontrail-v1.jsonld",
    }
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads((SHIPPED / files[url]).read_bytes()),
    }


def _reference_rdfc(document: dict[str, Any]) -> bytes:
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": _reference_loader,
        "contextResolver": ContextResolver({}, _reference_loader),
    }
    return str(pyld_jsonld.normalize(document, options)).encode()


def _reference_hash(secured: dict[str, Any]) -> bytes:
    proof = dict(secured["proof"])
    proof.pop("proofValue", None)
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    if proof["cryptosuite"] == "eddsa-jcs-2022":
        unsecured["@context"] = proof["@context"]
        return (
            hashlib.sha256(rfc8785.dumps(proof)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
        )
    config = {**proof, "@context": unsecured["@context"]}
    return (
        hashlib.sha256(_reference_rdfc(config)).digest() + hashlib.sha256(_reference_rdfc(unsecured)).digest()
    )


@pytest.mark.parametrize("suite", di.CRYPTOSUITES)
def test_ours_verifies_in_the_reference_and_the_reference_verifies_in_ours(suite: str) -> None:
    ours = json.loads(di.sign_credential(CREDENTIAL, KEY, VM, cryptosuite=suite).raw)
    signature = base58.b58decode(ours["proof"]["proofValue"][1:])
    Ed25519PublicKey.from_public_bytes(PUB).verify(signature, _reference_hash(ours))

    theirs: dict[str, Any] = {
        **CREDENTIAL,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": suite,
            "created": "2025-06-01T00:00:00Z",
            "verificationMethod": VM,
            "proofPurpose": "assertionMethod",
        },
    }
    if suite == "eddsa-jcs-2022":
        theirs["proof"]["@context"] = CREDENTIAL["@context"]
    theirs["proof"]["proofValue"] = "z" + base58.b58encode(KEY.sign(_reference_hash(theirs))).decode()
    assert di.verify_credential(json.dumps(theirs).encode()).cryptosuite == suite


# RDFC-1.0 Appendix A, "A Canonical form of N-Quads": in a literal, BS, HT, LF, FF, CR, '"' and '\' are
# written as ECHAR, every other character in U+0000..U+001F and U+007F as UCHAR with uppercase hex, and all
# else as itself. pyld writes URDNA2015's older form (only HT, LF, CR, '"' and '\' escaped); these tests pin
# the RDFC-1.0 form, which Digital Bazaar's rdf-canonize also writes (tests/interop/test_js_di.py).
VOCAB = {"@vocab": "urn:example:"}


def test_literals_are_written_in_rdfc_canonical_n_quads_form() -> None:
    value = '\x00\x01\b\t\n\x0b\f\r"\\\x1f\x7f é\u2028\U0001f600'
    nquads = canonicalize_rdfc({"@context": VOCAB, "@id": "urn:example:s", "p": value})
    expected = '"\\u0000\\u0001\\b\\t\\n\\u000B\\f\\r\\"\\\\\\u001F\\u007F é\u2028\U0001f600"'
    assert nquads == f"<urn:example:s> <urn:example:p> {expected} .\n"


def test_blank_node_labels_follow_the_hashes_of_the_canonical_form() -> None:
    # Two blank nodes told apart only by a BS or an FF in a literal. Hash First Degree Quads hashes each one's
    # quad in canonical form; with pyld's raw BS and FF the two hashes fall in the other order.
    def first_degree(escaped: str) -> str:
        return hashlib.sha256(f'_:a <urn:example:p> "{escaped}" .\n'.encode()).hexdigest()

    backspace, form_feed = first_degree("a\\b"), first_degree("a\\f")
    raw_backspace, raw_form_feed = first_degree("a\b"), first_degree("a\f")
    assert (backspace < form_feed) != (raw_backspace < raw_form_feed)  # the case this test is about
    first, second = ("a\\b", "a\\f") if backspace < form_feed else ("a\\f", "a\\b")
    nquads = canonicalize_rdfc({"@context": VOCAB, "@graph": [{"p": "a\b"}, {"p": "a\f"}]})
    assert nquads == "".join(
        sorted([f'_:c14n0 <urn:example:p> "{first}" .\n', f'_:c14n1 <urn:example:p> "{second}" .\n'])
    )


@pytest.mark.parametrize(
    "document",
    [
        {"@context": VOCAB, "@id": "urn:example:a b", "p": "x"},
        {"@context": VOCAB, "@id": "urn:example:s", "p": {"@id": "urn:example:a\x01b"}},
        {"@context": VOCAB, "@id": "urn:example:s", "urn:example:p<q": "x"},
        {"@context": VOCAB, "@id": "urn:example:s", "p": {"@value": "x", "@type": "urn:example:t{"}},
        {"@context": VOCAB, "@id": "urn:example:s", "p": {"@value": "x", "@language": "en\x01"}},
        {"@context": VOCAB, "@id": "urn:example:s", "@type": "urn:example:T\n"},
    ],
)
def test_iris_and_language_tags_n_quads_cannot_write_are_refused(document: dict[str, Any]) -> None:
    # pyld would drop such IRIs silently (so they would travel unsigned) or write lines no reader parses.
    with pytest.raises(CanonicalizationError) as e:
        canonicalize_rdfc(document)
    assert e.value.code == "passport.canonicalization"
