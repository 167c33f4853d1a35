"""The PACT v3.0 mapping (docs/pact.md, "v3.0"): an attestation's modelled fields to and from a v3.0
``ProductFootprint``.

WBCSD PACT Technical Specifications v3.0 (OpenAPI 3.0.x components ``ProductFootprint``, ``CarbonFootprint``,
``DataQualityIndicators``, ``EmissionFactorSource``, ``ProductOrSectorSpecificRule``). carbontrail's
attestation takes v3.0's names and sum rules, so most fields map one to one; what v3.0 has no field for
(boundary, stages, uncertainty, dataset digests, supersession, product category, the v2.x data quality
ratings) goes in the footprint extension. The generic parts (verbatim fields, records, checks) are in
passport/pact.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from passport import footprint as fp
from passport import pact_common as pc
from passport import pact_extension as px
from passport.attestation import Attestation
from passport.errors import AttestationError, PactError
from passport.quantity import DECLARED_UNITS

VERSION = "3.0"
SPEC_VERSION = "3.0.0"
REQUIRED_TOP = (
    "id", "specVersion", "created", "status", "companyName", "companyIds", "productDescription", "productIds",
    "productNameCompany", "pcf",
)  # fmt: skip
REQUIRED_PCF = (
    "declaredUnitOfMeasurement", "declaredUnitAmount", "productMassPerDeclaredUnit", "referencePeriodStart",
    "referencePeriodEnd", "pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake", "fossilGhgEmissions",
    "fossilCarbonContent", "ipccCharacterizationFactors", "crossSectoralStandards",
    "exemptedEmissionsPercent",
)  # fmt: skip
RECORD_KEYS = (
    "id", "created", "status", "validityPeriodStart", "validityPeriodEnd", "precedingPfIds", "companyName",
    "companyIds", "productDescription", "productNameCompany", "comment",
)  # fmt: skip
"""Fields an exporting host may fill from its own records when the attestation does not state them."""

DECIMALS = (
    ("unitary_product_amount", "declaredUnitAmount"),
    ("product_mass_per_declared_unit", "productMassPerDeclaredUnit"),
    ("pcf_excluding_biogenic", "pcfExcludingBiogenicUptake"),
    ("pcf_including_biogenic", "pcfIncludingBiogenicUptake"),
    ("fossil_ghg_emissions", "fossilGhgEmissions"),
    ("fossil_carbon_content", "fossilCarbonContent"),
    ("biogenic_carbon_content", "biogenicCarbonContent"),
    ("land_use_emissions", "landUseChangeGhgEmissions"),
    ("land_management_fossil_ghg_emissions", "landManagementFossilGhgEmissions"),
    ("land_management_biogenic_co2_emissions", "landManagementBiogenicCO2Emissions"),
    ("land_management_biogenic_co2_removals", "landManagementBiogenicCO2Removals"),
    ("biogenic_co2_uptake", "biogenicCO2Uptake"),
    ("biogenic_non_co2_emissions", "biogenicNonCO2Emissions"),
    ("aircraft_ghg_emissions", "aircraftGhgEmissions"),
    ("packaging_ghg_emissions", "packagingGhgEmissions"),
    ("ccs_technological_co2_capture", "ccsTechnologicalCO2Capture"),
    ("technological_co2_removals", "technologicalCO2Removals"),
    ("exempted_emissions_percent", "exemptedEmissionsPercent"),
    ("primary_data_share", "primaryDataShare"),
)
"""Model attribute and v3.0 ``CarbonFootprint`` member of every decimal that maps one to one."""

DQI = (
    ("technological", "technologicalDQR"),
    ("geographical", "geographicalDQR"),
    ("temporal", "temporalDQR"),
)
DQI_EXTRAS = (
    ("completeness", "completenessDQR"),
    ("reliability", "reliabilityDQR"),
    ("coverage_percent", "coveragePercent"),
)


def derive(att: Attestation, issuer_domain: str | None) -> pc.Derived:
    """The v3.0 fields an attestation's model gives (docs/pact.md, "v3.0")."""
    problems: list[tuple[str, PactError]] = []
    top: dict[str, Any] = {"specVersion": SPEC_VERSION}
    try:
        top["productIds"] = pc.product_ids_out(att, issuer_domain)
    except PactError as e:
        problems.append(("productIds", e))
    if att.product_name is not None:
        top["productNameCompany"] = att.product_name
    pcf: dict[str, Any] = {"declaredUnitOfMeasurement": att.declared_unit}
    for attr, name in DECIMALS:
        if getattr(att, attr) is not None:
            pcf[name] = pc.dec_out(getattr(att, attr))
    pcf["referencePeriodStart"] = att.reference_period_start
    pcf["referencePeriodEnd"] = att.reference_period_end
    pcf |= pc.geography_out(att.geography)
    pcf["packagingEmissionsIncluded"] = att.packaging_emissions_included
    if att.ipcc_characterization_factors:
        pcf["ipccCharacterizationFactors"] = list(att.ipcc_characterization_factors)
    pcf["crossSectoralStandards"] = list(att.standards)
    if att.product_or_sector_specific_rules:
        pcf["productOrSectorSpecificRules"] = pc.sector_rules_out(att.product_or_sector_specific_rules)
    if att.factor_datasets:
        pcf["secondaryEmissionFactorSources"] = pc.factor_sources_out(att.factor_datasets)
    footprint: dict[str, Any] = {}
    if att.dqi is not None:
        pcf["dqi"] = {name: pc.dec_out(getattr(att.dqi, attr)) for attr, name in DQI}
        extras = {
            n: pc.dec_out(getattr(att.dqi, a)) for a, n in DQI_EXTRAS if getattr(att.dqi, a) is not None
        }
        if extras:
            footprint["dqi"] = extras
    footprint |= common_footprint(att)
    if att.product_category is not None:
        footprint["productCategory"] = att.product_category
    return pc.Derived(top, pcf, footprint, tuple(problems))


def common_footprint(att: Attestation) -> dict[str, Any]:
    """The footprint extension members both versions write the same way."""
    out: dict[str, Any] = {}
    if att.boundary != "cradle-to-gate":
        out["boundary"] = att.boundary
    if att.stages is not None:
        out["stages"] = px.stages_out(att.stages)
    if att.uncertainty is not None:
        out["uncertainty"] = fp.uncertainty_to_wire(att.uncertainty)
    if any(r.credential is not None for r in att.factor_datasets):
        out["factorDatasets"] = px.factor_datasets_out(att.factor_datasets)
    if att.supersedes is not None:
        out["supersedes"] = att.supersedes
    return out


def read_common_footprint(footprint: Mapping[str, Any], values: dict[str, Any]) -> None:
    """Set the model values the footprint extension members of both versions give.

    Raises:
        PactError: ``pact.extension``.
    """
    values["boundary"] = footprint.get("boundary", "cradle-to-gate")
    if "stages" in footprint:
        values["stages"] = px.stages_in(footprint["stages"])
    if "uncertainty" in footprint:
        try:
            values["uncertainty"] = fp.uncertainty_from_wire(
                footprint["uncertainty"], "uncertainty", AttestationError
            )
        except AttestationError as e:
            raise pc.err(
                "extension", f"the footprint extension's {e.message}", attestation_code=e.code
            ) from e
    if "factorDatasets" in footprint:
        values["factor_datasets"] = px.factor_datasets_in(footprint["factorDatasets"])
    if "supersedes" in footprint:
        values["supersedes"] = footprint["supersedes"]


def read(top: Mapping[str, Any], pcf: Mapping[str, Any], footprint: Mapping[str, Any]) -> dict[str, Any]:
    """The model values of a v3.0 document's modelled fields (without productId and extensions).

    Raises:
        PactError: ``pact.schema``, ``pact.unrepresentable`` or ``pact.extension``.
    """
    unit = pcf["declaredUnitOfMeasurement"]
    if unit not in DECLARED_UNITS:
        raise pc.err("schema", f"declaredUnitOfMeasurement {unit!r} is not a v3.0 unit")
    values: dict[str, Any] = {"declared_unit": unit}
    for attr, name in DECIMALS:
        if name in pcf:
            values[attr] = pc.dec_in(pcf[name], name)
    if not isinstance(pcf.get("packagingEmissionsIncluded"), bool):
        raise pc.err("schema", "packagingEmissionsIncluded must be true or false")
    values["packaging_emissions_included"] = pcf["packagingEmissionsIncluded"]
    for name in ("referencePeriodStart", "referencePeriodEnd"):
        if not isinstance(pcf[name], str):
            raise pc.err("schema", f"{name} must be a date-time string")
    values["reference_period_start"] = pcf["referencePeriodStart"]
    values["reference_period_end"] = pcf["referencePeriodEnd"]
    values["geography"] = pc.geography_in(pcf)
    values["standards"] = strings(pcf["crossSectoralStandards"], "crossSectoralStandards")
    values["ipcc_characterization_factors"] = strings(
        pcf["ipccCharacterizationFactors"], "ipccCharacterizationFactors"
    )
    if "productOrSectorSpecificRules" in pcf:
        values["product_or_sector_specific_rules"] = pc.sector_rules_in(pcf["productOrSectorSpecificRules"])
    sources = pc.factor_sources_in(pcf.get("secondaryEmissionFactorSources"))
    if sources is not None:
        values["factor_datasets"] = sources
    if "dqi" in pcf:
        dqi = pcf["dqi"]
        if not isinstance(dqi, dict) or not {n for _, n in DQI} <= set(dqi):
            raise pc.err("schema", "dqi has technologicalDQR, geographicalDQR and temporalDQR")
        if set(dqi) - {n for _, n in DQI}:
            raise pc.err("unrepresentable", "dqi has members v3.0 does not define")
        ratings = {a: pc.dec_in(dqi[n], f"dqi.{n}") for a, n in DQI}
        extras = px.ext_decimals(footprint.get("dqi", {}), (n for _, n in DQI_EXTRAS), "dqi")
        ratings |= {a: extras[n] for a, n in DQI_EXTRAS if n in extras}
        values["dqi"] = fp.DataQuality(**ratings)
    elif "dqi" in footprint:
        raise pc.err("extension", "the footprint extension's dqi completes a dqi the footprint lacks")
    product_name = pc.text_in(top.get("productNameCompany"))
    if product_name is not None:
        values["product_name"] = product_name
    if "productCategory" in footprint:
        values["product_category"] = footprint["productCategory"]
    read_common_footprint(footprint, values)
    return {k: v for k, v in values.items() if v is not None}


def strings(value: Any, what: str) -> tuple[str, ...]:
    """A list of strings as a tuple.

    Raises:
        PactError: ``pact.schema``.
    """
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise pc.err("schema", f"{what} must be a list of strings")
    return tuple(value)
