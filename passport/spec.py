"""The passport specification: what a manufacturer states to compose a product passport (docs/passport.md,
"The specification").

A specification is JSON or YAML text (passport/spec_text.py reads it). Every scalar in it is a **string**
(decimals in the canonical grammar of passport/quantity.py, places as digits, dates as text). Duplicate
keys, unknown members and missing ones are refused with a ``spec.*`` code (the rules: passport/spec_rules.py);
:func:`parse_spec` returns a validated :class:`PassportSpec`, and :meth:`PassportSpec.to_wire` gives the
canonical JSON object back, which a full-disclosure passport embeds so that a verifier can recompute it.

The inventory (bill of materials, process, electricity, transport, end of life) is for ``inventoryAmount``
declared units of the product; the passport states its footprint per ``unitaryProductAmount`` of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from passport.envelope import check_object
from passport.errors import SpecError
from passport.footprint import Uncertainty, uncertainty_from_wire
from passport.quantity import parse_decimal
from passport.spec_pact import PactStatements, read_pact
from passport.spec_rules import ACCOUNTING, validate_spec
from passport.spec_text import SPEC_VERSION, load_spec_text, write_spec

DEFAULT_PLACES = 3

__all__ = [
    "ACCOUNTING",
    "Battery",
    "BomLine",
    "DatasetPin",
    "Electricity",
    "EndOfLifeLine",
    "FactorRef",
    "PassportSpec",
    "ProcessLine",
    "Product",
    "TransportLeg",
    "parse_spec",
]


@dataclass(frozen=True)
class FactorRef:
    """A factor of a declared dataset: ``dataset_id`` and ``factor_id``."""

    dataset_id: str
    factor_id: str


@dataclass(frozen=True)
class DatasetPin:
    """A factor dataset the specification uses, by id and version, optionally pinned to its credential."""

    dataset_id: str
    version: str
    credential: str | None = None


@dataclass(frozen=True)
class Product:
    """The product: identifier, name, category (the benchmark's), batch or serial, production site (a URI
    naming the facility, its name and geography) and date."""

    id: str
    name: str
    site_id: str
    site_name: str
    site_geography: str
    category: str | None = None
    batch: str | None = None
    serial: str | None = None
    production_date: str | None = None

    @property
    def granularity(self) -> str:
        """UNTP ``granularityLevel``: ``item`` with a serial, ``batch`` with a batch, else ``model``."""
        return "item" if self.serial else "batch" if self.batch else "model"


@dataclass(frozen=True)
class BomLine:
    """One bill-of-materials line: ``quantity`` ``unit`` of a component found through its identifier
    (``component``; ``pinned`` to one credential digest, else the latest valid one), or of a material
    costed with a background ``factor`` (secondary data) at ``stage``."""

    ref: str
    quantity: Decimal
    unit: str
    component: str | None = None
    pinned: str | None = None
    factor: FactorRef | None = None
    name: str | None = None
    stage: str = "rawMaterialAcquisition"
    origin_country: str | None = None


@dataclass(frozen=True)
class ProcessLine:
    """The manufacturer's own emissions at a stage: ``emissions`` kgCO2e measured directly (with an optional
    uncertainty), or ``quantity`` ``unit`` of an activity times a background ``factor``."""

    stage: str
    emissions: Decimal | None = None
    factor: FactorRef | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    uncertainty: Uncertainty | None = None
    description: str | None = None


@dataclass(frozen=True)
class Electricity:
    """Electricity bought at a stage: ``quantity`` ``unit`` (an energy unit) times a grid or residual-mix
    ``factor``; under market-based accounting ``certificates`` (green-electricity certificates, same unit)
    count at zero."""

    stage: str
    quantity: Decimal
    unit: str
    factor: FactorRef
    certificates: Decimal | None = None


@dataclass(frozen=True)
class TransportLeg:
    """A transport leg: ``mass`` ``mass_unit`` carried ``distance_km`` by the mode whose factor (per tkm) is
    ``factor``, counted at ``stage``."""

    stage: str
    factor: FactorRef
    mass: Decimal
    mass_unit: str
    distance_km: Decimal
    description: str | None = None


EndOfLifeLine = ProcessLine
"""An end-of-life line: a process line at ``endOfLife`` whose direct emissions may be negative (a credit)."""


@dataclass(frozen=True)
class Battery:
    """What the EU battery passport needs beyond the roll-up: the energy one battery delivers over its
    service life (kWh), how many declared units one battery is, its performance class and study URL."""

    lifetime_energy_kwh: Decimal
    declared_units_per_battery: Decimal
    performance_class: str | None = None
    study: str | None = None


@dataclass(frozen=True)
class PassportSpec:
    """A validated passport specification (docs/passport.md, "The specification")."""

    product: Product
    declared_unit: str
    unitary_product_amount: Decimal
    inventory_amount: Decimal
    boundary: str
    reference_period_start: str
    reference_period_end: str
    places: int
    accounting: str
    datasets: tuple[DatasetPin, ...] = ()
    bill_of_materials: tuple[BomLine, ...] = ()
    process: tuple[ProcessLine, ...] = ()
    electricity: tuple[Electricity, ...] = ()
    transport: tuple[TransportLeg, ...] = ()
    end_of_life: tuple[ProcessLine, ...] = ()
    standards: tuple[str, ...] = ()
    battery: Battery | None = None
    pact: PactStatements | None = None

    def __post_init__(self) -> None:
        validate_spec(self)

    def dataset(self, dataset_id: str) -> DatasetPin:
        """The declared dataset ``dataset_id``.

        Raises:
            KeyError: no such dataset is declared.
        """
        for pin in self.datasets:
            if pin.dataset_id == dataset_id:
                return pin
        raise KeyError(dataset_id)

    def factor_refs(self) -> tuple[FactorRef, ...]:
        """Every factor the specification uses, in the order it names them."""
        refs = [line.factor for line in self.bill_of_materials if line.factor is not None]
        refs += [line.factor for line in (*self.process, *self.end_of_life) if line.factor is not None]
        refs += [e.factor for e in self.electricity] + [t.factor for t in self.transport]
        return tuple(refs)

    def to_wire(self) -> dict[str, Any]:
        """The canonical JSON object of this specification (every scalar a string)."""
        return write_spec(self)


# --- the wire form -----------------------------------------------------------------------------------------

_TOP_REQUIRED = {
    "specVersion", "product", "declaredUnit", "unitaryProductAmount", "boundary", "referencePeriodStart",
    "referencePeriodEnd",
}  # fmt: skip
_TOP_OPTIONAL = {
    "inventoryAmount", "decimalPlaces", "standards", "datasets", "billOfMaterials", "process", "electricity",
    "transport", "endOfLife", "battery", "pact",
}  # fmt: skip
_FACTOR_MEMBERS = {"factor", "dataset", "quantity", "unit"}
_BOM_OPTIONAL = {"ref", "component", "pinned", "name", "stage", "originCountry", "factor", "dataset"}


def _obj(value: Any, what: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    return check_object(value, what, required, optional, SpecError)


def _s(obj: dict[str, Any], name: str, what: str) -> Any:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        raise SpecError("field", f"{what}.{name} must be a string")
    return value


def _d(obj: dict[str, Any], name: str, what: str) -> Decimal | None:
    return None if name not in obj else parse_decimal(obj[name], f"{what}.{name}", SpecError)


def _items(obj: dict[str, Any], name: str) -> list[Any]:
    value = obj.get(name, [])
    if not isinstance(value, list) or (name in obj and not value):
        raise SpecError("field", f"{name} must be a non-empty list (leave it out when there is nothing)")
    return value


def _factor_ref(obj: dict[str, Any], what: str, datasets: tuple[DatasetPin, ...]) -> FactorRef | None:
    factor = _s(obj, "factor", what)
    if factor is None:
        if "dataset" in obj:
            raise SpecError("field", f"{what}: a dataset without a factor")
        return None
    dataset = _s(obj, "dataset", what)
    if dataset is None:
        if len(datasets) != 1:
            raise SpecError("dataset", f"{what}: name the factor's dataset (none or several are declared)")
        dataset = datasets[0].dataset_id
    return FactorRef(dataset, factor)


def _required_factor(obj: dict[str, Any], what: str, datasets: tuple[DatasetPin, ...]) -> FactorRef:
    ref = _factor_ref(obj, what, datasets)
    assert ref is not None  # "factor" is a required member wherever this is called
    return ref


def _process(raw: Any, what: str, datasets: tuple[DatasetPin, ...], *, stage: str | None) -> ProcessLine:
    required = set() if stage else {"stage"}
    optional = {"stage", "emissions", "uncertainty", "description", *_FACTOR_MEMBERS} - required
    p = _obj(raw, what, required, optional - ({"stage"} if stage else set()))
    return ProcessLine(
        stage or _s(p, "stage", what),
        emissions=_d(p, "emissions", what),
        factor=_factor_ref(p, what, datasets),
        quantity=_d(p, "quantity", what),
        unit=_s(p, "unit", what),
        uncertainty=None
        if "uncertainty" not in p
        else uncertainty_from_wire(p["uncertainty"], f"{what}.uncertainty", SpecError),
        description=_s(p, "description", what),
    )


def read_spec(value: Any) -> PassportSpec:
    """Build a specification from its parsed JSON object (every scalar a string).

    Raises:
        SpecError: a missing, unknown or mistyped member (``spec.field``), a bad decimal, or a broken rule.
    """
    if not isinstance(value, dict):
        raise SpecError("shape", "a specification is one JSON object (a YAML mapping)")
    top = _obj(value, "specification", _TOP_REQUIRED, _TOP_OPTIONAL)
    if top["specVersion"] != SPEC_VERSION:
        raise SpecError("version", f"specVersion must be {SPEC_VERSION!r}")
    what = "product"
    pr = _obj(top["product"], what, {"id", "name", "site"}, {"category", "batch", "serial", "productionDate"})
    site = _obj(pr["site"], "product.site", {"id", "name", "geography"}, set())
    product = Product(
        _s(pr, "id", what), _s(pr, "name", what), _s(site, "id", "site"), _s(site, "name", "site"),
        _s(site, "geography", "site"),
        _s(pr, "category", what), _s(pr, "batch", what), _s(pr, "serial", what),
        _s(pr, "productionDate", what),
    )  # fmt: skip
    datasets = []
    for raw in _items(top, "datasets"):
        d = _obj(raw, "a dataset", {"datasetId", "version"}, {"credential"})
        datasets.append(
            DatasetPin(_s(d, "datasetId", "dataset"), _s(d, "version", "dataset"), d.get("credential"))
        )
    pins = tuple(datasets)
    bom = []
    for i, raw in enumerate(_items(top, "billOfMaterials")):
        what = f"billOfMaterials[{i}]"
        b = _obj(raw, what, {"quantity", "unit"}, _BOM_OPTIONAL)
        factor = _factor_ref(b, what, pins)
        ref = _s(b, "ref", what) or _s(b, "component", what) or (factor.factor_id if factor else None)
        bom.append(
            BomLine(
                ref if ref is not None else f"line-{i}", _d(b, "quantity", what) or Decimal(0),
                _s(b, "unit", what), _s(b, "component", what), _s(b, "pinned", what), factor,
                _s(b, "name", what), _s(b, "stage", what) or "rawMaterialAcquisition",
                _s(b, "originCountry", what),
            )
        )  # fmt: skip
    process = tuple(
        _process(r, f"process[{i}]", pins, stage=None) for i, r in enumerate(_items(top, "process"))
    )
    eol = tuple(
        _process(r, f"endOfLife[{i}]", pins, stage="endOfLife")
        for i, r in enumerate(_items(top, "endOfLife"))
    )
    accounting, supplies = "location-based", []
    if "electricity" in top:
        el = _obj(top["electricity"], "electricity", {"accounting"}, {"supplies"})
        accounting = _s(el, "accounting", "electricity")
        for i, raw in enumerate(_items(el, "supplies")):
            what = f"electricity[{i}]"
            e = _obj(raw, what, {"stage", "quantity", "unit", "factor"}, {"dataset", "certificates"})
            supplies.append(
                Electricity(
                    _s(e, "stage", what), _d(e, "quantity", what) or Decimal(0), _s(e, "unit", what),
                    _required_factor(e, what, pins), _d(e, "certificates", what),
                )
            )  # fmt: skip
    legs = []
    for i, raw in enumerate(_items(top, "transport")):
        what = f"transport[{i}]"
        t = _obj(raw, what, {"stage", "factor", "mass", "massUnit", "distance"}, {"dataset", "description"})
        legs.append(
            TransportLeg(
                _s(t, "stage", what), _required_factor(t, what, pins), _d(t, "mass", what) or Decimal(0),
                _s(t, "massUnit", what), _d(t, "distance", what) or Decimal(0), _s(t, "description", what),
            )
        )  # fmt: skip
    battery = None
    if "battery" in top:
        what = "battery"
        b = _obj(
            top["battery"], what, {"lifetimeEnergy", "declaredUnitsPerBattery"}, {"performanceClass", "study"}
        )
        battery = Battery(
            _d(b, "lifetimeEnergy", what) or Decimal(0), _d(b, "declaredUnitsPerBattery", what) or Decimal(0),
            _s(b, "performanceClass", what), _s(b, "study", what),
        )  # fmt: skip
    places = _s(top, "decimalPlaces", "specification")
    if places is not None and not re.fullmatch(r"0|[1-9][0-9]?", places):
        raise SpecError("places", "decimalPlaces is a whole number of digits, written as a string")
    standards = _items(top, "standards")
    if not all(isinstance(s, str) for s in standards):
        raise SpecError("standards", "standards are strings")
    return PassportSpec(
        product, _s(top, "declaredUnit", "specification"),
        parse_decimal(top["unitaryProductAmount"], "unitaryProductAmount", SpecError),
        parse_decimal(top.get("inventoryAmount", top["unitaryProductAmount"]), "inventoryAmount", SpecError),
        _s(top, "boundary", "specification"), _s(top, "referencePeriodStart", "specification"),
        _s(top, "referencePeriodEnd", "specification"), DEFAULT_PLACES if places is None else int(places),
        accounting, pins, tuple(bom), process, tuple(supplies), tuple(legs), eol, tuple(standards), battery,
        None if "pact" not in top else read_pact(top["pact"]),
    )  # fmt: skip


def parse_spec(text: str | bytes) -> PassportSpec:
    """Parse and validate a specification (JSON or YAML text).

    Raises:
        SpecError: the text is not a specification or breaks a rule (``spec.<rule>``).
    """
    return read_spec(load_spec_text(text))


def spec_from_wire(value: Any) -> PassportSpec:
    """Build a specification from its parsed JSON object (as :meth:`PassportSpec.to_wire` writes it).

    Raises:
        SpecError: a missing, unknown or mistyped member, or a broken rule.
    """
    return read_spec(value)
