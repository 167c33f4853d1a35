"""Passports over HTTP (docs/passport-api.md): compose one from a specification, log a signed one, read a
product's latest, and its verification bundle (docs/verify.md).

``POST /passports/compose`` takes a passport specification (JSON or YAML text, docs/passport.md) and the
did:key that will sign, resolves it against the log (``api.compose``) and returns the unsigned passport: the
manufacturer signs it with its own key (the server holds none) and sends it to ``POST /passports``, which logs
it like an attestation (authority judged at its exact index; it supersedes the organisation's previous
passport of the product).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.bundles import build_bundle
from api.compose import compose, issuer_authority
from api.errors import ApiError, NotFoundError
from api.logservice import receipt
from api.passportpact import FORMATS, passport_pact
from api.passportview import latest_passport
from api.routes.attestations import LimitedBody, RefusedError
from api.routes.registry import SIGNED_DOCUMENT_BODY, LoggedDocument, PipelineDep
from identifiers.did import parse_did_key
from identifiers.parse import parse_identifier
from passport.document import canonical_json
from passport.pact import dump_pact
from passport.records import PASSPORT_KINDS
from passport.spec import parse_spec
from verifier.bundle import bundle_from_json, dump_bundle

router = APIRouter(tags=["passports"])

_SPEC_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "a passport specification (docs/passport.md), JSON or YAML text",
        "content": {
            media_type: {"schema": {"type": "string"}}
            for media_type in ("application/yaml", "application/json", "text/plain")
        },
    }
}


@router.post("/passports", status_code=201, response_model=LoggedDocument, openapi_extra=SIGNED_DOCUMENT_BODY)
def submit_passport(pipeline: PipelineDep, body: LimitedBody) -> LoggedDocument:
    """Log a signed passport (201 with its index and a tlog-proof@v1 receipt, or problem+json)."""
    outcome = pipeline.submit([body], kinds=PASSPORT_KINDS)[0]
    if outcome.index is None or outcome.kind is None:
        raise RefusedError(outcome)
    return LoggedDocument(
        index=outcome.index,
        credential=outcome.digest or "",
        kind=outcome.kind,
        duplicate=outcome.duplicate,
        receipt=receipt(pipeline.log, outcome.index).decode(),
    )


@router.post("/passports/compose", response_class=Response, openapi_extra=_SPEC_BODY)
def compose_route(
    request: Request,
    pipeline: PipelineDep,
    body: LimitedBody,
    issuer: str,
    disclosure: str = "full",
    passport_id: str | None = None,
    valid_from: str | None = None,
) -> Response:
    """The unsigned passport of a specification, composed from the log for ``issuer`` (the did:key that
    will sign it, of an organisation that may sign for the product); nothing is logged."""
    spec = parse_spec(body)
    key = parse_did_key(issuer).public_key
    authority = issuer_authority(pipeline.registry_state(), key, spec.product.id)
    composition = compose(
        pipeline.log, spec, issuer=issuer, issuer_name=authority.legal_name,
        resolver_base=str(request.base_url), disclosure=disclosure, passport_id=passport_id,
        valid_from=valid_from,
    )  # fmt: skip
    return Response(canonical_json(composition.credential), media_type="application/vc+ld+json")


@router.get("/products/{identifier:path}/passport", response_class=Response)
def get_product_passport(
    identifier: str,
    pipeline: PipelineDep,
    pact_format: Annotated[str | None, Query(alias="format")] = None,
    issuer_domain: str | None = None,
) -> Response:
    """A product's latest valid passport (the identifier percent-encoded): ``credential`` (its exact stored
    bytes) and ``status`` (log index, issuer, grade, main figures); with ``format=pact-v2`` or ``pact-v3``
    (and the issuer's ``issuer_domain`` for PACT URNs) the passport as a PACT ProductFootprint instead."""
    product = parse_identifier(identifier).canonical
    if pact_format is not None:
        if pact_format not in FORMATS or issuer_domain is None:
            raise ApiError(f"format is one of {sorted(FORMATS)}, with issuer_domain")
        exported = passport_pact(pipeline, product, FORMATS[pact_format], issuer_domain)
        return Response(dump_pact(exported), media_type="application/json")
    with pipeline.log.store.engine.connect() as conn:
        found = latest_passport(conn, product)
    if found is None:
        raise NotFoundError(f"no valid passport of {product} is logged")
    summary, stored = found
    body = b'{"credential":' + stored + b',"status":' + canonical_json(summary) + b"}"
    return Response(body, media_type="application/json")


@router.get("/products/{identifier:path}/bundle", response_class=Response)
def get_product_bundle(identifier: str, pipeline: PipelineDep, scope: str = "public") -> Response:
    """The verification bundle of a product's current passport (docs/verify.md): ``scope=public`` (the
    default: the attestations' figures withheld, their records and receipts kept) or ``scope=full``."""
    if scope not in ("public", "full"):
        raise ApiError("scope is public or full")
    product = parse_identifier(identifier).canonical
    bundle = build_bundle(pipeline.log, product, full=scope == "full")
    name = product.replace("/", "_")
    return Response(
        dump_bundle(bundle_from_json(bundle)),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.bundle.json"'},
    )
