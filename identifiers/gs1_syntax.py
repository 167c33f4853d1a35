"""GS1 application identifiers (AIs) as the GS1 Barcode Syntax Dictionary defines them, and the checks on AI
values and AI combinations that carbontrail makes.

The dictionary (identifiers/gs1_dictionary_data.py, generated from the vector) gives each AI its flags (``*``
predefined length, ``?`` allowed as a GS1 Digital Link data attribute), its components (character set N
digits, X CSET 82, Y CSET 39, Z CSET 64; lengths; linters), mandatory associations (``req``), invalid pairings
(``ex``) and Digital Link primary-key qualifier sequences (``dlpkey``). Linters carbontrail implements:
``csum``, the date and time linters (``yymmd0``, ``yymmdd``, ``yyyymmdd``, ``hhmi``, ``hh``, ``mi``, ``ss``),
``nonzero``, ``zero``, ``yesno``, ``winding``, ``hyphen``, ``pcenc``, ``nozeroprefix`` and ``pieceoftotal``.
The others need GS1 or ISO code lists or algorithms carbontrail does not ship (``csumalpha``,
``gcppos1``/``gcppos2``, ``iso3166``, ``iso4217``, ``iban``, ...) and are listed in ``UNCHECKED_LINTERS``; a
two-digit year counts as a leap year when it is divisible by four.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from identifiers.errors import Gs1Error
from identifiers.gs1_dictionary_data import DICTIONARY
from identifiers.gtin import gs1_check_digit

CSETS = {
    "N": frozenset("0123456789"),
    "X": frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"),
    "Y": frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "Z": frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz="),
}
"""The character sets of the dictionary's component types (GS1 General Specifications 7.11)."""

UNCHECKED_LINTERS = frozenset(
    {
        "csumalpha",
        "gcppos1",
        "gcppos2",
        "iso3166",
        "iso3166999",
        "iso3166alpha2",
        "iso4217",
        "iso5218",
        "iban",
        "importeridx",
        "packagetype",
        "mediatype",
        "couponcode",
        "couponposoffer",
        "latitude",
        "longitude",
        "posinseqslash",
        "hasnondigit",
    }
)
"""Linters named in the dictionary that carbontrail does not run (they need code lists it does not ship)."""

_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\d+)?(?:\.\.(\d+))?(\])?((?:,\w+)*)$")
_FLAG_CHARS = frozenset("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")


@dataclass(frozen=True)
class Component:
    """One component of an AI's data field: character set, length range, optional, linters."""

    cset: str
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class AiSpec:
    """One application identifier's entry in the syntax dictionary."""

    ai: str
    title: str
    predefined_length: bool
    dl_attribute: bool
    components: tuple[Component, ...]
    requires: tuple[tuple[tuple[str, ...], ...], ...]
    """Each ``req`` attribute: alternatives, each a group of AI patterns that must all be present."""
    excludes: tuple[str, ...]
    dl_primary_key: tuple[tuple[str, ...], ...] | None
    """For a Digital Link primary key, its alternative qualifier sequences (``()`` if it takes none)."""


def _parse_component(token: str) -> Component:
    match = _COMPONENT.match(token)
    if match is None:
        raise ValueError(f"bad component {token!r}")
    opening, cset, fixed, maximum, closing, linters = match.groups()
    if (opening is None) != (closing is None):
        raise ValueError(f"unbalanced optional component {token!r}")
    if fixed is not None and maximum is not None:
        raise ValueError(f"bad component length {token!r}")
    if fixed is not None:
        low = high = int(fixed)
    else:
        low, high = 1, int(maximum)
    return Component(cset, low, high, opening is not None, tuple(x for x in linters.split(",") if x))


def _expand(ais: str) -> list[str]:
    if "-" not in ais:
        return [ais]
    first, last = ais.split("-")
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def parse_dictionary(text: str) -> dict[str, AiSpec]:
    """Parse the syntax dictionary's entry lines into a table keyed by AI (ranges expanded)."""
    table: dict[str, AiSpec] = {}
    for line in text.splitlines():
        body, _, title = line.partition("#")
        tokens = body.split()
        if not tokens:
            continue
        ais, rest = tokens[0], tokens[1:]
        flags = ""
        if rest and set(rest[0]) <= _FLAG_CHARS:
            flags, rest = rest[0], rest[1:]
        components: list[Component] = []
        requires: list[tuple[tuple[str, ...], ...]] = []
        excludes: list[str] = []
        dl_key: tuple[tuple[str, ...], ...] | None = None
        for token in rest:
            if token.startswith("req="):
                requires.append(tuple(tuple(g.split("+")) for g in token[4:].split(",")))
            elif token.startswith("ex="):
                excludes.extend(token[3:].split(","))
            elif token == "dlpkey":  # noqa: S105 - a dictionary keyword, not a password
                dl_key = ((),)
            elif token.startswith("dlpkey="):
                dl_key = tuple(tuple(seq.split(",")) for seq in token[7:].split("|"))
            elif "=" in token:
                continue  # An attribute this module does not use.
            else:
                components.append(_parse_component(token))
        for ai in _expand(ais):
            table[ai] = AiSpec(
                ai=ai,
                title=title.strip(),
                predefined_length="*" in flags,
                dl_attribute="?" in flags,
                components=tuple(components),
                requires=tuple(requires),
                excludes=tuple(excludes),
                dl_primary_key=dl_key,
            )
    return table


AI_TABLE = parse_dictionary(DICTIONARY)
"""Every AI of the GS1 Barcode Syntax Dictionary."""


def lookup_ai(ai: str) -> AiSpec:
    """Return an AI's dictionary entry.

    Raises:
        Gs1Error: ``identifiers.gs1.unknown_ai``: no such AI.
    """
    spec = AI_TABLE.get(ai)
    if spec is None:
        raise Gs1Error("unknown_ai", f"({ai}) is not a GS1 application identifier", value=ai)
    return spec


def ai_at(text: str) -> str | None:
    """Return the AI that ``text`` starts with (AIs are prefix-free: 2, 3 or 4 digits), or None."""
    for size in (2, 3, 4):
        if text[:size] in AI_TABLE:
            return text[:size]
    return None


def _month_days(yy: int, mm: int) -> int:
    if mm == 2:
        return 29 if yy % 4 == 0 else 28
    return 30 if mm in (4, 6, 9, 11) else 31


def _linter_fault(linter: str, data: str) -> str | None:
    if linter == "csum":
        return None if data[-1] == gs1_check_digit(data[:-1]) else "wrong check digit"
    if linter in ("yymmd0", "yymmdd"):
        yy, mm, dd = int(data[0:2]), int(data[2:4]), int(data[4:6])
        if not 1 <= mm <= 12:
            return "month out of range"
        if dd == 0 and linter == "yymmd0":
            return None
        return None if 1 <= dd <= _month_days(yy, mm) else "day out of range"
    if linter == "yyyymmdd":
        yyyy, mm, dd = int(data[0:4]), int(data[4:6]), int(data[6:8])
        leap = yyyy % 4 == 0 and (yyyy % 100 != 0 or yyyy % 400 == 0)
        days = 29 if (mm == 2 and leap) else _month_days(1, mm)
        return None if 1 <= mm <= 12 and 1 <= dd <= days else "not a calendar date"
    if linter == "hhmi":
        return None if int(data[0:2]) <= 23 and int(data[2:4]) <= 59 else "not a time of day"
    if linter == "hh":
        return None if int(data) <= 23 else "hour out of range"
    if linter in ("mi", "ss"):
        return None if int(data) <= 59 else "minute or second out of range"
    if linter == "nonzero":
        return None if int(data) != 0 else "must not be zero"
    if linter == "zero":
        return None if int(data) == 0 else "must be zero"
    if linter == "yesno":
        return None if data in ("0", "1") else "must be 0 or 1"
    if linter == "winding":
        return None if data in ("0", "1", "9") else "must be 0, 1 or 9"
    if linter == "hyphen":
        return None if data == "-" else "must be '-'"
    if linter == "nozeroprefix":
        return None if data == "0" or not data.startswith("0") else "must not start with 0"
    if linter == "pcenc":
        for match in re.finditer("%", data):
            pair = data[match.start() + 1 : match.start() + 3]
            if len(pair) != 2 or any(c not in "0123456789ABCDEFabcdef" for c in pair):
                return "bad percent-encoding"
        return None
    if linter == "pieceoftotal":
        piece, total = int(data[0:2]), int(data[2:4])
        return None if 1 <= piece <= total else "piece number must be between 1 and the total"
    return None


def verify_ai_value(ai: str, value: str) -> None:
    """Check an AI's value against its dictionary components and the linters carbontrail runs.

    Raises:
        Gs1Error: ``identifiers.gs1.unknown_ai`` or ``identifiers.gs1.ai_value`` (length, character set or a
            linter).
    """
    spec = lookup_ai(ai)
    rest = value
    for component in spec.components:
        if not rest:
            if component.optional:
                break
            raise Gs1Error("ai_value", f"({ai}) value {value!r} is too short", value=value)
        take = component.max_length if component.min_length != component.max_length else component.min_length
        data, rest = rest[:take], rest[take:]
        if len(data) < component.min_length:
            raise Gs1Error("ai_value", f"({ai}) value {value!r} is too short", value=value)
        bad = next((c for c in data if c not in CSETS[component.cset]), None)
        if bad is not None:
            raise Gs1Error(
                "ai_value", f"({ai}) value holds {bad!r}, outside character set {component.cset}", value=value
            )
        for linter in component.linters:
            fault = _linter_fault(linter, data)
            if fault is not None:
                raise Gs1Error("ai_value", f"({ai}) value {value!r}: {fault}", value=value)
    if rest:
        raise Gs1Error("ai_value", f"({ai}) value {value!r} is too long", value=value)


def _matches(pattern: str, ai: str) -> bool:
    return len(pattern) == len(ai) and all(p == "n" or p == a for p, a in zip(pattern, ai, strict=True))


def verify_associations(ais: Sequence[str]) -> None:
    """Check the dictionary's ``req`` and ``ex`` rules over the AIs that appear together, and that none
    repeats.

    Raises:
        Gs1Error: ``identifiers.gs1.duplicate_ai``, ``identifiers.gs1.ai_requires`` or
            ``identifiers.gs1.ai_excludes``.
    """
    seen: set[str] = set()
    for ai in ais:
        if ai in seen:
            raise Gs1Error("duplicate_ai", f"({ai}) appears more than once", value=ai)
        seen.add(ai)
    for ai in ais:
        spec = lookup_ai(ai)
        for pattern in spec.excludes:
            clash = next((other for other in ais if other != ai and _matches(pattern, other)), None)
            if clash is not None:
                raise Gs1Error("ai_excludes", f"({ai}) may not appear with ({clash})", value=ai)
        for alternatives in spec.requires:
            if not any(all(_present(p, ais) for p in group) for group in alternatives):
                wanted = " or ".join("+".join(g) for g in alternatives)
                raise Gs1Error("ai_requires", f"({ai}) requires {wanted}", value=ai)


def _present(pattern: str, ais: Iterable[str]) -> bool:
    return any(_matches(pattern, ai) for ai in ais)
