"""GS1 Digital Link URIs for trade items (GS1 Digital Link URI Syntax 1.2, sections 4 and 6; resolver
conformance, tests/vectors/gs1/resolver-testsuite-Conformance1_2.txt).

``https://<any host>[/<custom path>]/01/<gtin>[/22/<cpv>][/10/<lot>][/21/<serial>][?<ai>=<value>&...]``: the
path carries the primary key and its key qualifiers, in the order the syntax dictionary's ``dlpkey`` gives;
the query carries data attributes, AIs the dictionary flags ``?``. carbontrail checks what biip's parser
leaves unchecked or that it handles differently: the GTIN check digit, repeated query AIs (biip keeps the
last), the primary key or a key qualifier in the query, AIs not allowed as data attributes, ``req``/``ex``
rules, and percent-encoding. It tolerates one trailing slash (conformance: SHOULD) and a path without scheme
and host (``/01/...``, as a resolver receives it). Query parameters that are not AIs (``linkType``,
``context``) are resolver requests, not part of an identifier, and are refused here: a resolver removes them
first.

The canonical URI uses the GS1 resolver's host, ``https://id.gs1.org``, the 14-digit GTIN, every value
percent-encoded except ``A-Z a-z 0-9 - . _``, and the attributes in AI order; ``to_uri`` writes it on another
host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from identifiers.errors import Gs1Error
from identifiers.gs1_item import GTIN_AI, Gs1Item, build_item, gtin_qualifier_sequences
from identifiers.gs1_syntax import AI_TABLE, lookup_ai

CANONICAL_BASE = "https://id.gs1.org"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class DigitalLink(Gs1Item):
    """A GS1 Digital Link URI for a trade item."""

    scheme = "gs1-digital-link"

    @property
    def canonical(self) -> str:
        """The URI on ``https://id.gs1.org``."""
        return self.to_uri(CANONICAL_BASE)

    @property
    def path(self) -> str:
        """``/01/<gtin>[/<qualifier>/<value>...]``, values percent-encoded."""
        return "".join(
            f"/{ai}/{_encode(data)}" for ai, data in ((GTIN_AI, self.gtin.digits), *self.qualifiers)
        )

    def to_uri(self, base: str) -> str:
        """Return the URI on another resolver base (``https://example.com`` or ``https://example.com/dl``)."""
        query = "&".join(f"{ai}={_encode(data)}" for ai, data in self.attributes)
        return base.rstrip("/") + self.path + (f"?{query}" if query else "")


def _encode(data: str) -> str:
    return quote(data, safe="")


def _decode(data: str, value: str) -> str:
    if _BAD_PERCENT.search(data):
        raise Gs1Error("percent_encoding", "a '%' is not followed by two hexadecimal digits", value=value)
    try:
        return unquote(data, errors="strict")
    except UnicodeDecodeError as e:
        raise Gs1Error("percent_encoding", "percent-encoded bytes are not UTF-8", value=value) from e


def _split_path(path: str, value: str) -> tuple[str, list[tuple[str, str]]]:
    segments = path.split("/")[1:]
    if segments and segments[-1] == "":
        segments.pop()  # One trailing slash is tolerated.
    qualifier_ais = {ai for sequence in gtin_qualifier_sequences() for ai in sequence}
    for start in range(len(segments) % 2, len(segments), 2):
        keys = segments[start::2]
        if keys[0] in AI_TABLE and lookup_ai(keys[0]).dl_primary_key is not None:
            if keys[0] != GTIN_AI:
                raise Gs1Error("unsupported_key", f"primary key ({keys[0]}) is not a GTIN (01)", value=value)
            if all(k in qualifier_ais for k in keys[1:]):
                pairs = [
                    (segments[i], _decode(segments[i + 1], value)) for i in range(start, len(segments), 2)
                ]
                if any(not data for _, data in pairs):
                    raise Gs1Error("uri", "a path segment is empty", value=value)
                return pairs[0][1], pairs[1:]
            bad = next(k for k in keys[1:] if k not in qualifier_ais)
            raise Gs1Error("qualifier_order", f"({bad}) is not a key qualifier of (01)", value=value)
    raise Gs1Error("primary_key", "the path has no '/01/<gtin>' primary key", value=value)


def _split_query(query: str, qualifiers: set[str], value: str) -> list[tuple[str, str]]:
    if not query:
        return []
    attributes: list[tuple[str, str]] = []
    for part in query.split("&"):
        key, equals, data = part.partition("=")
        if not (key.isascii() and key.isdigit()):
            raise Gs1Error("query_parameter", f"query parameter {key!r} is not a GS1 AI", value=value)
        if not equals or not data:
            raise Gs1Error("query_parameter", f"query parameter {key!r} has no value", value=value)
        spec = lookup_ai(key)
        if key == GTIN_AI:
            raise Gs1Error("primary_key", "the primary key (01) belongs in the path", value=value)
        if key in qualifiers:
            raise Gs1Error("qualifier_in_query", f"key qualifier ({key}) belongs in the path", value=value)
        if not spec.dl_attribute:
            raise Gs1Error(
                "not_data_attribute", f"({key}) may not be a Digital Link data attribute", value=value
            )
        attributes.append((key, _decode(data, value)))
    return attributes


def parse_digital_link(text: str) -> DigitalLink:
    """Parse a GS1 Digital Link URI for a trade item (absolute, or a path starting ``/``).

    Raises:
        GtinError: the GTIN is not valid.
        Gs1Error: ``identifiers.gs1.*``: not an http(s) URI or path, no GTIN key, another primary key,
            qualifiers out of order, a qualifier or the key in the query, a non-AI or non-attribute query
            parameter, bad percent-encoding, a bad value, a repeated AI, or a broken ``req``/``ex`` rule.
    """
    if not text.isascii() or any(c.isspace() or not c.isprintable() for c in text):
        raise Gs1Error("uri", "a Digital Link URI is printable ASCII without spaces", value=text)
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Gs1Error("uri", "a Digital Link URI is http(s)://<host>/...", value=text)
    elif not text.startswith("/"):
        raise Gs1Error("uri", "a Digital Link path starts with '/'", value=text)
    if parts.fragment or text.endswith("#"):
        raise Gs1Error("uri", "a Digital Link identifier has no fragment", value=text)
    gtin_value, qualifiers = _split_path(parts.path, text)
    qualifier_ais = {ai for sequence in gtin_qualifier_sequences() for ai in sequence}
    attributes = _split_query(parts.query, qualifier_ais, text)
    gtin, ordered_qualifiers, ordered_attributes = build_item(
        gtin_value, qualifiers, attributes, ordered=True, value=text
    )
    return DigitalLink(gtin, ordered_qualifiers, ordered_attributes)
