"""Passports over HTTP (api/routes/passports.py), on SQLite and PostgreSQL: compose from a specification for
the manufacturer's did:key, sign outside the server, log, read a product's latest passport; the receipt
verifies; refusals as problem+json with their codes, nothing logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import PROBLEM_JSON
from passport.document import SignedDocument
from passport.dpp import sign_passport
from tests.integration.api.attestation_support import snapshot
from tests.integration.api.passport_support import MAKER_NAME, Chains, register_chains
from tests.integration.api.registry_support import VALID_FROM, did, install
from tests.unit.passport import chain_fixtures as cf

VC = {"content-type": "application/vc+ld+json"}
YAML = {"content-type": "application/yaml"}


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> tuple[TestClient, Chains]:
    chains = register_chains(install(tmp_path / "home", db_url, "http.test/log"))
    return TestClient(create_app(chains.inst.settings)), chains


def composed(client: TestClient, chains: Chains, text: str, **params: str) -> dict[str, object]:
    query = {"issuer": did(chains.maker), "valid_from": VALID_FROM} | params
    r = client.post("/passports/compose", content=text, headers=YAML, params=query)
    assert r.status_code == 200, r.text
    credential: dict[str, object] = r.json()
    return credential


def test_compose_sign_log_and_read_back(served: tuple[TestClient, Chains]) -> None:
    client, chains = served
    chains.attest()
    before = snapshot(chains.inst.log)
    credential = composed(client, chains, cf.CATHODE)
    assert snapshot(chains.inst.log) == before  # composing logs nothing
    assert credential["issuer"] == {"type": ["CredentialIssuer"], "id": did(chains.maker), "name": MAKER_NAME}
    subject = credential["credentialSubject"]
    assert isinstance(subject, dict)
    assert subject["product"]["id"] == "http://testserver/id/88.118.2/LFP-CAM"
    assert subject["emissionsScorecard"]["pcfExcludingBiogenic"] == "3.946"

    signed = sign_passport(credential, chains.maker)
    r = client.post("/passports", content=signed.raw, headers=VC)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["kind"], body["credential"], body["duplicate"]) == ("passport", signed.digest, False)
    chains.verify_receipt(body["receipt"], body["index"])

    cell = sign_passport(composed(client, chains, cf.CELL, disclosure="aggregated"), chains.maker)
    assert client.post("/passports", content=cell.raw, headers=VC).status_code == 201
    r = client.get("/products/88.118.3%2FLFP-280Ah/passport")
    assert r.status_code == 200, r.text
    found = json.loads(r.content)
    assert found["credential"] == json.loads(cell.canonical)
    assert (found["status"]["grade"], found["status"]["disclosure"]) == ("A", "aggregated")
    assert found["status"]["figures"]["pcfExcludingBiogenic"] == "38.199"


def test_refusals_are_problems_and_log_nothing(served: tuple[TestClient, Chains]) -> None:
    client, chains = served
    before = snapshot(chains.inst.log)
    query = {"issuer": did(chains.maker)}
    r = client.post("/passports/compose", content=cf.CATHODE, headers=YAML, params=query)
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM_JSON)
    assert r.json()["code"] == "compose.unknown_component"
    assert "li2co3" in r.json()["detail"]
    r = client.post(
        "/passports/compose", content=cf.CATHODE, headers=YAML, params={"issuer": did(chains.intruder)}
    )
    assert (r.status_code, r.json()["code"]) == (403, "registry.prefix_not_held")
    r = client.post("/passports/compose", content="product: [", headers=YAML, params=query)
    assert (r.status_code, r.json()["code"]) == (422, "spec.yaml")
    attestation = SignedDocument.from_bytes(chains.attest().raw)
    before = snapshot(chains.inst.log)
    r = client.post("/passports", content=attestation.raw, headers=VC)
    assert (r.status_code, r.json()["code"]) == (422, "api.wrong_kind")
    assert snapshot(chains.inst.log) == before
    r = client.get("/products/88.118.2%2FLFP-CAM/passport")
    assert (r.status_code, r.json()["code"]) == (404, "api.not_found")
