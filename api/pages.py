"""The passport page's model: what the public page of a product shows, from its latest valid passport and
the logged credentials it links to (issue 7, item 3; docs/passport-page.md).

Pure: the database side (``api.pageservice``) hands in the passport's summary and credential, and a lookup
of stored credentials by digest. Every figure is the signed credential's own decimal string: the footprint
and grade are the passport's stated ones (as the label prints them, ``api.labelservice``), never recomputed.
Derived numbers are only presentation: each stage's and each supply-chain line's share of the footprint by
absolute contribution (as ``carbontrail passport compose`` prints its breakdown), and the bar chart's
geometry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from api.labelservice import UNIT_SYMBOLS
from passport.footprint import LIFE_CYCLE_STAGES
from passport.units import REC20_CODES

MAX_DEPTH = 12
"""Tiers walked below the product; deeper chains are cut (composition refuses cycles; this bounds the page
should the store hold one anyway)."""


@dataclass(frozen=True)
class Stored:
    """A stored credential the passport links to: its kind (``attestation``, ``passport``,
    ``factor-dataset``, ...), its JSON, the log index that recorded it and the organisation that issued it."""

    kind: str
    body: Mapping[str, Any]
    log_index: int | None
    org: str | None


Lookup = Callable[[str], Stored | None]
"""A stored credential by digest (``sha256:<hex>``), or None."""
OrgName = Callable[[str], str | None]
"""An organisation's registered legal name by its USCC, or None."""


@dataclass(frozen=True)
class StageBar:
    """One life-cycle stage: its published value, its share of the footprint (percent by absolute value) and
    its bar in the chart (``start`` and ``width`` in percent of the chart's width)."""

    stage: str
    value: str
    share: Decimal
    start: Decimal
    width: Decimal
    negative: bool


@dataclass(frozen=True)
class Chart:
    """The stage chart: one bar per stage the passport states, in life-cycle order, and the zero line
    (percent of the width; 0 unless a stage is negative, an end-of-life credit)."""

    bars: tuple[StageBar, ...]
    zero: Decimal


@dataclass(frozen=True)
class Benchmark:
    """The benchmark a grade was given against, as the passport's grade claim carries it."""

    category: str
    version: str | None
    top_runner: str
    baseline: str
    limit: str
    unit: str
    illustrative: bool
    credential: str | None


@dataclass(frozen=True)
class SupplyNode:
    """One line of the supply chain: a supplier's passport or attestation, a material costed with background
    data, or the manufacturer's own process. ``contribution`` is kgCO2e per declared unit of the parent and
    ``share`` its percent of the parent's footprint by absolute contribution (None where the parent's
    passport does not disclose them), ``contribution_unit`` the parent's unit; ``footprint`` and ``unit``
    are the upstream document's own figure."""

    kind: str
    label: str
    tier: int
    product_id: str | None = None
    credential: str | None = None
    contribution: str | None = None
    contribution_unit: str | None = None
    share: Decimal | None = None
    org: str | None = None
    issuer_name: str | None = None
    log_index: int | None = None
    footprint: str | None = None
    unit: str | None = None
    detail: str | None = None
    children: tuple[SupplyNode, ...] = ()

    def walk(self) -> list[SupplyNode]:
        """This node and every node below it, depth first."""
        return [self, *(n for child in self.children for n in child.walk())]


@dataclass(frozen=True)
class PassportPage:
    """Everything the page shows about one product (its latest valid passport)."""

    product_id: str
    name: str
    product_uri: str | None
    credential: str
    log_index: int
    status: str
    org: str | None
    issuer_name: str | None
    issuer_key: str | None
    disclosure: str
    footprint: str
    unit: str
    boundary: str | None
    period: tuple[str, str] | None
    valid_from: str | None
    batch: str | None
    serial: str | None
    facility: str | None
    grade: str | None
    conforms: bool | None
    graded_value: str | None
    benchmark: Benchmark | None
    uncertainty: tuple[str, str] | None
    primary_data_share: str | None
    chart: Chart
    supply: tuple[SupplyNode, ...] = field(default_factory=tuple)

    @property
    def quoted_id(self) -> str:
        """The identifier as one path segment (``88.118.2%2FLFP-CAM``), as the API's routes take it."""
        return quote(self.product_id, safe="")


def _dec(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if whole == 0:
        return Decimal(0)
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def unit_text(declared_unit: str, amount: str = "1") -> str:
    """``kgCO2e/<unit>`` as the label prints it, from a UN/ECE Rec 20 code (``KWH``) or a PACT unit name
    (``kilowatt hour``), with the unitary amount when it is not 1 (``kgCO2e/1000 kg``)."""
    code = REC20_CODES.get(declared_unit, declared_unit)
    symbol = UNIT_SYMBOLS.get(code, declared_unit)
    per = symbol if amount in ("1", "1.0") else f"{amount} {symbol}"
    return f"kgCO2e/{per}"


def stage_chart(stages: Mapping[str, str]) -> Chart:
    """The bar chart of the stated stages: bars scaled to the largest absolute value; with a negative stage
    the zero line moves right by the negative part's share of the range."""
    ordered = [s for s in LIFE_CYCLE_STAGES if s in stages] + sorted(set(stages) - set(LIFE_CYCLE_STAGES))
    values = [(s, stages[s], _dec(stages[s]) or Decimal(0)) for s in ordered]
    weight = sum((abs(v) for _, _, v in values), Decimal(0))
    low = -min((v for _, _, v in values if v < 0), default=Decimal(0))
    high = max((v for _, _, v in values if v > 0), default=Decimal(0))
    span = low + high
    zero = Decimal(0) if span == 0 else (low * 100 / span).quantize(Decimal("0.01"))
    bars = []
    for stage, text, value in values:
        width = Decimal(0) if span == 0 else (abs(value) * 100 / span).quantize(Decimal("0.01"))
        start = zero - width if value < 0 else zero
        bars.append(StageBar(stage, text, _percent(abs(value), weight), start, width, value < 0))
    return Chart(tuple(bars), zero)


def _contribution(item: Mapping[str, Any]) -> Decimal | None:
    by_stage = item.get("contribution")
    if not isinstance(by_stage, Mapping):
        return None
    values = [_dec(v) for v in by_stage.values()]
    return None if any(v is None for v in values) else sum((v for v in values if v is not None), Decimal(0))


def _issuer_name(body: Mapping[str, Any]) -> str | None:
    issuer = body.get("issuer")
    return issuer.get("name") if isinstance(issuer, Mapping) else None


def _component(
    item: Mapping[str, Any],
    material_name: str | None,
    tier: int,
    share: Decimal | None,
    parent_unit: str,
    lookup: Lookup,
    org_name: OrgName,
    path: frozenset[str],
) -> SupplyNode:
    digest = str(item.get("credential", ""))
    raw_link = item.get("link")
    link: Mapping[str, Any] = raw_link if isinstance(raw_link, Mapping) else {}
    contribution = _contribution(item)
    common: dict[str, Any] = {
        "tier": tier,
        "credential": digest or None,
        "contribution": None if contribution is None else str(contribution),
        "contribution_unit": None if contribution is None else parent_unit,
        "share": share,
    }
    stored = lookup(digest) if digest else None
    if item.get("kind") == "material":
        return SupplyNode(
            kind="material",
            label=material_name or str(link.get("linkName", digest)),
            detail=str(link.get("linkName")) if link.get("linkName") else None,
            org=None if stored is None else stored.org,
            issuer_name=None if stored is None or stored.org is None else org_name(stored.org),
            log_index=None if stored is None else stored.log_index,
            **common,
        )
    product_id = item.get("productId")
    index = item.get("logIndex") if isinstance(item.get("logIndex"), int) else None
    if stored is None or stored.kind not in ("passport", "attestation"):
        return SupplyNode(kind="unknown", label=str(product_id or digest), product_id=product_id,
                          log_index=index, **common)  # fmt: skip
    org = stored.org
    if stored.kind == "attestation":
        subject = stored.body.get("credentialSubject", {})
        return SupplyNode(
            kind="attestation",
            label=str(subject.get("productName") or product_id),
            product_id=product_id,
            org=org,
            issuer_name=None if org is None else org_name(org),
            log_index=index if index is not None else stored.log_index,
            footprint=subject.get("pcfExcludingBiogenic"),
            unit=unit_text(
                str(subject.get("declaredUnit", "")), str(subject.get("unitaryProductAmount", "1"))
            ),
            **common,
        )
    subject = stored.body.get("credentialSubject", {})
    scorecard = subject.get("emissionsScorecard", {})
    children: tuple[SupplyNode, ...] = ()
    if digest not in path and tier < MAX_DEPTH:
        children = supply_chain(subject, tier + 1, lookup, org_name, path | {digest})
    return SupplyNode(
        kind="passport",
        label=str(subject.get("product", {}).get("name") or product_id),
        product_id=product_id,
        org=org,
        issuer_name=_issuer_name(stored.body) or (None if org is None else org_name(org)),
        log_index=index if index is not None else stored.log_index,
        footprint=scorecard.get("pcfExcludingBiogenic"),
        unit=unit_text(
            str(scorecard.get("declaredUnit", "")), str(scorecard.get("unitaryProductAmount", "1"))
        ),
        children=children,
        **common,
    )


def supply_chain(
    subject: Mapping[str, Any],
    tier: int,
    lookup: Lookup,
    org_name: OrgName,
    path: frozenset[str] = frozenset(),
) -> tuple[SupplyNode, ...]:
    """The supply-chain lines of a passport subject at ``tier`` (1 for the product's direct suppliers): its
    components (each upstream passport walked in turn, by digest), then its own process lines (full
    disclosure). Shares are by absolute contribution over all of them, where the passport discloses
    contributions."""
    components = [c for c in subject.get("components") or () if isinstance(c, Mapping)]
    processes = [p for p in subject.get("processContributions") or () if isinstance(p, Mapping)]
    materials = [m for m in subject.get("materialsProvenance") or () if isinstance(m, Mapping)]
    names: Sequence[str | None] = (
        [m.get("name") for m in materials] if len(materials) == len(components) else [None] * len(components)
    )
    amounts = [_contribution(x) for x in (*components, *processes)]
    disclosed = all(a is not None for a in amounts) and bool(amounts)
    weight = sum((abs(a) for a in amounts if a is not None), Decimal(0))
    shares = [_percent(abs(a), weight) if disclosed and a is not None else None for a in amounts]
    scorecard = subject.get("emissionsScorecard", {})
    unit = unit_text(str(scorecard.get("declaredUnit", "")), str(scorecard.get("unitaryProductAmount", "1")))
    nodes = [
        _component(item, name, tier, share, unit, lookup, org_name, path)
        for item, name, share in zip(components, names, shares, strict=False)
    ]
    for item, share, amount in zip(
        processes, shares[len(components) :], amounts[len(components) :], strict=True
    ):
        nodes.append(
            SupplyNode(
                kind="process",
                label=str(item.get("ref") or item.get("kind")),
                tier=tier,
                detail=str(item.get("kind")),
                share=share,
                contribution=None if amount is None else str(amount),
                contribution_unit=None if amount is None else unit,
            )
        )
    return tuple(nodes)


def passport_page(summary: Mapping[str, Any], body: bytes, lookup: Lookup, org_name: OrgName) -> PassportPage:
    """The page of a product from its latest valid passport.

    Args:
        summary: the passport's summary (``api.passportview``: credential, index, issuer, status, ...).
        body: the passport credential's exact stored bytes.
        lookup: stored credentials by digest, for the supply chain.
        org_name: registered organisation names by USCC.

    Returns:
        The page's model.
    """
    credential: dict[str, Any] = json.loads(body)
    subject = credential["credentialSubject"]
    product = subject.get("product", {})
    scorecard = subject.get("emissionsScorecard", {})
    claims = subject.get("conformityClaim") or []
    claim = claims[0] if claims and isinstance(claims[0], Mapping) else {}
    bench = claim.get("benchmark") if isinstance(claim.get("benchmark"), Mapping) else None
    benchmark = None
    if bench is not None and claim.get("grade"):
        benchmark = Benchmark(
            category=str(bench.get("category", "")),
            version=bench.get("version"),
            top_runner=str(bench.get("topRunner", "")),
            baseline=str(bench.get("baseline", "")),
            limit=str(bench.get("limit", "")),
            unit=unit_text(str(bench.get("declaredUnit", "")), str(bench.get("unitaryProductAmount", "1"))),
            illustrative=bench.get("illustrative") is True,
            credential=bench.get("credential"),
        )
    uncertainty = scorecard.get("uncertainty") or {}
    period = (scorecard.get("referencePeriodStart"), scorecard.get("referencePeriodEnd"))
    facility = product.get("producedAtFacility") or {}
    org = summary.get("issuer")
    return PassportPage(
        product_id=str(summary["product"]),
        name=str(product.get("name") or summary["product"]),
        product_uri=product.get("id"),
        credential=str(summary["credential"]),
        log_index=int(summary["index"]),
        status=str(summary["status"]),
        org=org,
        issuer_name=_issuer_name(credential) or (None if org is None else org_name(org)),
        issuer_key=summary.get("issuerKey"),
        disclosure=str(subject.get("disclosure", "")),
        footprint=str(scorecard["pcfExcludingBiogenic"]),
        unit=unit_text(
            str(scorecard.get("declaredUnit", "")), str(scorecard.get("unitaryProductAmount", "1"))
        ),
        boundary=scorecard.get("boundary"),
        period=(str(period[0])[:10], str(period[1])[:10]) if all(period) else None,
        valid_from=str(credential.get("validFrom"))[:10] if credential.get("validFrom") else None,
        batch=product.get("batchNumber"),
        serial=product.get("serialNumber"),
        facility=facility.get("name") if isinstance(facility, Mapping) else None,
        grade=claim.get("grade"),
        conforms=claim.get("conformance") if isinstance(claim.get("conformance"), bool) else None,
        graded_value=claim.get("gradedValue"),
        benchmark=benchmark,
        uncertainty=(str(uncertainty["minimum"]), str(uncertainty["maximum"]))
        if "minimum" in uncertainty and "maximum" in uncertainty
        else None,
        primary_data_share=scorecard.get("primaryDataShare"),
        chart=stage_chart(scorecard.get("stages") or {}),
        supply=supply_chain(subject, 1, lookup, org_name),
    )
