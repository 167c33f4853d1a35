"""The PACT v2.3 mapping (docs/pact.md, "v2.3"): an attestation's modelled fields to and from a v2.3
``ProductFootprint``.

WBCSD PACT Technical Specifications v2.3 (OpenAPI 2.3.x components ``ProductFootprint``, ``CarbonFootprint``,
``DataQualityIndicators``, ``EmissionFactorDatabases``). v2.3 differs from the model more than v3.0 does:
seven declared units (no ``piece``, ``hour``, ``megabit second``), JSON numbers for percentages and ratings,
data quality ratings from 1 to 3 with all five and the coverage required, a closed list of cross-sectoral
standards, the deprecated but required ``characterizationFactors`` and ``crossSectoralStandardsUsed``, and
none of v3.0's land-management, biogenic non-CO2, removal and capture components: its totals are fossil +
dLUC, so an attestation with a non-zero v3.0-only component cannot be written as v2.3 without changing what
its totals mean, and is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from passport import footprint as fp
from passport import pact_common as pc
from passport import pact_extension as px
from passport.attestation import Attestation
from passport.errors import PactError
from passport.pact_v3 import common_footprint, read_common_footprint, strings
from passport.quantity import EXACT, PACT_V2_UNITS

VERSION = "2.3"
SPEC_VERSION = "2.3.0"
REQUIRED_TOP = (
    "id", "specVersion", "version", "created", "status", "comment", "companyName", "companyIds",
    "productDescription", "productIds", "productCategoryCpc", "productNameCompany", "pcf",
)  # fmt: skip
REQUIRED_PCF = (
    "declaredUnit", "unitaryProductAmount", "referencePeriodStart", "referencePeriodEnd",
    "pCfExcludingBiogenic", "fossilGhgEmissions", "fossilCarbonContent", "biogenicCarbonContent",
    "characterizationFactors", "ipccCharacterizationFactorsSources", "crossSectoralStandardsUsed",
    "boundaryProcessesDescription", "exemptedEmissionsPercent", "exemptedEmissionsDescription",
    "packagingEmissionsIncluded",
)  # fmt: skip
RECORD_KEYS = (
    "id", "version", "created", "updated", "status", "statusComment", "validityPeriodStart",
    "validityPeriodEnd", "precedingPfIds", "companyName", "companyIds", "productDescription",
    "productNameCompany", "productCategoryCpc", "comment", "pcf.boundaryProcessesDescription",
    "pcf.exemptedEmissionsDescription",
)  # fmt: skip
"""Fields an exporting host may fill from its own records when the attestation does not state them."""

DECIMALS = (
    ("unitary_product_amount", "unitaryProductAmount"),
    ("product_mass_per_declared_unit", "productMassPerDeclaredUnit"),
    ("pcf_excluding_biogenic", "pCfExcludingBiogenic"),
    ("pcf_including_biogenic", "pCfIncludingBiogenic"),
    ("fossil_ghg_emissions", "fossilGhgEmissions"),
    ("fossil_carbon_content", "fossilCarbonContent"),
    ("biogenic_carbon_content", "biogenicCarbonContent"),
    ("land_use_emissions", "dLucGhgEmissions"),
    ("biogenic_co2_uptake", "biogenicCarbonWithdrawal"),
    ("aircraft_ghg_emissions", "aircraftGhgEmissions"),
    ("packaging_ghg_emissions", "packagingGhgEmissions"),
)
"""Model attribute and v2.3 ``CarbonFootprint`` member of every decimal string that maps one to one."""

NUMBERS = (
    ("exempted_emissions_percent", "exemptedEmissionsPercent"),
    ("primary_data_share", "primaryDataShare"),
)
DQI = (
    ("coverage_percent", "coveragePercent"),
    ("technological", "technologicalDQR"),
    ("temporal", "temporalDQR"),
    ("geographical", "geographicalDQR"),
    ("completeness", "completenessDQR"),
    ("reliability", "reliabilityDQR"),
)
V2_STANDARDS = (
    "ISO14067",
    "ISO14083",
    "ISO14040-44",
    "GHGP-Product",
    "PEF",
    "PACT-1.0",
    "PACT-2.0",
    "PACT-3.0",
)
"""v2.3's closed ``crossSectoralStandards`` enumeration."""
STANDARDS_USED = {
    "GHGP-Product": "GHG Protocol Product standard",
    "ISO14067": "ISO Standard 14067",
    "ISO14040-44": "ISO Standard 14044",
}
"""The deprecated (but required) ``crossSectoralStandardsUsed`` names of carbontrail's standard tokens."""
_DQR_MAX = Decimal(3)


def derive(att: Attestation, issuer_domain: str | None) -> pc.Derived:
    """The v2.3 fields an attestation's model gives (docs/pact.md, "v2.3"); a per-piece, per-hour or
    per-megabit-second footprint, a data quality rating above 3 or an incomplete ``dqi``, an IPCC report
    other than AR5 and AR6 alone, and a non-zero v3.0-only component are problems (``pact.unrepresentable``).
    """
    problems: list[tuple[str, PactError]] = []
    top: dict[str, Any] = {"specVersion": SPEC_VERSION}
    try:
        top["productIds"] = pc.product_ids_out(att, issuer_domain)
    except PactError as e:
        problems.append(("productIds", e))
    if att.product_name is not None:
        top["productNameCompany"] = att.product_name
    if att.product_category is not None:
        top["productCategoryCpc"] = att.product_category
    if att.declared_unit not in PACT_V2_UNITS:
        problems.append(
            (
                "pcf.declaredUnit",
                pc.err("unrepresentable", f"v2.3 has no declared unit {att.declared_unit!r}"),
            )
        )
    pcf: dict[str, Any] = {"declaredUnit": att.declared_unit}
    for attr, name in DECIMALS:
        if getattr(att, attr) is not None:
            pcf[name] = pc.dec_out(getattr(att, attr))
    for attr, name in NUMBERS:
        if getattr(att, attr) is not None:
            pcf[name] = getattr(att, attr)
    pcf["packagingEmissionsIncluded"] = att.packaging_emissions_included
    ipcc = att.ipcc_characterization_factors
    if ipcc:
        pcf["ipccCharacterizationFactorsSources"] = list(ipcc)
        if "AR6" in ipcc or "AR5" in ipcc:
            pcf["characterizationFactors"] = "AR6" if "AR6" in ipcc else "AR5"
        else:
            problems.append(
                ("pcf.characterizationFactors", pc.err("unrepresentable", "v2.3 requires AR5 or AR6"))
            )
    used = [STANDARDS_USED[s] for s in att.standards if s in STANDARDS_USED]
    if used:
        pcf["crossSectoralStandardsUsed"] = used
    listed = [s for s in att.standards if s in V2_STANDARDS]
    if listed:
        pcf["crossSectoralStandards"] = listed
    if att.product_or_sector_specific_rules:
        pcf["productOrSectorSpecificRules"] = pc.sector_rules_out(att.product_or_sector_specific_rules)
    pcf["referencePeriodStart"] = att.reference_period_start
    pcf["referencePeriodEnd"] = att.reference_period_end
    pcf |= pc.geography_out(att.geography)
    if att.factor_datasets:
        pcf["secondaryEmissionFactorSources"] = pc.factor_sources_out(att.factor_datasets)
    if att.uncertainty is not None and att.uncertainty.description is not None:
        pcf["uncertaintyAssessmentDescription"] = att.uncertainty.description
    if att.dqi is not None:
        ratings = {name: getattr(att.dqi, attr) for attr, name in DQI}
        if any(v is None for v in ratings.values()):
            problems.append(
                ("pcf.dqi", pc.err("unrepresentable", "a v2.3 dqi has every rating and coveragePercent"))
            )
        elif any(v > _DQR_MAX for n, v in ratings.items() if n != "coveragePercent"):
            problems.append(
                ("pcf.dqi", pc.err("unrepresentable", "v2.3 data quality ratings run from 1 to 3"))
            )
        else:
            pcf["dqi"] = ratings
    footprint = common_footprint(att)
    components = {}
    for attr, name in pc.V3_ONLY_COMPONENTS:
        value = getattr(att, attr)
        if value is not None and value != 0:
            problems.append(
                (f"pcf.{name}", pc.err("unrepresentable", f"v2.3 has no {name}; its totals exclude it"))
            )
        elif value is not None:
            components[name] = pc.dec_out(value)
    if components:
        footprint["components"] = components
    if any(s not in V2_STANDARDS for s in att.standards):
        footprint["standards"] = list(att.standards)
    return pc.Derived(top, pcf, footprint, tuple(problems))


def read(top: Mapping[str, Any], pcf: Mapping[str, Any], footprint: Mapping[str, Any]) -> dict[str, Any]:
    """The model values of a v2.x document's modelled fields (without productId and extensions).

    An absent ``pCfIncludingBiogenic`` is ``pCfExcludingBiogenic`` + ``biogenicCarbonWithdrawal`` (the
    import notes it absent, so the export leaves it out again).

    Raises:
        PactError: ``pact.schema``, ``pact.unrepresentable`` or ``pact.extension``.
    """
    unit = pcf["declaredUnit"]
    if unit not in PACT_V2_UNITS:
        raise pc.err("schema", f"declaredUnit {unit!r} is not a v2.3 unit")
    values: dict[str, Any] = {"declared_unit": unit}
    for attr, name in DECIMALS:
        if name in pcf:
            values[attr] = pc.dec_in(pcf[name], name)
    for attr, name in NUMBERS:
        if name in pcf:
            values[attr] = pc.num_in(pcf[name], name)
    if "pcf_including_biogenic" not in values:
        uptake = values.get("biogenic_co2_uptake", Decimal(0))
        values["pcf_including_biogenic"] = EXACT.add(values["pcf_excluding_biogenic"], uptake)
    if not isinstance(pcf["packagingEmissionsIncluded"], bool):
        raise pc.err("schema", "packagingEmissionsIncluded must be true or false")
    values["packaging_emissions_included"] = pcf["packagingEmissionsIncluded"]
    for name in ("referencePeriodStart", "referencePeriodEnd"):
        if not isinstance(pcf[name], str):
            raise pc.err("schema", f"{name} must be a date-time string")
    values["reference_period_start"] = pcf["referencePeriodStart"]
    values["reference_period_end"] = pcf["referencePeriodEnd"]
    values["geography"] = pc.geography_in(pcf)
    values["ipcc_characterization_factors"] = strings(
        pcf["ipccCharacterizationFactorsSources"], "ipccCharacterizationFactorsSources"
    )
    values["standards"] = _standards(pcf, footprint)
    if "productOrSectorSpecificRules" in pcf:
        values["product_or_sector_specific_rules"] = pc.sector_rules_in(pcf["productOrSectorSpecificRules"])
    sources = pc.factor_sources_in(pcf.get("secondaryEmissionFactorSources"))
    if sources is not None:
        values["factor_datasets"] = sources
    if "dqi" in pcf:
        dqi = pcf["dqi"]
        if not isinstance(dqi, dict) or set(dqi) != {n for _, n in DQI}:
            raise pc.err("schema", "a v2.3 dqi has exactly coveragePercent and the five DQRs")
        values["dqi"] = fp.DataQuality(**{a: pc.num_in(dqi[n], f"dqi.{n}") for a, n in DQI})
    for attr, name in (("product_name", "productNameCompany"), ("product_category", "productCategoryCpc")):
        text = pc.text_in(top.get(name))
        if text is not None:
            values[attr] = text
    components = px.ext_decimals(
        footprint.get("components", {}), (n for _, n in pc.V3_ONLY_COMPONENTS), "components"
    )
    values |= {a: components[n] for a, n in pc.V3_ONLY_COMPONENTS if n in components}
    read_common_footprint(footprint, values)
    return {k: v for k, v in values.items() if v is not None}


def _standards(pcf: Mapping[str, Any], footprint: Mapping[str, Any]) -> tuple[str, ...]:
    if "standards" in footprint:
        return tuple(footprint["standards"])
    if "crossSectoralStandards" in pcf:
        return strings(pcf["crossSectoralStandards"], "crossSectoralStandards")
    used = strings(pcf["crossSectoralStandardsUsed"], "crossSectoralStandardsUsed")
    back = {v: k for k, v in STANDARDS_USED.items()}
    if not all(u in back for u in used):
        raise pc.err("schema", f"crossSectoralStandardsUsed lists only {sorted(back)}")
    return tuple(back[u] for u in used)
