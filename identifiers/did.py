"""Decentralized identifiers carbontrail accepts: ``did:key`` with one Ed25519 Multikey (W3C CCG did:key
method 0.9, section 3.1) and ``did:web`` (W3C CCG did:web method, sections 3.1 "Method-specific identifier"
and 3.2.2 "Read (Resolve)").

did:key: ``did:key:z6Mk...``; the key must decode to ``ed25519-pub`` and re-encode to the same text, so every
key has exactly one did:key (identifiers/multikey.py).

did:web: ``did:web:<domain>[%3A<port>][:<path>...]``. The domain is a DNS name of at least two labels, written
in ASCII (an internationalised name as its ``xn--`` A-labels, as IDNA 2008 requires), compared
case-insensitively (canonical lower case); IP addresses and ``localhost`` are refused (the method resolves
over TLS to a domain). A port, if any, is 1-65535 with no leading zero, written ``%3A`` (canonical upper
case). Path segments use the DID ``idchar`` set (letters, digits, ``.-_`` and percent-encoding), are
case-sensitive (percent-encoding canonically upper case) and may not be empty, ``.`` or ``..``. Query and
fragment make a DID URL, not a DID, and are refused. ``DidWeb.document_url`` gives the document URL:
``https://<domain>[:<port>]/<path...>/did.json``, or ``/.well-known/did.json`` without a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import idna

from identifiers.errors import DidError, DidKeyError, DidWebError
from identifiers.multikey import did_key_from_public_key, public_key_from_did_key
from identifiers.scheme import Identifier

DID_KEY = "did:key:"
DID_WEB = "did:web:"
MAX_DID_WEB = 2048
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_IDCHARS = re.compile(r"^(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$")
_PORT_SEPARATOR = re.compile(r"%3[aA]")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass(frozen=True)
class DidKey(Identifier):
    """A did:key naming one Ed25519 public key."""

    public_key: bytes
    scheme = "did:key"

    @property
    def canonical(self) -> str:
        """``did:key:z6Mk...``."""
        return did_key_from_public_key(self.public_key)

    @property
    def verification_method(self) -> str:
        """``did:key:<mk>#<mk>``, the id of its one verification method."""
        multikey = self.canonical[len(DID_KEY) :]
        return f"{self.canonical}#{multikey}"


def parse_did_key(text: str) -> DidKey:
    """Parse ``did:key:z6Mk...`` (no fragment) naming an Ed25519 public key.

    Raises:
        DidKeyError: ``identifiers.did.key``: not a did:key, a fragment, not Ed25519, or not the key's one
            canonical encoding.
    """
    if not text.startswith(DID_KEY):
        raise DidKeyError("not a did:key", value=text)
    if "#" in text or "?" in text:
        raise DidKeyError("a did:key identifier has no fragment or query (that is a DID URL)", value=text)
    try:
        raw = public_key_from_did_key(text)
    except DidError as e:
        raise DidKeyError(e.message, value=text) from e
    key = DidKey(raw)
    if key.canonical != text:
        raise DidKeyError("the did:key is not its key's canonical base58btc encoding", value=text)
    return key


@dataclass(frozen=True)
class DidWeb(Identifier):
    """A did:web: domain (lower case), optional port, path segments."""

    domain: str
    port: int | None = None
    path: tuple[str, ...] = ()
    scheme = "did:web"

    @property
    def canonical(self) -> str:
        """``did:web:<domain>[%3A<port>][:<segment>...]``."""
        host = self.domain if self.port is None else f"{self.domain}%3A{self.port}"
        return ":".join((DID_WEB + host, *self.path))

    @property
    def document_url(self) -> str:
        """The HTTPS URL of its DID document (did:web section 3.2.2)."""
        host = self.domain if self.port is None else f"{self.domain}:{self.port}"
        path = "/".join(self.path) if self.path else ".well-known"
        return f"https://{host}/{path}/did.json"


def _check_domain(domain: str, value: str) -> str:
    lowered = domain.lower()
    if not domain.isascii():
        raise DidWebError("domain", "write an internationalised domain as its xn-- A-labels", value=value)
    labels = lowered.split(".")
    if len(lowered) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise DidWebError("domain", f"{domain!r} is not a DNS name of two or more labels", value=value)
    if labels[-1].isdigit():
        raise DidWebError("ip_address", "did:web names a domain, not an IP address", value=value)
    if lowered == "localhost" or labels[-1] == "localhost":
        raise DidWebError("domain", "did:web names a public domain, not localhost", value=value)
    for label in labels:
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except idna.IDNAError as e:
                raise DidWebError("domain", f"{label!r} is not a valid IDNA A-label", value=value) from e
        elif label[2:4] == "--":
            raise DidWebError("domain", f"{label!r} has '--' in positions 3-4 (reserved)", value=value)
    return lowered


def _check_port(port: str, value: str) -> int:
    if not (port.isascii() and port.isdigit()) or port.startswith("0") or not 1 <= int(port) <= 65535:
        raise DidWebError("port", f"{port!r} is not a port number 1-65535 without leading zeros", value=value)
    return int(port)


def parse_did_web(text: str) -> DidWeb:
    """Parse a did:web.

    Raises:
        DidWebError: ``identifiers.did.web.*``: ``syntax``, ``domain``, ``ip_address``, ``port``, ``path``,
            ``fragment`` (a DID URL) or ``too_long``.
    """
    if not text.startswith(DID_WEB):
        raise DidWebError("syntax", "not a did:web", value=text)
    if len(text) > MAX_DID_WEB:
        raise DidWebError("too_long", f"a did:web is at most {MAX_DID_WEB} characters", value=text)
    if any(c in text for c in "#?/"):
        raise DidWebError("fragment", "'/', '?' and '#' make a DID URL, not a DID", value=text)
    host, *path = text[len(DID_WEB) :].split(":")
    host_parts = _PORT_SEPARATOR.split(host)
    if len(host_parts) > 2:
        raise DidWebError("port", "more than one port separator", value=text)
    if "%" in host_parts[0]:
        raise DidWebError("domain", "the domain holds percent-encoding other than the port's %3A", value=text)
    domain = _check_domain(host_parts[0], text)
    port = _check_port(host_parts[1], text) if len(host_parts) == 2 else None
    for segment in path:
        if segment in ("", ".", "..") or not _IDCHARS.match(segment):
            raise DidWebError(
                "path", f"path segment {segment!r} is empty, a dot segment or not idchars", value=text
            )
    return DidWeb(domain, port, tuple(_upper_hex(segment) for segment in path))


def _upper_hex(segment: str) -> str:
    return _PERCENT.sub(lambda m: m.group().upper(), segment)
