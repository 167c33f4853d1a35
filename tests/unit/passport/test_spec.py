"""Passport specifications: YAML and JSON read the same, the canonical JSON round-trips, and every ``spec.*``
rule refuses a failing example with its code."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from passport.errors import SpecError
from passport.spec import PassportSpec, parse_spec, spec_from_wire
from passport.spec_text import load_spec_text
from tests.unit.passport import chain_fixtures as cf
from tests.unit.passport.test_rollup import specs

D = Decimal


def wire(text: str = cf.PACK) -> dict[str, Any]:
    value = load_spec_text(text)
    assert isinstance(value, dict)
    return value


def test_yaml_reads_every_scalar_as_a_string() -> None:
    spec = parse_spec(cf.PACK)
    assert spec.inventory_amount == D("14.336")
    assert spec.bill_of_materials[0].quantity == D("14336")
    assert spec.places == 3
    assert spec.accounting == "market-based"
    assert spec.product.production_date == "2025-09-01"
    assert spec.product.granularity == "item"
    assert spec.electricity[0].certificates == D("100")
    assert spec.battery is not None
    assert spec.battery.lifetime_energy_kwh == D("38707.2")


def test_yaml_keeps_trailing_zeros_a_float_would_lose() -> None:
    spec = parse_spec(cf.CELL)
    assert str(spec.bill_of_materials[0].quantity) == "2.0"


def test_json_and_yaml_give_the_same_specification() -> None:
    for text in (cf.CATHODE, cf.CELL, cf.PACK, cf.WAFER, cf.PV_CELL, cf.MODULE, cf.COIL, cf.PART):
        spec = parse_spec(text)
        assert parse_spec(json.dumps(spec.to_wire())) == spec
        assert parse_spec(json.dumps(spec.to_wire()).encode()) == spec


def test_defaults_are_written_out() -> None:
    w = parse_spec(cf.CELL).to_wire()
    assert w["decimalPlaces"] == "3"
    assert w["billOfMaterials"][1] == {
        "ref": "anode", "name": "synthetic graphite", "quantity": "1.0", "unit": "kg",
        "factor": "graphite-anode-synthetic", "dataset": "cn-background", "stage": "rawMaterialAcquisition",
    }  # fmt: skip
    assert parse_spec(cf.PART).inventory_amount == D("1")


@settings(max_examples=60, deadline=None)
@given(specs())
def test_the_canonical_json_round_trips(spec: PassportSpec) -> None:
    w = spec.to_wire()
    assert spec_from_wire(copy.deepcopy(w)) == spec
    assert spec_from_wire(w).to_wire() == w


# --- refusals ----------------------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def put(path: str, value: Any) -> Mutation:
    def mutate(w: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = w
        for part in head:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def drop(path: str) -> Mutation:
    def mutate(w: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = w
        for part in head:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


def twice(w: dict[str, Any]) -> None:
    w["datasets"] *= 2
    for item in (*w["billOfMaterials"], *w["electricity"]["supplies"], *w["transport"]):
        if "factor" in item:
            item["dataset"] = "cn-background"


REFUSALS: list[tuple[str, str, Mutation]] = [
    ("spec.field", "unknown member", put("colour", "red")),
    ("spec.field", "missing product", drop("product")),
    ("spec.field", "a number where a string belongs", put("product.name", 7)),
    ("spec.field", "both batch and serial", put("product.batch", "B1")),
    ("spec.field", "an empty list", put("process", [])),
    ("spec.field", "boundary unknown", put("boundary", "gate-to-gate")),
    ("spec.version", "another version", put("specVersion", "2")),
    ("spec.identifier", "product is an organisation code", put("product.id", "91320000MA1234567T")),
    ("spec.identifier", "component not an identifier", put("billOfMaterials.0.component", "cells!")),
    ("spec.text", "padded name", put("product.name", " pack")),
    ("spec.geography", "unknown site geography", put("product.site.geography", "XX")),
    ("spec.date_time", "production date not a date", put("product.productionDate", "2025-13-01")),
    ("spec.date_time", "period start not a date-time", put("referencePeriodStart", "2025-01-01")),
    ("spec.period_order", "period end before start", put("referencePeriodEnd", "2024-01-01T00:00:00Z")),
    ("spec.unit", "declared unit without UN/ECE code", put("declaredUnit", "megabit second")),
    ("spec.unit", "unknown unit symbol", put("billOfMaterials.0.unit", "furlong")),
    ("spec.unit", "electricity in kilograms", put("electricity.supplies.0.unit", "kg")),
    ("spec.unit", "transport mass in kWh", put("transport.0.massUnit", "kWh")),
    ("spec.amount", "zero quantity", put("billOfMaterials.0.quantity", "0")),
    ("spec.amount", "zero inventory amount", put("inventoryAmount", "0")),
    ("spec.amount", "negative process emissions", put("process.0.emissions", "-1")),
    ("spec.decimal", "not canonical", put("unitaryProductAmount", "01")),
    ("spec.decimal", "an exponent", put("billOfMaterials.1.quantity", "1.2e1")),
    ("spec.stage", "unknown stage", put("process.0.stage", "assembly")),
    ("spec.stage", "a component with a stage", put("billOfMaterials.0.stage", "manufacturing")),
    ("spec.boundary_stages", "use stage under cradle-to-gate", put("process.0.stage", "use")),
    ("spec.boundary_stages", "end of life under cradle-to-gate", put("endOfLife", [{"emissions": "1"}])),
    ("spec.places", "places not digits", put("decimalPlaces", "two")),
    ("spec.places", "too many places", put("decimalPlaces", "19")),
    ("spec.source", "a line with component and factor", put("billOfMaterials.0.factor", "copper-primary")),
    ("spec.source", "a line with neither", drop("billOfMaterials.1.factor")),
    ("spec.source", "a pin without a component", put("billOfMaterials.1.pinned", "sha256:" + "a" * 64)),
    ("spec.source", "process with emissions and a factor", put("process.0.factor", "copper-primary")),
    ("spec.digest", "a bad pin", put("billOfMaterials.0.pinned", "sha256:ABC")),
    ("spec.digest", "a bad dataset pin", put("datasets.0.credential", "md5:00")),
    ("spec.dataset", "an undeclared dataset", put("billOfMaterials.1.dataset", "ecoinvent")),
    ("spec.dataset", "a bad dataset version", put("datasets.0.version", " 2025")),
    ("spec.duplicate", "two lines with one ref", put("billOfMaterials.1.ref", "cells")),
    (
        "spec.duplicate",
        "a dataset declared twice",
        twice,
    ),
    ("spec.duplicate", "a standard repeated", put("standards", ["ISO14067", "ISO14067"])),
    ("spec.standards", "a standard that is not a token", put("standards", ["ISO 14067 "])),
    ("spec.electricity", "unknown accounting", put("electricity.accounting", "residual")),
    (
        "spec.electricity",
        "more certificates than consumption",
        put("electricity.supplies.0.certificates", "151"),
    ),
    ("spec.battery", "a study that is not a URL", put("battery.study", "see the report")),
    ("spec.amount", "zero lifetime energy", put("battery.lifetimeEnergy", "0")),
]


@pytest.mark.parametrize(("code", "why", "mutate"), REFUSALS, ids=[f"{c}:{w}" for c, w, _ in REFUSALS])
def test_every_rule_refuses_its_failing_example(code: str, why: str, mutate: Mutation) -> None:
    w = wire()
    mutate(w)
    with pytest.raises(SpecError) as info:
        spec_from_wire(w)
    assert info.value.code == code, why


def test_certificates_under_location_based_accounting_are_refused() -> None:
    w = wire()
    w["electricity"]["accounting"] = "location-based"
    with pytest.raises(SpecError) as info:
        spec_from_wire(w)
    assert info.value.code == "spec.electricity"


def test_a_factor_needs_its_dataset_named_when_several_are_declared() -> None:
    w = wire()
    w["datasets"].append({"datasetId": "other", "version": "1"})
    with pytest.raises(SpecError) as info:
        spec_from_wire(w)
    assert info.value.code == "spec.dataset"


def test_a_top_level_array_is_not_a_specification() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec("- a\n- b\n")
    assert info.value.code == "spec.shape"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"specVersion": 1}', "spec.decimal"),
        ('{"specVersion": "1", "specVersion": "1"}', "spec.yaml"),
        ("{not json", "spec.yaml"),
        ("specVersion: 1\nspecVersion: 1\n", "spec.yaml"),
        ("a: &x 1\nb: *x\n", "spec.yaml"),
        ("a: [unclosed\n", "spec.yaml"),
        ("a: !!python/object:os.system x\n", "spec.yaml"),
        (b"\xff\xfe", "spec.yaml"),
    ],
)
def test_text_that_is_not_a_specification_is_refused(text: str | bytes, code: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert info.value.code == code


def test_every_rule_has_a_failing_example() -> None:
    tested = {code.removeprefix("spec.") for code, _, _ in REFUSALS}
    # yaml and shape: test_text_that_is_not_a_specification_is_refused, test_a_top_level_array_...
    assert tested | {"yaml", "shape"} == SpecError.rules
