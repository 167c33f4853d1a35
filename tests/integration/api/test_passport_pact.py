"""A logged passport exported as a PACT footprint, on SQLite and PostgreSQL (api/passportpact.py):
``GET /products/{identifier}/passport?format=pact-v3|pact-v2`` and ``carbontrail passport export`` give
documents that validate against the PACT schemas, carry the passport's split and the host record the log
knows (a UUID from the digest, the issuer's name and USCC, Deprecated once revoked); refusals as
problem+json with their codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import cli
from api.app import create_app
from passport.pact import import_pact, load_pact
from passport.revocation import Revocation, sign_revocation
from tests.integration.api.passport_support import MAKER_NAME, MAKER_ORG, Chains, register_chains
from tests.integration.api.registry_support import VALID_FROM, install
from tests.unit.passport import chain_fixtures as cf
from tests.unit.passport.test_dpp_pact import LITHIUM_V2, PACT_STATEMENTS
from tests.unit.passport.test_pact import assert_conforms

DOMAIN = "cathode.example.cn"
PATH = "/products/88.118.2%2FLFP-CAM/passport"


@pytest.fixture
def chains(tmp_path: Path, db_url: str) -> Chains:
    return register_chains(install(tmp_path / "home", db_url))


def test_the_passport_route_exports_pact(chains: Chains) -> None:
    chains.attest(LITHIUM_V2)
    chains.tier(cf.CATHODE + PACT_STATEMENTS, seed=1)
    client = TestClient(create_app(chains.inst.settings))
    r = client.get(PATH, params={"format": "pact-v3", "issuer_domain": DOMAIN})
    assert r.status_code == 200, r.text
    doc = load_pact(r.content)
    assert_conforms(doc, "3.0")
    assert (doc["companyName"], doc["status"]) == (MAKER_NAME, "Active")
    assert doc["companyIds"] == [f"urn:pact:{DOMAIN}:company-id:{MAKER_ORG}"]
    assert import_pact(doc).attestation.pcf_excluding_biogenic == cf.D("3.946")
    assert (doc["pcf"]["fossilGhgEmissions"], doc["pcf"]["landUseChangeGhgEmissions"]) == ("3.704", "0.242")
    # v2.3 requires a CPC product category, which a passport does not state: the CLI takes it as a record.
    r = client.get(PATH, params={"format": "pact-v2", "issuer_domain": DOMAIN})
    assert (r.status_code, r.json()["code"]) == (422, "pact.required")
    # Refusals: an unknown format or no domain (400), no PACT statements (422), no passport (404).
    for params, status, code in (
        ({"format": "pact-v4", "issuer_domain": DOMAIN}, 400, "api.error"),
        ({"format": "pact-v3"}, 400, "api.error"),
    ):
        r = client.get(PATH, params=params)
        assert (r.status_code, r.json()["code"]) == (status, code)
    chains.tier(cf.CATHODE, seed=2)  # a newer passport that states no mass or standards
    r = client.get(PATH, params={"format": "pact-v3", "issuer_domain": DOMAIN})
    assert (r.status_code, r.json()["code"]) == (422, "pact.required")
    r = client.get(
        "/products/88.118.2%2FNONE/passport", params={"format": "pact-v3", "issuer_domain": DOMAIN}
    )
    assert (r.status_code, r.json()["code"]) == (404, "api.not_found")


def test_carbontrail_passport_export(
    chains: Chains, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chains.attest(LITHIUM_V2)
    _, cathode, _ = chains.tier(cf.CATHODE + PACT_STATEMENTS, seed=1)
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    argv = ["passport", "export", "88.118.2/LFP-CAM", "--version", "3", "--issuer-domain", DOMAIN]
    assert cli.main([*argv, *where]) == 0
    by_product = load_pact(capsys.readouterr().out.encode())
    assert_conforms(by_product, "3.0")
    chains.push(
        sign_revocation(
            Revocation(cathode.digest, "88.118.2/LFP-CAM", "recalled"), chains.maker, VALID_FROM
        ).raw
    )
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"comment": "recalled"}))
    argv = ["passport", "export", cathode.digest, "--version", "3.0", "--issuer-domain", DOMAIN]
    assert cli.main([*argv, "--record", str(record), *where]) == 0
    revoked = load_pact(capsys.readouterr().out.encode())
    assert_conforms(revoked, "3.0")
    assert (revoked["id"], revoked["status"], revoked["comment"]) == (
        by_product["id"],
        "Deprecated",
        "recalled",
    )
    assert revoked["pcf"] == by_product["pcf"]
    v2_record = {
        "comment": "recalled",
        "productCategoryCpc": "46410",
        "pcf.boundaryProcessesDescription": "Precursor, calcination, milling.",
        "pcf.exemptedEmissionsDescription": "None.",
    }
    record.write_text(json.dumps(v2_record))
    argv = ["passport", "export", cathode.digest, "--version", "2.3", "--issuer-domain", DOMAIN]
    assert cli.main([*argv, "--record", str(record), *where]) == 0
    v2 = load_pact(capsys.readouterr().out.encode())
    assert_conforms(v2, "2.3")
    assert (v2["productCategoryCpc"], v2["pcf"]["dLucGhgEmissions"]) == ("46410", "0.242")
