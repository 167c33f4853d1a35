"""GS1 Global Trade Item Numbers and GS1 company prefixes (GS1 General Specifications sections 3.2, 1.4.2 and
7.9.1, the standard check digit calculation).

A GTIN-8, -12, -13 or -14 is normalised to 14 digits by left zero padding (the "GTIN-14 format" of section
3.2); its last digit is the mod-10 check digit (weights 3 and 1 alternating from the right, excluding the
check digit). A GS1 company prefix is 4 to 12 digits; in the 14-digit form of every GTIN it allocates, it
stands right after the indicator digit (digits 2 onwards). carbontrail refuses company prefixes that cannot be
allocated to one company: restricted-circulation ranges (GS1 prefixes 02, 04 and 2) and ``00000``, where
padded GTIN-8s sit in the 14-digit form.
"""

from __future__ import annotations

from dataclasses import dataclass

from identifiers.errors import Gs1Error, GtinError
from identifiers.scheme import Identifier

GTIN_LENGTHS = (8, 12, 13, 14)
_RESTRICTED_PREFIXES = ("02", "04", "2")
_GTIN8_ZONE = "00000"
"""Digits 2-6 of a padded GTIN-8's 14-digit form (GS1 reserves prefix 00000 for GTIN-8)."""


def gs1_check_digit(payload: str) -> str:
    """Return the GS1 mod-10 check digit of a digit string (the digits before the check digit).

    Weights are 3 on the rightmost payload digit and alternate 3, 1 leftwards (section 7.9.1).
    """
    total = 0
    for position, char in enumerate(reversed(payload)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def is_restricted_circulation(digits14: str) -> bool:
    """Return whether a 14-digit GTIN is a restricted-circulation number: GS1 prefixes 02, 04 and 2, or for a
    GTIN-8 (14-digit form: indicator, ``00000``, 8 digits) a first digit 0 or 2."""
    if digits14[1:6] == _GTIN8_ZONE:
        return digits14[6] in "02"
    return digits14[1:].startswith(_RESTRICTED_PREFIXES)


@dataclass(frozen=True)
class Gtin(Identifier):
    """A GTIN in its 14-digit form (check digit verified)."""

    digits: str
    scheme = "gtin"

    @property
    def canonical(self) -> str:
        """The 14 digits."""
        return self.digits

    @property
    def indicator(self) -> str:
        """The first digit (packaging level indicator for GTIN-14; 0 for shorter GTINs)."""
        return self.digits[0]

    @property
    def restricted_circulation(self) -> bool:
        """Whether the GTIN is a restricted-circulation number (not globally unique)."""
        return is_restricted_circulation(self.digits)


def parse_gtin(text: str) -> Gtin:
    """Parse a GTIN-8, -12, -13 or -14 and normalise it to 14 digits.

    Raises:
        GtinError: a length other than 8, 12, 13 or 14, a character other than an ASCII digit, or a
            wrong check digit.
    """
    if not _is_digits(text):
        raise GtinError("digits", "a GTIN is ASCII digits only", value=text)
    if len(text) not in GTIN_LENGTHS:
        raise GtinError("length", f"a GTIN has 8, 12, 13 or 14 digits, not {len(text)}", value=text)
    expected = gs1_check_digit(text[:-1])
    if text[-1] != expected:
        raise GtinError("check_digit", f"the check digit is {text[-1]}, expected {expected}", value=text)
    return Gtin(text.rjust(14, "0"))


GS1_COMPANY_PREFIX_TAG = "gs1:"
"""How carbontrail writes a GS1 company prefix in text (``gs1:4712345``), as ``org register --prefix`` takes
it."""


@dataclass(frozen=True)
class Gs1CompanyPrefix(Identifier):
    """A GS1 company prefix (4 to 12 digits)."""

    digits: str
    scheme = "gs1-company-prefix"

    @property
    def canonical(self) -> str:
        """``gs1:<digits>``."""
        return GS1_COMPANY_PREFIX_TAG + self.digits

    def covers_gtin(self, gtin: Gtin) -> bool:
        """Return whether ``gtin``'s 14-digit form carries this prefix right after the indicator digit."""
        return gtin.digits[1:].startswith(self.digits)

    def covers_prefix(self, other: Gs1CompanyPrefix) -> bool:
        """Return whether every GTIN under ``other`` is also under this prefix."""
        return other.digits.startswith(self.digits)


def parse_gs1_company_prefix(text: str) -> Gs1CompanyPrefix:
    """Parse ``gs1:<4-12 digits>`` (the tag is required, so a prefix never passes for a number).

    Raises:
        Gs1Error: ``identifiers.gs1.company_prefix``: no ``gs1:`` tag, a non-digit, a length outside 4-12, or
            a restricted-circulation or GTIN-8 range.
    """
    if not text.startswith(GS1_COMPANY_PREFIX_TAG):
        raise Gs1Error("company_prefix", "a GS1 company prefix is written 'gs1:<digits>'", value=text)
    digits = text[len(GS1_COMPANY_PREFIX_TAG) :]
    if not _is_digits(digits) or not 4 <= len(digits) <= 12:
        raise Gs1Error("company_prefix", "a GS1 company prefix is 4 to 12 ASCII digits", value=text)
    if digits.startswith(_RESTRICTED_PREFIXES):
        raise Gs1Error("company_prefix", "the prefix lies in a restricted-circulation range", value=text)
    if digits.startswith(_GTIN8_ZONE):
        raise Gs1Error("company_prefix", "prefixes 00000... are the GTIN-8 range, not companies'", value=text)
    return Gs1CompanyPrefix(digits)
