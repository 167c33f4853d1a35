"""QR carbon labels over HTTP: ``GET /labels/{identifier}.svg`` and ``.png`` (identifier percent-encoded)."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.errors import ApiError, NotFoundError
from api.labels import render_label
from api.labelservice import label_content
from api.routes.registry import PipelineDep
from identifiers.parse import parse_identifier

router = APIRouter(tags=["labels"])

_MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


@router.get(
    "/labels/{name:path}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "the label"}},
)
def label(
    name: str,
    request: Request,
    pipeline: PipelineDep,
    dpi: Annotated[int, Query(ge=150, le=1200)] = 300,
) -> Response:
    """The product's label from its latest valid passport; the QR code holds its resolver URL on this server
    (or on ``CARBONTRAIL_BASE_URL`` when set)."""
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in _MEDIA:
        raise NotFoundError("a label is /labels/<identifier>.svg or .png")
    try:
        product = parse_identifier(stem).canonical
    except ValueError as e:
        raise ApiError(f"not a product identifier: {stem}") from e
    base_url = os.environ.get("CARBONTRAIL_BASE_URL") or str(request.base_url).rstrip("/")
    with pipeline.log.store.engine.connect() as conn:
        content = label_content(conn, product, base_url)
    data = render_label(content, fmt="svg" if fmt == "svg" else "png", dpi=dpi)
    return Response(data, media_type=_MEDIA[fmt], headers={"Cache-Control": "no-cache"})
