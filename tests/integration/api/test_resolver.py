"""The resolver (api/routes/resolver.py, api/resolver.py) on SQLite and PostgreSQL, over logged passports and
attestations: 307 to the default link with and without ``Accept: application/ld+json``, the RFC 9264 linkset
(and the GS1 test suite's model linkset read with the same shape checks), ``linkType=<one>``, qualifier order,
malformed and unknown identifiers as problem+json, Handle paths with percent-encoded characters, and the
resolver description document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import PROBLEM_JSON
from api.resolver import CT_VOC, GS1_VOC, LINKSET_MEDIA_TYPE
from identifiers.registry_ops import RegistryOperation as Op
from passport.revocation import Revocation, sign_revocation
from tests.integration.api.attestation_support import (
    PRODUCT,
    Parties,
    register_parties,
    signed_attestation,
    signed_endorsement,
)
from tests.integration.api.passport_support import Chains, register_chains
from tests.integration.api.registry_support import VALID_FROM, Installation, install, new_key, pub, uscc
from tests.unit.passport import chain_fixtures as cf

VECTORS = Path(__file__).parents[2] / "vectors" / "gs1"
GTIN = "09506000164908"
LD = {"accept": "application/ld+json"}
BASE = "http://testserver"


def check_linkset(document: Any, *, typed: bool = True) -> list[dict[str, Any]]:
    """RFC 9264 section 4.2: a ``linkset`` array of context objects, each with an ``anchor`` and link
    relation arrays of target objects that carry an ``href``; GS1 conformance adds a title to every link, and
    carbontrail gives each a media type too (``typed``; the model linkset omits some). Returns the context
    objects."""
    assert isinstance(document, dict)
    assert list(document) == ["linkset"]
    contexts = document["linkset"]
    assert isinstance(contexts, list)
    assert contexts
    for context in contexts:
        assert isinstance(context, dict)
        assert isinstance(context["anchor"], str)
        relations = {k: v for k, v in context.items() if k.startswith("http")}
        assert relations
        for targets in relations.values():
            assert isinstance(targets, list)
            assert targets
            for target in targets:
                assert isinstance(target["href"], str)
                assert target["href"].startswith("http")
                assert isinstance(target["title"], str)
                assert not typed or isinstance(target["type"], str)
                languages = target.get("hreflang", [])  # section 4.2.4.1: an array of language tags
                assert isinstance(languages, list)
                assert all(isinstance(tag, str) and tag for tag in languages)
    return list(contexts)


def test_the_model_linkset_has_the_shape_checked() -> None:
    model = json.loads((VECTORS / "resolver-testsuite-modelLinkset.json").read_text())
    contexts = check_linkset(model, typed=False)
    assert [c["anchor"] for c in contexts] == [
        "https://id.gs1.org/01/09506000164908",
        "https://id.gs1.org/01/09506000164908/21/1234",
    ]
    assert GS1_VOC + "defaultLink" in contexts[0]
    broken = {"linkset": [{"anchor": contexts[0]["anchor"], GS1_VOC + "pip": [{"title": "no href"}]}]}
    with pytest.raises(KeyError):
        check_linkset(broken, typed=False)


@pytest.fixture
def inst(tmp_path: Path, db_url: str) -> Installation:
    return install(tmp_path / "home", db_url, "resolver.test/log")


def _push(inst: Installation, raw: bytes) -> str:
    outcome = inst.pipeline.submit([raw])[0]
    assert outcome.index is not None, (outcome.code, outcome.message)
    assert outcome.digest is not None
    return outcome.digest


def _problem(client: TestClient, url: str, status: int, code: str) -> None:
    r = client.get(url, follow_redirects=False)
    assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), r.text
    assert r.json()["code"] == code


def test_passport_default_links_and_linkset(inst: Installation) -> None:
    chains: Chains = register_chains(inst)
    chains.attest()
    _, doc, _ = chains.tier(cf.CATHODE)
    client = TestClient(create_app(inst.settings))
    page = f"{BASE}/products/88.118.2%2FLFP-CAM/page"

    r = client.get("/id/88.118.2/LFP-CAM", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, page)
    assert 'rel="linkset"' in r.headers["link"]
    assert r.headers["access-control-allow-origin"] == "*"
    landed = client.get(r.headers["location"])
    assert landed.headers["content-type"].startswith("text/html")
    assert 'id="product-id">88.118.2/LFP-CAM<' in landed.text
    assert f'href="/credentials/{doc.digest}"' in landed.text

    r = client.head("/id/88.118.2/LFP-CAM", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, page)
    r = client.get("/id/88.118.2/LFP-CAM", headers=LD, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/credentials/{doc.digest}")
    assert client.get(r.headers["location"]).content == doc.canonical
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    assert (
        client.get("/id/88.118.2/LFP-CAM", headers=browser, follow_redirects=False).headers["location"]
        == page
    )

    r = client.get("/id/88.118.2/LFP-CAM?linkType=all")
    assert (r.status_code, r.headers["content-type"]) == (200, LINKSET_MEDIA_TYPE)
    (context,) = check_linkset(r.json())
    assert context["anchor"] == f"{BASE}/id/88.118.2/LFP-CAM"
    assert context[GS1_VOC + "pip"] == [
        {"href": page, "title": "Product carbon passport", "type": "text/html", "hreflang": ["en", "zh-CN"]}
    ]
    assert context[GS1_VOC + "defaultLink"] == context[GS1_VOC + "pip"]
    assert [t["href"] for t in context[GS1_VOC + "dpp"]] == [f"{BASE}/credentials/{doc.digest}"]
    assert [t["href"] for t in context[CT_VOC + "label"]] == [f"{BASE}/labels/88.118.2%2FLFP-CAM.svg"]
    assert client.get(context[CT_VOC + "label"][0]["href"]).status_code == 200
    accept = {"accept": LINKSET_MEDIA_TYPE}
    assert client.get("/id/88.118.2/LFP-CAM", headers=accept).json() == r.json()
    assert client.get("/id/88.118.2/LFP-CAM?linkType=linkset").json() == r.json()

    r = client.get("/id/88.118.2/LFP-CAM?linkType=ct:label&x=1", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/labels/88.118.2%2FLFP-CAM.svg?x=1")
    r = client.get(f"/id/88.118.2/LFP-CAM?linkType={GS1_VOC}pip", follow_redirects=False)
    assert r.headers["location"] == page
    _problem(client, "/id/88.118.2/LFP-CAM?linkType=gs1:certificationInfo", 404, "api.not_found")
    _problem(client, "/id/88.118.2/LFP-CAM?linkType=gs1:noSuchType", 404, "api.not_found")


def test_attestation_only_with_endorsement(inst: Installation) -> None:
    parties: Parties = register_parties(inst)
    digest = _push(inst, signed_attestation(parties.supplier))
    endorsement = _push(inst, signed_endorsement(parties.cert, digest))
    client = TestClient(create_app(inst.settings))
    for headers in ({}, LD):
        r = client.get(f"/id/{PRODUCT}", headers=headers, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/credentials/{digest}")
    (context,) = check_linkset(client.get(f"/id/{PRODUCT}?linkType=all").json())
    assert [t["href"] for t in context[GS1_VOC + "sustainabilityInfo"]] == [f"{BASE}/credentials/{digest}"]
    assert [t["href"] for t in context[GS1_VOC + "certificationInfo"]] == [
        f"{BASE}/credentials/{endorsement}"
    ]
    assert GS1_VOC + "pip" not in context
    r = client.get(f"/id/{PRODUCT}?linkType=gs1:certificationInfo", follow_redirects=False)
    assert r.headers["location"] == f"{BASE}/credentials/{endorsement}"


def test_handle_paths_percent_encoded(inst: Installation) -> None:
    parties = register_parties(inst)
    han = _push(inst, signed_attestation(parties.supplier, product_id="88.118.8/电池"))
    nested = _push(inst, signed_attestation(parties.supplier, product_id="88.118.8/LFP/280Ah"))
    client = TestClient(create_app(inst.settings))
    for path, digest in (
        ("/id/88.118.8/%E7%94%B5%E6%B1%A0", han),
        ("/id/88.118.8%2F%E7%94%B5%E6%B1%A0", han),
        ("/id/88.118.8/LFP/280Ah", nested),
        ("/id/88.118.8/LFP%2F280Ah", nested),
        ("/id/88.118.8%2FLFP%2F280Ah", nested),
        ("/id/88.118.8/LFP%2f280Ah", nested),
    ):
        r = client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/credentials/{digest}"), path
    (context,) = check_linkset(client.get("/id/88.118.8/%E7%94%B5%E6%B1%A0?linkType=all").json())
    assert context["anchor"] == f"{BASE}/id/88.118.8/%E7%94%B5%E6%B1%A0"
    _problem(client, "/id/88.118.8/%ZZ", 400, "resolver.malformed")
    _problem(client, "/id/88.118.8/%FF", 400, "resolver.malformed")
    _problem(client, "/id/99.1.1/x", 400, "identifiers.handle.prefix_root")
    _problem(client, "/id/88.118.8", 400, "identifiers.handle.syntax")
    _problem(client, "/id/88.118.8/NOPE", 404, "api.not_found")


def test_gs1_levels_order_and_refusals(inst: Installation) -> None:
    parties = register_parties(inst)
    retailer = new_key()
    inst.logged(
        Op.register_organisation(
            uscc(9), "Retail", ["supplier"], prefixes=["gs1:9506000"], keys=[pub(retailer)]
        )
    )
    item = _push(inst, signed_attestation(retailer, product_id=GTIN))
    lot = _push(inst, signed_attestation(retailer, product_id=f"(01){GTIN}(10)A/1"))
    del parties
    client = TestClient(create_app(inst.settings))

    r = client.get(f"/01/{GTIN}", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/credentials/{item}")
    assert client.get(f"/01/{GTIN}/", follow_redirects=False).headers["location"] == r.headers["location"]
    r = client.get(f"/01/{GTIN}/10/A%2F1?17=271231", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/credentials/{lot}?17=271231")
    # a serial with nothing of its own falls back to its lot, then to the GTIN
    r = client.get(f"/01/{GTIN}/10/B/21/S1", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, f"{BASE}/credentials/{item}")

    contexts = check_linkset(client.get(f"/01/{GTIN}/10/A%2F1/21/S1?linkType=all").json())
    assert [c["anchor"] for c in contexts] == [f"{BASE}/01/{GTIN}/10/A%2F1", f"{BASE}/01/{GTIN}"]
    assert [c[GS1_VOC + "defaultLink"][0]["href"] for c in contexts] == [
        f"{BASE}/credentials/{lot}",
        f"{BASE}/credentials/{item}",
    ]

    _problem(client, f"/01/{GTIN}/21/S1/10/A", 400, "identifiers.gs1.qualifier_order")
    _problem(client, "/01/09506000164907", 400, "identifiers.gtin.check_digit")
    _problem(client, f"/01/{GTIN}/10/A%ZZ", 400, "identifiers.gs1.percent_encoding")
    _problem(client, f"/01/{GTIN}?10=A", 400, "identifiers.gs1.qualifier_in_query")
    _problem(client, "/01/09506000134352", 404, "api.not_found")


def test_resolver_description(inst: Installation) -> None:
    client = TestClient(create_app(inst.settings))
    r = client.get("/.well-known/gs1resolver")
    assert r.status_code == 200
    body = r.json()
    assert body["resolverRoot"] == BASE
    assert body["supportedPrimaryKeys"] == ["01"]
    assert {"namespace": GS1_VOC, "prefix": "gs1:"} in body["supportedLinkType"]
    assert r.headers["access-control-allow-origin"] == "*"


def test_a_newly_logged_document_changes_the_answer_at_once(inst: Installation) -> None:
    # The resolver keeps answers by log size: the next document logged makes the next answer.
    chains: Chains = register_chains(inst)
    attestation = chains.attest()
    client = TestClient(create_app(inst.settings))
    product = "88.118.1/LI2CO3-BG"
    for _ in range(2):  # the second answer comes from the cache
        r = client.get(f"/id/{product}", headers=LD, follow_redirects=False)
        assert r.headers["location"] == f"{BASE}/credentials/{attestation.digest}"
    revocation = sign_revocation(Revocation(attestation.digest, product), chains.lithium, VALID_FROM)
    _push(inst, revocation.raw)
    _problem(client, f"/id/{product}", 404, "api.not_found")
