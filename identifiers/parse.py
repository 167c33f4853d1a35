"""One entry point for every identifier scheme, and prefix coverage (DESIGN.md, "Identity and authority").

``parse_identifier`` recognises the scheme from the text's shape, without guessing between two readings: each
shape belongs to one scheme (table in docs/identifiers.md), and the scheme's own parser then gives the precise
error. ``covers`` answers whether a registered prefix covers an identifier: an industrial-internet prefix
covers its own handles and those of prefixes derived from it, compared segment by segment (``88.118.8`` covers
``88.118.8/X`` and ``88.118.8.5/X``, never ``88.118.80/X``); a GS1 company prefix covers the GTINs whose
14-digit form carries it right after the indicator digit, and every Digital Link or element string of such a
GTIN.
"""

from __future__ import annotations

from identifiers.did import parse_did_key, parse_did_web
from identifiers.digital_link import parse_digital_link
from identifiers.errors import DidError, PrefixError, UnknownSchemeError
from identifiers.gs1_item import GTIN_AI, Gs1Item, parse_element_string
from identifiers.gtin import (
    GS1_COMPANY_PREFIX_TAG,
    Gs1CompanyPrefix,
    Gtin,
    parse_gs1_company_prefix,
    parse_gtin,
)
from identifiers.handle import Handle, HandlePrefix, parse_handle, parse_handle_prefix
from identifiers.scheme import Identifier
from identifiers.urn import PactUrn, parse_urn
from identifiers.uscc import parse_uscc

Prefix = HandlePrefix | Gs1CompanyPrefix
"""What the registry binds to an organisation: an industrial-internet prefix or a GS1 company prefix."""


def _looks_like_raw_element_string(text: str) -> bool:
    """AI 01, 14 digits, then more: raw barcode data (a GTIN alone is 8-14 digits, a USCC 18 characters)."""
    return len(text) > 18 and text.startswith(GTIN_AI) and text[2:16].isascii() and text[2:16].isdigit()


def _looks_like_handle_prefix(text: str) -> bool:
    return "." in text and all(c.isascii() and (c.isalnum() or c == ".") for c in text)


def parse_identifier(text: str) -> Identifier:
    """Recognise the scheme of an identifier and parse it.

    ``did:key:``/``did:web:`` DIDs; ``urn:`` URNs (``urn:gtin:`` gives a ``Gtin``); ``gs1:<digits>`` GS1
    company prefixes; ``http(s)://`` and ``/`` Digital Link URIs; ``(``, ``]`` or GS-separated element
    strings; 8, 12, 13 or 14 digits GTINs; longer digit strings raw element strings; 18 letters and digits a
    USCC; dotted ASCII before a ``/`` industrial-internet identifiers, and without one their prefixes.

    Raises:
        IdentifierError: a subclass naming the scheme and the precise reason (see identifiers/errors.py), or
            ``UnknownSchemeError`` when the text has no known shape.
    """
    if text.startswith("did:"):
        if text.startswith("did:key:"):
            return parse_did_key(text)
        if text.startswith("did:web:"):
            return parse_did_web(text)
        raise DidError("carbontrail accepts the did:key and did:web methods only", value=text)
    if text[:4].lower() == "urn:":
        return parse_urn(text)
    if text.startswith(GS1_COMPANY_PREFIX_TAG):
        return parse_gs1_company_prefix(text)
    if text.startswith(("http://", "https://", "/")):
        return parse_digital_link(text)
    if text.startswith(("(", "]")) or "\x1d" in text or _looks_like_raw_element_string(text):
        return parse_element_string(text)
    if len(text) == 18 and text.isascii() and text.isalnum():
        return parse_uscc(text)
    if text.isascii() and text.isdigit():
        return parse_gtin(text)
    head, slash, _ = text.partition("/")
    if _looks_like_handle_prefix(head):
        return parse_handle(text) if slash else parse_handle_prefix(text)
    raise UnknownSchemeError("no identifier scheme has this shape", value=text)


def parse_prefix(text: str) -> Prefix:
    """Parse a registrable prefix: ``gs1:<digits>`` or an industrial-internet prefix such as ``88.118.8``.

    Raises:
        Gs1Error: a bad GS1 company prefix.
        HandleError: a bad industrial-internet prefix.
    """
    if text.startswith(GS1_COMPANY_PREFIX_TAG):
        return parse_gs1_company_prefix(text)
    return parse_handle_prefix(text)


def subject_of(identifier: Identifier) -> Identifier:
    """Return what an identifier names for coverage: a PACT ``handle`` URN's ``Handle``, a GS1 item's
    ``Gtin``, otherwise the identifier itself.

    Raises:
        HandleError, TextError: a PACT ``handle`` URN that does not carry a valid handle.
    """
    if isinstance(identifier, PactUrn):
        identifier = identifier.embedded()
    if isinstance(identifier, Gs1Item):
        return identifier.gtin
    return identifier


def covers(prefix: Prefix, identifier: Identifier) -> bool:
    """Return whether ``prefix`` covers ``identifier`` (an identifier, or a narrower prefix of the same kind).

    Raises:
        HandleError, TextError: a PACT ``handle`` URN that does not carry a valid handle.
    """
    subject = subject_of(identifier)
    if isinstance(prefix, HandlePrefix):
        if isinstance(subject, Handle):
            return prefix.covers_prefix(subject.prefix)
        return isinstance(subject, HandlePrefix) and prefix.covers_prefix(subject)
    if isinstance(subject, Gtin):
        return prefix.covers_gtin(subject)
    return isinstance(subject, Gs1CompanyPrefix) and prefix.covers_prefix(subject)


def verify_covered(prefix: Prefix, identifier: Identifier) -> None:
    """Check that ``prefix`` covers ``identifier``.

    Raises:
        PrefixError: ``identifiers.prefix.not_covered``.
        HandleError, TextError: a PACT ``handle`` URN that does not carry a valid handle.
    """
    if not covers(prefix, identifier):
        raise PrefixError(
            "not_covered",
            f"{prefix.canonical} does not cover {identifier.canonical}",
            value=identifier.canonical,
        )
