"""The roll-up: a product's footprint per declared unit from its specification and what its components
resolved to (DESIGN.md "The roll-up"; docs/passport.md "The roll-up").

Per life-cycle stage, per ``inventoryAmount`` declared units::

    footprint[s] = sum over components  q (in the upstream's unit) / upstream amount * upstream[s]
                 + sum over factor lines, process, electricity, transport, end of life  at their stage s

and the passport states ``footprint[s] * unitaryProductAmount / inventoryAmount``. Arithmetic is exact:
decimals enter as :class:`fractions.Fraction` (conversions such as MJ to kWh and the divisions by amounts are
not exact in decimal), and each published figure is rounded **once**, ROUND_HALF_EVEN to the specification's
``places`` (:func:`round_half_even`). The total is the exact sum of the rounded stages, so the stages sum to
it as the attestation rules require. Uncertainty, data quality, primary data share and the grade:
passport/rollup_stats.py.

This module does no I/O: a resolver (which finds each component's latest valid, unrevoked credential in the
log, and refuses cycles) hands the results over as :class:`Resolved`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from passport.attestation import Attestation
from passport.errors import RollupError
from passport.factors import Benchmark, EmissionFactor, FactorDataset
from passport.footprint import LIFE_CYCLE_STAGES, DataQuality, Uncertainty
from passport.quantity import exact_sum
from passport.rollup_split import Split, SplitLine, rolled_split
from passport.rollup_stats import (
    Grade,
    Statistics,
    fraction_sum,
    grade,
    line_variance,
    round_half_even,
    statistics,
)
from passport.spec import FactorRef, PassportSpec, ProcessLine
from passport.units import factor_between, symbol_of

__all__ = [
    "BenchmarkUse",
    "DatasetUse",
    "FactorUse",
    "Line",
    "Resolved",
    "Rollup",
    "Split",
    "Upstream",
    "rollup",
    "round_half_even",
]

_GRAVE_ONLY = ("use", "endOfLife")


@dataclass(frozen=True)
class Upstream:
    """A component's footprint per ``unitary_product_amount`` x ``declared_unit``, by stage, from a logged
    credential (a supplier's attestation or a lower tier's passport) with its digest and log position."""

    digest: str
    kind: str
    product_id: str
    declared_unit: str
    unitary_product_amount: Decimal
    boundary: str
    stages: tuple[tuple[str, Decimal], ...]
    primary_data_share: Decimal | None = None
    dqi: DataQuality | None = None
    uncertainty: Uncertainty | None = None
    log_index: int | None = None
    receipt: str | None = None
    split: Split | None = None

    @property
    def pcf(self) -> Decimal:
        """The footprint per declared unit amount: the sum of the stages."""
        return exact_sum(v for _, v in self.stages)

    @classmethod
    def from_attestation(
        cls, att: Attestation, digest: str, *, log_index: int | None = None, receipt: str | None = None
    ) -> Upstream:
        """The upstream figures an attestation gives (``pcfExcludingBiogenic`` by stage; an attestation
        without a stage breakdown counts whole in ``rawMaterialAcquisition``)."""
        stages = (
            tuple(att.stages.items())
            if att.stages is not None
            else (("rawMaterialAcquisition", att.pcf_excluding_biogenic),)
        )
        return cls(
            digest, "attestation", att.product_id, att.declared_unit, att.unitary_product_amount,
            att.boundary, stages, att.primary_data_share, att.dqi, att.uncertainty, log_index, receipt,
            Split.of_attestation(att),
        )  # fmt: skip


@dataclass(frozen=True)
class DatasetUse:
    """A factor dataset as logged: the dataset and its credential's digest."""

    dataset: FactorDataset
    credential: str


@dataclass(frozen=True)
class BenchmarkUse:
    """A product-category benchmark as logged: the benchmark and its credential's digest."""

    benchmark: Benchmark
    credential: str


@dataclass(frozen=True)
class FactorUse:
    """One factor of a logged dataset, as a line used it."""

    dataset_id: str
    version: str
    credential: str
    factor: EmissionFactor


@dataclass(frozen=True)
class Resolved:
    """What the resolver found: an :class:`Upstream` per bill-of-materials line that names a component (by
    the line's ``ref``), the datasets by id, and the benchmark of the product's category (if any)."""

    components: Mapping[str, Upstream] = field(default_factory=dict)
    datasets: Mapping[str, DatasetUse] = field(default_factory=dict)
    benchmark: BenchmarkUse | None = None


@dataclass(frozen=True)
class Line:
    """One line's contribution, exact, per declared unit of the product.

    ``kind`` is ``component``, ``material`` (a factor line of the bill of materials), ``process``,
    ``electricity``, ``transport`` or ``endOfLife``; ``activity`` the line's quantity in the unit its
    upstream or factor is per (per ``inventoryAmount``); ``variance`` that of its total (kgCO2e squared per
    declared unit, None when its source states no uncertainty); ``primary`` its share of primary data (0-1).
    """

    ref: str
    kind: str
    stages: tuple[tuple[str, Fraction], ...]
    activity: Fraction | None = None
    upstream: Upstream | None = None
    factor: FactorUse | None = None
    variance: Fraction | None = None
    primary: Fraction = Fraction(0)
    dqi: DataQuality | None = None

    @cached_property
    def total(self) -> Fraction:
        """The line's contribution over all stages (computed once: the statistics and the split ask again)."""
        return sum((v for _, v in self.stages), Fraction(0))

    def rounded(self, places: int) -> tuple[tuple[str, Decimal], ...]:
        """The line's stages, each rounded once to ``places`` (for disclosure; they need not add up to the
        rounded stage totals)."""
        return tuple((s, round_half_even(v, places)) for s, v in self.stages)


@dataclass(frozen=True)
class Rollup:
    """The result: exact and rounded stage totals per declared unit, each line's contribution, the
    statistics (uncertainty, primary data share, data quality) and the grade."""

    places: int
    exact: tuple[tuple[str, Fraction], ...]
    stages: tuple[tuple[str, Decimal], ...]
    total: Decimal
    lines: tuple[Line, ...]
    statistics: Statistics
    grade: Grade | None = None
    split: Split | None = None


def _f(value: Decimal) -> Fraction:
    return Fraction(value)


def _factor(ref: FactorRef, spec: PassportSpec, resolved: Resolved) -> FactorUse:
    pin = spec.dataset(ref.dataset_id)
    use = resolved.datasets.get(ref.dataset_id)
    if use is None or use.dataset.version != pin.version:
        raise RollupError("dataset", f"dataset {pin.dataset_id} {pin.version} was not resolved")
    if pin.credential is not None and not hmac.compare_digest(pin.credential, use.credential):
        raise RollupError("pinned", f"dataset {pin.dataset_id} resolved to another credential than pinned")
    try:
        factor = use.dataset.factor(ref.factor_id)
    except KeyError:
        raise RollupError("factor", f"dataset {pin.dataset_id} has no factor {ref.factor_id!r}") from None
    return FactorUse(pin.dataset_id, pin.version, use.credential, factor)


def _factor_line(
    ref: str, kind: str, stage: str, amount: Fraction, unit: str, use: FactorUse, primary: Fraction
) -> Line:
    activity = amount * factor_between(unit, use.factor.per)
    variance = line_variance(use.factor.uncertainty, use.factor.value, activity)
    return Line(
        ref, kind, ((stage, activity * _f(use.factor.value)),), activity, None, use, variance, primary
    )


def _component(ref: str, line_unit: str, quantity: Decimal, up: Upstream, spec: PassportSpec) -> Line:
    if up.product_id == spec.product.id:
        raise RollupError("self_reference", f"component {ref} resolves to the product itself")
    if spec.boundary == "cradle-to-gate" and any(s in _GRAVE_ONLY for s, _ in up.stages):
        raise RollupError(
            "boundary", f"component {ref} reports use or end of life into a cradle-to-gate product"
        )
    activity = _f(quantity) * factor_between(line_unit, symbol_of(up.declared_unit))
    per = activity / _f(up.unitary_product_amount)
    stages = tuple((s, per * _f(v)) for s, v in up.stages)
    variance = line_variance(up.uncertainty, up.pcf, per)
    primary = Fraction(0) if up.primary_data_share is None else _f(up.primary_data_share) / 100
    return Line(ref, "component", stages, activity, up, None, variance, primary, up.dqi)


def _process(ref: str, kind: str, p: ProcessLine, spec: PassportSpec, resolved: Resolved) -> Line:
    if p.emissions is not None:
        variance = line_variance(p.uncertainty, p.emissions, Fraction(1))
        return Line(ref, kind, ((p.stage, _f(p.emissions)),), None, None, None, variance, Fraction(1))
    assert p.factor is not None  # the specification's rules: emissions, or a factor with quantity and unit
    assert p.quantity is not None
    assert p.unit is not None
    use = _factor(p.factor, spec, resolved)
    return _factor_line(ref, kind, p.stage, _f(p.quantity), p.unit, use, Fraction(0))


def _lines(spec: PassportSpec, resolved: Resolved) -> list[Line]:
    lines: list[Line] = []
    wanted = {b.ref for b in spec.bill_of_materials if b.component is not None}
    extra = sorted(set(resolved.components) - wanted)
    if extra:
        raise RollupError("unresolved", f"resolutions for no component of the bill of materials: {extra}")
    for b in spec.bill_of_materials:
        if b.component is not None:
            if b.component == spec.product.id:
                raise RollupError("self_reference", f"component {b.ref} is the product itself")
            up = resolved.components.get(b.ref)
            if up is None:
                raise RollupError("unresolved", f"component {b.ref} ({b.component}) was not resolved")
            if up.product_id != b.component:
                raise RollupError(
                    "mismatch", f"component {b.ref} resolved to {up.product_id}, not {b.component}"
                )
            if b.pinned is not None and not hmac.compare_digest(b.pinned, up.digest):
                raise RollupError("pinned", f"component {b.ref} resolved to another credential than pinned")
            lines.append(_component(b.ref, b.unit, b.quantity, up, spec))
        else:
            assert b.factor is not None  # the specification's rules: a component or a factor
            use = _factor(b.factor, spec, resolved)
            lines.append(_factor_line(b.ref, "material", b.stage, _f(b.quantity), b.unit, use, Fraction(0)))
    lines += [_process(f"process[{i}]", "process", p, spec, resolved) for i, p in enumerate(spec.process)]
    for i, e in enumerate(spec.electricity):
        use = _factor(e.factor, spec, resolved)
        bought = _f(e.quantity) - (_f(e.certificates) if e.certificates is not None else 0)
        lines.append(
            _factor_line(f"electricity[{i}]", "electricity", e.stage, bought, e.unit, use, Fraction(0))
        )
    for i, t in enumerate(spec.transport):
        use = _factor(t.factor, spec, resolved)
        tkm = _f(t.mass) * factor_between(t.mass_unit, "t") * _f(t.distance_km)
        lines.append(_factor_line(f"transport[{i}]", "transport", t.stage, tkm, "tkm", use, Fraction(0)))
    lines += [
        _process(f"endOfLife[{i}]", "endOfLife", p, spec, resolved) for i, p in enumerate(spec.end_of_life)
    ]
    return lines


def _scaled(line: Line, scale: Fraction) -> Line:
    return Line(
        line.ref, line.kind, tuple((s, v * scale) for s, v in line.stages), line.activity, line.upstream,
        line.factor, None if line.variance is None else line.variance * scale * scale, line.primary, line.dqi,
    )  # fmt: skip


def rollup(spec: PassportSpec, resolved: Resolved) -> Rollup:
    """Roll a specification up over what its components resolved to.

    Args:
        spec: the validated specification.
        resolved: an :class:`Upstream` per component line (by ``ref``), the datasets the specification
            declares (by id, of the declared version), and optionally the benchmark of its category.

    Returns:
        The exact and rounded footprint per declared unit by stage, every line's contribution, statistics
        and the grade (when a benchmark was given).

    Raises:
        RollupError: ``unit`` (incompatible units), ``unresolved``, ``mismatch``, ``self_reference``,
            ``pinned``, ``dataset``, ``factor``, ``boundary`` or ``benchmark`` (docs/passport.md).
    """
    scale = _f(spec.unitary_product_amount) / _f(spec.inventory_amount)
    lines = tuple(_scaled(line, scale) for line in _lines(spec, resolved))
    by_stage: dict[str, list[Fraction]] = {}
    for line in lines:
        for s, v in line.stages:
            by_stage.setdefault(s, []).append(v)
    exact = tuple((s, fraction_sum(by_stage[s])) for s in LIFE_CYCLE_STAGES if s in by_stage)
    stages = tuple((s, round_half_even(v, spec.places)) for s, v in exact)
    total = exact_sum(v for _, v in stages)
    graded = None if resolved.benchmark is None else grade(total, spec, resolved.benchmark)
    split = rolled_split([_split_line(line, scale) for line in lines], total, spec.places)
    stats = statistics(lines, total, spec.places)
    return Rollup(spec.places, exact, stages, total, lines, stats, graded, split)


def _split_line(line: Line, scale: Fraction) -> SplitLine:
    up = line.upstream
    if line.kind != "component" or up is None or line.activity is None:
        return SplitLine(line.total)
    return SplitLine(line.total, up.split, line.activity / _f(up.unitary_product_amount) * scale, True)
