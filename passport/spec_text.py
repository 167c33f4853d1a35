"""The text forms of a passport specification: reading JSON or YAML text into plain JSON values, and writing
a specification's canonical JSON object (docs/passport.md, "The specification").

Every scalar of a specification is a string. YAML is read without implicit typing (PyYAML's ``BaseLoader``,
which constructs only strings, lists and mappings), so ``quantity: 16`` reads as ``"16"`` and ``1.10`` keeps
its digits; duplicate keys, anchors and aliases are refused. JSON is read with duplicate keys and numbers
refused (a number is a ``spec.decimal``: binary floating point cannot hold ``0.1``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import yaml

from passport.errors import SpecError
from passport.footprint import uncertainty_to_wire
from passport.quantity import format_decimal

if TYPE_CHECKING:
    from passport.spec import FactorRef, PassportSpec, ProcessLine

SPEC_VERSION = "1"


def _err(rule: str, message: str) -> SpecError:
    return SpecError(rule, message)


class _StrictLoader(yaml.BaseLoader):
    """YAML without implicit types (every scalar a string) and without duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise _err("yaml", "mapping keys must be strings")
        if key in result:
            raise _err("yaml", f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in items:
        if key in result:
            raise _err("yaml", f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_number(text: str) -> Any:
    raise _err("decimal", f"{text} is a JSON number; every scalar of a specification is a string")


def load_spec_text(text: str | bytes) -> Any:
    """Read specification text (JSON if it starts with ``{``, else YAML) into plain JSON values.

    Raises:
        SpecError: ``spec.yaml`` (not valid text, a duplicate key, anchors or tags) or ``spec.decimal`` (a
            JSON number).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _err("yaml", "a specification is UTF-8 text") from e
    if text.lstrip().startswith("{"):
        try:
            return json.loads(
                text, object_pairs_hook=_pairs, parse_float=_no_number, parse_int=_no_number,
                parse_constant=_no_number,
            )  # fmt: skip
        except ValueError as e:
            raise _err("yaml", f"not valid JSON: {e}") from e
    try:
        # Anchors and aliases would let one line stand for many (and a small text expand without bound).
        for event in yaml.parse(text, Loader=_StrictLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _err("yaml", "YAML anchors and aliases are not accepted")
            if getattr(event, "tag", None) is not None:
                raise _err("yaml", "explicit YAML tags are not accepted")
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (BaseLoader constructs only str, list, dict)
    except yaml.YAMLError as e:
        raise _err("yaml", f"not valid YAML: {e}") from e


def _factor_wire(ref: FactorRef | None) -> dict[str, Any]:
    return {} if ref is None else {"factor": ref.factor_id, "dataset": ref.dataset_id}


def _some(**members: Any) -> dict[str, Any]:
    return {
        k: format_decimal(v) if isinstance(v, Decimal) else v for k, v in members.items() if v is not None
    }


def _process_wire(p: ProcessLine, *, with_stage: bool) -> dict[str, Any]:
    out = _some(stage=p.stage if with_stage else None, emissions=p.emissions) | _factor_wire(p.factor)
    out |= _some(quantity=p.quantity, unit=p.unit, description=p.description)
    if p.uncertainty is not None:
        out["uncertainty"] = uncertainty_to_wire(p.uncertainty)
    return out


def write_spec(spec: PassportSpec) -> dict[str, Any]:
    """The canonical JSON object of a specification: every member explicit (refs, datasets, places)."""
    p = spec.product
    out: dict[str, Any] = {
        "specVersion": SPEC_VERSION,
        "product": _some(id=p.id, name=p.name, category=p.category, batch=p.batch, serial=p.serial,
                         productionDate=p.production_date) | {"site": {"id": p.site_id, "name": p.site_name,
                                                                       "geography": p.site_geography}},
        "declaredUnit": spec.declared_unit,
    }  # fmt: skip
    out |= _some(
        unitaryProductAmount=spec.unitary_product_amount, inventoryAmount=spec.inventory_amount,
        boundary=spec.boundary, referencePeriodStart=spec.reference_period_start,
        referencePeriodEnd=spec.reference_period_end, decimalPlaces=str(spec.places),
    )  # fmt: skip
    if spec.standards:
        out["standards"] = list(spec.standards)
    if spec.datasets:
        out["datasets"] = [
            _some(datasetId=d.dataset_id, version=d.version, credential=d.credential) for d in spec.datasets
        ]
    if spec.bill_of_materials:
        out["billOfMaterials"] = [
            _some(ref=b.ref, component=b.component, pinned=b.pinned, name=b.name, quantity=b.quantity,
                  unit=b.unit, originCountry=b.origin_country)
            | _factor_wire(b.factor) | ({"stage": b.stage} if b.factor is not None else {})
            for b in spec.bill_of_materials
        ]  # fmt: skip
    if spec.process:
        out["process"] = [_process_wire(x, with_stage=True) for x in spec.process]
    if spec.electricity or spec.accounting != "location-based":
        out["electricity"] = {"accounting": spec.accounting}
        if spec.electricity:
            out["electricity"]["supplies"] = [
                _some(stage=e.stage, quantity=e.quantity, unit=e.unit, certificates=e.certificates)
                | _factor_wire(e.factor)
                for e in spec.electricity
            ]
    if spec.transport:
        out["transport"] = [
            _some(stage=t.stage, mass=t.mass, massUnit=t.mass_unit, distance=t.distance_km,
                  description=t.description) | _factor_wire(t.factor)
            for t in spec.transport
        ]  # fmt: skip
    if spec.end_of_life:
        out["endOfLife"] = [_process_wire(x, with_stage=False) for x in spec.end_of_life]
    if spec.battery is not None:
        b = spec.battery
        out["battery"] = _some(
            lifetimeEnergy=b.lifetime_energy_kwh, declaredUnitsPerBattery=b.declared_units_per_battery,
            performanceClass=b.performance_class, study=b.study,
        )  # fmt: skip
    if spec.pact is not None:
        out["pact"] = spec.pact.to_wire()
    return out
