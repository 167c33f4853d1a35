"""The parts of a footprint attestation that are values of their own: the life-cycle stage breakdown, data
quality ratings, uncertainty, factor-dataset references, product category rules and PACT extensions.

docs/attestation.md ("The subject") gives their wire form; the names follow WBCSD PACT Technical
Specifications v3.0 (``CarbonFootprint``: ``dqi``/``DataQualityIndicators``,
``productOrSectorSpecificRules``/``ProductOrSectorSpecificRule``, ``DataModelExtension``) where PACT has the
concept, and v2.3 where only it has one (``completenessDQR``, ``reliabilityDQR``, ``coveragePercent``).
Every decimal is a :class:`~decimal.Decimal` here and a canonical decimal string on the wire
(passport/quantity.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from passport.envelope import check_object
from passport.errors import RuleError
from passport.quantity import check_text, format_decimal, parse_decimal

LIFE_CYCLE_STAGES = ("rawMaterialAcquisition", "manufacturing", "distribution", "use", "endOfLife")
"""Wire names of the stages, in life-cycle order: raw material acquisition (and pre-processing), main
product manufacturing, distribution and transport, use, end of life and recycling."""

DISTRIBUTIONS = ("normal", "lognormal", "triangular", "uniform")
UNCERTAINTY_METHODS = ("monte-carlo", "analytical", "pedigree", "expert-judgement")
SECTOR_RULE_OPERATORS = ("PEF", "EPD International", "Other")

DECIMAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("unitary_product_amount", "unitaryProductAmount", "positive"),
    ("product_mass_per_declared_unit", "productMassPerDeclaredUnit", "emission"),
    ("pcf_excluding_biogenic", "pcfExcludingBiogenic", "total"),
    ("pcf_including_biogenic", "pcfIncludingBiogenic", "total"),
    ("fossil_ghg_emissions", "fossilGhgEmissions", "emission"),
    ("land_use_emissions", "landUseEmissions", "emission"),
    ("land_management_biogenic_co2_emissions", "landManagementBiogenicCO2Emissions", "emission"),
    ("biogenic_non_co2_emissions", "biogenicNonCO2Emissions", "emission"),
    ("land_management_biogenic_co2_removals", "landManagementBiogenicCO2Removals", "removal"),
    ("technological_co2_removals", "technologicalCO2Removals", "removal"),
    ("ccs_technological_co2_capture", "ccsTechnologicalCO2Capture", "removal"),
    ("biogenic_co2_uptake", "biogenicCO2Uptake", "removal"),
    ("land_management_fossil_ghg_emissions", "landManagementFossilGhgEmissions", "emission"),
    ("aircraft_ghg_emissions", "aircraftGhgEmissions", "emission"),
    ("packaging_ghg_emissions", "packagingGhgEmissions", "emission"),
    ("fossil_carbon_content", "fossilCarbonContent", "emission"),
    ("biogenic_carbon_content", "biogenicCarbonContent", "emission"),
    ("exempted_emissions_percent", "exemptedEmissionsPercent", "percent"),
    ("primary_data_share", "primaryDataShare", "percent"),
)
"""Every decimal field: (attribute, wire name, sign class). ``emission``: >= 0; ``removal``: <= 0;
``positive``: > 0; ``percent``: 0 to 100; ``total``: signed, fixed by the sum rules."""


@dataclass(frozen=True)
class Stages:
    """The footprint per declared unit by life-cycle stage (kgCO2e); a stage not reported is ``None``.

    The reported stages sum exactly to ``pcfExcludingBiogenic`` (rule ``attestation.stages_sum``); a stage
    may be negative (a net removal in raw materials, a recycling credit at end of life).
    """

    raw_material_acquisition: Decimal | None = None
    manufacturing: Decimal | None = None
    distribution: Decimal | None = None
    use: Decimal | None = None
    end_of_life: Decimal | None = None

    def items(self) -> Iterator[tuple[str, Decimal]]:
        """``(wire name, value)`` of each reported stage, in life-cycle order."""
        for name, attr in _STAGE_ATTRIBUTES:
            value = getattr(self, attr)
            if value is not None:
                yield name, value

    @classmethod
    def from_items(cls, values: dict[str, Decimal]) -> Stages:
        """Build from wire names (``rawMaterialAcquisition``, ...) to values."""
        return cls(**{_STAGE_ATTRIBUTE_OF[k]: v for k, v in values.items()})


_STAGE_ATTRIBUTES = tuple(zip(LIFE_CYCLE_STAGES, (f.name for f in fields(Stages)), strict=True))
"""(wire name, attribute) of each stage, in life-cycle order."""
_STAGE_ATTRIBUTE_OF = dict(_STAGE_ATTRIBUTES)


@dataclass(frozen=True)
class DataQuality:
    """PACT data quality ratings (``dqi``): each DQR from 1 (best) to 5 (PACT v3.0's scale; v2.3's 1 to 3
    fits inside it), ``coverage_percent`` the share of the footprint the assessment covers (v2.3)."""

    technological: Decimal
    temporal: Decimal
    geographical: Decimal
    completeness: Decimal | None = None
    reliability: Decimal | None = None
    coverage_percent: Decimal | None = None

    WIRE = (
        ("technological", "technologicalDQR"),
        ("temporal", "temporalDQR"),
        ("geographical", "geographicalDQR"),
        ("completeness", "completenessDQR"),
        ("reliability", "reliabilityDQR"),
        ("coverage_percent", "coveragePercent"),
    )


@dataclass(frozen=True)
class Uncertainty:
    """The uncertainty of ``pcfExcludingBiogenic`` and how it was estimated.

    ``distribution`` decides the parameters, and the reported value is the distribution's central value:
    ``normal`` takes ``standard_deviation`` (> 0; the mean is the value), ``lognormal`` takes
    ``geometric_standard_deviation`` (> 1; the geometric mean is the value, which must be > 0),
    ``triangular`` (mode = the value) and ``uniform`` take ``minimum`` <= value <= ``maximum`` with minimum <
    maximum. ``method`` is one of :data:`UNCERTAINTY_METHODS`; ``description`` is free text (PACT v2.3
    ``uncertaintyAssessmentDescription``).
    """

    distribution: str
    method: str
    standard_deviation: Decimal | None = None
    geometric_standard_deviation: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    description: str | None = None

    PARAMETERS = (
        ("standard_deviation", "standardDeviation"),
        ("geometric_standard_deviation", "geometricStandardDeviation"),
        ("minimum", "minimum"),
        ("maximum", "maximum"),
    )


@dataclass(frozen=True)
class FactorDatasetRef:
    """A background dataset the footprint used: a carbontrail factor dataset by id, version and the digest
    of its credential, or an external database (PACT ``secondaryEmissionFactorSources``: ecoinvent 3.9.1)
    by name and version only (``credential`` None)."""

    dataset_id: str
    version: str
    credential: str | None = None


@dataclass(frozen=True)
class SectorRule:
    """PACT ``ProductOrSectorSpecificRule``: an operator (``PEF``, ``EPD International``, ``Other``) and the
    names of its rules (PCRs such as a GB/T product category rule); ``other_operator_name`` is required
    when the operator is ``Other``."""

    operator: str
    rule_names: tuple[str, ...]
    other_operator_name: str | None = None


@dataclass(frozen=True)
class PactExtension:
    """A PACT ``DataModelExtension`` kept verbatim: ``data`` holds the JCS text of its ``data`` object, so the
    value is immutable and compares by content; :attr:`data_value` gives the JSON object back."""

    spec_version: str
    data_schema: str
    data: str
    documentation: str | None = None

    @property
    def data_value(self) -> dict[str, Any]:
        """The extension's ``data`` object."""
        value = json.loads(self.data)
        assert isinstance(value, dict)
        return value


def check_uncertainty(u: Uncertainty, value: Decimal, error: type[RuleError]) -> None:
    """``attestation.uncertainty``: a known distribution and method, exactly the distribution's parameters,
    in range, around ``value`` (see :class:`~passport.footprint.Uncertainty`).

    Raises:
        RuleError: ``error`` with rule ``uncertainty`` (or ``text`` for a bad description).
    """
    if u.distribution not in DISTRIBUTIONS:
        raise error("uncertainty", f"distribution must be one of {list(DISTRIBUTIONS)}")
    if u.method not in UNCERTAINTY_METHODS:
        raise error("uncertainty", f"method must be one of {list(UNCERTAINTY_METHODS)}")
    needs = {
        "normal": {"standard_deviation"},
        "lognormal": {"geometric_standard_deviation"},
        "triangular": {"minimum", "maximum"},
        "uniform": {"minimum", "maximum"},
    }[u.distribution]
    given = {attr for attr, _ in Uncertainty.PARAMETERS if getattr(u, attr) is not None}
    if given != needs:
        raise error("uncertainty", f"a {u.distribution} distribution takes exactly {sorted(needs)}")
    if u.standard_deviation is not None and u.standard_deviation <= 0:
        raise error("uncertainty", "standardDeviation must be greater than 0")
    if u.geometric_standard_deviation is not None and (u.geometric_standard_deviation <= 1 or value <= 0):
        raise error("uncertainty", "a lognormal needs geometricStandardDeviation > 1 around a positive value")
    if u.minimum is not None and u.maximum is not None and not u.minimum <= value <= u.maximum > u.minimum:
        raise error("uncertainty", "minimum <= pcfExcludingBiogenic <= maximum, minimum < maximum")
    if u.description is not None:
        check_text(u.description, "uncertainty.description", error, limit=4096)


def uncertainty_to_wire(u: Uncertainty) -> dict[str, Any]:
    """The wire form of an uncertainty (docs/attestation.md, "Uncertainty")."""
    out: dict[str, Any] = {"distribution": u.distribution, "method": u.method}
    out |= {w: format_decimal(getattr(u, a)) for a, w in u.PARAMETERS if getattr(u, a) is not None}
    if u.description is not None:
        out["description"] = u.description
    return out


def uncertainty_from_wire(value: Any, what: str, error: type[RuleError]) -> Uncertainty:
    """Read an uncertainty's wire form (its rules are :func:`check_uncertainty`'s).

    Raises:
        RuleError: ``error`` with rule ``field`` or ``decimal``.
    """
    u = check_object(value, what, _UNCERTAINTY_REQUIRED, _UNCERTAINTY_OPTIONAL, error)
    for name in ("distribution", "method", "description"):
        if name in u and not isinstance(u[name], str):
            raise error("field", f"{what}.{name} must be a string")
    return Uncertainty(
        u["distribution"],
        u["method"],
        description=u.get("description"),
        **{a: parse_decimal(u[w], f"{what}.{w}", error) for a, w in Uncertainty.PARAMETERS if w in u},
    )


_UNCERTAINTY_REQUIRED = {"distribution", "method"}
_UNCERTAINTY_OPTIONAL = {"description", *(w for _, w in Uncertainty.PARAMETERS)}
"""An uncertainty's members, made once (check_object only reads them)."""
