"""The Handle-style typed-value lookup for industrial-internet clients (docs/resolver.md, "Handle lookup").

The shape is the Handle System's HTTP JSON REST API (CNRI's proxy ``GET /api/handles/{handle}``): a record
``{"responseCode": 1, "handle": ..., "values": [...]}``, each value ``{"index", "type", "data": {"format":
"string", "value"}, "ttl", "timestamp"}``; ``?type=`` and ``?index=`` select values (either may repeat; a
value matching any of them is given; a type ending in ``.`` selects its subtypes); Handle protocol response
codes 1 (success), 100 (handle not found), 102 (invalid handle) and 200 (no value matches the selection,
still 200 OK).

What the values are is ours: a product's record says where the product resolves (``URL``, a Handle type) and
what carbontrail knows of it (``CT_*`` types: the current credential, its digest and log index, its issuer,
the key that signed it and the issuer's active keys); a prefix's record (``88.118.8``, or the Handle System's
name for it, ``0.NA/88.118.8``) names the organisation holding it and that organisation's active keys.

Pure: the route (``api/routes/resolver.py``) reads the passport and attestation summaries, the registry state
and the log entries' times, and hands them in. Building a record is two steps so the route reads only the
times of the values it gives: ``*_values`` returns each value with the log index of the entry it comes from,
``record_json`` renders the selected ones with those entries' times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from api.errors import ApiError, NotFoundError
from api.resolver import ResolverRequestError
from identifiers.errors import HandleError, TextError
from identifiers.handle import Handle, HandlePrefix, parse_handle, parse_handle_prefix
from identifiers.registry import Action, OrganisationView
from passport.dpp import product_uri

# Handle protocol response codes (the REST API's "responseCode").
RC_SUCCESS = 1
RC_HANDLE_NOT_FOUND = 100
RC_INVALID_HANDLE = 102
RC_VALUES_NOT_FOUND = 200

NA_PREFIX = "0.NA/"
"""The Handle System's naming authority for prefixes: a prefix ``P`` is itself the handle ``0.NA/P``."""

TTL_SECONDS = 3600
"""Every value's time to live: a client caching a record sees a newer passport or a revoked key within the
hour (the Handle default, 86400, would hide a superseded passport for a day)."""

# Types. ``URL`` is the Handle System's; the others are carbontrail's, prefixed ``CT_``.
URL = "URL"
CT_PASSPORT = "CT_PASSPORT"
CT_PASSPORT_DIGEST = "CT_PASSPORT_DIGEST"
CT_ATTESTATION = "CT_ATTESTATION"
CT_ATTESTATION_DIGEST = "CT_ATTESTATION_DIGEST"
CT_LOG_INDEX = "CT_LOG_INDEX"
CT_ISSUER = "CT_ISSUER"
CT_ISSUER_NAME = "CT_ISSUER_NAME"
CT_SIGNER = "CT_SIGNER"
CT_PREFIX_HOLDER = "CT_PREFIX_HOLDER"
CT_PREFIX_HOLDER_NAME = "CT_PREFIX_HOLDER_NAME"
CT_PUBKEY = "CT_PUBKEY"

# Indices: fixed per meaning, so ``?index=`` asks for the same thing on every record.
INDEX_URL = 1
INDEX_CREDENTIAL = 2
INDEX_DIGEST = 3
INDEX_LOG_INDEX = 4
INDEX_ORG = 5
INDEX_ORG_NAME = 6
INDEX_SIGNER = 7
INDEX_FIRST_KEY = 300
"""Keys from 300 on, one index each: 300 is where Handle records conventionally keep ``HS_PUBKEY``."""

_BINDING_ACTIONS = (Action.REGISTER_ORGANISATION, Action.BIND_PREFIX)


class HandleQueryError(ApiError):
    """A Handle lookup whose ``index`` parameter is not a decimal integer from 0 to 2**31 - 1."""

    code = "resolver.handle_index"
    status = 400


class HandleNotFoundError(NotFoundError):
    """A well-formed handle carbontrail knows nothing about: no valid passport or attestation of the product,
    or no organisation holding the prefix (code ``api.not_found``, Handle response code 100)."""


@dataclass(frozen=True)
class Lookup:
    """What a lookup asks about: a product (``product`` set) or a prefix alone; ``name`` is echoed as the
    record's ``handle`` (canonical: lower-case prefix; ``0.NA/`` kept when the request used it)."""

    name: str
    prefix: HandlePrefix
    product: Handle | None


@dataclass(frozen=True)
class HandleValue:
    """One typed value of a record, and ``source``: the log index of the entry it comes from (its
    ``timestamp`` is that entry's time)."""

    index: int
    type: str
    value: str
    source: int

    def to_json(self, times: Mapping[int, str]) -> dict[str, Any]:
        """The value as the Handle REST API writes it (``timestamp`` left out if the time is not known)."""
        out: dict[str, Any] = {
            "index": self.index,
            "type": self.type,
            "data": {"format": "string", "value": self.value},
            "ttl": TTL_SECONDS,
        }
        if self.source in times:
            out["timestamp"] = times[self.source]
        return out


@dataclass(frozen=True)
class Selection:
    """The ``type`` and ``index`` query parameters: a value is selected if it matches any of them, and every
    value is when there are none."""

    types: tuple[str, ...] = ()
    indices: tuple[int, ...] = ()

    def selects(self, value: HandleValue) -> bool:
        """Whether ``value`` is selected (types compare case-insensitively, as Handle types do; a type
        ending in ``.`` selects every type that starts with it)."""
        if not self.types and not self.indices:
            return True
        if value.index in self.indices:
            return True
        wanted = value.type.upper()
        return any(wanted.startswith(t) if t.endswith(".") else wanted == t for t in self.types)


def parse_lookup(text: str) -> Lookup:
    """Parse the handle of a lookup: ``<prefix>/<suffix>`` (a product), ``<prefix>`` or ``0.NA/<prefix>``.

    Raises:
        HandleError, TextError: not an industrial-internet identifier or prefix (``identifiers/handle.py``).
    """
    if text[: len(NA_PREFIX)].upper() == NA_PREFIX.upper():
        prefix = parse_handle_prefix(text[len(NA_PREFIX) :])
        return Lookup(NA_PREFIX + prefix.canonical, prefix, None)
    if "/" not in text:
        prefix = parse_handle_prefix(text)
        return Lookup(prefix.canonical, prefix, None)
    handle = parse_handle(text)
    return Lookup(handle.canonical, handle.prefix, handle)


def parse_selection(pairs: Iterable[tuple[str, str]]) -> Selection:
    """The selection from the query's ``(name, value)`` pairs; other parameters (``auth``, ``publicOnly``)
    change nothing here (every value is public, and there is no cache to bypass).

    Raises:
        HandleQueryError: an ``index`` that is not a decimal integer from 0 to 2**31 - 1.
    """
    types: list[str] = []
    indices: list[int] = []
    for name, value in pairs:
        if name == "type" and value:
            types.append(value.upper())
        elif name == "index":
            if not (value.isascii() and value.isdigit()) or int(value) > 2**31 - 1:
                raise HandleQueryError(f"index {value!r} is not a decimal integer from 0 to 2147483647")
            indices.append(int(value))
    return Selection(tuple(types), tuple(indices))


def _keys(org: OrganisationView) -> list[HandleValue]:
    """The organisation's active keys, each dated by the registry entry that added it."""
    active = [k for k in org.keys if k.active]
    return [HandleValue(INDEX_FIRST_KEY + n, CT_PUBKEY, k.did_key, k.added_at) for n, k in enumerate(active)]


def product_values(
    lookup: Lookup,
    base: str,
    passport: Mapping[str, Any] | None,
    attestations: Sequence[Mapping[str, Any]],
    issuer: OrganisationView | None,
) -> tuple[HandleValue, ...]:
    """The values of a product's record: its resolver URL, its current credential (the latest valid passport,
    else the newest valid attestation) with digest and log index, the credential's issuer (USCC, and from the
    registry its legal name and active keys) and the key that signed it.

    ``passport`` and ``attestations`` are summaries as ``api.passportview`` and ``api.attestationview``
    give them (only valid attestations count); ``issuer`` is the registry's view of the credential's issuer
    (None leaves its name and keys out).

    Raises:
        HandleNotFoundError: no valid passport and no valid attestation.
    """
    assert lookup.product is not None, "a product lookup"
    if passport is not None:
        current, kinds = passport, (CT_PASSPORT, CT_PASSPORT_DIGEST)
    else:
        valid = [a for a in attestations if a.get("status") == "valid"]
        if not valid:
            raise HandleNotFoundError(f"nothing valid is logged about {lookup.name}")
        current, kinds = valid[0], (CT_ATTESTATION, CT_ATTESTATION_DIGEST)
    base = base.rstrip("/")
    at = int(current["index"])
    values = [
        HandleValue(INDEX_URL, URL, product_uri(lookup.product.canonical, base), at),
        HandleValue(INDEX_CREDENTIAL, kinds[0], f"{base}/credentials/{current['credential']}", at),
        HandleValue(INDEX_DIGEST, kinds[1], str(current["credential"]), at),
        HandleValue(INDEX_LOG_INDEX, CT_LOG_INDEX, str(at), at),
        HandleValue(INDEX_ORG, CT_ISSUER, str(current["issuer"]), at),
    ]
    if issuer is not None:
        values.append(HandleValue(INDEX_ORG_NAME, CT_ISSUER_NAME, issuer.legal_name, issuer.registered_at))
    if current.get("issuerKey"):
        values.append(HandleValue(INDEX_SIGNER, CT_SIGNER, str(current["issuerKey"]), at))
    if issuer is not None:
        values += _keys(issuer)
    return tuple(values)


def holder_of(
    organisations: Iterable[OrganisationView], prefix: HandlePrefix
) -> tuple[OrganisationView, HandlePrefix]:
    """The organisation holding ``prefix`` or a prefix covering it (the registry lets at most one), and the
    prefix it holds.

    Raises:
        HandleNotFoundError: no organisation holds it.
    """
    for org in organisations:
        for held in org.prefixes:
            if isinstance(held, HandlePrefix) and held.covers_prefix(prefix):
                return org, held
    raise HandleNotFoundError(f"no organisation holds the prefix {prefix.canonical}")


def bound_at(org: OrganisationView, held: HandlePrefix) -> int:
    """The log index of the registry entry that bound ``held`` to ``org`` (the latest, if it was bound more
    than once); the organisation's registration if its history says nothing more specific."""
    for event in reversed(org.history):
        if event.operation.action in _BINDING_ACTIONS and held in event.operation.prefixes:
            return event.index
    return org.registered_at


def prefix_values(
    lookup: Lookup, base: str, holder: OrganisationView, held: HandlePrefix
) -> tuple[HandleValue, ...]:
    """The values of a prefix's record: where its holder's registry state is (``URL``), the holder's USCC
    and legal name, and its active keys."""
    base = base.rstrip("/")
    at = bound_at(holder, held)
    values = [
        HandleValue(INDEX_URL, URL, f"{base}/registry/orgs/{quote(holder.uscc, safe='')}", at),
        HandleValue(INDEX_ORG, CT_PREFIX_HOLDER, holder.uscc, at),
        HandleValue(INDEX_ORG_NAME, CT_PREFIX_HOLDER_NAME, holder.legal_name, holder.registered_at),
    ]
    return tuple(values + _keys(holder))


def record_json(name: str, values: Sequence[HandleValue], times: Mapping[int, str]) -> dict[str, Any]:
    """The REST API's record: response code 1 and the values by index, or 200 (values not found, still an
    HTTP 200 in resolution) with none when the selection left nothing."""
    if not values:
        return {
            "responseCode": RC_VALUES_NOT_FOUND,
            "handle": name,
            "message": "no value matches the requested types or indices",
            "values": [],
        }
    ordered = sorted(values, key=lambda v: v.index)
    return {"responseCode": RC_SUCCESS, "handle": name, "values": [v.to_json(times) for v in ordered]}


def response_code(error: Exception) -> int | None:
    """The Handle response code an error answer carries: 102 for a malformed handle (or its path's
    percent-encoding), 100 for an unknown one,
    None for other errors (the REST API defines none for a bad query parameter)."""
    if isinstance(error, HandleError | TextError | ResolverRequestError):
        return RC_INVALID_HANDLE
    if isinstance(error, HandleNotFoundError):
        return RC_HANDLE_NOT_FOUND
    return None
