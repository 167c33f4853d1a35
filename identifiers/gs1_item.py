"""A GS1 trade item identified by its GTIN, key qualifiers and data attributes, in element-string notation
(GS1 General Specifications section 3, "GS1 Application Identifier definitions", and 7.8 on the human-readable
interpretation with parenthesised AIs).

Both notations carbontrail reads, element strings here and Digital Link URIs in identifiers/digital_link.py,
build the same value through ``build_item``: the GTIN (AI 01, check digit verified, 14 digits), its key
qualifiers in the order the syntax dictionary's ``dlpkey`` for AI 01 gives (``22``, ``10``, ``21``, or
``235``), and further AIs as attributes, each value checked against the dictionary and every ``req``/``ex``
rule checked over the whole set. Only AI 01 is supported as a primary key: carbontrail identifies products.

The canonical element string is the bracketed form ``(01)<gtin>(22)..(10)..(21)..`` then the attributes in AI
order; a ``(`` inside a value is written ``\\(`` as the GS1 Syntax Engine does. Raw barcode data (AIs without
brackets, FNC1 as the GS character U+001D, an optional symbology identifier such as ``]d2``) is split into AIs
by biip, then checked here like any other element string (biip leaves the GTIN check digit, repeated AIs and
the dictionary's ``req``/``ex`` rules unchecked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from biip import ParseError
from biip.gs1_messages import GS1Message

from identifiers.errors import Gs1Error, GtinError
from identifiers.gs1_syntax import ai_at, lookup_ai, verify_ai_value, verify_associations
from identifiers.gtin import Gtin, parse_gtin
from identifiers.scheme import Identifier

GTIN_AI = "01"
GS = "\x1d"
GS1_SYMBOLOGY_IDENTIFIERS = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
"""Symbology identifiers of GS1 data carriers (GS1-128, DataBar, DataMatrix, QR Code, DotCode)."""


def gtin_qualifier_sequences() -> tuple[tuple[str, ...], ...]:
    """Return AI 01's alternative qualifier sequences from the syntax dictionary (``22,10,21`` and
    ``235``)."""
    sequences = lookup_ai(GTIN_AI).dl_primary_key
    assert sequences is not None
    return sequences


@dataclass(frozen=True)
class Gs1Item(Identifier):
    """A GTIN with its key qualifiers (in dictionary order) and data attributes (sorted by AI)."""

    gtin: Gtin
    qualifiers: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    scheme = "gs1"

    @property
    def canonical(self) -> str:
        """The canonical element string (subclasses give their own notation)."""
        return format_element_string(self)

    def qualifier(self, ai: str) -> str | None:
        """Return a key qualifier's value (``"10"`` lot, ``"21"`` serial, ``"22"`` CPV), or None."""
        return dict(self.qualifiers).get(ai)

    @property
    def lot(self) -> str | None:
        """The batch or lot number (AI 10), if any."""
        return self.qualifier("10")

    @property
    def serial(self) -> str | None:
        """The serial number (AI 21), if any."""
        return self.qualifier("21")

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every (AI, value), the GTIN first, then qualifiers, then attributes."""
        return ((GTIN_AI, self.gtin.digits), *self.qualifiers, *self.attributes)


@dataclass(frozen=True)
class ElementString(Gs1Item):
    """A GS1 element string that carries a GTIN (AI 01)."""

    scheme = "gs1-element-string"


def check_gtin_value(value: str) -> Gtin:
    """Parse AI 01's value: a GTIN-14 whose check digit is verified first, so that error is the precise one.

    Raises:
        GtinError: the value is not a valid GTIN.
    """
    return parse_gtin(value)


def build_item(
    gtin_value: str,
    qualifiers: Sequence[tuple[str, str]],
    attributes: Sequence[tuple[str, str]],
    *,
    ordered: bool,
    value: str,
) -> tuple[Gtin, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Check a GTIN, its key qualifiers and attributes; return them in canonical order.

    Args:
        gtin_value: AI 01's value (8, 12, 13 or 14 digits).
        qualifiers: (AI, value) key qualifiers as given.
        attributes: (AI, value) further AIs.
        ordered: whether the qualifiers must already be in dictionary order (Digital Link paths) or may come
            in any order (element strings).
        value: the whole text, for error messages.

    Raises:
        GtinError: a bad GTIN.
        Gs1Error: a bad value, a repeated AI, qualifiers out of order or from two sequences, or a broken
            ``req``/``ex`` rule.
    """
    gtin = check_gtin_value(gtin_value)
    given = [ai for ai, _ in qualifiers]
    for sequence in gtin_qualifier_sequences():
        if set(given) <= set(sequence):
            canonical = sorted(qualifiers, key=lambda pair: sequence.index(pair[0]))
            break
    else:
        raise Gs1Error("qualifier_order", f"qualifiers {given} mix AI 01's qualifier sequences", value=value)
    if ordered and [ai for ai, _ in canonical] != given:
        raise Gs1Error("qualifier_order", f"qualifiers {given} are out of order", value=value)
    for ai, data in (*qualifiers, *attributes):
        verify_ai_value(ai, data)
    verify_associations([GTIN_AI, *given, *(ai for ai, _ in attributes)])
    return gtin, tuple(canonical), tuple(sorted(attributes))


def _escape(data: str) -> str:
    return data.replace("(", "\\(")


def format_element_string(item: Gs1Item) -> str:
    """Return the bracketed element string ``(01)..(10)..`` of an item, ``(`` in values written ``\\(``."""
    return "".join(f"({ai}){_escape(data)}" for ai, data in item.pairs)


def _split_bracketed(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i] != "(":
            raise Gs1Error("element_string", "expected '(' before an AI", value=text)
        close = text.find(")", i)
        if close < 0:
            raise Gs1Error("element_string", "an AI's '(' is not closed", value=text)
        ai = text[i + 1 : close]
        if not (ai.isascii() and ai.isdigit()):
            raise Gs1Error("element_string", f"({ai}) is not a numeric AI", value=text)
        lookup_ai(ai)
        data: list[str] = []
        i = close + 1
        while i < len(text) and text[i] != "(":
            if text.startswith("\\(", i):
                data.append("(")
                i += 2
            else:
                data.append(text[i])
                i += 1
        if not data:
            raise Gs1Error("element_string", f"({ai}) has no value", value=text)
        pairs.append((ai, "".join(data)))
    return pairs


def _split_raw(text: str) -> list[tuple[str, str]]:
    data = text
    if data.startswith("]"):
        if data[:3] not in GS1_SYMBOLOGY_IDENTIFIERS:
            raise Gs1Error("element_string", f"{data[:3]!r} is not a GS1 symbology identifier", value=text)
        data = data[3:]
    if ai_at(data) is None:
        raise Gs1Error("element_string", "raw element strings start with an AI", value=text)
    try:
        message = GS1Message.parse(data)
    except ParseError as e:
        raise Gs1Error("element_string", f"not a GS1 element string: {e}", value=text) from e
    return [(es.ai.ai, es.value) for es in message.element_strings]


def parse_element_string(text: str) -> ElementString:
    """Parse a GS1 element string carrying a GTIN: bracketed ``(01)...(10)...`` or raw barcode data.

    Raises:
        GtinError: AI 01's value is not a valid GTIN-14.
        Gs1Error: ``identifiers.gs1.*``: malformed text, an unknown AI, no AI 01, a bad value, a repeated
            AI, or a broken ``req``/``ex`` rule.
    """
    if not text:
        raise Gs1Error("element_string", "the element string is empty", value=text)
    pairs = _split_bracketed(text) if text.startswith("(") else _split_raw(text)
    gtins = [data for ai, data in pairs if ai == GTIN_AI]
    if len(gtins) > 1:
        raise Gs1Error("duplicate_ai", "(01) appears more than once", value=text)
    if not gtins:
        raise Gs1Error("primary_key", "carbontrail's GS1 element strings carry a GTIN (AI 01)", value=text)
    if len(gtins[0]) != 14:
        raise GtinError("length", "AI 01 holds a 14-digit GTIN", value=text)
    sequences = gtin_qualifier_sequences()
    qualifier_ais = {ai for sequence in sequences for ai in sequence}
    qualifiers = [(ai, data) for ai, data in pairs if ai in qualifier_ais]
    attributes = [(ai, data) for ai, data in pairs if ai != GTIN_AI and ai not in qualifier_ais]
    gtin, ordered_qualifiers, ordered_attributes = build_item(
        gtins[0], qualifiers, attributes, ordered=False, value=text
    )
    return ElementString(gtin, ordered_qualifiers, ordered_attributes)
