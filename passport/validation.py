"""The rules a footprint attestation must keep, each with a stable code (docs/attestation.md, "Rules").

``validate_attestation`` runs them in the order the table in docs/attestation.md lists; the first broken
rule raises :class:`~passport.errors.AttestationError` whose ``code`` is ``attestation.<rule>``. The sum
rules follow WBCSD PACT Technical Specifications v3.0, ``CarbonFootprint`` (the x-notes of
``pcfExcludingBiogenicUptake`` and ``pcfIncludingBiogenicUptake``):

* pcfExcludingBiogenic = fossilGhgEmissions + landUseEmissions + landManagementBiogenicCO2Emissions
  + biogenicNonCO2Emissions + landManagementBiogenicCO2Removals + technologicalCO2Removals
  + ccsTechnologicalCO2Capture  (``attestation.pcf_sum``; an absent component counts 0);
* pcfIncludingBiogenic = pcfExcludingBiogenic + biogenicCO2Uptake  (``attestation.biogenic_sum``);
* the reported life-cycle stages sum to pcfExcludingBiogenic  (``attestation.stages_sum``).

Sums are exact (``Decimal`` in a context that raises rather than rounds): no tolerance.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from identifiers.did import DidKey, DidWeb
from identifiers.errors import IdentifierError
from identifiers.gtin import Gs1CompanyPrefix
from identifiers.handle import HandlePrefix
from identifiers.parse import parse_identifier
from identifiers.scheme import Identifier
from passport import footprint as fp
from passport.errors import AttestationError
from passport.quantity import (
    DECLARED_UNITS,
    check_decimal,
    check_digest,
    check_geography,
    check_text,
    check_token,
    exact_sum,
    parse_date_time,
)

if TYPE_CHECKING:
    from passport.attestation import Attestation

BOUNDARIES = ("cradle-to-gate", "cradle-to-grave")
GATE_STAGES = frozenset({"rawMaterialAcquisition", "manufacturing", "distribution"})
"""Stages a cradle-to-gate footprint may report. Distribution and transport stays allowed: PACT counts
outbound logistics up to the point another company takes the product over (v3.0
``outboundLogisticsGhgEmissions``)."""

KNOWN_STANDARDS = (
    "ISO14067", "ISO14083", "ISO14040-44", "GHGP-Product", "PEF", "PACT-1.0", "PACT-2.0", "PACT-3.0",
    "PAS2050", "GB/T 24067", "GB/T 24040", "GB/T 24044", "GB/T 32150",
)  # fmt: skip
"""Standards carbontrail names (PACT's ``crossSectoralStandards`` values and the Chinese national standards);
others are accepted, as PACT requires of a host system, if they are tokens."""

PERCENT_MAX = Decimal(100)
DQR_MIN, DQR_MAX = Decimal(1), Decimal(5)
_IPCC = re.compile(r"AR[1-9][0-9]?")
_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?")
_URL = re.compile(r"https?://[^\s\"<>\\^`{|}]+")
_NOT_PRODUCTS = (DidKey, DidWeb, HandlePrefix, Gs1CompanyPrefix)


def _err(rule: str, message: str) -> AttestationError:
    return AttestationError(rule, message)


def _unique(values: Sequence[Any], what: str) -> None:
    if len(set(values)) != len(values):
        raise _err("duplicate", f"{what} repeats a value")


@functools.lru_cache(maxsize=4096)
def product_identifier(text: str) -> Identifier:
    """``parse_identifier(text)``, cached: a pure function of the text returning a frozen value, asked for
    the same product by the attestation's rules and again by its admission.

    Raises:
        IdentifierError: as ``identifiers.parse.parse_identifier`` (errors are not cached).
    """
    return parse_identifier(text)


def check_product_id(text: Any) -> None:
    """``attestation.identifier``: a product identifier in its canonical text (a Handle, GTIN, GS1 Digital
    Link or element string, PACT or other URN); organisation codes, DIDs and prefixes are not products.

    Raises:
        AttestationError: ``attestation.identifier``.
    """
    if not isinstance(text, str):
        raise _err("identifier", "productId must be a string")
    try:
        identifier = product_identifier(text)
    except IdentifierError as e:
        raise _err("identifier", f"productId {text!r}: {e.message}") from e
    if isinstance(identifier, _NOT_PRODUCTS) or identifier.scheme == "uscc":
        raise _err("identifier", f"productId {text!r} is a {identifier.scheme}, not a product identifier")
    if identifier.canonical != text:
        raise _err("identifier", f"productId must be canonical: {identifier.canonical!r}")


def _check_decimals(att: Attestation) -> None:
    for attr, wire, _ in fp.DECIMAL_FIELDS:
        value = getattr(att, attr)
        if value is not None:
            check_decimal(value, wire, AttestationError)
    groups: list[tuple[str, Any, Sequence[tuple[str, str]]]] = [
        ("dqi", att.dqi, fp.DataQuality.WIRE),
        ("uncertainty", att.uncertainty, fp.Uncertainty.PARAMETERS),
    ]
    for name, obj, pairs in groups:
        for attr, wire in pairs if obj is not None else ():
            if getattr(obj, attr) is not None:
                check_decimal(getattr(obj, attr), f"{name}.{wire}", AttestationError)
    for wire, value in att.stages.items() if att.stages is not None else ():
        check_decimal(value, f"stages.{wire}", AttestationError)


def _check_signs(att: Attestation) -> None:
    for attr, wire, sign in fp.DECIMAL_FIELDS:
        value = getattr(att, attr)
        if value is None:
            continue
        if sign == "positive" and value <= 0:
            raise _err("amount", f"{wire} must be greater than 0")
        if sign == "emission" and value < 0:
            raise _err("negative", f"{wire} must not be negative")
        if sign == "removal" and value > 0:
            raise _err("removal_positive", f"{wire} is a removal or uptake and must not be positive")
        if sign == "percent" and not 0 <= value <= PERCENT_MAX:
            raise _err("percentage_range", f"{wire} must be a percentage from 0 to 100")


def gross_emissions(att: Attestation) -> Decimal:
    """Fossil + land-use change + biogenic emissions (removals and uptake not netted): what ``aircraft``,
    ``packaging`` and the other "of which" parts are part of."""
    parts = (
        att.fossil_ghg_emissions,
        att.land_use_emissions,
        att.land_management_biogenic_co2_emissions,
        att.biogenic_non_co2_emissions,
    )
    return exact_sum(p for p in parts if p is not None)


def expected_pcf_excluding_biogenic(att: Attestation) -> Decimal:
    """The PACT v3.0 sum ``pcfExcludingBiogenic`` must equal (module docstring)."""
    return _net(att, gross_emissions(att))


def _net(att: Attestation, gross: Decimal) -> Decimal:
    removals = (
        att.land_management_biogenic_co2_removals,
        att.technological_co2_removals,
        att.ccs_technological_co2_capture,
    )
    return exact_sum([gross, *(r for r in removals if r is not None)])


def _check_sums(att: Attestation) -> None:
    gross = gross_emissions(att)
    expected = _net(att, gross)
    if att.pcf_excluding_biogenic != expected:
        raise _err(
            "pcf_sum",
            f"pcfExcludingBiogenic is {att.pcf_excluding_biogenic}, its components sum to {expected}",
        )
    uptake = att.biogenic_co2_uptake if att.biogenic_co2_uptake is not None else Decimal(0)
    including = exact_sum([att.pcf_excluding_biogenic, uptake])
    if att.pcf_including_biogenic != including:
        raise _err(
            "biogenic_sum",
            f"pcfIncludingBiogenic is {att.pcf_including_biogenic}, not excluding + uptake {including}",
        )
    parts = (
        ("aircraftGhgEmissions", att.aircraft_ghg_emissions),
        ("packagingGhgEmissions", att.packaging_ghg_emissions),
    )
    for wire, value in parts:
        if value is not None and value > gross:
            raise _err("part_exceeds_total", f"{wire} exceeds the gross emissions {gross}")
    fossil_part = att.land_management_fossil_ghg_emissions
    if fossil_part is not None and fossil_part > att.fossil_ghg_emissions:
        raise _err("part_exceeds_total", "landManagementFossilGhgEmissions exceeds fossilGhgEmissions")
    if att.packaging_ghg_emissions is not None and not att.packaging_emissions_included:
        raise _err("packaging", "packagingGhgEmissions is stated while packagingEmissionsIncluded is false")


def _check_boundary_and_stages(att: Attestation) -> None:
    if att.boundary not in BOUNDARIES:
        raise _err("boundary", f"boundary must be one of {list(BOUNDARIES)}")
    if att.stages is None:
        return
    reported = dict(att.stages.items())
    if not reported:
        raise _err("field", "stages must report at least one stage (leave it out otherwise)")
    if att.boundary == "cradle-to-gate" and set(reported) - GATE_STAGES:
        raise _err("boundary_stages", "a cradle-to-gate footprint reports no use or end-of-life stage")
    total = exact_sum(reported.values())
    if total != att.pcf_excluding_biogenic:
        raise _err(
            "stages_sum", f"the stages sum to {total}, not pcfExcludingBiogenic {att.pcf_excluding_biogenic}"
        )


def _check_lists(att: Attestation) -> None:
    if not att.standards:
        raise _err("standards", "standards must name at least one standard")
    for standard in att.standards:
        check_token(standard, "a standard", AttestationError, "standards")
    _unique(att.standards, "standards")
    for ar in att.ipcc_characterization_factors:
        if not isinstance(ar, str) or _IPCC.fullmatch(ar) is None:
            raise _err("characterization_factors", f"{ar!r} is not an IPCC assessment report (AR5, AR6, ...)")
    _unique(att.ipcc_characterization_factors, "ipccCharacterizationFactors")
    for rule in att.product_or_sector_specific_rules:
        if rule.operator not in fp.SECTOR_RULE_OPERATORS:
            raise _err("sector_rules", f"operator must be one of {list(fp.SECTOR_RULE_OPERATORS)}")
        if rule.operator == "Other" and rule.other_operator_name is None:
            raise _err("sector_rules", "an Other operator needs otherOperatorName")
        if not rule.rule_names:
            raise _err("sector_rules", "ruleNames must name at least one rule")
        for name in (
            *rule.rule_names,
            *(() if rule.other_operator_name is None else (rule.other_operator_name,)),
        ):
            check_text(name, "a rule or operator name", AttestationError)
        _unique(rule.rule_names, "ruleNames")
    _unique(att.product_or_sector_specific_rules, "productOrSectorSpecificRules")
    for ref in att.factor_datasets:
        check_token(ref.dataset_id, "datasetId", AttestationError, "factor_dataset")
        check_token(ref.version, "version", AttestationError, "factor_dataset")
        if ref.credential is not None:
            check_digest(ref.credential, "a factor dataset's credential", AttestationError)
    _unique([(r.dataset_id, r.version) for r in att.factor_datasets], "factorDatasets")
    for ext in att.extensions:
        if _SEMVER.fullmatch(ext.spec_version) is None:
            raise _err("extension", "an extension's specVersion is major.minor.patch")
        for url in (ext.data_schema, ext.documentation):
            if url is not None and _URL.fullmatch(url) is None:
                raise _err("extension", f"{url!r} is not an http(s) URL")
        if not ext.data.startswith("{"):
            raise _err("extension", "an extension's data is a JSON object")


def _check_quality(att: Attestation) -> None:
    if att.dqi is not None:
        for attr, wire in fp.DataQuality.WIRE:
            value = getattr(att.dqi, attr)
            if value is None:
                continue
            if attr == "coverage_percent":
                if not 0 <= value <= PERCENT_MAX:
                    raise _err("percentage_range", "dqi.coveragePercent must be from 0 to 100")
            elif not DQR_MIN <= value <= DQR_MAX:
                raise _err("dqi_range", f"dqi.{wire} must be from 1 to 5")
    if att.uncertainty is not None:
        fp.check_uncertainty(att.uncertainty, att.pcf_excluding_biogenic, AttestationError)


def validate_attestation(att: Attestation, *, decimals_checked: bool = False) -> None:
    """Run every attestation rule, in the documented order.

    ``decimals_checked`` says every decimal was read from its wire text by ``parse_decimal``, which refuses
    what the first rule (``attestation.decimal``) refuses, so that rule is not checked again.

    Raises:
        AttestationError: the first broken rule (its ``code`` is ``attestation.<rule>``).
    """
    if not decimals_checked:
        _check_decimals(att)
    check_product_id(att.product_id)
    for name in ("product_name", "product_category"):
        if getattr(att, name) is not None:
            check_text(getattr(att, name), name, AttestationError)
    if att.declared_unit not in DECLARED_UNITS:
        raise _err("unit", f"declaredUnit must be one of {list(DECLARED_UNITS)}")
    if not isinstance(att.packaging_emissions_included, bool):
        raise _err("field", "packagingEmissionsIncluded must be a bool")
    _check_signs(att)
    _check_sums(att)
    _check_boundary_and_stages(att)
    start = parse_date_time(att.reference_period_start, "referencePeriodStart", AttestationError)
    end = parse_date_time(att.reference_period_end, "referencePeriodEnd", AttestationError)
    if end <= start:
        raise _err("period_order", "referencePeriodEnd (exclusive) must come after referencePeriodStart")
    if att.geography is not None:
        check_geography(att.geography, AttestationError)
    _check_lists(att)
    _check_quality(att)
    if att.supersedes is not None:
        check_digest(att.supersedes, "supersedes", AttestationError)
