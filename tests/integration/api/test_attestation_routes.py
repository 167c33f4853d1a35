"""Attestations over HTTP end to end (api/routes/attestations.py, api/routes/credentials.py), on SQLite and
PostgreSQL: push, fetch the exact bytes and the status, verify the receipt with ``carbontrail log
verify-receipt``; batches; a product's attestations after supersession and revocation; every refusal as
problem+json that writes nothing, a 10 MB body included."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.problems import PROBLEM_JSON
from api.routes.attestations import MAX_BODY_BYTES
from identifiers.registry_ops import RegistryOperation as Op
from passport.document import SignedDocument, canonical_json
from tests.integration.api.attestation_support import (
    OTHER_PRODUCT,
    PRODUCT,
    Parties,
    register_parties,
    signed_attestation,
    signed_endorsement,
    signed_revocation,
    snapshot,
)
from tests.integration.api.registry_support import CERT_BODY, SUPPLIER, Installation, install, signed

JSON = {"content-type": "application/json"}
VC = {"content-type": "application/vc+ld+json"}


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> tuple[TestClient, Installation, Parties]:
    inst = install(tmp_path / "home", db_url, "http.test/log")
    parties = register_parties(inst)
    return TestClient(create_app(inst.settings)), inst, parties


def digest_of(raw: bytes) -> str:
    return SignedDocument.from_bytes(raw).digest


def test_push_fetch_and_the_receipt_verifies_with_the_cli(
    served: tuple[TestClient, Installation, Parties],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, inst, parties = served
    raw = signed_attestation(parties.supplier)
    r = client.post("/attestations", content=raw, headers=VC)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["kind"], body["credential"], body["duplicate"]) == ("attestation", digest_of(raw), False)

    entry = client.get(f"/log/entry/{body['index']}")
    assert entry.status_code == 200
    assert json.loads(entry.content)["credential"] == body["credential"]
    (tmp_path / "receipt").write_text(body["receipt"])
    (tmp_path / "entry").write_bytes(entry.content)
    argv = ["log", "verify-receipt", str(tmp_path / "receipt"), "--entry", str(tmp_path / "entry")]
    assert main([*argv, "--vkey", inst.vkey]) == 0
    assert capsys.readouterr().out.startswith(f"OK: entry {body['index']} is in http.test/log")
    (tmp_path / "entry").write_bytes(entry.content.replace(b"attestation", b"endorsement"))
    assert main([*argv, "--vkey", inst.vkey]) == 1
    assert "ledger.root_mismatch" in capsys.readouterr().err

    stored = client.get(f"/credentials/{body['credential']}")
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "application/vc+ld+json"
    assert stored.content == SignedDocument.from_bytes(raw).canonical
    assert "sha256:" + hashlib.sha256(stored.content).hexdigest() == body["credential"]

    status = client.get(f"/attestations/{body['credential']}")
    assert status.status_code == 200
    # The stored bytes appear verbatim in the answer.
    assert status.content.startswith(b'{"credential":' + stored.content + b',"status":')
    described = status.json()["status"]
    assert (described["index"], described["status"], described["issuer"]) == (
        body["index"],
        "valid",
        SUPPLIER,
    )
    assert (described["product"], described["revoked"], described["supersededBy"]) == (PRODUCT, None, None)

    again = client.post("/attestations", content=raw, headers=JSON)
    assert (again.status_code, again.json()["index"], again.json()["duplicate"]) == (201, body["index"], True)


def test_a_batch_answers_per_document(served: tuple[TestClient, Installation, Parties]) -> None:
    client, inst, parties = served
    a = signed_attestation(parties.supplier)
    refused = signed_attestation(parties.other, product_name="not theirs")
    endorsement = signed_endorsement(parties.cert, digest_of(a))
    body = b" [\n " + a + b" ," + refused + b",\t" + endorsement + b"\n] "
    r = client.post("/attestations", content=body, headers=JSON)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] is not None for x in results] == [True, False, True]
    assert (results[1]["code"], results[1]["status"]) == ("registry.prefix_not_held", 403)
    assert results[2]["kind"] == "endorsement"
    assert client.get(f"/attestations/{digest_of(a)}").json()["status"]["endorsements"] == [
        {"credential": digest_of(endorsement), "index": results[2]["index"], "endorser": CERT_BODY}
    ]
    assert snapshot(inst.log)["size"] == results[2]["index"] + 1


def test_supersession_and_revocation_change_a_products_attestations(
    served: tuple[TestClient, Installation, Parties],
) -> None:
    client, _, parties = served
    path = "/products/88.118.8%2FLFP-280Ah/attestations"

    def listing() -> dict[str, Any]:
        r = client.get(path)
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert listing() == {"product": PRODUCT, "current": None, "attestations": []}
    a = signed_attestation(parties.supplier)
    assert client.post("/attestations", content=a).status_code == 201
    assert listing()["current"] == digest_of(a)
    assert listing()["attestations"][0]["figures"]["pcfExcludingBiogenic"] == "62.40"

    b = signed_attestation(parties.supplier, product_name="LFP 280", supersedes=digest_of(a))
    ib = client.post("/attestations", content=b).json()["index"]
    shown = listing()
    assert shown["current"] == digest_of(b)
    assert [(x["credential"], x["status"]) for x in shown["attestations"]] == [
        (digest_of(b), "valid"),
        (digest_of(a), "superseded"),
    ]
    assert shown["attestations"][1]["supersededBy"] == {"credential": digest_of(b), "index": ib}

    revocation = signed_revocation(parties.supplier, digest_of(b))
    ir = client.post("/attestations", content=revocation).json()["index"]
    shown = listing()
    assert shown["current"] is None
    assert [(x["credential"], x["status"]) for x in shown["attestations"]] == [
        (digest_of(b), "revoked"),
        (digest_of(a), "superseded"),
    ]
    assert shown["attestations"][0]["revoked"] == {"credential": digest_of(revocation), "index": ir}
    # The identifier may also come unencoded; another product has nothing.
    assert client.get("/products/88.118.8/LFP-280Ah/attestations").json() == shown
    assert (
        client.get(f"/products/{OTHER_PRODUCT.replace('/', '%2F')}/attestations").json()["attestations"] == []
    )


def ten_megabytes() -> Iterator[bytes]:
    chunk = b" " * (1024 * 1024)
    for _ in range(10):
        yield chunk


def test_refusals_are_problems_and_write_nothing(served: tuple[TestClient, Installation, Parties]) -> None:
    client, inst, parties = served
    a = signed_attestation(parties.supplier)
    assert client.post("/attestations", content=a).status_code == 201
    bad_proof = json.loads(signed_attestation(parties.supplier, product_name="q"))
    bad_proof["credentialSubject"]["geography"] = "CN-ZJ"
    remote = json.loads(signed_attestation(parties.supplier, product_name="r"))
    remote["@context"].append("https://example.com/context.jsonld")
    numbers = json.loads(signed_attestation(parties.supplier, product_name="n"))
    numbers["credentialSubject"]["pcfExcludingBiogenic"] = 62.4
    huge = b'{"a":"' + b"x" * (10 * 1024 * 1024) + b'"}'
    cases: dict[str, tuple[Any, int, str]] = {
        "bad proof": (canonical_json(bad_proof), 422, "passport.proof_invalid"),
        "unauthorised signer": (
            signed_attestation(parties.other, product_name="u"),
            403,
            "registry.prefix_not_held",
        ),
        "duplicate with different content": (
            signed_attestation(parties.supplier, product_name="d"),
            409,
            "submission.duplicate_attestation",
        ),
        "malformed JSON": (b'{"type": ', 400, "passport.malformed"),
        "wrong types": (canonical_json(numbers), 422, "attestation.decimal"),
        "remote context": (canonical_json(remote), 422, "attestation.shape"),
        "a registry entry": (signed(Op.suspend(SUPPLIER), inst.registrar), 422, "api.wrong_kind"),
        "malformed batch": (b"[" + a + b",", 400, "api.malformed_batch"),
        "empty batch": (b"[]", 400, "api.malformed_batch"),
        "10 MB document": (huge, 413, "api.too_large"),
        "10 MB, no length stated": (ten_megabytes(), 413, "api.too_large"),
    }
    before = snapshot(inst.log)
    for name, (content, status, code) in cases.items():
        r = client.post("/attestations", content=content, headers=JSON)
        assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), (name, r.text)
        assert r.json()["code"] == code, name
        assert snapshot(inst.log) == before, name
    assert len(huge) > MAX_BODY_BYTES


def test_reads_refuse_bad_digests_and_unknown_ones(served: tuple[TestClient, Installation, Parties]) -> None:
    client, _, _ = served
    for path in ("/credentials/", "/attestations/"):
        r = client.get(path + "sha256:" + "0" * 64)
        assert (r.status_code, r.json()["code"]) == (404, "api.not_found")
        r = client.get(path + "sha256:ABC")
        assert (r.status_code, r.json()["code"]) == (400, "api.invalid_digest")
    r = client.get("/products/not%20an%20identifier/attestations")
    assert r.status_code == 400
