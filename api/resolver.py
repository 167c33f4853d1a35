"""The resolver's pure part: which links a product has, the RFC 9264 linkset, the default link and content
negotiation (GS1 resolver standard 1.2, sections on linkType, the default link and the linkset; ISO/IEC 18975;
RFC 9264 section 4.2, the JSON linkset document; docs/resolver.md).

A request names an item at one level (a GTIN, a GTIN with a lot, with a serial; a Handle): ``Item`` is what
one level has (its anchor URI and its links). The conformance checklist wants, for ``linkType=all``, the links
of "each level up to the primary key", so a request yields items from the most specific level to the GTIN.
Nothing here touches the database or HTTP: routes read the passport and attestation summaries
(``api.passportview``, ``api.attestationview``) and hand them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from api.errors import ApiError
from api.i18n import LANGUAGE_TAGS

GS1_VOC = "https://ref.gs1.org/voc/"
"""The GS1 Web vocabulary namespace (link types ``gs1:pip``, ``gs1:sustainabilityInfo``, ...)."""
CT_VOC = "https://carbontrail.dev/ns/v1#"
"""carbontrail's namespace (contexts/carbontrail-v1.jsonld): link types GS1 does not define."""
PREFIXES = {"gs1:": GS1_VOC, "ct:": CT_VOC}

PIP = GS1_VOC + "pip"
DPP = GS1_VOC + "dpp"
SUSTAINABILITY = GS1_VOC + "sustainabilityInfo"
CERTIFICATION = GS1_VOC + "certificationInfo"
DEFAULT_LINK = GS1_VOC + "defaultLink"
LABEL = CT_VOC + "label"
BUNDLE = CT_VOC + "bundle"
LINK_TYPES = (PIP, DPP, SUSTAINABILITY, CERTIFICATION, DEFAULT_LINK, LABEL, BUNDLE)
"""Every link type this resolver may give (``BUNDLE`` is defined; no route serves bundles yet)."""

LINKSET_MEDIA_TYPE = "application/linkset+json"
VC_MEDIA_TYPE = "application/vc+ld+json"
JSON_LD_TYPES = ("application/ld+json", VC_MEDIA_TYPE)


class ResolverRequestError(ApiError):
    """A resolver request whose identifier path is malformed before any scheme sees it (bad percent-encoding,
    percent-encoded bytes that are not UTF-8)."""

    code = "resolver.malformed"
    status = 400


@dataclass(frozen=True)
class Link:
    """One link: its link type (a full URI), target, media type, human-readable title and, for a target
    served in several languages, their tags."""

    rel: str
    href: str
    type: str
    title: str
    hreflang: tuple[str, ...] = ()

    def target(self) -> dict[str, Any]:
        """The RFC 9264 target object (``hreflang`` an array of language tags, section 4.2.4.1)."""
        out: dict[str, Any] = {"href": self.href, "title": self.title, "type": self.type}
        if self.hreflang:
            out["hreflang"] = list(self.hreflang)
        return out


@dataclass(frozen=True)
class Item:
    """What one identified item (one level of a request) has: its anchor and links, the default first."""

    anchor: str
    links: tuple[Link, ...]

    @property
    def default(self) -> Link | None:
        """The default link for a browser: the passport page (HTML), or else the newest valid attestation."""
        return next((link for link in self.links if link.rel == DEFAULT_LINK), None)

    @property
    def default_json_ld(self) -> Link | None:
        """The default for a JSON-LD client: the passport's credential, or else the attestation's."""
        return next((link for link in self.links if link.rel in (DPP, SUSTAINABILITY)), None)


def item_links(
    anchor: str,
    product: str,
    passport: Mapping[str, Any] | None,
    attestations: Sequence[Mapping[str, Any]],
    base: str,
) -> Item:
    """The links of one product (canonical identifier ``product``) from its latest valid passport summary
    (``api.passportview``) and its attestation summaries (``api.attestationview``; only valid ones count),
    targets on ``base`` (``https://host``)."""
    base = base.rstrip("/")
    quoted = quote(product, safe="")
    links: list[Link] = []
    valid = [a for a in attestations if a.get("status") == "valid"]
    if passport is not None:
        credential = f"{base}/credentials/{passport['credential']}"
        page = Link(
            PIP, f"{base}/products/{quoted}/page", "text/html", "Product carbon passport", LANGUAGE_TAGS
        )
        links += [
            Link(DEFAULT_LINK, page.href, page.type, page.title, page.hreflang),
            page,
            Link(DPP, credential, VC_MEDIA_TYPE, "Digital product passport (signed JSON-LD credential)"),
            Link(SUSTAINABILITY, credential, VC_MEDIA_TYPE, "Carbon footprint (passport credential)"),
            Link(LABEL, f"{base}/labels/{quoted}.svg", "image/svg+xml", "QR carbon label"),
        ]
    for n, att in enumerate(valid):
        href = f"{base}/credentials/{att['credential']}"
        title = f"Carbon footprint attestation by {att['issuer']} (log index {att['index']})"
        if passport is None and n == 0:
            links.append(Link(DEFAULT_LINK, href, VC_MEDIA_TYPE, title))
        links.append(Link(SUSTAINABILITY, href, VC_MEDIA_TYPE, title))
        for endorsement in att.get("endorsements", ()):
            links.append(
                Link(
                    CERTIFICATION,
                    f"{base}/credentials/{endorsement['credential']}",
                    VC_MEDIA_TYPE,
                    f"Verification by {endorsement['endorser']} (log index {endorsement['index']})",
                )
            )
    return Item(anchor, tuple(links))


def linkset(items: Sequence[Item]) -> dict[str, Any]:
    """The RFC 9264 JSON linkset (section 4.2): one context object per item that has links, its anchor and
    one array of target objects per link type, in the order links were found."""
    contexts: list[dict[str, Any]] = []
    for item in items:
        if not item.links:
            continue
        context: dict[str, Any] = {"anchor": item.anchor}
        for link in item.links:
            context.setdefault(link.rel, []).append(link.target())
        contexts.append(context)
    return {"linkset": contexts}


def expand_link_type(text: str) -> str | None:
    """The full URI of a requested link type (``gs1:pip``, ``ct:label`` or the URI itself), or None if this
    resolver has no such link type."""
    for prefix, namespace in PREFIXES.items():
        if text.startswith(prefix):
            text = namespace + text.removeprefix(prefix)
            break
    return text if text in LINK_TYPES else None


def find_link(items: Sequence[Item], rel: str) -> Link | None:
    """The first link of type ``rel``, the most specific item first."""
    return next((link for item in items for link in item.links if link.rel == rel), None)


def default_link(items: Sequence[Item], *, json_ld: bool) -> Link | None:
    """The default link of the most specific item that has one (for a JSON-LD client, its credential)."""
    for item in items:
        link = item.default_json_ld if json_ld else item.default
        if link is not None:
            return link
    return None


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            weights[media.lower()] = max(q, weights.get(media.lower(), 0.0))
    return weights


def prefers(accept: str | None, wanted: Sequence[str]) -> bool:
    """Whether an ``Accept`` header asks for one of ``wanted`` explicitly, at a weight above HTML's (a browser
    sending ``*/*`` gets the page)."""
    if not accept:
        return False
    weights = _weights(accept)
    best = max((weights.get(media, 0.0) for media in wanted), default=0.0)
    return best > 0.0 and best > weights.get("text/html", 0.0)


def resolver_description(base: str) -> dict[str, Any]:
    """The resolver description document at ``/.well-known/gs1resolver`` (GS1 resolver standard 1.2)."""
    base = base.rstrip("/")
    return {
        "name": "carbontrail resolver",
        "resolverRoot": base,
        "supportedLinkType": [
            {"namespace": GS1_VOC, "prefix": "gs1:"},
            {"namespace": CT_VOC, "prefix": "ct:"},
        ],
        "supportedPrimaryKeys": ["01"],
        "linkTypeDefaultCanBeLinkset": True,
        "linkTypes": list(LINK_TYPES),
        "identifierSchemes": {
            "gs1": f"{base}/01/<gtin>[/22/<cpv>][/10/<lot>][/21/<serial>]",
            "handle": f"{base}/id/<88.x.y prefix>/<suffix>",
        },
    }
