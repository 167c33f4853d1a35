"""Units of the roll-up: which symbols exist, which are compatible, and the exact factor between them
(docs/passport.md, "Units").

:mod:`passport.quantity` converts between the few units credentials write (t/kg, MWh/kWh/MJ, GJ/MJ, m3/L)
on ``Decimal``; the roll-up needs more (W, kW and kWp; Wh; pieces; tonne-kilometres) and divisions that are
not exact in decimal (MJ to kWh is 1/3.6), so here every unit is a dimension and an exact rational factor to
that dimension's base unit, and conversion works on :class:`fractions.Fraction`. Two units are compatible
when they share a dimension; converting between others raises ``rollup.unit``.

Peak power (``Wp``, ``kWp``, ``MWp``) is rated power at standard test conditions, so it shares the power
dimension with ``W``, ``kW`` and ``MW``: a module rated 0.4 kWp converts to 400 W.
"""

from __future__ import annotations

from fractions import Fraction

from passport.errors import RollupError
from passport.quantity import DECLARED_UNITS

_UNITS: dict[str, tuple[str, Fraction]] = {
    "g": ("mass", Fraction(1, 1000)),
    "kg": ("mass", Fraction(1)),
    "t": ("mass", Fraction(1000)),
    "Wh": ("energy", Fraction(1, 1000)),
    "kWh": ("energy", Fraction(1)),
    "MWh": ("energy", Fraction(1000)),
    "MJ": ("energy", Fraction(1, 36) * 10),
    "GJ": ("energy", Fraction(10000, 36)),
    "W": ("power", Fraction(1, 1000)),
    "kW": ("power", Fraction(1)),
    "MW": ("power", Fraction(1000)),
    "Wp": ("power", Fraction(1, 1000)),
    "kWp": ("power", Fraction(1)),
    "MWp": ("power", Fraction(1000)),
    "piece": ("count", Fraction(1)),
    "tkm": ("transport", Fraction(1)),
    "m2": ("area", Fraction(1)),
    "L": ("volume", Fraction(1, 1000)),
    "m3": ("volume", Fraction(1)),
    "h": ("time", Fraction(1)),
    "Mbit.s": ("data", Fraction(1)),
}
"""Every unit symbol: its dimension and its size in the dimension's base unit (kg, kWh, kW, piece, tkm, m2,
m3, h, Mbit.s). 1 kWh = 3.6 MJ exactly, so 1 MJ = 10/36 kWh."""

UNIT_SYMBOLS = frozenset(_UNITS)
MASS_UNITS = frozenset(s for s, (d, _) in _UNITS.items() if d == "mass")
ENERGY_UNITS = frozenset(s for s, (d, _) in _UNITS.items() if d == "energy")

REC20_CODES: dict[str, str] = {
    "liter": "LTR",
    "kilogram": "KGM",
    "cubic meter": "MTQ",
    "kilowatt hour": "KWH",
    "megajoule": "3B",
    "ton kilometer": "TKM",
    "square meter": "MTK",
    "piece": "H87",
    "hour": "HUR",
}
"""UN/ECE Recommendation 20 codes of the PACT declared units (UNTP writes ``declaredUnit`` and measures in
these). ``megabit second`` has none, so a passport cannot be declared per megabit second."""


def dimension(symbol: str) -> str:
    """The dimension of a unit symbol (``mass``, ``energy``, ``power``, ...).

    Raises:
        RollupError: ``rollup.unit``: not a known unit symbol.
    """
    try:
        return _UNITS[symbol][0]
    except KeyError:
        raise RollupError("unit", f"{symbol!r} is not a unit carbontrail knows") from None


def symbol_of(declared_unit: str) -> str:
    """The symbol of a PACT declared unit (``kilogram`` -> ``kg``), or the symbol itself if given one.

    Raises:
        RollupError: ``rollup.unit``: neither a PACT declared unit nor a known symbol.
    """
    symbol = DECLARED_UNITS.get(declared_unit, declared_unit)
    dimension(symbol)
    return symbol


def factor_between(from_symbol: str, to_symbol: str) -> Fraction:
    """The exact factor f such that x ``from_symbol`` = x * f ``to_symbol``.

    Raises:
        RollupError: ``rollup.unit``: an unknown symbol, or units of different dimensions.
    """
    from_dim, to_dim = dimension(from_symbol), dimension(to_symbol)
    if from_dim != to_dim:
        raise RollupError(
            "unit", f"cannot convert {from_symbol} ({from_dim}) to {to_symbol} ({to_dim}): incompatible units"
        )
    return _UNITS[from_symbol][1] / _UNITS[to_symbol][1]


def convert(value: Fraction, from_symbol: str, to_symbol: str) -> Fraction:
    """Convert an exact amount between compatible units.

    Raises:
        RollupError: ``rollup.unit``: incompatible or unknown units.
    """
    return value * factor_between(from_symbol, to_symbol)
