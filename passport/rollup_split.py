"""The PACT split of a rolled-up footprint (docs/passport.md, "The PACT split"): fossil, land-use change,
biogenic emissions and removals, biogenic CO2 uptake and the "of which" figures (land-management fossil,
aircraft, packaging), as PACT v3.0's ``CarbonFootprint`` and the attestation separate them.

Per declared unit of the product, over the lines of the roll-up (passport/rollup.py):

* a **component** adds its upstream's split times the line's multiplier (quantity in the upstream's unit /
  the upstream's ``unitaryProductAmount`` x ``unitaryProductAmount`` / ``inventoryAmount``), member by member;
  a member the upstream does not state counts zero;
* every **other line** (background materials, the manufacturer's process, electricity, transport, end of life)
  is fossil: background factors and directly stated emissions are kgCO2e with no split, and carbontrail
  does not guess one.

Each member but fossil is rounded once (ROUND_HALF_EVEN, the passport's places); **fossil is the published
``pcfExcludingBiogenic`` minus the rounded parts** PACT v3.0 sums into it (land use, land-management biogenic
CO2 emissions and removals, biogenic non-CO2, technological removals, CCS), so the sum rule holds digit for
digit; ``pcfIncludingBiogenic`` is ``pcfExcludingBiogenic`` plus the rounded uptake. A member is stated when
some component states it. ``packagingEmissionsIncluded`` is true when some component includes packaging.
Without every component's split (a passport composed before the split was published), there is none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from passport.quantity import EXACT, exact_sum, format_decimal
from passport.rollup_stats import round_half_even

if TYPE_CHECKING:
    from passport.attestation import Attestation

PCF_PARTS = (
    ("land_use_emissions", "landUseEmissions"),
    ("land_management_biogenic_co2_emissions", "landManagementBiogenicCO2Emissions"),
    ("biogenic_non_co2_emissions", "biogenicNonCO2Emissions"),
    ("land_management_biogenic_co2_removals", "landManagementBiogenicCO2Removals"),
    ("technological_co2_removals", "technologicalCO2Removals"),
    ("ccs_technological_co2_capture", "ccsTechnologicalCO2Capture"),
)
"""The parts of ``pcfExcludingBiogenic`` besides fossil (attribute, wire name), PACT v3.0's formula."""
OTHER_PARTS = (
    ("biogenic_co2_uptake", "biogenicCO2Uptake"),
    ("land_management_fossil_ghg_emissions", "landManagementFossilGhgEmissions"),
    ("aircraft_ghg_emissions", "aircraftGhgEmissions"),
    ("packaging_ghg_emissions", "packagingGhgEmissions"),
)
"""Uptake (added for ``pcfIncludingBiogenic``) and the "of which" figures."""
PARTS = PCF_PARTS + OTHER_PARTS
WIRE_NAMES = frozenset(
    {"fossilGhgEmissions", "pcfIncludingBiogenic", "packagingEmissionsIncluded", *(w for _, w in PARTS)}
)
"""The scorecard members that state a split."""


@dataclass(frozen=True)
class Split:
    """A footprint's PACT split per declared unit amount: ``fossil``, the stated ``parts`` by wire name (in
    :data:`PARTS` order), and whether packaging emissions are included."""

    fossil: Decimal
    parts: tuple[tuple[str, Decimal], ...] = ()
    packaging_included: bool = False

    def part(self, name: str) -> Decimal | None:
        """A stated part by wire name, or None."""
        return dict(self.parts).get(name)

    @property
    def pcf_excluding_biogenic(self) -> Decimal:
        """Fossil plus the parts PACT v3.0 sums into ``pcfExcludingBiogenic``."""
        return exact_sum([self.fossil, *(v for n, v in self.parts if n in _PCF_WIRE)])

    @property
    def pcf_including_biogenic(self) -> Decimal:
        """``pcfExcludingBiogenic`` plus the uptake."""
        return EXACT.add(self.pcf_excluding_biogenic, self.part("biogenicCO2Uptake") or Decimal(0))

    def to_wire(self) -> dict[str, object]:
        """The scorecard members (decimal strings; ``packagingEmissionsIncluded`` a boolean)."""
        out: dict[str, object] = {
            "pcfIncludingBiogenic": format_decimal(self.pcf_including_biogenic),
            "fossilGhgEmissions": format_decimal(self.fossil),
        }
        out |= {n: format_decimal(v) for n, v in self.parts}
        out["packagingEmissionsIncluded"] = self.packaging_included
        return out

    def as_attestation_fields(self) -> dict[str, Any]:
        """The split as :class:`~passport.attestation.Attestation` keyword arguments."""
        attrs = {w: a for a, w in PARTS}
        out: dict[str, Any] = {attrs[n]: v for n, v in self.parts}
        return out | {
            "fossil_ghg_emissions": self.fossil,
            "pcf_including_biogenic": self.pcf_including_biogenic,
            "packaging_emissions_included": self.packaging_included,
        }

    @classmethod
    def of_attestation(cls, att: Attestation) -> Split:
        """An attestation's split, as it states it."""
        parts = tuple((w, getattr(att, a)) for a, w in PARTS if getattr(att, a) is not None)
        return cls(att.fossil_ghg_emissions, parts, att.packaging_emissions_included)


_PCF_WIRE = frozenset(w for _, w in PCF_PARTS)


@dataclass(frozen=True)
class SplitLine:
    """One roll-up line as the split sees it: its exact total per declared unit, and for a component the
    upstream's split and the multiplier applied to it."""

    total: Fraction
    split: Split | None = None
    multiplier: Fraction | None = None
    component: bool = False


def rolled_split(lines: Sequence[SplitLine], pcf: Decimal, places: int) -> Split | None:
    """The split of a roll-up whose published ``pcfExcludingBiogenic`` is ``pcf`` (module docstring), or None
    when a component line has no split."""
    sums: dict[str, Fraction] = {}
    included = False
    for line in lines:
        if not line.component:
            continue
        if line.split is None or line.multiplier is None:
            return None
        included = included or line.split.packaging_included
        for name, value in line.split.parts:
            sums[name] = sums.get(name, Fraction(0)) + line.multiplier * Fraction(value)
    parts = tuple((w, round_half_even(sums[w], places)) for _, w in PARTS if w in sums)
    rounded: Mapping[str, Decimal] = dict(parts)
    fossil = EXACT.subtract(pcf, exact_sum(rounded[w] for w in _PCF_WIRE if w in rounded))
    return Split(fossil, parts, included)
