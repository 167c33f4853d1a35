"""The log's HTTP read paths: tlog-tiles bytes, proofs, receipts, and problem+json errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import logservice
from api.app import create_app
from api.settings import Settings
from ledger import verify
from ledger.hashing import leaf_hash
from ledger.policy import Policy
from ledger.receipt import parse_receipt, verify_receipt


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> tuple[TestClient, logservice.Log, str]:
    settings = Settings(home=tmp_path / "home", db_url=db_url)
    vkey = logservice.init_log(settings, "http.test/log")
    log = logservice.open_log(settings)
    logservice.append(log, [f"e{i}".encode() for i in range(300)])
    logservice.append(log, [f"e{i}".encode() for i in range(300, 520)])
    return TestClient(create_app(settings)), log, vkey


def test_tiles_checkpoint_and_proofs(served: tuple[TestClient, logservice.Log, str]) -> None:
    client, log, vkey = served
    r = client.get("/log/checkpoint")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.text.splitlines()[:2] == ["http.test/log", "520"]

    full = client.get("/log/tile/0/000")
    assert full.status_code == 200
    assert len(full.content) == 8192
    assert "immutable" in full.headers["cache-control"]
    assert full.content[:32] == leaf_hash(b"e0")
    partial = client.get("/log/tile/0/002.p/8")
    assert partial.content == b"".join(leaf_hash(f"e{i}".encode()) for i in range(512, 520))
    assert client.get("/log/tile/0/001.p/44").content == client.get("/log/tile/0/001").content[: 44 * 32]
    assert len(client.get("/log/tile/1/000.p/2").content) == 64
    bundle = client.get("/log/tile/entries/002.p/8").content
    assert bundle[:6] == b"\x00\x04e512"

    r = client.get("/log/proof/inclusion", params={"index": 300, "size": 400})
    body = r.json()
    root = log.store.root(400)
    verify.verify_inclusion(leaf_hash(b"e300"), 300, 400, [base64.b64decode(h) for h in body["hashes"]], root)
    by_hash = client.get("/log/proof/inclusion", params={"leaf_hash": leaf_hash(b"e300").hex(), "size": 400})
    assert by_hash.json() == body
    r = client.get("/log/proof/consistency", params={"old": 300, "new": 520})
    proof = [base64.b64decode(h) for h in r.json()["hashes"]]
    verify.verify_consistency(300, 520, log.store.root(300), log.store.root(520), proof)

    receipt = parse_receipt(client.get("/log/receipt/17").content)
    verify_receipt(receipt, b"e17", None, Policy.from_keys(vkey, [], 0))
    assert client.get("/log/entry/17").content == b"e17"
    assert "/log/tile/{path}" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/log/tile/0/003", 404, "ledger.tile"),
        ("/log/tile/0/002", 404, "ledger.tile"),
        ("/log/tile/0/2", 404, "api.not_found"),
        ("/log/tile/0/002.p/256", 404, "api.not_found"),
        ("/log/tile/entries/002.p/9", 404, "ledger.tile"),
        ("/log/proof/inclusion?index=520", 404, "ledger.range"),
        ("/log/proof/inclusion?index=1&leaf_hash=AA", 400, "api.error"),
        ("/log/proof/inclusion?leaf_hash=zz", 400, "api.error"),
        ("/log/proof/consistency?old=5&new=600", 404, "ledger.range"),
        ("/log/proof/consistency?old=x&new=6", 422, "api.invalid_request"),
        ("/log/entry/999", 404, "ledger.range"),
    ],
)
def test_errors_are_problem_json(
    served: tuple[TestClient, logservice.Log, str], path: str, status: int, code: str
) -> None:
    client, _, _ = served
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code
