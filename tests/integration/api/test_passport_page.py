"""The passport page over HTTP (api/routes/pages.py) on SQLite and PostgreSQL, and CORS (api/cors.py): the
page of a logged pack shows its stated figures and its supply chain down to the lithium attestation with log
indices and organisations; languages by Accept-Language and ``?lang``; a report given by the
``bundle_report`` dependency is shown; unknown and malformed identifiers are problem+json; preflights for
reads are answered from any origin, for writes refused."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.i18n import strings
from api.problems import PROBLEM_JSON
from api.routes.pages import bundle_report
from tests.integration.api.page_support import GTIN, PACK, LoggedChains, log_chains
from tests.integration.api.passport_support import LITHIUM_ORG, MAKER_NAME, register_chains
from tests.integration.api.registry_support import install
from verifier.report import Check, Judged, Node, Report, Status

PAGE = "/products/88.118.4%2FPACK-14kWh/page"


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> tuple[FastAPI, TestClient, LoggedChains]:
    chains = register_chains(install(tmp_path / "home", db_url, "page.test/log"))
    logged = log_chains(chains)
    app = create_app(chains.inst.settings)
    return app, TestClient(app), logged


def test_the_page_of_a_pack(served: tuple[FastAPI, TestClient, LoggedChains]) -> None:
    _, client, logged = served
    r = client.get(PAGE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-language"] == "en"
    assert "Accept-Language" in r.headers["vary"]
    html = r.text
    scorecard = logged.pack.subject["emissionsScorecard"]
    assert f'data-figure="footprint">{scorecard["pcfExcludingBiogenic"]}<' in html
    grade = logged.pack.subject["conformityClaim"][0]["grade"]
    assert f'data-figure="grade" title="Grade {grade}">{grade}<' in html
    assert f'<dd id="log-index">{logged.pack.index}</dd>' in html
    assert MAKER_NAME in html
    assert len(re.findall(r'<rect class="bar', html)) == len(scorecard["stages"])
    nodes = re.findall(
        r'<li class="node" data-kind="([a-z]+)" data-tier="(\d)"(?: data-credential="([^"]+)")?', html
    )
    assert ("passport", "1", logged.cell.doc.digest) in nodes
    assert ("passport", "2", logged.cathode.doc.digest) in nodes
    assert ("attestation", "3", logged.lithium.doc.digest) in nodes
    lithium = html[html.index(f'data-credential="{logged.lithium.doc.digest}"') :]
    assert f'<span class="log-index">{logged.lithium.index}</span>' in lithium
    assert LITHIUM_ORG in lithium
    assert f'href="/credentials/{logged.lithium.doc.digest}"' in lithium
    for digest in (logged.pack.doc.digest, logged.cell.doc.digest, logged.lithium.doc.digest):
        assert client.get(f"/credentials/{digest}").status_code == 200  # every credential link is served
    shares = [
        Decimal(s) for s in re.findall(r'data-tier="1" data-credential="[^"]+" data-share="([0-9.]+)"', html)
    ]
    assert shares
    assert all(0 < s <= 100 for s in shares)
    assert 'data-result="ok"' in html  # the server verified the public bundle
    assert client.head(PAGE).status_code == 200


def test_languages(served: tuple[FastAPI, TestClient, LoggedChains]) -> None:
    _, client, logged = served
    zh = client.get(PAGE, headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert zh.headers["content-language"] == "zh-CN"
    assert '<html lang="zh-CN">' in zh.text
    assert strings("zh")["supply_chain"] in zh.text
    en = client.get(PAGE + "?lang=en", headers={"accept-language": "zh-CN"})
    assert (en.headers["content-language"], strings("en")["supply_chain"] in en.text) == ("en", True)
    assert (
        client.get(PAGE, headers={"accept-language": "en;q=0.2, zh;q=0.8"}).headers["content-language"]
        == "zh-CN"
    )
    wafer = client.get(f"/products/{GTIN}/page?lang=zh")
    assert wafer.status_code == 200
    assert "单晶硅片 M10" in wafer.text
    assert logged.wafer.subject["emissionsScorecard"]["pcfExcludingBiogenic"] in wafer.text


def test_a_report_is_shown(served: tuple[FastAPI, TestClient, LoggedChains]) -> None:
    app, client, logged = served
    report = Report(
        scope="full",
        product=PACK,
        checkpoint=Judged("page.test/log", 12, "cm9vdA==", 1767225600),
        checks=(Check("consistency", Status.PASSED, "verify.consistency"),),
        tree=Node(
            "passport",
            logged.pack.doc.digest,
            PACK,
            "did:key:z6Mk",
            MAKER_NAME,
            checks=(Check("signature", Status.FAILED, "verify.signature", "the proof does not verify"),),
        ),
    )
    app.dependency_overrides[bundle_report] = lambda: report
    html = client.get(PAGE).text
    assert 'data-result="failed"' in html
    assert 'data-status="failed" data-code="verify.signature"' in html
    assert "the proof does not verify" in html


def _problem(client: TestClient, url: str, status: int, code: str) -> None:
    r = client.get(url)
    assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), r.text
    assert r.json()["code"] == code


def test_unknown_and_malformed(served: tuple[FastAPI, TestClient, LoggedChains]) -> None:
    _, client, _ = served
    _problem(client, "/products/88.118.4%2FNOPE/page", 404, "api.not_found")
    _problem(
        client, "/products/88.118.1%2FLI2CO3-BG/page", 404, "api.not_found"
    )  # an attestation, no passport
    _problem(client, "/products/99.1.1%2Fx/page", 400, "identifiers.handle.prefix_root")
    _problem(client, "/products/09506000164907/page", 400, "identifiers.gtin.check_digit")


def test_cors_reads_open_writes_closed(served: tuple[FastAPI, TestClient, LoggedChains]) -> None:
    _, client, _ = served
    origin = {"origin": "https://shop.example.com"}
    for path in (PAGE, "/id/88.118.4/PACK-14kWh", "/log/checkpoint", f"/products/{GTIN}/passport"):
        for method in ("GET", "HEAD"):
            r = client.options(path, headers=origin | {"access-control-request-method": method})
            assert r.status_code == 200, (path, method, r.text)
            assert r.headers["access-control-allow-origin"] == "*"
            assert {"GET", "HEAD"} <= {
                m.strip() for m in r.headers["access-control-allow-methods"].split(",")
            }
        r = client.options(
            path,
            headers=origin
            | {"access-control-request-method": "GET", "access-control-request-headers": "accept"},
        )
        assert r.status_code == 200
    r = client.get("/id/88.118.4/PACK-14kWh", headers=origin, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-expose-headers"] == "Link"
    assert client.get(PAGE, headers=origin).headers["access-control-allow-origin"] == "*"

    for path in ("/attestations", "/passports", "/orgs"):
        r = client.options(path, headers=origin | {"access-control-request-method": "POST"})
        assert r.status_code == 400
        assert "POST" not in r.headers["access-control-allow-methods"]
    r = client.post("/attestations", content=b"{}", headers=origin | {"content-type": "text/plain"})
    assert r.status_code >= 400
    assert "access-control-allow-origin" not in r.headers


def test_the_page_shows_the_servers_own_verification_of_the_public_bundle(
    served: tuple[FastAPI, TestClient, LoggedChains],
) -> None:
    app, client, _ = served
    app.dependency_overrides.pop(bundle_report, None)
    html = client.get(PAGE, params={"lang": "en"}).text
    en = strings("en")
    assert en["verified_ok"] in html
    assert en["verification_unavailable"] not in html
    # The public bundle cannot check the attestations' signatures: said so, never shown as passed.
    assert en["not-checked"] in html
