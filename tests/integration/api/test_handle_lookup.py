"""The Handle-style typed-value lookup ``GET /api/handles/{handle}`` (api/routes/resolver.py,
api/handlerecord.py) on SQLite and PostgreSQL: a product with a passport and one with attestations only, keys
after a rotation and a revocation, ``?type=`` and ``?index=``, prefix records (``88.118.8`` and
``0.NA/88.118.8``) with the time of the entry that bound the prefix, and malformed and unknown handles as
problem+json with the Handle response code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import PROBLEM_JSON
from identifiers.registry_ops import RegistryOperation as Op
from passport.registry import sign_registry_entry
from tests.integration.api.attestation_support import (
    PRODUCT,
    register_parties,
    signed_attestation,
    signed_revocation,
)
from tests.integration.api.passport_support import MAKER_NAME, MAKER_ORG, register_chains
from tests.integration.api.registry_support import (
    SUPPLIER,
    VALID_FROM,
    Installation,
    did,
    install,
    new_key,
    pub,
)
from tests.unit.passport import chain_fixtures as cf

BASE = "http://testserver"
LATER = "2027-03-01T08:00:00Z"


@pytest.fixture
def inst(tmp_path: Path, db_url: str) -> Installation:
    return install(tmp_path / "home", db_url, "handles.test/log")


def _record(client: TestClient, path: str) -> dict[str, Any]:
    r = client.get(path)
    assert (r.status_code, r.headers["content-type"]) == (200, "application/json"), r.text
    assert r.headers["access-control-allow-origin"] == "*"
    body: dict[str, Any] = r.json()
    return body


def _values(record: dict[str, Any]) -> dict[int, tuple[str, str]]:
    for value in record["values"]:
        assert value["data"]["format"] == "string"
        assert value["ttl"] == 3600
    return {v["index"]: (v["type"], v["data"]["value"]) for v in record["values"]}


def _problem(client: TestClient, path: str, status: int, code: str, response_code: int | None) -> None:
    r = client.get(path)
    assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), r.text
    body = r.json()
    assert body["code"] == code
    assert body.get("responseCode") == response_code
    assert isinstance(body["handle"], str)


def test_passport_record_keys_and_selection(inst: Installation) -> None:
    chains = register_chains(inst)
    chains.attest()
    _, doc, index = chains.tier(cf.CATHODE)
    client = TestClient(create_app(inst.settings))

    record = _record(client, "/api/handles/88.118.2/LFP-CAM")
    assert (record["responseCode"], record["handle"]) == (1, "88.118.2/LFP-CAM")
    assert [v["index"] for v in record["values"]] == [1, 2, 3, 4, 5, 6, 7, 300]
    assert all(v["timestamp"] == VALID_FROM for v in record["values"])
    values = _values(record)
    assert values == {
        1: ("URL", f"{BASE}/id/88.118.2/LFP-CAM"),
        2: ("CT_PASSPORT", f"{BASE}/credentials/{doc.digest}"),
        3: ("CT_PASSPORT_DIGEST", doc.digest),
        4: ("CT_LOG_INDEX", str(index)),
        5: ("CT_ISSUER", MAKER_ORG),
        6: ("CT_ISSUER_NAME", MAKER_NAME),
        7: ("CT_SIGNER", did(chains.maker)),
        300: ("CT_PUBKEY", did(chains.maker)),
    }
    # The values lead where they say: the URL to the product's page, the credential to the bytes signed.
    r = client.get(values[1][1], follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"].startswith(f"{BASE}/products/88.118.2%2FLFP-CAM/")
    assert client.get(values[2][1]).content == doc.canonical
    # The same handle percent-encoded, and a HEAD.
    assert _record(client, "/api/handles/88.118.2%2FLFP-CAM") == record
    assert client.head("/api/handles/88.118.2/LFP-CAM").status_code == 200

    # The maker adds a key and the registrar revokes the one that signed: the keys follow the registry, the
    # signer stays the key that signed.
    second = new_key()
    added = inst.logged(Op.add_keys(MAKER_ORG, [pub(second)]))
    inst.logged(Op.revoke_key(MAKER_ORG, pub(chains.maker), "rotated"))
    record = _record(client, "/api/handles/88.118.2/LFP-CAM")
    assert _values(record)[7] == ("CT_SIGNER", did(chains.maker))
    keys = [(v["index"], v["data"]["value"]) for v in record["values"] if v["type"] == "CT_PUBKEY"]
    assert keys == [(300, did(second))]
    assert added > index

    def selected(query: str) -> list[int]:
        body = _record(client, f"/api/handles/88.118.2/LFP-CAM?{query}")
        assert body["responseCode"] == (1 if body["values"] else 200)
        return [v["index"] for v in body["values"]]

    assert selected("type=URL") == [1]
    assert selected("type=url&type=CT_PUBKEY") == [1, 300]
    assert selected("index=4&index=300") == [4, 300]
    assert selected("type=CT_ISSUER&index=3") == [3, 5]
    assert selected("type=URL.") == []
    assert selected("type=HS_ADMIN") == []
    assert selected("index=100") == []
    assert selected("auth=true&publicOnly=true") == [1, 2, 3, 4, 5, 6, 7, 300]
    _problem(client, "/api/handles/88.118.2/LFP-CAM?index=first", 400, "resolver.handle_index", None)


def test_attestation_record_and_unknown_handles(inst: Installation) -> None:
    parties = register_parties(inst)
    outcome = inst.pipeline.submit([signed_attestation(parties.supplier)])[0]
    assert outcome.index is not None
    client = TestClient(create_app(inst.settings))
    values = _values(_record(client, f"/api/handles/{PRODUCT}"))
    assert values == {
        1: ("URL", f"{BASE}/id/{PRODUCT}"),
        2: ("CT_ATTESTATION", f"{BASE}/credentials/{outcome.digest}"),
        3: ("CT_ATTESTATION_DIGEST", outcome.digest),
        4: ("CT_LOG_INDEX", str(outcome.index)),
        5: ("CT_ISSUER", SUPPLIER),
        6: ("CT_ISSUER_NAME", "Cells"),
        7: ("CT_SIGNER", did(parties.supplier)),
        300: ("CT_PUBKEY", did(parties.supplier)),
    }

    _problem(client, "/api/handles/88.118.8/NOPE", 404, "api.not_found", 100)
    _problem(client, "/api/handles/99.1.1/x", 400, "identifiers.handle.prefix_root", 102)
    _problem(client, "/api/handles/88.118.8/a//b", 400, "identifiers.handle.suffix_segment", 102)
    _problem(client, "/api/handles/88.118.8/%ZZ", 400, "resolver.malformed", 102)
    _problem(client, "/api/handles/88.118.8/%FF", 400, "resolver.malformed", 102)
    _problem(client, "/api/handles/88.118.8/a%E2%80%AEb", 400, "identifiers.text.bidi", 102)
    r = client.get("/api/handles/88.118.8/NOPE")
    assert r.json()["handle"] == "88.118.8/NOPE"

    # Revoked, the product is no longer known: 404 with response code 100.
    assert outcome.digest is not None
    assert inst.pipeline.submit([signed_revocation(parties.supplier, outcome.digest)])[0].index is not None
    _problem(client, f"/api/handles/{PRODUCT}", 404, "api.not_found", 100)


def test_prefix_records(inst: Installation) -> None:
    parties = register_parties(inst)
    later = sign_registry_entry(Op.bind_prefixes(SUPPLIER, ["88.120.1"]), inst.registrar, LATER).raw
    bound = inst.pipeline.submit([later])[0].index
    assert bound is not None
    client = TestClient(create_app(inst.settings))

    record = _record(client, "/api/handles/88.118.8")
    assert (record["responseCode"], record["handle"]) == (1, "88.118.8")
    assert _values(record) == {
        1: ("URL", f"{BASE}/registry/orgs/{SUPPLIER}"),
        5: ("CT_PREFIX_HOLDER", SUPPLIER),
        6: ("CT_PREFIX_HOLDER_NAME", "Cells"),
        300: ("CT_PUBKEY", did(parties.supplier)),
    }
    assert client.get(_values(record)[1][1]).json()["uscc"] == SUPPLIER
    na = _record(client, "/api/handles/0.NA/88.118.8")
    assert (na["handle"], na["values"]) == ("0.NA/88.118.8", record["values"])
    assert _record(client, "/api/handles/88.118.8.77")["values"] == record["values"]

    # A prefix bound later: the holder's values carry the time of the entry that bound it, the name that of
    # the registration.
    times = {v["type"]: v["timestamp"] for v in _record(client, "/api/handles/88.120.1")["values"]}
    assert times == {
        "URL": LATER,
        "CT_PREFIX_HOLDER": LATER,
        "CT_PREFIX_HOLDER_NAME": VALID_FROM,
        "CT_PUBKEY": VALID_FROM,
    }

    _problem(client, "/api/handles/88.118.80", 404, "api.not_found", 100)
    _problem(client, "/api/handles/0.NA/88.118", 400, "identifiers.handle.prefix_too_short", 102)
    _problem(client, "/api/handles/0.NA/99.1.1", 400, "identifiers.handle.prefix_root", 102)
