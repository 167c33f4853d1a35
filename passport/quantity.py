"""Exact quantities, units, geographies, date-times and text as carbontrail's credentials write them.

docs/attestation.md ("Decimals", "Units", "Geography") is the specification. In short:

* A decimal is a JSON **string** in one canonical grammar, ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?``: no exponent, no
  ``+``, no leading zeros, no ``NaN``/``Infinity``, no negative zero, at most 30 significant digits and 18
  fraction digits. Trailing fraction zeros are allowed and kept (``"1.50"`` states a precision; PACT writes
  such values). A JSON number is refused: binary floating point cannot hold ``0.1`` and JSON parsers
  disagree on large integers. Inside, values are :class:`decimal.Decimal` with the written exponent, so
  ``format_decimal(parse_decimal(s)) == s`` for every accepted ``s``.
* Arithmetic on them runs in :data:`EXACT`, a context that raises instead of rounding: a sum of accepted
  decimals is always exact (30 + 18 digits fit many times over in its precision).
* Declared units are PACT v3.0's ``declaredUnitOfMeasurement`` names; factor units are ``kgCO2e/<unit>``.
* Geographies are ISO 3166-1 alpha-2 codes (officially assigned ones), ISO 3166-2 subdivisions (``CN-JS``;
  for China the 34 assigned codes are checked, elsewhere the pattern), or a UN region PACT names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, Rounded, Underflow
from typing import Any

from passport.errors import RuleError

EXACT = Context(
    prec=120, Emax=999, Emin=-999, traps=[Inexact, Rounded, InvalidOperation, Overflow, Underflow]
)
"""The context every sum and product over accepted decimals runs in: it raises rather than round."""

MAX_DIGITS = 30
MAX_FRACTION_DIGITS = 18
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_SHORT_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,18})?")

DECLARED_UNITS: dict[str, str] = {
    "liter": "L",
    "kilogram": "kg",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "tkm",
    "square meter": "m2",
    "piece": "piece",
    "hour": "h",
    "megabit second": "Mbit.s",
}
"""PACT v3.0 ``declaredUnitOfMeasurement`` values and their symbols. PACT v2.3 lacks the last three."""

PACT_V2_UNITS = frozenset(list(DECLARED_UNITS)[:7])

FACTOR_UNIT_DENOMINATORS = frozenset(
    {"kWh", "MWh", "MJ", "GJ", "kg", "t", "tkm", "m3", "L", "m2", "piece", "h"}
)
"""What an emission factor may be per: ``kgCO2e/<one of these>``."""

_CONVERSIONS: dict[tuple[str, str], Decimal] = {
    ("t", "kg"): Decimal(1000),
    ("MWh", "kWh"): Decimal(1000),
    ("GJ", "MJ"): Decimal(1000),
    ("kWh", "MJ"): Decimal("3.6"),
    ("MWh", "MJ"): Decimal(3600),
    ("m3", "L"): Decimal(1000),
}

ISO_3166_1_ALPHA_2 = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
    FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
    IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD
    ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
    YE YT ZA ZM ZW""".split()  # noqa: SIM905 (a table of codes reads better as text)
)
"""The 249 officially assigned ISO 3166-1 alpha-2 codes."""

CN_SUBDIVISIONS = frozenset(
    """AH BJ CQ FJ GD GS GX GZ HA HB HE HI HK HL HN JL JS JX LN MO NM NX QH SC SD SH SN SX TJ TW XJ XZ YN
    ZJ""".split()  # noqa: SIM905
)
"""ISO 3166-2:CN codes (two letters since the 2017 revision): provinces, municipalities, regions, SARs."""

PACT_REGIONS = frozenset(
    {
        "Africa", "Americas", "Asia", "Europe", "Oceania", "Australia and New Zealand", "Central Asia",
        "Eastern Asia", "Eastern Europe", "Latin America and the Caribbean", "Melanesia", "Micronesia",
        "Northern Africa", "Northern America", "Northern Europe", "Polynesia", "South-eastern Asia",
        "Southern Asia", "Southern Europe", "Sub-Saharan Africa", "Western Asia", "Western Europe",
    }
)  # fmt: skip
"""PACT's ``geographyRegionOrSubregion`` values (UN M49 regions and subregions), v2.3 and v3.0 alike."""

_SUBDIVISION = re.compile(r"([A-Z]{2})-([A-Z0-9]{1,3})")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/:+ -]{0,126}[A-Za-z0-9.)])?")


def parse_decimal(value: Any, what: str, error: type[RuleError]) -> Decimal:
    """Read a decimal from its canonical JSON string (module docstring), keeping its exponent.

    Raises:
        RuleError: ``error`` with rule ``decimal``: not a string, not canonical, or too many digits.
    """
    # At most 12 integer and 18 fraction digits are within every limit: only a negative zero is wrong then.
    short = isinstance(value, str) and _SHORT_DECIMAL.fullmatch(value) is not None
    if short and (value[0] != "-" or value.strip("-0.") != ""):
        return Decimal(value)
    if not isinstance(value, str):
        raise error("decimal", f"{what} must be a decimal string, not a JSON {type(value).__name__}")
    if len(value) > 64 or _DECIMAL.fullmatch(value) is None:
        raise error("decimal", f"{what} {value[:64]!r} is not a canonical decimal (-?digits[.digits])")
    if value.startswith("-") and value.strip("-0.") == "":
        raise error("decimal", f"{what} is a negative zero; write {value[1:]!r}")
    digits = value.lstrip("-").replace(".", "").lstrip("0") or "0"
    fraction = value.partition(".")[2]
    if len(digits) > MAX_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
        raise error(
            "decimal", f"{what} has more than {MAX_DIGITS} digits or {MAX_FRACTION_DIGITS} fraction digits"
        )
    return Decimal(value)


def format_decimal(value: Decimal) -> str:
    """The canonical text of a finite decimal (positional notation, negative zero written ``0``)."""
    if not value.is_finite():
        raise ValueError("only finite decimals have a canonical text")
    text = format(value, "f")
    return text[1:] if value.is_zero() and text.startswith("-") else text


def check_decimal(value: Decimal, what: str, error: type[RuleError]) -> None:
    """Check a model's decimal is one :func:`parse_decimal` accepts (so its credential parses back).

    Raises:
        RuleError: ``error`` with rule ``decimal``.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise error("decimal", f"{what} must be a finite Decimal")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite Decimal's exponent
    # A coefficient has no leading zeros, so its canonical text has at most len(digits) + exponent significant
    # digits and -exponent fraction digits: within the limits, parse_decimal accepts it (tests check this).
    if exponent >= -MAX_FRACTION_DIGITS and len(digits) + max(exponent, 0) <= MAX_DIGITS:
        return
    parse_decimal(format_decimal(value), what, error)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of accepted decimals (``EXACT`` raises rather than round); ``0`` for none."""
    total = Decimal(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


def convert(value: Decimal, from_symbol: str, to_symbol: str) -> Decimal:
    """Convert an amount between unit symbols that differ by an exact factor (t and kg, MWh, kWh and MJ,
    GJ and MJ, m3 and L); the identity for equal symbols.

    Raises:
        ValueError: no exact conversion between the two units is known.
    """
    if from_symbol == to_symbol:
        return value
    factor = _CONVERSIONS.get((from_symbol, to_symbol))
    if factor is not None:
        return EXACT.multiply(value, factor)
    factor = _CONVERSIONS.get((to_symbol, from_symbol))
    if factor is not None:
        return EXACT.divide(value, factor)
    raise ValueError(f"no exact conversion from {from_symbol} to {to_symbol}")


def factor_denominator(unit: Any, error: type[RuleError]) -> str:
    """Return the denominator symbol of an emission-factor unit ``kgCO2e/<symbol>``.

    Raises:
        RuleError: ``error`` with rule ``unit``.
    """
    if not isinstance(unit, str) or not unit.startswith("kgCO2e/"):
        raise error("unit", f"factor unit {unit!r} is not kgCO2e/<unit>")
    symbol = unit.removeprefix("kgCO2e/")
    if symbol not in FACTOR_UNIT_DENOMINATORS:
        raise error(
            "unit", f"factor unit {unit!r}: {symbol!r} is not one of {sorted(FACTOR_UNIT_DENOMINATORS)}"
        )
    return symbol


def check_geography(value: Any, error: type[RuleError], *, regions: bool = True) -> str:
    """Check a geography: an assigned ISO 3166-1 alpha-2 code, an ISO 3166-2 subdivision of one (China's
    checked against the assigned list), or (if ``regions``) a PACT UN region.

    Raises:
        RuleError: ``error`` with rule ``geography``.
    """
    if not isinstance(value, str):
        raise error("geography", "geography must be a string")
    if value in ISO_3166_1_ALPHA_2 or (regions and value in PACT_REGIONS):
        return value
    match = _SUBDIVISION.fullmatch(value)
    if (
        match is not None
        and match[1] in ISO_3166_1_ALPHA_2
        and (match[1] != "CN" or match[2] in CN_SUBDIVISIONS)
    ):
        return value
    raise error(
        "geography", f"{value!r} is not an ISO 3166-1 alpha-2 code, ISO 3166-2 subdivision or UN region"
    )


def parse_date_time(value: Any, what: str, error: type[RuleError]) -> datetime:
    """Read a date-time ``YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`` (an XML Schema dateTimeStamp without the
    forms Python cannot compare: 24:00, more than 6 fraction digits).

    Raises:
        RuleError: ``error`` with rule ``date_time``.
    """
    if not isinstance(value, str) or _DATE_TIME.fullmatch(value) is None:
        raise error(
            "date_time", f"{what} must be a date-time with a time-zone offset, like 2025-01-01T00:00:00Z"
        )
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise error("date_time", f"{what} {value!r} is not a valid date-time: {e}") from e


def check_text(value: Any, what: str, error: type[RuleError], *, limit: int = 256) -> str:
    """Check free text: 1 to ``limit`` characters, NFC, no surrounding white space, no control, format,
    unassigned, private-use or line/paragraph separator characters.

    Raises:
        RuleError: ``error`` with rule ``text``.
    """
    if not isinstance(value, str) or not value or len(value) > limit:
        raise error("text", f"{what} must be a string of 1 to {limit} characters")
    if value != value.strip() or unicodedata.normalize("NFC", value) != value:
        raise error("text", f"{what} must be NFC without leading or trailing white space")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in value):
        raise error("text", f"{what} holds a control, format, unassigned or separator character")
    return value


def check_token(value: Any, what: str, error: type[RuleError], rule: str) -> str:
    """Check a short ASCII token (a standard's name, a dataset id, a version): letters, digits and
    ``. _ / : + - space``, starting with a letter or digit, at most 128 characters.

    Raises:
        RuleError: ``error`` with ``rule``.
    """
    if not isinstance(value, str) or _TOKEN.fullmatch(value) is None or "  " in value:
        raise error(
            rule, f"{what} {value!r} is not a token (ASCII letters, digits, . _ / : + - and single spaces)"
        )
    return value


def check_digest(value: Any, what: str, error: type[RuleError]) -> str:
    """Check a credential digest ``sha256:<64 lowercase hex>``.

    Raises:
        RuleError: ``error`` with rule ``digest``.
    """
    if not isinstance(value, str) or _DIGEST.fullmatch(value) is None:
        raise error("digest", f"{what} must be sha256:<64 lowercase hex digits>")
    return value
