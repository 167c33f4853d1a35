"""The content-addressed credential store over HTTP (DESIGN.md, "What a leaf holds"): a logged credential's
exact JCS bytes (RFC 8785) by their digest, ``sha256:<hex>``, the digest its leaf record names."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.attestationview import credential
from api.errors import NotFoundError
from api.routes.registry import PipelineDep

router = APIRouter(prefix="/credentials", tags=["credentials"])

VC_MEDIA_TYPE = "application/vc+ld+json"


@router.get("/{digest}", response_class=Response, responses={200: {"content": {VC_MEDIA_TYPE: {}}}})
def get_credential(digest: str, pipeline: PipelineDep) -> Response:
    """The credential whose JCS bytes hash to ``digest``, exactly as stored (``application/vc+ld+json``);
    immutable, so it may be cached for ever."""
    with pipeline.log.store.engine.connect() as conn:
        stored = credential(conn, digest)
    if stored is None:
        raise NotFoundError(f"no credential {digest} is stored")
    return Response(
        stored[0],
        media_type=VC_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
