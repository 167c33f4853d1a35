"""The passport page's model and HTML (api/pages.py, api/pagerender.py) over the battery chain of
tests/unit/passport/chain_fixtures.py: the stated footprint and grade, the chart's bars, the supply chain
walked through every tier with shares, both languages, escaping, and the verification section rendering a
verifier Report (passed, failed, not checked) or saying verification is not available."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from api.i18n import negotiate, strings
from api.pagerender import render_page
from api.pages import PassportPage, Stored, passport_page, stage_chart, unit_text
from passport.attestation import sign_attestation
from passport.footprint import LIFE_CYCLE_STAGES
from tests.unit.passport import chain_fixtures as cf
from verifier.report import Check, Judged, Node, Report, Status

EN, ZH = negotiate(None, "en"), negotiate(None, "zh")
ORG = "91310000MA1FL0XX0A"


def _lookup() -> dict[str, Stored]:
    cathode, cell, pack = cf.battery_chain()
    lithium = sign_attestation(cf.LITHIUM_CARBONATE, cf.key(2), cf.WHEN)
    stored = {
        tier.doc.digest: Stored("passport", json.loads(tier.doc.canonical), index, ORG)
        for tier, index in ((cathode, 11), (cell, 12), (pack, 13))
    }
    stored[lithium.digest] = Stored("attestation", json.loads(lithium.canonical), 3, "LITHIUMORG")
    stored[cf.dataset_use().credential] = Stored("factor-dataset", {}, 2, "PUBLISHER")
    return stored


def _page(body: bytes | None = None, tier: int = 2) -> PassportPage:
    doc = cf.battery_chain()[tier].doc
    summary = {
        "credential": doc.digest,
        "index": 13,
        "product": cf.battery_chain()[tier].passport.product_id,
        "issuer": ORG,
        "issuerKey": "did:key:z6Mk",
        "status": "valid",
    }
    stored = _lookup()
    names = {"LITHIUMORG": "Lithium Co."}
    return passport_page(summary, body or doc.canonical, stored.get, names.get)


def _subject(tier: int = 2) -> dict[str, Any]:
    subject: dict[str, Any] = json.loads(cf.battery_chain()[tier].doc.canonical)["credentialSubject"]
    return subject


def test_headline_is_the_passports_stated_figures() -> None:
    page = _page()
    subject = _subject()
    claim = subject["conformityClaim"][0]
    assert page.footprint == subject["emissionsScorecard"]["pcfExcludingBiogenic"]
    assert page.unit == "kgCO2e/kWh"
    assert page.grade == claim["grade"]
    assert page.benchmark is not None
    assert (page.benchmark.top_runner, page.benchmark.baseline, page.benchmark.limit) == (
        claim["benchmark"]["topRunner"],
        claim["benchmark"]["baseline"],
        claim["benchmark"]["limit"],
    )
    assert page.benchmark.illustrative
    assert page.name == subject["product"]["name"]
    assert page.quoted_id == "88.118.4%2FPACK-14kWh"


def test_unit_text_as_the_label_prints_it() -> None:
    assert unit_text("KWH") == "kgCO2e/kWh"
    assert unit_text("kilogram") == "kgCO2e/kg"
    assert unit_text("KGM", "1000") == "kgCO2e/1000 kg"


def test_stage_chart_geometry() -> None:
    chart = stage_chart({"manufacturing": "10", "rawMaterialAcquisition": "30"})
    assert [b.stage for b in chart.bars] == ["rawMaterialAcquisition", "manufacturing"]  # life-cycle order
    assert [(b.start, b.width, b.share) for b in chart.bars] == [
        (Decimal(0), Decimal(100), Decimal("75.0")),
        (Decimal(0), Decimal("33.33"), Decimal("25.0")),
    ]
    credit = stage_chart({"manufacturing": "30", "endOfLife": "-10"})
    assert credit.zero == Decimal(25)
    end = credit.bars[1]
    assert (end.stage, end.negative, end.start, end.width) == ("endOfLife", True, Decimal(0), Decimal(25))
    assert stage_chart({"manufacturing": "0"}).bars[0].width == 0
    assert stage_chart({}).bars == ()


def test_supply_chain_tree_every_tier() -> None:
    page = _page()
    cathode, cell, pack = cf.battery_chain()
    (cells, *rest) = page.supply
    assert (cells.kind, cells.tier, cells.credential, cells.log_index) == ("passport", 1, cell.doc.digest, 12)
    assert cells.label == "LFP cell 280 Ah"
    assert cells.footprint == _subject(1)["emissionsScorecard"]["pcfExcludingBiogenic"]
    nodes = page.supply[0].walk()
    kinds = [(n.tier, n.kind) for n in nodes]
    assert (2, "passport") in kinds
    assert (3, "attestation") in kinds
    (lithium,) = [n for n in nodes if n.kind == "attestation"]
    assert (lithium.label, lithium.issuer_name, lithium.log_index) == (
        "Battery-grade lithium carbonate",
        "Lithium Co.",
        3,
    )
    assert lithium.unit == "kgCO2e/kg"
    assert lithium.contribution_unit == "kgCO2e/kg"  # per kg of cathode, its parent
    (cam,) = [n for n in nodes if n.credential == cathode.doc.digest]
    assert cam.issuer_name == "Test Manufacturing Co., Ltd."  # as the passport's issuer names itself
    # shares of each passport's lines add to 100 % within rounding (half a unit in the last place each)
    for parent in (page.supply, cells.children, cam.children):
        shares = [n.share for n in parent if n.share is not None]
        assert len(shares) == len(parent)
        assert abs(sum(shares, Decimal(0)) - 100) <= Decimal("0.05") * len(shares)
    materials = [n for n in cells.children if n.kind == "material"]
    assert [m.label for m in materials] == ["synthetic graphite", "copper foil"]
    assert {m.org for m in materials} == {"PUBLISHER"}
    assert pack.doc.digest not in {n.credential for n in nodes}
    del rest


def test_aggregated_disclosure_shows_no_shares() -> None:
    subject = _subject()
    for item in subject["components"]:
        item.pop("contribution", None)
        item.pop("ref", None)
    subject.pop("processContributions")
    body = json.loads(cf.battery_chain()[2].doc.canonical)
    body["credentialSubject"] = subject | {"disclosure": "aggregated"}
    page = _page(json.dumps(body).encode())
    assert [n.share for n in page.supply] == [None] * len(page.supply)
    assert all(n.kind != "process" for n in page.supply)
    html = render_page(page, None, EN)
    assert strings("en")["share_undisclosed"] in html


def test_a_cycle_in_the_store_is_cut() -> None:
    """Composition refuses cycles; a store holding one anyway still renders (each passport once per path)."""
    cell = cf.battery_chain()[1]
    body = json.loads(cell.doc.canonical)
    body["credentialSubject"]["components"][0]["credential"] = cell.doc.digest
    stored = {cell.doc.digest: Stored("passport", body, 12, ORG)}
    summary = {"credential": cell.doc.digest, "index": 12, "product": "88.118.3/LFP-280Ah", "status": "valid"}
    page = passport_page(summary, json.dumps(body).encode(), stored.get, lambda _: None)
    depth = max(n.tier for n in page.supply[0].walk())
    assert depth == 2


def _rects(html: str) -> list[str]:
    return re.findall(r'<rect class="bar[^"]*" data-stage="([A-Za-z]+)"', html)


def test_render_english() -> None:
    page = _page()
    html = render_page(page, None, EN)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert f'data-figure="footprint">{page.footprint}<' in html
    assert f'data-figure="grade" title="Grade {page.grade}">{page.grade}<' in html
    stated = _subject()["emissionsScorecard"]["stages"]
    assert _rects(html) == [b.stage for b in page.chart.bars] == [s for s in LIFE_CYCLE_STAGES if s in stated]
    for bar in page.chart.bars:
        assert f'<td class="num">{bar.value}</td>' in html
    assert html.count('class="node"') == sum(len(n.walk()) for n in page.supply)
    assert f'href="/credentials/{page.credential}"' in html
    assert 'href="/products/88.118.4%2FPACK-14kWh/bundle"' in html
    assert 'data-result="unavailable"' in html
    assert strings("en")["verification_unavailable"] in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from elsewhere
    assert render_page(page, None, EN, root="/ct").count('href="/ct/credentials/') >= 1


def test_render_chinese() -> None:
    html = render_page(_page(), None, ZH)
    zh = strings("zh")
    assert '<html lang="zh-CN">' in html
    for key in ("footprint", "supply_chain", "verification", "rawMaterialAcquisition", "tier"):
        assert zh[key] in html
    assert strings("en")["supply_chain"] not in html


def test_values_are_escaped() -> None:
    body = json.loads(cf.battery_chain()[2].doc.canonical)
    body["credentialSubject"]["product"]["name"] = '<script>alert("x")</script>'
    html = render_page(_page(json.dumps(body).encode()), None, EN)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def _report(*, failed: bool) -> Report:
    leaf = Node(
        kind="attestation",
        credential="sha256:" + "1" * 64,
        subject="88.118.1/LI2CO3-BG",
        issuer="did:key:z6MkLithium",
        issuer_name="Lithium Co.",
        log_index=3,
        footprint=Decimal("12.00"),
        unit="kgCO2e/kg",
        share=Decimal("73.0"),
        checks=(
            Check("signature", Status.FAILED if failed else Status.PASSED, "verify.signature", "bad <sig>"),
            Check("endorsement", Status.NOT_CHECKED, "verify.not_in_bundle", "not in the bundle"),
        ),
    )
    root = Node(
        kind="passport",
        credential="sha256:" + "2" * 64,
        subject="88.118.4/PACK-14kWh",
        issuer="did:key:z6MkMaker",
        log_index=13,
        checks=(Check("recompute", Status.PASSED, "verify.recompute", field="/credentialSubject"),),
        children=(leaf,),
    )
    return Report(
        scope="full",
        product="88.118.4/PACK-14kWh",
        checkpoint=Judged("ct.example.cn/log", 42, "q83vEjRWeJA=", 1767225600),
        checks=(Check("checkpoint", Status.PASSED, "verify.checkpoint"),),
        tree=root,
    )


@pytest.mark.parametrize("failed", [False, True])
def test_render_report(failed: bool) -> None:
    report = _report(failed=failed)
    html = render_page(_page(), report, EN)
    section = html[html.index('<section id="verification"') :]
    assert f'data-result="{"failed" if failed else "ok"}"' in section
    assert strings("en")["verified_failed" if failed else "verified_ok"] in section
    counts = report.counts()
    assert f"{counts['passed']} passed · {counts['failed']} failed · 1 not checked" in section
    assert 'data-figure="tree-size">42<' in section
    assert "2026-01-01 00:00:00 UTC" in section
    assert "ct.example.cn/log" in section
    statuses = re.findall(
        r'<li class="check [a-z-]+" data-status="([a-z-]+)" data-code="([a-z._]+)"', section
    )
    assert statuses == [(str(c.status), c.code) for c in report.all_checks()]
    assert "bad &lt;sig&gt;" in section
    assert section.count('class="report-node"') == 2
    assert "Lithium Co." in section
    assert "/credentialSubject" in section


def test_render_report_without_checkpoint_or_witness() -> None:
    report = _report(failed=False)
    no_time = Report(report.scope, report.product, Judged("o", 1, "r", None), report.checks, report.tree)
    assert strings("zh")["no_witness"] in render_page(_page(), no_time, ZH)
    none = Report(report.scope, report.product, None, (), report.tree)
    html = render_page(_page(), none, EN)
    assert strings("en")["no_checkpoint"] in html
    assert strings("en")["bundle_checks"] not in html
