"""URNs (RFC 8141) and the product-identifier URN forms of WBCSD PACT: ``urn:gtin:``, v3's ``urn:pact:`` and
v2's ``urn:pathfinder:`` (PACT Technical Specifications v2.3 and v3.0, "Product Identification and
Classification"; the OpenAPI ``Urn`` type is ``^([uU][rR][nN]):``).

* RFC 8141 section 2: ``urn:<NID>:<NSS>``, NID 2-32 letters, digits and inner hyphens; NSS of ``pchar`` and
  ``/``. r-, q- and f-components (``?+``, ``?=``, ``#``) are not part of a name and are refused. Lexical
  equivalence (section 3): ``urn`` and the NID case-insensitive (canonical lower case), percent-encoding hex
  upper case, the NSS otherwise case-sensitive.
* ``urn:gtin:<gtin>`` (PACT: "widely used", not IANA-registered) parses to a ``Gtin``: the URN is GTIN's
  notation there, and the canonical form is the 14 digits. ``to_pact_urn`` writes ``urn:gtin:`` + 14 digits;
  PACT receivers compare parsed GTINs, not strings (PACT's own examples use 13). A wrong check digit is
  refused even in PACT data (PACT's conformance test cases carry ``urn:gtin:1234567890123``, whose check digit
  is wrong).
* ``urn:pact:<issuer domain>:<identifier type>:<id>`` (v3): the domain lower case, the type a token, the id
  the rest (it may hold ``:``). carbontrail writes an industrial-internet identifier as
  ``urn:pact:<issuer domain>:handle:<handle>``, non-ASCII percent-encoded as UTF-8; ``from_pact_urn`` reads it
  back to the ``Handle``.
* ``urn:pathfinder:{product|company}:customcode:{buyer|vendor}-assigned:<code>`` and
  ``urn:pathfinder:{product|company}:id:<type>:<id>`` (v2). v2's buyer-assigned and vendor-assigned codes are
  v3's ``buyer-id`` and ``supplier-id`` types (v3 says so); ``pathfinder_to_pact`` and ``pact_to_pathfinder``
  convert product identifiers both ways, the v3 form needing the issuer's domain that v2 did not record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from identifiers.errors import UrnError
from identifiers.gs1_item import Gs1Item
from identifiers.gtin import Gtin, parse_gtin
from identifiers.handle import Handle, parse_handle
from identifiers.scheme import Identifier

_NID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]$")
_NSS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+$")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
HANDLE_ID_TYPE = "handle"
_ASSIGNED = {"buyer-assigned": "buyer-id", "vendor-assigned": "supplier-id"}


def _upper_hex(text: str) -> str:
    return _PERCENT.sub(lambda m: m.group().upper(), text)


@dataclass(frozen=True)
class Urn(Identifier):
    """Any other RFC 8141 URN (``urn:uuid:...``, ``urn:isbn:...``): NID lower case, NSS as written."""

    nid: str
    nss: str
    scheme = "urn"

    @property
    def canonical(self) -> str:
        """``urn:<nid>:<nss>``."""
        return f"urn:{self.nid}:{self.nss}"


@dataclass(frozen=True)
class PactUrn(Identifier):
    """A PACT v3 product identifier ``urn:pact:<domain>:<type>:<id>``."""

    domain: str
    id_type: str
    id: str
    scheme = "pact-urn"

    @property
    def canonical(self) -> str:
        """``urn:pact:<domain>:<type>:<id>``."""
        return f"urn:pact:{self.domain}:{self.id_type}:{self.id}"

    def embedded(self) -> Identifier:
        """Return the identifier this URN carries: the ``Handle`` of a ``handle`` URN, else the URN itself.

        Raises:
            UrnError: ``identifiers.urn.percent_encoding``: the id's percent-encoded bytes are not UTF-8.
            HandleError, TextError: a ``handle`` URN whose id is not a valid industrial-internet identifier.
        """
        if self.id_type != HANDLE_ID_TYPE:
            return self
        try:
            text = unquote(self.id, errors="strict")
        except UnicodeDecodeError as e:
            raise UrnError(
                "percent_encoding", "percent-encoded bytes are not UTF-8", value=self.canonical
            ) from e
        return parse_handle(text)


@dataclass(frozen=True)
class PathfinderUrn(Identifier):
    """A PACT v2 identifier ``urn:pathfinder:<kind>:customcode:<assigner>:<code>`` or
    ``..:id:<type>:<id>``."""

    kind: str
    form: str
    qualifier: str
    code: str
    scheme = "pathfinder-urn"

    @property
    def canonical(self) -> str:
        """``urn:pathfinder:<kind>:<form>:<qualifier>:<code>``."""
        return f"urn:pathfinder:{self.kind}:{self.form}:{self.qualifier}:{self.code}"


def _split(text: str) -> tuple[str, str]:
    if text[:4].lower() != "urn:":
        raise UrnError("syntax", "a URN starts with 'urn:'", value=text)
    if "?" in text or "#" in text:
        raise UrnError("syntax", "r-, q- and f-components ('?', '#') are not part of a URN name", value=text)
    nid, colon, nss = text[4:].partition(":")
    if not colon or not _NID.match(nid):
        raise UrnError(
            "syntax", "the namespace identifier is 2-32 letters, digits and inner hyphens", value=text
        )
    if not nss:
        raise UrnError("syntax", "the namespace-specific string is empty", value=text)
    if not _NSS.match(nss):
        if "%" in nss and not re.search(r"%[0-9A-Fa-f]{2}", nss):
            raise UrnError("percent_encoding", "a '%' is not followed by two hex digits", value=text)
        raise UrnError(
            "character", "the namespace-specific string holds a character URNs do not allow", value=text
        )
    return nid.lower(), _upper_hex(nss)


def _parse_pact(nss: str, text: str) -> PactUrn:
    parts = nss.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise UrnError("pact", "a PACT URN is urn:pact:<domain>:<identifier type>:<id>", value=text)
    domain, id_type, ident = parts
    domain = domain.lower()
    if len(domain) > 253 or not all(_LABEL.match(label) for label in domain.split(".")):
        raise UrnError("pact", f"{domain!r} is not a domain name", value=text)
    if not _TOKEN.match(id_type):
        raise UrnError("pact", f"{id_type!r} is not an identifier type", value=text)
    return PactUrn(domain, id_type, ident)


def _parse_pathfinder(nss: str, text: str) -> PathfinderUrn:
    parts = nss.split(":", 3)
    if len(parts) != 4 or not all(parts):
        raise UrnError(
            "pathfinder", "a v2 URN is urn:pathfinder:<kind>:<form>:<qualifier>:<code>", value=text
        )
    kind, form, qualifier, code = parts
    if kind not in ("product", "company"):
        raise UrnError("pathfinder", f"{kind!r} is neither 'product' nor 'company'", value=text)
    if form == "customcode":
        if qualifier not in _ASSIGNED:
            raise UrnError("pathfinder", "customcode is buyer-assigned or vendor-assigned", value=text)
    elif form == "id":
        if not _TOKEN.match(qualifier):
            raise UrnError("pathfinder", f"{qualifier!r} is not an identifier type", value=text)
    else:
        raise UrnError("pathfinder", f"{form!r} is neither 'customcode' nor 'id'", value=text)
    return PathfinderUrn(kind, form, qualifier, code)


def parse_urn(text: str) -> Gtin | PactUrn | PathfinderUrn | Urn:
    """Parse a URN: ``urn:gtin:`` to a ``Gtin``, ``urn:pact:`` and ``urn:pathfinder:`` to their forms, any
    other RFC 8141 URN to a ``Urn``.

    Raises:
        UrnError: ``identifiers.urn.*``: not RFC 8141 syntax, or a malformed PACT or pathfinder URN.
        GtinError: a ``urn:gtin:`` whose GTIN is not valid.
    """
    nid, nss = _split(text)
    if nid == "gtin":
        return parse_gtin(nss)
    if nid == "pact":
        return _parse_pact(nss, text)
    if nid == "pathfinder":
        return _parse_pathfinder(nss, text)
    return Urn(nid, nss)


def from_pact_urn(text: str) -> Identifier:
    """Read a PACT product identifier: like ``parse_urn``, with ``urn:pact:<d>:handle:<h>`` read to its
    ``Handle``.

    Raises:
        UrnError, GtinError: as ``parse_urn``.
        HandleError, TextError: a ``handle`` URN whose id is not a valid industrial-internet identifier.
    """
    parsed = parse_urn(text)
    return parsed.embedded() if isinstance(parsed, PactUrn) else parsed


def to_pact_urn(identifier: Identifier, *, issuer_domain: str | None = None) -> str:
    """Write an identifier as a PACT product-identifier URN.

    Args:
        identifier: a ``Gtin``, a GS1 item with no qualifier or attribute, a ``Handle`` (needs
            ``issuer_domain``), or a URN (written canonically).
        issuer_domain: the domain of the organisation that issues the identifier (``urn:pact:<domain>:...``).

    Raises:
        UrnError: ``identifiers.urn.unmappable``: a kind of identifier PACT product ids do not carry, a
            GS1 item narrower than its GTIN, or a ``Handle`` without ``issuer_domain``.
    """
    if isinstance(identifier, Gs1Item):
        if identifier.qualifiers or identifier.attributes:
            raise UrnError("unmappable", "urn:gtin names a product, not a lot, serial or attributes")
        identifier = identifier.gtin
    if isinstance(identifier, Gtin):
        return f"urn:gtin:{identifier.digits}"
    if isinstance(identifier, Handle):
        if issuer_domain is None:
            raise UrnError(
                "unmappable", "a Handle becomes urn:pact:<issuer domain>:handle:..; give the domain"
            )
        ident = quote(identifier.canonical, safe="/.-_~!$&'()*+,;=:@")
        return _checked(f"urn:pact:{issuer_domain}:{HANDLE_ID_TYPE}:{ident}")
    if isinstance(identifier, (Urn, PactUrn, PathfinderUrn)):
        return identifier.canonical
    raise UrnError("unmappable", f"a {identifier.scheme} identifier is not a PACT product identifier")


def _checked(text: str) -> str:
    parsed = parse_urn(text)
    return parsed.canonical


def pathfinder_to_pact(urn: PathfinderUrn, issuer_domain: str) -> PactUrn:
    """Convert a v2 product identifier to v3: buyer-assigned -> ``buyer-id``, vendor-assigned ->
    ``supplier-id``, ``id:<type>:<id>`` -> ``<type>:<id>``, under the issuer's domain.

    Raises:
        UrnError: ``identifiers.urn.unmappable`` for a company identifier; ``identifiers.urn.pact`` for a bad
            domain.
    """
    if urn.kind != "product":
        raise UrnError("unmappable", "only product identifiers have a urn:pact form", value=urn.canonical)
    id_type = _ASSIGNED[urn.qualifier] if urn.form == "customcode" else urn.qualifier
    parsed = parse_urn(f"urn:pact:{issuer_domain}:{id_type}:{urn.code}")
    assert isinstance(parsed, PactUrn)
    return parsed


def pact_to_pathfinder(urn: PactUrn) -> PathfinderUrn:
    """Convert a v3 product identifier to v2 (the issuer domain is dropped; v2 has no place for it)."""
    back = {v: k for k, v in _ASSIGNED.items()}
    if urn.id_type in back:
        return PathfinderUrn("product", "customcode", back[urn.id_type], urn.id)
    return PathfinderUrn("product", "id", urn.id_type, urn.id)
