"""Battery attestations in the EU battery-passport carbon-footprint shape, validated against the Battery Pass
``CarbonFootprintForBatteries`` 1.2.0 schema; exact arithmetic; every refusal with its code."""

from __future__ import annotations

import json
import pathlib
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passport import footprint as fp
from passport.batterypass import battery_carbon_footprint
from passport.errors import BatteryPassportError
from passport.pact import dump_pact
from tests.unit.passport.footprint_strategies import base_attestation

SCHEMA = json.loads(
    (
        pathlib.Path(__file__).parents[2]
        / "vectors"
        / "batterypass"
        / "CarbonFootprintForBatteries-schema.json"
    ).read_text(encoding="utf-8")
)
D = Decimal
STUDY = "https://cell.example.cn/pcf/LFP-280Ah-2025.pdf"


def valid(doc: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(dump_pact(doc)))


def test_per_kwh_attestation_gives_the_passport_values() -> None:
    shown = battery_carbon_footprint(base_attestation(), performance_class="B", study=STUDY)
    doc = shown.to_json()
    valid(doc)
    assert doc["batteryCarbonFootprint"] == D("62.40")
    assert doc["carbonFootprintPerLifecycleStage"] == [
        {"lifecycleStage": "RawMaterialExtraction", "carbonFootprint": D("44.10")},
        {"lifecycleStage": "MainProduction", "carbonFootprint": D("16.80")},
        {"lifecycleStage": "Distribution", "carbonFootprint": D("1.50")},
    ]
    assert doc["carbonFootprintPerformanceClass"] == "B"
    assert "absoluteCarbonFootprint" not in doc


def test_per_piece_attestation_divides_by_lifetime_energy() -> None:
    att = base_attestation().with_changes(declared_unit="piece", unitary_product_amount=D("2"))
    shown = battery_carbon_footprint(att, lifetime_energy_kwh=D("4800"), performance_class="A", study=STUDY)
    valid(shown.to_json())
    assert shown.per_kwh == D("0.0065")
    assert shown.absolute == D("31.20")
    assert sum(v for _, v in shown.stages) == shown.per_kwh


def test_end_of_life_is_recycling_and_a_zero_use_stage_is_left_out() -> None:
    att = base_attestation().with_changes(
        boundary="cradle-to-grave",
        stages=fp.Stages(D("44.10"), D("16.80"), D("1.50"), D("0"), D("0.00")),
    )
    stages = battery_carbon_footprint(att).stages
    assert [s for s, _ in stages] == ["RawMaterialExtraction", "MainProduction", "Distribution", "Recycling"]


def test_without_class_and_study_the_schema_says_what_is_missing() -> None:
    doc = battery_carbon_footprint(base_attestation()).to_json()
    with pytest.raises(jsonschema.ValidationError):
        valid(doc)


@settings(max_examples=60, deadline=None)
@given(st.decimals(D("0.001"), D("100"), places=3), st.integers(0, 6))
def test_rounding_happens_once_and_only_when_asked(amount: Decimal, places: int) -> None:
    att = base_attestation().with_changes(unitary_product_amount=amount)
    exact = None
    try:
        exact = battery_carbon_footprint(att)
    except BatteryPassportError as e:
        code = e.code
    if exact is None:
        assert code == "batterypass.inexact"
        rounded = battery_carbon_footprint(att, places=places)
        assert rounded.per_kwh.as_tuple().exponent == -places
        assert abs(rounded.per_kwh - att.pcf_excluding_biogenic / amount) <= D(1).scaleb(-places) / 2
    else:
        assert exact.per_kwh * amount == att.pcf_excluding_biogenic


@pytest.mark.parametrize(
    ("code", "changes", "kwargs"),
    [
        ("batterypass.unit", {"declared_unit": "kilogram"}, {}),
        ("batterypass.unit", {"declared_unit": "piece"}, {}),
        ("batterypass.stages", {"stages": None}, {}),
        (
            "batterypass.stages",
            {
                "boundary": "cradle-to-grave",
                "stages": fp.Stages(D("44.10"), D("16.80"), D("1.00"), D("0.50")),
            },
            {},
        ),
        ("batterypass.inexact", {"unitary_product_amount": D("7")}, {}),
        ("batterypass.field", {}, {"lifetime_energy_kwh": D("0")}),
        ("batterypass.field", {}, {"study": "ftp://example.org/study"}),
        ("batterypass.field", {}, {"places": 19}),
        ("batterypass.field", {}, {"performance_class": " B"}),
    ],
)
def test_refusals(code: str, changes: dict[str, Any], kwargs: dict[str, Any]) -> None:
    with pytest.raises(BatteryPassportError) as info:
        battery_carbon_footprint(base_attestation().with_changes(**changes), **kwargs)
    assert info.value.code == code
