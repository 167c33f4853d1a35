"""What the PACT v2.3 and v3.0 mappings share (docs/pact.md): the identifiers of carbontrail's two PACT data
model extensions (built and read in :mod:`passport.pact_extension`), decimals and numbers, product
identifiers, geography, export records and the comparison of documents.

WBCSD PACT Technical Specifications v2.3 and v3.0, ``ProductFootprint`` and ``CarbonFootprint``; Technical
Specification for Data Model Extensions (``specVersion`` 2.0.0, section 5 "JSON Representation").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from identifiers.errors import IdentifierError
from identifiers.parse import parse_identifier
from identifiers.urn import HANDLE_ID_TYPE, PactUrn, from_pact_urn, parse_urn, to_pact_urn
from passport import footprint as fp
from passport.attestation import Attestation
from passport.document import canonical_json
from passport.errors import AttestationError, PactError
from passport.quantity import (
    ISO_3166_1_ALPHA_2,
    PACT_REGIONS,
    check_text,
    check_token,
    format_decimal,
    parse_date_time,
    parse_decimal,
)

EXTENSION_SPEC_VERSION = "2.0.0"
"""The Data Model Extensions specification version our extensions declare."""
FOOTPRINT_SCHEMA = "https://carbontrail.dev/pact/extensions/footprint/1.0.0/schema.json"
FOOTPRINT_DOCUMENTATION = "https://carbontrail.dev/pact/extensions/footprint/1.0.0/"
FIELDS_SCHEMA = "https://carbontrail.dev/pact/extensions/fields/1.0.0/schema.json"
FIELDS_DOCUMENTATION = "https://carbontrail.dev/pact/extensions/fields/1.0.0/"

V3_ONLY_COMPONENTS = (
    ("land_management_biogenic_co2_emissions", "landManagementBiogenicCO2Emissions"),
    ("biogenic_non_co2_emissions", "biogenicNonCO2Emissions"),
    ("land_management_biogenic_co2_removals", "landManagementBiogenicCO2Removals"),
    ("technological_co2_removals", "technologicalCO2Removals"),
    ("ccs_technological_co2_capture", "ccsTechnologicalCO2Capture"),
    ("land_management_fossil_ghg_emissions", "landManagementFossilGhgEmissions"),
)
"""Components of the v3.0 split that v2.3 has no field for (its totals do not include them)."""

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SPEC_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(-[0-9]{8})?")


def err(rule: str, message: str, *, attestation_code: str | None = None) -> PactError:
    """A :class:`~passport.errors.PactError` with ``rule``."""
    return PactError(rule, message, attestation_code=attestation_code)


_INCONSISTENT = frozenset(
    {"pcf_sum", "biogenic_sum", "stages_sum", "part_exceeds_total", "packaging", "boundary_stages",
     "period_order", "uncertainty"}
)  # fmt: skip


def from_attestation_error(e: AttestationError, what: str) -> PactError:
    """Wrap an attestation rule broken by imported values: sums and orders are ``pact.inconsistent``, every
    other rule ``pact.unrepresentable`` (a value carbontrail's model cannot hold)."""
    rule = "inconsistent" if e.rule in _INCONSISTENT else "unrepresentable"
    return err(rule, f"{what}: {e.code}: {e.message}", attestation_code=e.code)


# --- decimals and numbers ---------------------------------------------------------------------------------


def dec_out(value: Decimal) -> str:
    """A decimal as PACT's decimal string (our canonical text matches PACT's ``^-?\\d+(\\.\\d+)?$``)."""
    return format_decimal(value)


def dec_in(value: Any, what: str) -> Decimal:
    """Read a PACT decimal string.

    Raises:
        PactError: ``pact.schema`` (not a string), ``pact.unrepresentable`` (not a canonical decimal:
            leading zeros, ``-0``, an exponent or too many digits would change its text).
    """
    if not isinstance(value, str):
        raise err("schema", f"{what} must be a decimal string")
    try:
        return parse_decimal(value, what, AttestationError)
    except AttestationError as e:
        raise err("unrepresentable", f"{what}: {e.message}", attestation_code=e.code) from e


def num_in(value: Any, what: str) -> Decimal:
    """Read a v2.x JSON number (an int, a float as Python's shortest repr, or a Decimal from
    :func:`passport.pact.load_pact`).

    Raises:
        PactError: ``pact.schema`` (not a number), ``pact.unrepresentable`` (more digits than the model).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise err("schema", f"{what} must be a JSON number")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise err("schema", f"{what} must be a finite number")
    return dec_in(format_decimal(number), what)


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return {"#number": format_decimal(number.normalize()) if number.is_finite() else str(number)}
    if isinstance(value, Mapping):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    raise err("schema", f"a {type(value).__name__} is not a JSON value")


def same_json(a: Any, b: Any) -> bool:
    """Whether two JSON values are equal as JSON (numbers by value, whatever their Python type; ``true`` is
    not ``1``)."""
    return canonical_json(_norm(a)) == canonical_json(_norm(b))


def first_difference(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> str | None:
    """The first member (dotted path) where two JSON objects differ, or None."""
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            return prefix + key
        if isinstance(a[key], Mapping) and isinstance(b[key], Mapping):
            inner = first_difference(a[key], b[key], f"{prefix}{key}.")
            if inner is not None:
                return inner
        elif not same_json(a[key], b[key]):
            return prefix + key
    return None


# --- product identifiers and geography ------------------------------------------------------------------


def product_ids_out(att: Attestation, issuer_domain: str | None) -> list[str]:
    """``productIds``: the attestation's product identifier as a PACT URN (identifiers/urn.py).

    Raises:
        PactError: ``pact.required`` (a Handle needs the issuer's domain), ``pact.unrepresentable`` (an
            identifier PACT product ids do not carry, such as a GS1 item narrower than its GTIN).
    """
    identifier = parse_identifier(att.product_id)
    try:
        return [to_pact_urn(identifier, issuer_domain=issuer_domain)]
    except IdentifierError as e:
        rule = "required" if identifier.scheme == "handle" and issuer_domain is None else "unrepresentable"
        raise err(rule, f"productIds: {e.message}") from e


def product_id_in(ids: Any) -> tuple[str, str | None]:
    """The attestation's ``productId`` from ``productIds``: the first URN that names a product carbontrail
    reads (a ``urn:pact:<domain>:handle:`` URN gives its Handle), and the issuer domain of that URN if it is
    a Handle's.

    Raises:
        PactError: ``pact.schema`` (not a non-empty list of URN strings), ``pact.unrepresentable`` (no
            product identifier carbontrail reads).
    """
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise err("schema", "productIds must be a non-empty list of URN strings")
    for text in ids:
        try:
            identifier = from_pact_urn(text)
            parsed = parse_urn(text)
        except IdentifierError:
            continue
        domain = parsed.domain if isinstance(parsed, PactUrn) and parsed.id_type == HANDLE_ID_TYPE else None
        return identifier.canonical, domain
    raise err("unrepresentable", "productIds holds no product identifier carbontrail reads")


GEOGRAPHY_FIELDS = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")


def geography_out(geography: str | None) -> dict[str, str]:
    """The one PACT geography field for a geography (none for global)."""
    if geography is None:
        return {}
    if geography in PACT_REGIONS:
        return {"geographyRegionOrSubregion": geography}
    if geography in ISO_3166_1_ALPHA_2:
        return {"geographyCountry": geography}
    return {"geographyCountrySubdivision": geography}


def geography_in(pcf: Mapping[str, Any]) -> str | None:
    """The geography PACT states (at most one of its three fields; none is global).

    Raises:
        PactError: ``pact.schema`` (more than one field, or not a string).
    """
    given = [name for name in GEOGRAPHY_FIELDS if name in pcf]
    if len(given) > 1:
        raise err("schema", f"a footprint names one geography, not {given}")
    if not given:
        return None
    value = pcf[given[0]]
    if not isinstance(value, str):
        raise err("schema", f"{given[0]} must be a string")
    return value


# --- the parts of a document ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """What an attestation's modelled fields give in one PACT version: top-level members (without ``pcf``
    and ``extensions``), ``pcf`` members, the footprint extension's ``data``, and the problems found
    (``(dotted field, error)``: a ``required`` one may still be filled by verbatim fields or the record)."""

    top: dict[str, Any]
    pcf: dict[str, Any]
    footprint: dict[str, Any]
    problems: tuple[tuple[str, PactError], ...] = field(default=())


# --- values modelled when they fit -----------------------------------------------------------------------


def sector_rules_out(rules: tuple[fp.SectorRule, ...]) -> list[dict[str, Any]]:
    """``productOrSectorSpecificRules`` (v2.3 and v3.0 alike)."""
    return [
        {"operator": r.operator, "ruleNames": list(r.rule_names)}
        | ({} if r.other_operator_name is None else {"otherOperatorName": r.other_operator_name})
        for r in rules
    ]


def sector_rules_in(value: Any) -> tuple[fp.SectorRule, ...]:
    """Read ``productOrSectorSpecificRules``.

    Raises:
        PactError: ``pact.schema`` (not a list of ProductOrSectorSpecificRule objects),
            ``pact.unrepresentable`` (members beyond operator, ruleNames, otherOperatorName).
    """
    if not isinstance(value, list):
        raise err("schema", "productOrSectorSpecificRules must be a list")
    rules = []
    for item in value:
        if not isinstance(item, dict) or not {"operator", "ruleNames"} <= set(item):
            raise err("schema", "a ProductOrSectorSpecificRule has operator and ruleNames")
        if set(item) - {"operator", "ruleNames", "otherOperatorName"}:
            raise err(
                "unrepresentable", "a ProductOrSectorSpecificRule has members carbontrail does not model"
            )
        names, other = item["ruleNames"], item.get("otherOperatorName")
        if (
            not isinstance(item["operator"], str)
            or not isinstance(names, list)
            or not all(isinstance(n, str) for n in names)
            or not (other is None or isinstance(other, str))
        ):
            raise err(
                "schema",
                "a ProductOrSectorSpecificRule's operator, ruleNames and otherOperatorName are strings",
            )
        rules.append(fp.SectorRule(item["operator"], tuple(names), other))
    return tuple(rules)


def factor_sources_out(refs: tuple[fp.FactorDatasetRef, ...]) -> list[dict[str, str]]:
    """``secondaryEmissionFactorSources``: each dataset's name (our ``datasetId``) and version."""
    return [{"name": r.dataset_id, "version": r.version} for r in refs]


def factor_sources_in(value: Any) -> tuple[fp.FactorDatasetRef, ...] | None:
    """``secondaryEmissionFactorSources`` as dataset references, or None when they do not fit the model
    (a name or version that is not a token, a repeated source, other members): the field then travels
    verbatim."""
    if not isinstance(value, list) or not value:
        return None
    refs = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"name", "version"}:
            return None
        try:
            refs.append(
                fp.FactorDatasetRef(
                    check_token(item["name"], "name", AttestationError, "factor_dataset"),
                    check_token(item["version"], "version", AttestationError, "factor_dataset"),
                )
            )
        except AttestationError:
            return None
    return tuple(refs) if len(set(refs)) == len(refs) else None


def text_in(value: Any) -> str | None:
    """A PACT free-text field as a model text, or None when it does not fit (not NFC, padded, controls,
    empty, too long): the field then travels verbatim."""
    try:
        return check_text(value, "text", AttestationError)
    except AttestationError:
        return None


# --- export records -------------------------------------------------------------------------------------


def check_record_value(key: str, value: Any) -> None:
    """Check one value a host gives an export for a PACT field the attestation does not state.

    Raises:
        PactError: ``pact.schema``.
    """
    name = key.removeprefix("pcf.")
    ok: bool
    if name in ("id",):
        ok = isinstance(value, str) and _UUID.fullmatch(value) is not None
    elif name in ("created", "updated", "validityPeriodStart", "validityPeriodEnd"):
        try:
            parse_date_time(value, name, AttestationError)
            ok = True
        except AttestationError:
            ok = False
    elif name == "status":
        ok = value in ("Active", "Deprecated")
    elif name == "version":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31
    elif name in ("companyIds", "precedingPfIds"):
        pattern = _UUID if name == "precedingPfIds" else re.compile(r"[uU][rR][nN]:.+")
        ok = (
            isinstance(value, list)
            and bool(value)
            and len(set(map(str, value))) == len(value)
            and all(isinstance(v, str) and pattern.fullmatch(v) is not None for v in value)
        )
    elif name in ("companyName", "productNameCompany", "productCategoryCpc"):
        ok = isinstance(value, str) and bool(value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise err("schema", f"the export record's {key} is not a valid PACT {name}")


def spec_version_major_minor(value: Any) -> tuple[int, int]:
    """The major and minor of a ``specVersion``.

    Raises:
        PactError: ``pact.schema`` (not ``major.minor.patch[-yyyymmdd]``).
    """
    if not isinstance(value, str) or _SPEC_VERSION.fullmatch(value) is None:
        raise err("schema", "specVersion must be major.minor.patch")
    major, minor, _ = value.split("-")[0].split(".")
    return int(major), int(minor)
