"""The public passport page over HTTP: ``GET /products/{identifier}/page`` (docs/passport-page.md).

HTML for people (what a phone reaches from the label's QR code through the resolver), in English or Chinese
by ``Accept-Language`` or ``?lang=en|zh``. The verification section shows the report of the product's bundle
computed on the server from its public bundle (``bundle_report``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.bundles import build_bundle
from api.errors import NotFoundError
from api.i18n import negotiate
from api.logcache import log_cache
from api.logservice import Log
from api.pagerender import render_page
from api.pageservice import product_page, registry_names
from api.routes.registry import PipelineDep
from identifiers.errors import IdentifierError
from identifiers.parse import parse_identifier
from verifier.bundle import bundle_from_json
from verifier.report import Report
from verifier.verify import verify_bundle


def bundle_report(identifier: str, pipeline: PipelineDep) -> Report | None:
    """The verification report shown on the page of ``identifier``: the product's public bundle (the
    attestations' figures withheld, as the public may see it) verified on the server under the log's own
    trust anchors (its policy: key, witnesses and quorum; the registrar's first key). None when the product
    has no valid passport. Reports are kept per (product, checkpoint size): a new checkpoint, a new report."""
    try:
        product = parse_identifier(identifier).canonical
    except IdentifierError:
        return None  # the page answers 400 for it
    log = pipeline.log
    latest = log.store.latest_checkpoint()
    if latest is None:
        return None
    return _report(log, product, latest.size)


REPORTS_CACHED = 256
"""How many verification reports (product, checkpoint size) a process keeps per log."""


def _report(log: Log, product: str, size: int) -> Report | None:
    cache = log_cache(log.store, "page-reports", REPORTS_CACHED)
    kept, found = cache.lookup((product, size))
    if kept:
        report: Report | None = found
        return report
    try:
        built = build_bundle(log, product)
    except NotFoundError:
        report = None
    else:
        report = verify_bundle(bundle_from_json(built), log.policy, log.registrar_genesis)
    cache.put((product, size), report)
    return report


ReportDep = Annotated[Report | None, Depends(bundle_report)]

router = APIRouter(tags=["pages"])


@router.api_route(
    "/products/{identifier:path}/page",
    methods=["GET", "HEAD"],
    response_class=HTMLResponse,
    responses={404: {"content": {"application/problem+json": {}}}},
)
def passport_page(
    identifier: str, request: Request, pipeline: PipelineDep, report: ReportDep, lang: str | None = None
) -> HTMLResponse:
    """The product's public passport page (its latest valid passport): footprint and grade, stages, supply
    chain, downloads and verification; ``lang`` (``en``/``zh``) overrides ``Accept-Language``."""
    product = parse_identifier(identifier).canonical
    language = negotiate(request.headers.get("accept-language"), lang)
    names = registry_names(pipeline.registry_state())
    with pipeline.log.store.engine.connect() as conn:
        page = product_page(conn, product, names)
    html = render_page(page, report, language, root=str(request.scope.get("root_path", "")))
    return HTMLResponse(
        html,
        headers={"Content-Language": language.tag, "Vary": "Accept-Language", "Cache-Control": "no-cache"},
    )
