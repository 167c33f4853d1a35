"""The Unified Social Credit Code of Chinese legal persons and other organisations (GB 32100-2015).

18 characters from a 31-character set, the digits and the capital letters without I, O, Z, S and V: position 1
is the registration authority, 2 the organisation category, 3-8 the administrative division code (GB/T 2260,
digits), 9-17 the organisation's body code (GB 11714) and 18 the check character (section 5 and Annex B of GB
32100-2015): with c_i the character values and w_i = 3^(i-1) mod 31 for i = 1..17, the check character's value
is 31 - (sum c_i * w_i mod 31), 31 written 0.

carbontrail accepts lower case letters and canonicalises to upper case, refuses the five excluded letters by
name, requires the division code to be digits and checks the check character. It does not check the
registration-authority and category pairs against the standard's table nor the division code against GB/T 2260
(both lists are amended over time), nor the body code's GB 11714 check.
"""

from __future__ import annotations

from dataclasses import dataclass

from identifiers.errors import UsccError
from identifiers.scheme import Identifier

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015, in value order (0..30)."""

WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
"""Position weights 3^(i-1) mod 31: 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28."""

_EXCLUDED = frozenset("IOZSV")


def uscc_check_character(body: str) -> str:
    """Return the check character of the first 17 characters of a USCC (upper case, from ``ALPHABET``)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class Uscc(Identifier):
    """A Unified Social Credit Code (upper case, check character verified)."""

    code: str
    scheme = "uscc"

    @property
    def canonical(self) -> str:
        """The 18 characters in upper case."""
        return self.code

    @property
    def registration_authority(self) -> str:
        """Position 1: the registration authority (``9`` for market regulation, ``5`` civil affairs, ...)."""
        return self.code[0]

    @property
    def category(self) -> str:
        """Position 2: the organisation category within its registration authority."""
        return self.code[1]

    @property
    def division(self) -> str:
        """Positions 3-8: the administrative division code."""
        return self.code[2:8]

    @property
    def body(self) -> str:
        """Positions 9-17: the organisation's body code (GB 11714)."""
        return self.code[8:17]


def parse_uscc(text: str) -> Uscc:
    """Parse an 18-character Unified Social Credit Code.

    Raises:
        UsccError: ``identifiers.uscc.length``, ``.character`` (outside the 31-character set, I O Z S V
            included), ``.division`` (positions 3-8 not digits) or ``.check_character``.
    """
    if len(text) != 18:
        raise UsccError("length", f"a USCC has 18 characters, not {len(text)}", value=text)
    code = text.upper() if text.isascii() else text
    for position, char in enumerate(code, start=1):
        if char not in ALPHABET:
            why = " (I, O, Z, S and V are excluded)" if char in _EXCLUDED else ""
            raise UsccError("character", f"character {position} {char!r} is not allowed{why}", value=text)
    if not code[2:8].isdigit():
        raise UsccError("division", "positions 3-8 (administrative division) are digits", value=text)
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise UsccError(
            "check_character", f"the check character is {code[17]}, expected {expected}", value=text
        )
    return Uscc(code)
