"""The parts of a digital product passport's subject that the roll-up decides (docs/passport.md, "The
passport"): the UNTP ``emissionsScorecard`` with carbontrail's additions, the grade as a UNTP conformity
claim, each component's secure link and contribution, the other lines' contributions, materials provenance
and the EU battery-passport carbon footprint.

Composing a passport and recomputing one (passport/dpp.py) build these with the same functions, so a verifier
compares them member by member. UNTP 0.6.1 types its figures as JSON numbers; every number written here is a
published decimal of at most 15 significant digits, which an IEEE 754 double and its shortest text (RFC
8785) carry exactly; carbontrail's own members state the same figures as decimal strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from passport.attestation import Attestation
from passport.batterypass import battery_carbon_footprint
from passport.errors import AttestationError, BatteryPassportError, DppError
from passport.footprint import Stages
from passport.quantity import EXACT, exact_sum, format_decimal
from passport.rollup import Line, Rollup
from passport.rollup_stats import COVERAGE_FACTOR, UNCERTAINTY_METHOD, round_half_even
from passport.spec import PassportSpec
from passport.units import MASS_UNITS, REC20_CODES, factor_between

DISCLOSURES = ("full", "aggregated")
SCOPES = {"cradle-to-gate": "CradleToGate", "cradle-to-grave": "CradleToGrave"}
MAX_NUMBER_DIGITS = 15
LINK_TYPES = {
    "attestation": "https://carbontrail.dev/ns/v1#FootprintAttestation",
    "passport": "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/DigitalProductPassport",
    "material": "https://carbontrail.dev/ns/v1#EmissionFactorDataset",
}


def to_number(value: Decimal, what: str) -> float:
    """A published decimal as the JSON number UNTP wants, refused when a double cannot carry it exactly.

    Raises:
        DppError: ``dpp.number``: more than 15 significant digits.
    """
    if len(value.normalize().as_tuple().digits) > MAX_NUMBER_DIGITS:
        raise DppError("number", f"{what} {value} has more significant digits than a JSON number carries")
    return float(value)


def _dec(value: Decimal) -> str:
    return format_decimal(value)


def _stages(stages: tuple[tuple[str, Decimal], ...]) -> dict[str, str]:
    return {s: _dec(v) for s, v in stages}


def scorecard(spec: PassportSpec, result: Rollup) -> dict[str, Any]:
    """The UNTP ``EmissionsPerformance`` with carbontrail's members (decimal strings, the stated rounding)."""
    st = result.statistics
    share = st.primary_data_share if st.primary_data_share is not None else Decimal(0)
    out: dict[str, Any] = {
        "type": ["EmissionsPerformance"],
        "carbonFootprint": to_number(result.total, "carbonFootprint"),
        "declaredUnit": REC20_CODES[spec.declared_unit],
        "operationalScope": SCOPES[spec.boundary],
        "primarySourcedRatio": to_number(EXACT.divide(share, Decimal(100)), "primarySourcedRatio"),
        "pcfExcludingBiogenic": _dec(result.total),
        "unitaryProductAmount": _dec(spec.unitary_product_amount),
        "stages": _stages(result.stages),
        "boundary": spec.boundary,
        "referencePeriodStart": spec.reference_period_start,
        "referencePeriodEnd": spec.reference_period_end,
        "electricityAccounting": spec.accounting,
        "decimalPlaces": result.places,
        "roundingMode": "ROUND_HALF_EVEN",
    }
    if result.split is not None:
        out |= result.split.to_wire()
    if spec.pact is not None:
        out |= spec.pact.to_wire()
    if spec.standards:
        out["standards"] = list(spec.standards)
    if st.primary_data_share is not None:
        out["primaryDataShare"] = _dec(st.primary_data_share)
    if st.dqi is not None:
        q = st.dqi
        out["dqi"] = {w: _dec(getattr(q, a)) for a, w in q.WIRE if getattr(q, a) is not None}
    if st.standard_deviation is not None:
        assert st.expanded is not None
        assert st.low is not None
        assert st.high is not None
        out["uncertainty"] = {
            "distribution": "normal",
            "method": "analytical",
            "standardDeviation": _dec(st.standard_deviation),
            "coverageFactor": str(COVERAGE_FACTOR),
            "expandedUncertainty": _dec(st.expanded),
            "minimum": _dec(st.low),
            "maximum": _dec(st.high),
            "description": UNCERTAINTY_METHOD,
        }
        if st.uncertainty_coverage is not None:
            out["uncertainty"]["coveragePercent"] = _dec(st.uncertainty_coverage)
    used = {(f.dataset_id, f.version, f.credential) for f in (line.factor for line in result.lines) if f}
    if used:
        out["factorDatasets"] = [{"datasetId": d, "version": v, "credential": c} for d, v, c in sorted(used)]
    return out


def grade_claims(passport_id: str, spec: PassportSpec, result: Rollup) -> list[dict[str, Any]]:
    """The grade as a UNTP ``Claim`` (topic ``environment.emissions``; ``conformance`` = at or below the
    limit), with the benchmark it was graded against; no claim without a grade."""
    g = result.grade
    if g is None:
        return []
    b = g.benchmark
    value = round_half_even(g.value, result.places)
    return [
        {
            "type": ["Claim", "Declaration"],
            "id": f"{passport_id}#carbon-footprint-grade",
            "description": f"Carbon footprint graded {g.letter} on the A-E scale against the "
            f"{'illustrative ' if b.illustrative else ''}benchmark for {b.category} {b.version}",
            "conformityTopic": "environment.emissions",
            "conformance": g.conforms,
            "declaredValue": [
                {
                    "type": ["Metric"],
                    "metricName": "carbon footprint",
                    "metricValue": {
                        "type": ["Measure"],
                        "value": to_number(value, "graded value"),
                        "unit": REC20_CODES[b.declared_unit],
                    },
                    "score": g.letter,
                }
            ],
            "grade": g.letter,
            "gradedValue": _dec(value),
            "benchmark": {"credential": g.credential} | b.to_subject(),
        }
    ]


def _link(line: Line) -> dict[str, Any]:
    if line.upstream is not None:
        up = line.upstream
        digest, link_type, name = up.digest, LINK_TYPES[up.kind], up.product_id
    else:
        assert line.factor is not None
        digest, link_type = line.factor.credential, LINK_TYPES["material"]
        name = f"{line.factor.dataset_id} {line.factor.version}"
    out: dict[str, Any] = {
        "type": ["SecureLink", "Link"],
        "linkName": name,
        "linkType": link_type,
        "hashDigest": digest.removeprefix("sha256:"),
        "hashMethod": "SHA-256",
    }
    return out


def components(result: Rollup, disclosure: str) -> list[dict[str, Any]]:
    """Each bill-of-materials line's secure link (the supplier's credential, or the dataset of a factor line),
    its log index and receipt when known, and in the full form its ref, activity and contribution by stage."""
    out = []
    for line in result.lines:
        if line.kind not in ("component", "material"):
            continue
        item: dict[str, Any] = {"kind": line.kind, "link": _link(line)}
        if line.upstream is not None:
            item |= {"credential": line.upstream.digest, "productId": line.upstream.product_id}
            if line.upstream.log_index is not None:
                item["logIndex"] = line.upstream.log_index
            if line.upstream.receipt is not None:
                item["receipt"] = line.upstream.receipt
        else:
            assert line.factor is not None
            item["credential"] = line.factor.credential
        if disclosure == "full":
            item["ref"] = line.ref
            item["contribution"] = _stages(line.rounded(result.places))
        out.append(item)
    return out


def process_contributions(result: Rollup) -> list[dict[str, Any]]:
    """The manufacturer's own lines (process, electricity, transport, end of life) and their contributions
    by stage (full disclosure only)."""
    return [
        {"ref": line.ref, "kind": line.kind, "contribution": _stages(line.rounded(result.places))}
        for line in result.lines
        if line.kind not in ("component", "material")
    ]


def materials(spec: PassportSpec, disclosure: str) -> list[dict[str, Any]]:
    """UNTP ``materialsProvenance``: each bill-of-materials line's name and origin; its mass (kg) in the full
    form, where its unit is a mass."""
    out = []
    for b in spec.bill_of_materials:
        item: dict[str, Any] = {"type": ["Material"], "name": b.name or b.component or b.ref}
        if b.origin_country is not None:
            item["originCountry"] = b.origin_country
        if disclosure == "full" and b.unit in MASS_UNITS:
            kg = b.quantity * Decimal(factor_between(b.unit, "kg").numerator)
            kg = EXACT.divide(kg, Decimal(factor_between(b.unit, "kg").denominator))
            item["mass"] = {"type": ["Measure"], "value": to_number(kg, "mass"), "unit": "KGM"}
        out.append(item)
    return out


def battery(spec: PassportSpec, result: Rollup) -> dict[str, Any] | None:
    """The EU battery-passport ``CarbonFootprintForBatteries`` (numbers), from the published stages: per
    battery = published stages x declared units per battery, then passport/batterypass.py divides by the
    lifetime energy and rounds once more to the same places."""
    if spec.battery is None:
        return None
    b = spec.battery
    per = {s: EXACT.multiply(v, b.declared_units_per_battery) for s, v in result.stages}
    total = exact_sum(per.values())
    try:
        view = Attestation(
            product_id=spec.product.id, declared_unit="piece",
            unitary_product_amount=spec.unitary_product_amount, pcf_excluding_biogenic=total,
            pcf_including_biogenic=total, fossil_ghg_emissions=total, packaging_emissions_included=False,
            boundary=spec.boundary, reference_period_start=spec.reference_period_start,
            reference_period_end=spec.reference_period_end,
            standards=spec.standards or ("ISO14067",), stages=Stages.from_items(per),
        )  # fmt: skip
        shown = battery_carbon_footprint(
            view, lifetime_energy_kwh=b.lifetime_energy_kwh, performance_class=b.performance_class,
            study=b.study, places=result.places,
        )  # fmt: skip
    except (AttestationError, BatteryPassportError) as e:
        raise DppError("battery", f"no battery-passport carbon footprint: {e.message}") from e
    doc = shown.to_json()
    doc["batteryCarbonFootprint"] = to_number(doc["batteryCarbonFootprint"], "batteryCarbonFootprint")
    for item in doc["carbonFootprintPerLifecycleStage"]:
        item["carbonFootprint"] = to_number(item["carbonFootprint"], "carbonFootprint")
    if "absoluteCarbonFootprint" in doc:
        doc["absoluteCarbonFootprint"] = to_number(doc["absoluteCarbonFootprint"], "absoluteCarbonFootprint")
    return doc


def computed(passport_id: str, spec: PassportSpec, result: Rollup, disclosure: str) -> dict[str, Any]:
    """Every subject member the roll-up decides, as composing writes it and recomputing compares it."""
    out: dict[str, Any] = {
        "emissionsScorecard": scorecard(spec, result),
        "components": components(result, disclosure),
    }
    claims = grade_claims(passport_id, spec, result)
    if claims:
        out["conformityClaim"] = claims
    if disclosure == "full":
        out["processContributions"] = process_contributions(result)
    shown = battery(spec, result)
    if shown is not None:
        out["batteryCarbonFootprint"] = shown
    return out
