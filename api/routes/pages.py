"""The public passport page over HTTP: ``GET /products/{identifier}/page`` (docs/passport-page.md).

HTML for people (what a phone reaches from the label's QR code through the resolver), in English or Chinese
by ``Accept-Language`` or ``?lang=en|zh``. The verification section shows the report of the product's bundle
when the ``bundle_report`` dependency gives one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.i18n import negotiate
from api.pagerender import render_page
from api.pageservice import product_page, registry_names
from api.routes.registry import PipelineDep
from identifiers.parse import parse_identifier
from verifier.report import Report


def bundle_report(identifier: str, pipeline: PipelineDep) -> Report | None:
    """The verification report shown on the page of ``identifier``: None (the page says verification is not
    available) until the server builds bundles and verifies them (issue 7: the bundle verifier); an app
    wires that in by overriding this dependency."""
    del identifier, pipeline
    return None


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
