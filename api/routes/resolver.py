"""The resolver (GS1 resolver standard 1.2, ISO/IEC 18975; docs/resolver.md): GS1 Digital Link paths
``/01/<gtin>[/22/..][/10/<lot>][/21/<serial>]`` and industrial-internet identifiers ``/id/<prefix>/<suffix>``.

No ``linkType``: 307 to the default link (the passport, or else the newest valid attestation), its JSON-LD
for ``Accept: application/ld+json``. ``linkType=all`` or ``linkset`` (or ``Accept:
application/linkset+json``): the RFC 9264 linkset of every level up to the primary key.
``linkType=<one>``: 307 to it, or 404. Identifiers are read from the raw request path so that a
percent-encoded ``/`` inside a lot stays inside the lot.

``/api/handles/<handle>``: the Handle-style typed values of an industrial-internet identifier or prefix, in
the shape of the Handle System's JSON REST API (``api/handlerecord.py``).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import Connection, select

from api import handlerecord as hr
from api import resolver as r
from api.attestationview import product_attestations, valid_attestations
from api.errors import ApiError, NotFoundError, error_code, http_status
from api.logcache import LogCache, log_cache
from api.passportview import current_passports, latest_passport
from api.problems import problem
from api.submission import Pipeline
from identifiers.digital_link import DigitalLink, parse_digital_link
from identifiers.errors import IdentifierError, RegistryConflictError
from identifiers.gs1_item import format_element_string
from identifiers.handle import parse_handle
from ledger.storage.orm import LogEntry
from ledger.storage.store import size_of
from passport.dpp import product_uri

router = APIRouter(tags=["resolver"])

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}


async def _pipeline(request: Request) -> Pipeline:
    """The app's pipeline, as ``api.routes.registry.get_pipeline`` gives it, but a coroutine: FastAPI runs a
    plain function dependency in the thread pool, a hop of its own that cost each resolver request about
    0.6 ms, as much as the whole lookup (bench/resolver.py)."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(_pipeline)]


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = bytes(raw).decode("latin-1")
    root = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _decoded(raw: str) -> str:
    """A Handle path percent-decoded once.

    Raises:
        ResolverRequestError: a ``%`` not followed by two hexadecimal digits, or bytes that are not UTF-8.
    """
    if _BAD_PERCENT.search(raw):
        raise r.ResolverRequestError("a '%' in the identifier is not followed by two hexadecimal digits")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as e:
        raise r.ResolverRequestError("the percent-encoded identifier is not UTF-8") from e


def _split_query(request: Request) -> tuple[list[tuple[str, str]], str | None]:
    """The query without ``linkType`` (passed on when redirecting), and the requested link type."""
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    link_types = [v for k, v in pairs if k == "linkType"]
    return [(k, v) for k, v in pairs if k != "linkType"], (link_types[-1] if link_types else None)


def _item(
    anchor: str,
    candidates: list[str],
    passports: dict[str, dict[str, Any]],
    attestations: dict[str, list[dict[str, Any]]],
    base: str,
) -> r.Item:
    """The links of the first candidate product key (the forms a product may have been logged under) that
    has any."""
    for product in candidates:
        item = r.item_links(anchor, product, passports.get(product), attestations.get(product, []), base)
        if item.links:
            return item
    return r.Item(anchor, ())


def _items(conn: Connection, levels: list[tuple[str, list[str]]], base: str, cache: LogCache) -> list[r.Item]:
    """The item of each level ``(anchor, candidate product keys)``: every candidate of every level read with
    one query for passports and one for attestations (a request's cost is its round trips to the database),
    or taken from ``cache`` when the log has not grown since they were read."""
    key = (size_of(conn), base, tuple((anchor, tuple(candidates)) for anchor, candidates in levels))
    kept, found = cache.lookup(key)
    if kept:
        items: list[r.Item] = found
        return items
    keys = [product for _, candidates in levels for product in candidates]
    passports, attestations = current_passports(conn, keys), valid_attestations(conn, keys)
    items = [_item(anchor, candidates, passports, attestations, base) for anchor, candidates in levels]
    cache.put(key, items)
    return items


def item_cache(pipeline: Pipeline) -> LogCache:
    """The resolver's answers for ``pipeline``'s log, by (log size, base URL, levels): what a product resolves
    to changes only when a document is logged (the document tables are written in the log entry's own
    transaction), so the log's size, read first, keys the answer, and a busy resolver reads one indexed
    ``max`` instead of two joins per request."""
    return log_cache(pipeline.log.store, "resolver", ITEMS_CACHED)


ITEMS_CACHED = 4096
"""How many resolved identifiers (at one log size) a process keeps per log."""


def _gs1_levels(link: DigitalLink, base: str) -> list[tuple[str, list[str]]]:
    levels = []
    for k in range(len(link.qualifiers), -1, -1):
        level = DigitalLink(link.gtin, link.qualifiers[:k])
        candidates = [level.canonical, format_element_string(level)]
        if k == 0:
            candidates.insert(0, link.gtin.digits)
        levels.append((level.to_uri(base), candidates))
    return levels


def _respond(
    request: Request, items: list[r.Item], query: list[tuple[str, str]], link_type: str | None
) -> Response:
    if not any(item.links for item in items):
        raise NotFoundError(f"nothing is logged about {items[0].anchor}")
    anchor = items[0].anchor
    headers = _CORS | {"Link": f'<{anchor}?linkType=linkset>; rel="linkset"; type="{r.LINKSET_MEDIA_TYPE}"'}
    accept = request.headers.get("accept")
    if link_type in ("all", "linkset") or (link_type is None and r.prefers(accept, (r.LINKSET_MEDIA_TYPE,))):
        body = json.dumps(r.linkset(items), ensure_ascii=False).encode()
        return Response(body, media_type=r.LINKSET_MEDIA_TYPE, headers=headers)
    if link_type is None:
        link = r.default_link(items, json_ld=r.prefers(accept, r.JSON_LD_TYPES))
    else:
        rel = r.expand_link_type(link_type)
        link = None if rel is None else r.find_link(items, rel)
        if link is None:
            raise NotFoundError(f"{anchor} has no link of type {link_type}")
    assert link is not None  # items with links have a default
    target = link.href + (("&" if "?" in link.href else "?") + urlencode(query) if query else "")
    return RedirectResponse(target, status_code=307, headers=headers)


@router.api_route("/01/{rest:path}", methods=["GET", "HEAD"], response_class=Response, status_code=307)
def resolve_gs1(rest: str, request: Request, pipeline: PipelineDep) -> Response:
    """Resolve a GS1 Digital Link path (qualifiers in dictionary order; one trailing slash tolerated)."""
    del rest  # the raw path is parsed instead: a percent-encoded '/' belongs to its value
    query, link_type = _split_query(request)
    ai_query = [(k, v) for k, v in query if k.isascii() and k.isdigit()]
    text = _raw_path(request) + ("?" + urlencode(ai_query, quote_via=quote) if ai_query else "")
    link = parse_digital_link(text)
    base = str(request.base_url).rstrip("/")
    with pipeline.log.store.engine.connect() as conn:
        items = _items(conn, _gs1_levels(link, base), base, item_cache(pipeline))
    return _respond(request, items, query, link_type)


@router.api_route("/id/{rest:path}", methods=["GET", "HEAD"], response_class=Response, status_code=307)
def resolve_handle(rest: str, request: Request, pipeline: PipelineDep) -> Response:
    """Resolve an industrial-internet identifier: the rest of the path, percent-decoded, is the identifier."""
    del rest
    handle = parse_handle(_decoded(_raw_path(request).removeprefix("/id/")))
    query, link_type = _split_query(request)
    base = str(request.base_url).rstrip("/")
    with pipeline.log.store.engine.connect() as conn:
        items = _items(
            conn, [(product_uri(handle.canonical, base), [handle.canonical])], base, item_cache(pipeline)
        )
    return _respond(request, items, query, link_type)


def _entry_times(conn: Connection, indices: set[int]) -> dict[int, str]:
    """The ``time`` of each log entry's leaf record (its credential's ``validFrom``), by index."""
    rows = conn.execute(select(LogEntry.idx, LogEntry.data).where(LogEntry.idx.in_(sorted(indices))))
    return {int(index): str(json.loads(data)["time"]) for index, data in rows}


def _handle_record(request: Request, pipeline: PipelineDep, text: str) -> dict[str, Any]:
    lookup = hr.parse_lookup(text)
    selection = hr.parse_selection(parse_qsl(request.url.query, keep_blank_values=True))
    base = str(request.base_url).rstrip("/")
    with pipeline.log.store.engine.connect() as conn:
        if lookup.product is None:
            holder, held = hr.holder_of(pipeline.registry_state().organisations(), lookup.prefix)
            values = hr.prefix_values(lookup, base, holder, held)
        else:
            found = latest_passport(conn, lookup.product.canonical)
            current = None if found is None else found[0]
            attestations = [] if current is not None else product_attestations(conn, lookup.product.canonical)
            issuer = None
            uscc = (
                current["issuer"]
                if current is not None
                else next((a["issuer"] for a in attestations if a.get("status") == "valid"), None)
            )
            if uscc is not None:
                try:
                    issuer = pipeline.registry_state().organisation(uscc)
                except (
                    RegistryConflictError
                ):  # an issuer the registry no longer knows: name and keys left out
                    issuer = None
            values = hr.product_values(lookup, base, current, attestations, issuer)
        chosen = [v for v in values if selection.selects(v)]
        times = _entry_times(conn, {v.source for v in chosen}) if chosen else {}
    return hr.record_json(lookup.name, chosen, times)


@router.api_route("/api/handles/{rest:path}", methods=["GET", "HEAD"], response_class=JSONResponse)
def handle_lookup(rest: str, request: Request, pipeline: PipelineDep) -> Response:
    """The typed values of an industrial-internet identifier or prefix, as the Handle REST API gives them
    (``?type=``, ``?index=``). Errors are problem+json carrying the Handle ``responseCode`` and ``handle``."""
    del rest  # the raw path is decoded once, as for /id/
    text = _raw_path(request).removeprefix("/api/handles/")
    try:
        body = _handle_record(request, pipeline, _decoded(text))
    except (ApiError, IdentifierError) as e:
        status, code = http_status(e), error_code(e)
        if status is None or code is None:
            raise
        extra: dict[str, object] = {"handle": unquote(text)}
        rc = hr.response_code(e)
        if rc is not None:
            extra["responseCode"] = rc
        response = problem(status, code, type(e).__name__, " ".join(str(e).split()), **extra)
        response.headers.update(_CORS)
        return response
    return JSONResponse(body, headers=_CORS)


@router.get("/.well-known/gs1resolver")
def gs1resolver(request: Request) -> JSONResponse:
    """The resolver description document (GS1 resolver standard 1.2)."""
    return JSONResponse(r.resolver_description(str(request.base_url)), headers=_CORS)
