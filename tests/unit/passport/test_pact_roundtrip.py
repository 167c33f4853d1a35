"""attestation -> PACT v2.3 / v3.0 -> attestation over generated attestations: equal (to the signed subject's
text) whenever the version can represent the attestation, and refused with the predicted code otherwise;
every export validates against the version's OpenAPI schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport import footprint as fp
from passport import pact_common as pc
from passport.attestation import Attestation
from passport.errors import PactError
from passport.pact import dump_pact, export_pact, import_pact, load_pact
from passport.pact_v2 import STANDARDS_USED
from passport.quantity import PACT_V2_UNITS
from tests.unit.passport.footprint_strategies import attestations
from tests.unit.passport.test_pact import DOMAIN, RECORD, RECORD_V2, assert_conforms

D = Decimal


@st.composite
def completed(draw: st.DrawFn) -> Attestation:
    """Generated attestations, most of them stating what PACT requires (the rest test the refusals)."""
    att = draw(attestations())
    changes: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        changes["product_mass_per_declared_unit"] = draw(st.decimals(D(0), D(900), places=2))
        changes["fossil_carbon_content"] = draw(st.decimals(D(0), D(9), places=3))
        changes["biogenic_carbon_content"] = draw(st.none() | st.just(D("0.0")))
        changes["exempted_emissions_percent"] = att.exempted_emissions_percent or D("0.4")
        changes["ipcc_characterization_factors"] = draw(
            st.sampled_from([("AR6",), ("AR5", "AR6"), ("AR5",), ("AR6",), ("AR4",)])
        )
    if draw(st.booleans()):
        changes["dqi"] = fp.DataQuality(D("1.5"), D("2"), D("3.0"), D("1"), D("2.25"), D("99.5"))
    if draw(st.integers(0, 2)):
        changes |= v2_friendly(att, draw(st.sampled_from(sorted(PACT_V2_UNITS))))
    return att.with_changes(**changes)


def v2_friendly(att: Attestation, unit: str) -> dict[str, Any]:
    """Changes that leave the totals, stages and uncertainty as they are but fold the v3.0-only components
    into fossil emissions (when that stays >= 0), with a v2.3 unit and standard."""
    delta = sum(
        (
            getattr(att, a) or D(0)
            for a, _ in pc.V3_ONLY_COMPONENTS
            if a != "land_management_fossil_ghg_emissions"
        ),
        D(0),
    )
    fossil = att.fossil_ghg_emissions + delta
    if fossil < 0:
        return {}
    gross = fossil + (att.land_use_emissions or D(0))
    changes: dict[str, Any] = {a: None for a, _ in pc.V3_ONLY_COMPONENTS}
    changes |= {
        "fossil_ghg_emissions": fossil,
        "declared_unit": unit,
        "standards": ("ISO14067", *(s for s in att.standards if s != "ISO14067")),
    }
    if att.dqi is not None:
        changes["dqi"] = fp.DataQuality(D("1.5"), D("2"), D("3.0"), D("1"), D("2.25"), D("99.5"))
    if att.aircraft_ghg_emissions is not None and att.aircraft_ghg_emissions > gross:
        changes["aircraft_ghg_emissions"] = gross
    return changes


def expected_v3(att: Attestation) -> str | None:
    required = (
        att.product_mass_per_declared_unit,
        att.fossil_carbon_content,
        att.exempted_emissions_percent,
        att.ipcc_characterization_factors or None,
    )
    return "pact.required" if any(r is None for r in required) else None


def expected_v2(att: Attestation) -> set[str]:
    codes = set()
    dqi = att.dqi
    components = [getattr(att, attr) for attr, _ in pc.V3_ONLY_COMPONENTS]
    ipcc = att.ipcc_characterization_factors
    if (
        att.declared_unit not in PACT_V2_UNITS
        or (dqi is not None and (None in vars(dqi).values() or max(dqi.technological, dqi.temporal,
                                 dqi.geographical, dqi.completeness or 0, dqi.reliability or 0) > 3))
        or any(c is not None and c != 0 for c in components)
        or (ipcc and "AR5" not in ipcc and "AR6" not in ipcc)
    ):  # fmt: skip
        codes.add("pact.unrepresentable")
    if (
        None in (att.fossil_carbon_content, att.biogenic_carbon_content, att.exempted_emissions_percent)
        or not ipcc
        or not any(s in STANDARDS_USED for s in att.standards)
    ):
        codes.add("pact.required")
    return codes


def round_trip(att: Attestation, version: str, record: dict[str, Any]) -> None:
    doc = export_pact(att, version, record=record, issuer_domain=DOMAIN)
    assert_conforms(doc, version)
    imported = import_pact(load_pact(dump_pact(doc)))
    assert imported.version == version
    assert imported.attestation == att
    assert imported.attestation.to_subject() == att.to_subject()
    assert pc.same_json(export_pact(att, version, record=imported.record, issuer_domain=DOMAIN), doc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(completed())
def test_v3_round_trip_or_predicted_refusal(att: Attestation) -> None:
    expected = expected_v3(att)
    if expected is None:
        round_trip(att, "3.0", RECORD)
    else:
        with pytest.raises(PactError) as info:
            round_trip(att, "3.0", RECORD)
        assert info.value.code == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(completed())
def test_v2_round_trip_or_predicted_refusal(att: Attestation) -> None:
    expected = expected_v2(att)
    if not expected:
        round_trip(att, "2.3", RECORD_V2)
    else:
        with pytest.raises(PactError) as info:
            round_trip(att, "2.3", RECORD_V2)
        assert info.value.code in expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(completed(), st.sampled_from(["2.3", "3.0"]))
def test_cross_version_round_trip_keeps_verbatim_fields(att: Attestation, first: str) -> None:
    second = {"2.3": "3.0", "3.0": "2.3"}[first]
    records = {"2.3": RECORD_V2, "3.0": RECORD}
    try:
        doc = export_pact(att, first, record=records[first], issuer_domain=DOMAIN)
    except PactError:
        return
    doc["comment"] = "written by another system"
    doc["pcf"]["xVendorNote"] = {"plant": "Wuxi", "line": 3}
    imported = import_pact(doc).attestation
    refusal: str | None
    try:
        again = export_pact(imported, second, record=records[second], issuer_domain=DOMAIN)
    except PactError as e:
        refusal = e.code
    else:
        refusal = None
    if refusal is not None:
        assert refusal in {"pact.required", "pact.unrepresentable"}
        return
    assert_conforms(again, second)
    assert import_pact(again).attestation == imported
