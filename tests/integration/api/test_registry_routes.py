"""The registry over HTTP (api/routes/registry.py), on SQLite and PostgreSQL.

``POST /registry`` answers 201 with the index, the credential's digest and a tlog-proof receipt that verifies;
refusals are RFC 9457 problem+json with the code and the status api/errors.py gives, and store nothing;
``GET /registry/orgs/{uscc}`` shows state and history, 404 for an unknown USCC, 400 for a malformed one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.app import create_app
from api.problems import PROBLEM_JSON
from api.registryview import organisation_json
from identifiers.registry_ops import RegistryOperation as Op
from ledger.errors import RootMismatchError
from ledger.policy import Policy
from ledger.receipt import parse_receipt, verify_receipt
from passport.document import SignedDocument, canonical_json
from tests.integration.api.registry_support import (
    CERT_BODY,
    SUPPLIER,
    Installation,
    did,
    install,
    new_key,
    pub,
    signed,
    tables,
    unknown_kind,
    uscc,
    wrong_check,
)

VC = {"content-type": "application/vc+ld+json"}


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> tuple[TestClient, Installation]:
    inst = install(tmp_path / "home", db_url, "http.test/log")
    return TestClient(create_app(inst.settings)), inst


@pytest.mark.parametrize("media_type", ["application/vc+ld+json", "application/json", None])
def test_post_logs_an_entry_and_answers_with_a_receipt(
    served: tuple[TestClient, Installation], media_type: str | None
) -> None:
    client, inst = served
    raw = signed(
        Op.register_organisation(SUPPLIER, "Cells", ["supplier"], prefixes=["88.118.8"]), inst.registrar
    )
    headers = {"content-type": media_type} if media_type else {}
    r = client.post("/registry", content=raw, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    canonical = SignedDocument.from_bytes(raw).canonical
    assert body["index"] == 0
    assert body["credential"] == "sha256:" + hashlib.sha256(canonical).hexdigest()
    assert (body["kind"], body["duplicate"]) == ("registry", False)
    record = inst.log.store.entry(0)
    assert json.loads(record)["credential"] == body["credential"]
    receipt = parse_receipt(body["receipt"].encode())
    assert receipt.index == 0
    verify_receipt(receipt, record, None, Policy.from_keys(inst.vkey, [], 0))
    with pytest.raises(RootMismatchError) as refused:
        verify_receipt(receipt, record + b" ", None, Policy.from_keys(inst.vkey, [], 0))
    assert refused.value.code == "ledger.root_mismatch"

    again = client.post("/registry", content=raw, headers=headers)
    assert again.status_code == 201
    assert (again.json()["index"], again.json()["duplicate"]) == (0, True)
    assert again.json()["credential"] == body["credential"]
    assert tables(inst.log).credentials == 1


def test_openapi_documents_the_signed_body(served: tuple[TestClient, Installation]) -> None:
    client, _ = served
    post = client.get("/openapi.json").json()["paths"]["/registry"]["post"]
    assert "application/vc+ld+json" in post["requestBody"]["content"]
    assert "201" in post["responses"]


def test_refusals_are_problems_with_codes_and_store_nothing(served: tuple[TestClient, Installation]) -> None:
    client, inst = served
    k1, k2, stranger = new_key(), new_key(), new_key()
    for op in (
        Op.register_organisation(
            SUPPLIER, "Cells", ["supplier"], prefixes=["88.118.8"], keys=[pub(k1), pub(k2)]
        ),
        Op.register_organisation(CERT_BODY, "Verifier", ["certification-body"]),
        Op.revoke_key(SUPPLIER, pub(k1)),
    ):
        assert client.post("/registry", content=signed(op, inst.registrar), headers=VC).status_code == 201
    good = json.loads(signed(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), inst.registrar))
    good["credentialSubject"]["prefixes"] = ["88.118.7"]
    cases = {
        "unregistered key": (
            signed(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), stranger),
            403,
            "registry.not_registrar",
        ),
        "organisation key for a registrar action": (
            signed(Op.add_keys(SUPPLIER, [pub(stranger)]), k2),
            403,
            "registry.not_registrar",
        ),
        "revoked key": (signed(Op.revoke_key(SUPPLIER, pub(k2)), k1), 403, "registry.not_authorised"),
        "registered twice": (
            signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]), inst.registrar),
            409,
            "registry.org_exists",
        ),
        "prefix held": (
            signed(Op.bind_prefixes(CERT_BODY, ["88.118.8.5"]), inst.registrar),
            409,
            "registry.prefix_conflict",
        ),
        "blacklisting a supplier": (
            signed(Op.blacklist(SUPPLIER), inst.registrar),
            409,
            "registry.not_certification_body",
        ),
        "tampered": (canonical_json(good), 422, "passport.proof_invalid"),
        "unknown kind": (unknown_kind(), 422, "passport.unknown_kind"),
        "malformed JSON": (b'{"type": ', 422, "passport.malformed"),
        "empty body": (b"", 422, "passport.malformed"),
    }
    before = tables(inst.log)
    for case, (raw, status, code) in cases.items():
        r = client.post("/registry", content=raw, headers=VC)
        assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), (case, r.text)
        problem = r.json()
        assert (problem["status"], problem["code"]) == (status, code), case
        assert problem["type"] == f"urn:carbontrail:problem:{code}", case
        assert problem["detail"], case
        assert tables(inst.log) == before, case


def test_registrar_rotation_over_http(served: tuple[TestClient, Installation]) -> None:
    client, inst = served
    r2 = new_key()

    def post(raw: bytes) -> Response:
        response: Response = client.post("/registry", content=raw, headers=VC)
        return response

    assert (
        post(signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]), inst.registrar)).json()[
            "index"
        ]
        == 0
    )
    assert post(signed(Op.rotate_registrar_key(pub(r2)), inst.registrar)).json()["index"] == 1
    old = post(signed(Op.bind_prefixes(SUPPLIER, ["88.118.8"]), inst.registrar))
    assert (old.status_code, old.json()["code"]) == (403, "registry.not_registrar")
    new = post(signed(Op.bind_prefixes(SUPPLIER, ["88.118.8"]), r2))
    assert (new.status_code, new.json()["index"]) == (201, 2)
    history = client.get(f"/registry/orgs/{SUPPLIER}").json()["history"]
    assert [(h["index"], h["action"], h["signer"]) for h in history] == [
        (0, "register-organisation", did(inst.registrar)),
        (2, "bind-prefix", did(r2)),
    ]


def test_get_organisation(served: tuple[TestClient, Installation]) -> None:
    client, inst = served
    k1, k2 = new_key(), new_key()
    inst.logged(Op.register_organisation(CERT_BODY, "Verifier", ["certification-body"]))
    inst.logged(
        Op.register_organisation(
            SUPPLIER, "江苏电芯有限公司", ["supplier", "manufacturer"], prefixes=["88.118.8"], keys=[pub(k1)]
        )
    )
    inst.logged(Op.rotate_key(SUPPLIER, pub(k2), pub(k1)))
    inst.logged(Op.suspend(SUPPLIER, "audit"))
    inst.logged(Op.blacklist(CERT_BODY))

    r = client.get(f"/registry/orgs/{SUPPLIER}")
    assert r.status_code == 200
    body = r.json()
    assert body == organisation_json(inst.pipeline.registry_state().organisation(SUPPLIER))
    assert (body["legalName"], body["registeredAt"], body["suspended"]) == ("江苏电芯有限公司", 1, True)
    assert body["roles"] == ["supplier", "manufacturer"]
    assert body["prefixes"] == ["88.118.8"]
    assert [(k["key"], k["addedAt"], k["revokedAt"]) for k in body["keys"]] == [
        (did(k1), 1, 2),
        (did(k2), 2, None),
    ]
    assert [(h["index"], h["action"]) for h in body["history"]] == [
        (1, "register-organisation"),
        (2, "rotate-key"),
        (3, "suspend-organisation"),
    ]
    assert client.get(f"/registry/orgs/{CERT_BODY}").json()["blacklistedAt"] == 4
    # The USCC's canonical form is upper case; a lower-case one names the same organisation.
    assert client.get(f"/registry/orgs/{SUPPLIER.lower()}").json() == body

    for path, status, code in (
        (f"/registry/orgs/{uscc(3)}", 404, "api.not_found"),
        (f"/registry/orgs/{wrong_check(SUPPLIER)}", 400, "identifiers.uscc.check_character"),
        ("/registry/orgs/91320000MA12", 400, "identifiers.uscc.length"),
    ):
        r = client.get(path)
        assert (r.status_code, r.headers["content-type"], r.json()["code"]) == (status, PROBLEM_JSON, code), (
            path
        )
