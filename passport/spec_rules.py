"""The rules of a passport specification, each with a stable ``spec.*`` code (docs/passport.md, "The
specification", "Rules").

:func:`validate_spec` runs them in the order the table in docs/passport.md lists; the first broken rule raises
:class:`~passport.errors.SpecError`. Building a :class:`~passport.spec.PassportSpec` runs them, so a
specification value that exists is a valid one.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from passport.errors import AttestationError, SpecError
from passport.footprint import LIFE_CYCLE_STAGES, check_uncertainty
from passport.quantity import check_digest, check_geography, check_text, check_token, parse_date_time
from passport.units import ENERGY_UNITS, MASS_UNITS, REC20_CODES, UNIT_SYMBOLS
from passport.validation import BOUNDARIES, check_product_id

if TYPE_CHECKING:
    from passport.spec import FactorRef, PassportSpec, Product

ACCOUNTING = ("location-based", "market-based")
MAX_PLACES = 18
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\"<>\\^`{|}]+")
_URL = re.compile(r"https?://[^\s\"<>\\^`{|}]+")
_GRAVE_ONLY = ("use", "endOfLife")


def _err(rule: str, message: str) -> SpecError:
    return SpecError(rule, message)


def _stage(stage: str, what: str) -> None:
    if stage not in LIFE_CYCLE_STAGES:
        raise _err("stage", f"{what}: stage {stage!r} is not one of {list(LIFE_CYCLE_STAGES)}")


def _positive(value: Decimal, what: str) -> None:
    if value <= 0:
        raise _err("amount", f"{what} must be greater than 0")


def _unit(symbol: str, what: str, allowed: frozenset[str] = UNIT_SYMBOLS) -> None:
    if symbol not in allowed:
        raise _err("unit", f"{what}: unit {symbol!r} is not one of {sorted(allowed)}")


def _factor(ref: FactorRef, spec: PassportSpec, what: str) -> None:
    try:
        spec.dataset(ref.dataset_id)
    except KeyError:
        raise _err("dataset", f"{what}: dataset {ref.dataset_id!r} is not declared in datasets") from None
    check_token(ref.factor_id, f"{what}: factor", SpecError, "field")


def _check_product(p: Product) -> None:
    try:
        check_product_id(p.id)
    except AttestationError as e:
        raise _err("identifier", e.message) from e
    check_text(p.name, "product.name", SpecError)
    if not isinstance(p.site_id, str) or _URI.fullmatch(p.site_id) is None:
        raise _err("field", "product.site.id is an absolute URI naming the facility")
    check_text(p.site_name, "product.site.name", SpecError)
    check_geography(p.site_geography, SpecError, regions=False)
    for name in ("category", "batch", "serial"):
        if getattr(p, name) is not None:
            check_text(getattr(p, name), f"product.{name}", SpecError)
    if p.batch is not None and p.serial is not None:
        raise _err("field", "product: a batch or a serial, not both")
    if p.production_date is not None and not _DATE.fullmatch(p.production_date):
        raise _err("date_time", "product.productionDate must be a date YYYY-MM-DD")


def _check_lines(spec: PassportSpec) -> None:
    refs = [line.ref for line in spec.bill_of_materials]
    if len(set(refs)) != len(refs):
        raise _err("duplicate", "billOfMaterials: two lines have the same ref")
    for line in spec.bill_of_materials:
        what = f"billOfMaterials[{line.ref}]"
        check_token(line.ref, f"{what}.ref", SpecError, "field")
        _positive(line.quantity, f"{what}.quantity")
        _unit(line.unit, what)
        _stage(line.stage, what)
        if (line.component is None) == (line.factor is None) or (line.pinned and line.component is None):
            raise _err("source", f"{what}: a component (optionally pinned) or a factor, exactly one")
        if line.component is not None:
            if line.stage != "rawMaterialAcquisition":
                raise _err("stage", f"{what}: a component's stages are its supplier's")
            try:
                check_product_id(line.component)
            except AttestationError as e:
                raise _err("identifier", f"{what}: {e.message}") from e
        if line.pinned is not None:
            check_digest(line.pinned, f"{what}.pinned", SpecError)
        if line.factor is not None:
            _factor(line.factor, spec, what)
        if line.name is not None:
            check_text(line.name, f"{what}.name", SpecError)
        if line.origin_country is not None:
            check_geography(line.origin_country, SpecError, regions=False)
    for i, p in enumerate((*spec.process, *spec.end_of_life)):
        what = f"process[{i}]" if i < len(spec.process) else f"endOfLife[{i - len(spec.process)}]"
        _stage(p.stage, what)
        if (p.emissions is None) == (p.factor is None) or (p.factor is None) != (p.quantity is None):
            raise _err("source", f"{what}: direct emissions, or a factor with a quantity and unit")
        if p.emissions is not None and p.emissions < 0 and p.stage != "endOfLife":
            raise _err("amount", f"{what}: only end of life may be a credit (negative)")
        if p.uncertainty is not None:
            if p.emissions is None:
                raise _err("field", f"{what}: an uncertainty belongs to direct emissions")
            check_uncertainty(p.uncertainty, p.emissions, SpecError)
        if p.factor is not None:
            assert p.quantity is not None
            assert p.unit is not None
            _factor(p.factor, spec, what)
            _positive(p.quantity, f"{what}.quantity")
            _unit(p.unit, what)
        if p.description is not None:
            check_text(p.description, f"{what}.description", SpecError, limit=1024)
    if any(p.stage != "endOfLife" for p in spec.end_of_life):
        raise _err("stage", "endOfLife lines are at the endOfLife stage")
    for i, supply in enumerate(spec.electricity):
        what = f"electricity[{i}]"
        _stage(supply.stage, what)
        _positive(supply.quantity, f"{what}.quantity")
        _unit(supply.unit, what, ENERGY_UNITS)
        _factor(supply.factor, spec, what)
        if supply.certificates is not None:
            if spec.accounting != "market-based":
                raise _err("electricity", f"{what}: certificates count only under market-based accounting")
            if not 0 <= supply.certificates <= supply.quantity:
                raise _err("electricity", f"{what}: certificates must be from 0 to the quantity bought")
    for i, t in enumerate(spec.transport):
        what = f"transport[{i}]"
        _stage(t.stage, what)
        _factor(t.factor, spec, what)
        _positive(t.mass, f"{what}.mass")
        _unit(t.mass_unit, what, MASS_UNITS)
        _positive(t.distance_km, f"{what}.distance")
        if t.description is not None:
            check_text(t.description, f"{what}.description", SpecError, limit=1024)


def validate_spec(spec: PassportSpec) -> None:
    """Every rule of a specification (docs/passport.md, "The specification"), in document order.

    Raises:
        SpecError: the first rule broken (its ``code`` names it).
    """
    _check_product(spec.product)
    if spec.declared_unit not in REC20_CODES:
        raise _err("unit", f"declaredUnit must be one of {list(REC20_CODES)}")
    _positive(spec.unitary_product_amount, "unitaryProductAmount")
    _positive(spec.inventory_amount, "inventoryAmount")
    if spec.boundary not in BOUNDARIES:
        raise _err("field", f"boundary must be one of {list(BOUNDARIES)}")
    start = parse_date_time(spec.reference_period_start, "referencePeriodStart", SpecError)
    if parse_date_time(spec.reference_period_end, "referencePeriodEnd", SpecError) <= start:
        raise _err("period_order", "referencePeriodEnd (exclusive) must be after referencePeriodStart")
    if type(spec.places) is not int or not 0 <= spec.places <= MAX_PLACES:
        raise _err("places", f"decimalPlaces runs from 0 to {MAX_PLACES}")
    if spec.accounting not in ACCOUNTING:
        raise _err("electricity", f"electricity accounting must be one of {list(ACCOUNTING)}")
    ids = [d.dataset_id for d in spec.datasets]
    if len(set(ids)) != len(ids):
        raise _err("duplicate", "datasets: a dataset is declared twice")
    for d in spec.datasets:
        check_token(d.dataset_id, "datasetId", SpecError, "dataset")
        check_token(d.version, "version", SpecError, "dataset")
        if d.credential is not None:
            check_digest(d.credential, "dataset credential", SpecError)
    for standard in spec.standards:
        check_token(standard, "standard", SpecError, "standards")
    if len(set(spec.standards)) != len(spec.standards):
        raise _err("duplicate", "standards repeats a value")
    _check_lines(spec)
    if not (spec.bill_of_materials or spec.process or spec.electricity or spec.transport or spec.end_of_life):
        raise _err("field", "a specification states at least one inventory line")
    stages = [p.stage for p in (*spec.process, *spec.end_of_life)] + [e.stage for e in spec.electricity]
    stages += [t.stage for t in spec.transport] + [b.stage for b in spec.bill_of_materials]
    if spec.boundary == "cradle-to-gate" and any(s in _GRAVE_ONLY for s in stages):
        raise _err("boundary_stages", "cradle-to-gate has no use or end-of-life stage")
    if spec.battery is not None:
        b = spec.battery
        _positive(b.lifetime_energy_kwh, "battery.lifetimeEnergy")
        _positive(b.declared_units_per_battery, "battery.declaredUnitsPerBattery")
        if b.performance_class is not None:
            check_text(b.performance_class, "battery.performanceClass", SpecError)
        if b.study is not None and _URL.fullmatch(b.study) is None:
            raise _err("battery", "battery.study must be an http(s) URL")
