"""What the roll-up says about its own figures: uncertainty, primary data share, data quality, and the grade
against the category's benchmark (docs/passport.md, "Uncertainty", "Data quality", "The grade").

* **Uncertainty**: first-order (analytical) propagation with independent lines. A line's variance is its
  source's variance (around the source's central value) times the square of the line's multiplier (its
  activity over the upstream amount, or its activity for a factor); variances add; the passport states the
  standard deviation u = sqrt(sum) and the expanded uncertainty U = 2u (coverage factor k = 2, about 95 %
  for a normal distribution, as the GUM reports it), so the interval is total -/+ U. Variances: normal
  sd^2; uniform (max - min)^2 / 12; triangular (a^2 + b^2 + c^2 - ab - ac - bc) / 18 with c the mode;
  lognormal with geometric mean m and geometric standard deviation g: m^2 e^(s^2) (e^(s^2) - 1), s = ln g
  (Decimal's correctly rounded ln and exp at 40 digits). A line whose source states no uncertainty adds
  nothing; the passport says what share of the footprint had one (``coveragePercent``).
* **Primary data share and data quality** are weighted by each line's absolute contribution (so that a
  credit weighs like an emission of its size). A supplier's line counts its attestation's primary data share
  (none stated: 0); the manufacturer's direct measured emissions count as primary (100 %); every line
  costed with a background factor is secondary (0 %), as DESIGN.md says. Data quality ratings are averaged
  over the lines that state them, with the share they cover as ``coveragePercent``.
* **Grade**: the published total, on the benchmark's declared unit and amount, against topRunner <= baseline
  <= limit (lower is better): A at or below the top-runner value; B at or below the midpoint of top-runner
  and baseline; C at or below the baseline; D at or below the limit; E above the limit (the product does not
  conform).

Every figure is rounded once, ROUND_HALF_EVEN, to the specification's places.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from math import isqrt
from typing import TYPE_CHECKING

from passport.errors import RollupError
from passport.footprint import DataQuality, Uncertainty
from passport.units import factor_between, symbol_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from passport.factors import Benchmark
    from passport.rollup import BenchmarkUse, Line
    from passport.spec import PassportSpec

COVERAGE_FACTOR = 2
GRADES = ("A", "B", "C", "D", "E")
UNCERTAINTY_METHOD = (
    "first-order analytical propagation, lines independent, variances add; interval = total -/+ 2u (k = 2)"
)
_LN_CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)


def fraction_sum(values: Iterable[Fraction]) -> Fraction:
    """The exact sum of ``values``: numerators added as integers per denominator, then the few distinct
    denominators' sums added as fractions (the same value as ``sum(values, Fraction(0))``, without a gcd per
    addition: a roll-up's lines share a handful of denominators)."""
    by_denominator: dict[int, int] = {}
    for v in values:
        d = v.denominator
        by_denominator[d] = by_denominator.get(d, 0) + v.numerator
    total = Fraction(0)
    for d, n in by_denominator.items():
        total += Fraction(n, d)
    return total


def round_half_even(value: Fraction, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimal places, ties to even, as a Decimal with exactly that exponent.

    Integer arithmetic on the exact fraction: the same digits on every machine.
    """
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    q, r = divmod(abs(scaled.numerator), scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q % 2 == 1):
        q += 1
    return Decimal(sign * q).scaleb(-places) if q else Decimal(0).scaleb(-places)


def round_sqrt(value: Fraction, places: int) -> Decimal:
    """sqrt(``value``) rounded once to ``places``, ties to even, exactly (integer square roots).

    Requires value >= 0.
    """
    scaled = value * 10 ** (2 * places)
    k = isqrt(scaled.numerator // scaled.denominator)
    # sqrt(scaled) >= k + 1/2  <=>  4 * scaled >= (2k + 1)^2; equality is a tie.
    edge = 4 * scaled - (2 * k + 1) ** 2
    if edge > 0 or (edge == 0 and k % 2 == 1):
        k += 1
    return Decimal(k).scaleb(-places)


def variance(u: Uncertainty, centre: Decimal) -> Fraction:
    """The variance of a stated uncertainty around its central value (module docstring)."""
    f = Fraction
    if u.distribution == "normal":
        assert u.standard_deviation is not None
        return f(u.standard_deviation) ** 2
    if u.distribution == "lognormal":
        assert u.geometric_standard_deviation is not None
        s2 = _LN_CONTEXT.power(u.geometric_standard_deviation.ln(_LN_CONTEXT), 2)
        e = s2.exp(_LN_CONTEXT)
        return f(centre) ** 2 * f(e) * (f(e) - 1)
    assert u.minimum is not None
    assert u.maximum is not None
    a, b = f(u.minimum), f(u.maximum)
    if u.distribution == "uniform":
        return (b - a) ** 2 / 12
    c = f(centre)
    return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


def line_variance(u: Uncertainty | None, centre: Decimal, multiplier: Fraction) -> Fraction | None:
    """The variance a line adds: its source's variance times the multiplier squared (None: no uncertainty)."""
    return None if u is None else variance(u, centre) * multiplier * multiplier


@dataclass(frozen=True)
class Statistics:
    """The roll-up's uncertainty (standard deviation, expanded uncertainty, interval, the share of the
    footprint it covers), primary data share and data quality, each rounded once (percentages in percent)."""

    standard_deviation: Decimal | None = None
    expanded: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    uncertainty_coverage: Decimal | None = None
    primary_data_share: Decimal | None = None
    dqi: DataQuality | None = None

    def uncertainty(self) -> Uncertainty | None:
        """The uncertainty as an attestation states it (normal, analytical), for a passport that becomes a
        component of the next tier; None when no line had one or it rounds to zero."""
        if self.standard_deviation is None or self.standard_deviation <= 0:
            return None
        return Uncertainty("normal", "analytical", standard_deviation=self.standard_deviation)


def _weighted(pairs: Sequence[tuple[Fraction, Fraction]]) -> Fraction | None:
    weight = fraction_sum(w for w, _ in pairs)
    return None if weight == 0 else fraction_sum(w * v for w, v in pairs) / weight


def _dqi(weights: Sequence[tuple[Fraction, Line]], everything: Fraction, places: int) -> DataQuality | None:
    rated = [(w, line.dqi) for w, line in weights if line.dqi is not None]
    if not rated or everything == 0:
        return None
    values: dict[str, Decimal | None] = {}
    exact: dict[Decimal, Fraction] = {}  # ratings take few distinct values: each converted once
    for attr, _ in DataQuality.WIRE[:5]:
        pairs = []
        for w, q in rated:
            rating = getattr(q, attr)
            if rating is not None:
                f = exact.get(rating)
                if f is None:
                    f = exact[rating] = Fraction(rating)
                pairs.append((w, f))
        mean = _weighted(pairs)
        values[attr] = None if mean is None else round_half_even(mean, places)
    technological, temporal, geographical = (values[a] for a in ("technological", "temporal", "geographical"))
    if technological is None or temporal is None or geographical is None:  # every rated line weighed 0
        return None
    coverage = fraction_sum(w for w, _ in rated) / everything * 100
    return DataQuality(
        technological, temporal, geographical, values["completeness"], values["reliability"],
        round_half_even(coverage, places),
    )  # fmt: skip


def statistics(lines: Sequence[Line], total: Decimal, places: int) -> Statistics:
    """The statistics of a roll-up's lines (each already per declared unit) around its published total."""
    weights = [(abs(line.total), line) for line in lines]
    everything = fraction_sum(w for w, _ in weights)
    stated = [line.variance for line in lines if line.variance is not None]
    primary = _weighted([(w, line.primary) for w, line in weights])
    out = Statistics(
        primary_data_share=None if primary is None else round_half_even(primary * 100, places),
        dqi=_dqi(weights, everything, places),
    )
    if not stated:
        return out
    var = fraction_sum(stated)
    expanded = round_sqrt(var * COVERAGE_FACTOR**2, places)
    covered = fraction_sum(w for w, line in weights if line.variance is not None)
    return Statistics(
        round_sqrt(var, places), expanded, total - expanded, total + expanded,
        None if everything == 0 else round_half_even(covered / everything * 100, places),
        out.primary_data_share, out.dqi,
    )  # fmt: skip


@dataclass(frozen=True)
class Grade:
    """A roll-up graded against a benchmark: the letter, the value compared (the published total on the
    benchmark's declared unit and amount, exact), whether it conforms (at or below the limit), and the
    benchmark with its credential's digest."""

    letter: str
    value: Fraction
    benchmark: Benchmark
    credential: str

    @property
    def conforms(self) -> bool:
        """Whether the value is at or below the benchmark's limit."""
        return self.value <= Fraction(self.benchmark.limit)


def grade_letter(value: Fraction, benchmark: Benchmark) -> str:
    """The letter of ``value`` (on the benchmark's basis) on the A..E scale of the module docstring."""
    top, base, limit = (Fraction(x) for x in (benchmark.top_runner, benchmark.baseline, benchmark.limit))
    for letter, bound in zip(GRADES, (top, (top + base) / 2, base, limit), strict=False):
        if value <= bound:
            return letter
    return GRADES[-1]


def grade(total: Decimal, spec: PassportSpec, use: BenchmarkUse) -> Grade:
    """Grade a published total against a benchmark of the product's category.

    Raises:
        RollupError: ``rollup.benchmark``: another category, another boundary, or a declared unit the
            passport's does not convert to.
    """
    b = use.benchmark
    if spec.product.category != b.category:
        raise RollupError("benchmark", f"the benchmark is for {b.category!r}, not {spec.product.category!r}")
    if b.boundary is not None and b.boundary != spec.boundary:
        raise RollupError("benchmark", f"the benchmark is {b.boundary}, the passport {spec.boundary}")
    try:
        per = factor_between(symbol_of(b.declared_unit), symbol_of(spec.declared_unit))
    except RollupError as e:
        raise RollupError("benchmark", f"the benchmark's declared unit does not convert: {e.message}") from e
    value = Fraction(total) * Fraction(b.unitary_product_amount) * per / Fraction(spec.unitary_product_amount)
    return Grade(grade_letter(value, b), value, b, use.credential)
