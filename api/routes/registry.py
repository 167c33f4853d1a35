"""The registry over HTTP: submit a registrar-signed registry entry; read an organisation's state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.errors import ApiError, NotFoundError, status_for_code
from api.registryview import organisation_json
from api.submission import Pipeline, Submitted
from identifiers.errors import RegistryConflictError
from identifiers.uscc import parse_uscc

router = APIRouter(prefix="/registry", tags=["registry"])


async def get_pipeline(request: Request) -> Pipeline:
    """The app's submission pipeline (async: a sync dependency costs every request a thread-pool hop)."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]


async def signed_body(request: Request) -> bytes:
    """The request body's exact bytes: a signed document is verified as sent, never parsed and re-serialised.

    (A ``bytes`` body parameter would not do: FastAPI parses an ``application/json`` or ``+json`` body as
    JSON first, then refuses the object as "not valid bytes".)
    """
    return await request.body()


SignedBody = Annotated[bytes, Depends(signed_body)]

SIGNED_DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "a signed registry entry (VC 2.0, eddsa-jcs-2022 proof), as its exact bytes",
        "content": {
            media_type: {"schema": {"type": "object", "additionalProperties": True}}
            for media_type in ("application/vc+ld+json", "application/json")
        },
    }
}
"""The OpenAPI request body of a route that takes its signed document through :func:`signed_body`."""


class LoggedDocument(BaseModel):
    """Where a submitted document is in the log."""

    index: int
    credential: str
    kind: str
    duplicate: bool
    receipt: str


class RefusedDocumentError(ApiError):
    """The log refused a document (its signer's authority, proof or shape); carries the refusal's code."""

    def __init__(self, outcome: Submitted) -> None:
        super().__init__(outcome.message or "refused")
        self.code = outcome.code or "api.refused"
        self.status = status_for_code(self.code)


@router.post("", status_code=201, response_model=LoggedDocument, openapi_extra=SIGNED_DOCUMENT_BODY)
def submit_registry_entry(pipeline: PipelineDep, body: SignedBody) -> LoggedDocument:
    """Log a registrar-signed registry entry (a VC 2.0 credential with an ``eddsa-jcs-2022`` proof).

    The answer is its log index and a C2SP tlog-proof@v1 receipt; the same entry again gets its first index.
    """
    from api.logservice import receipt
    from passport.records import KIND_REGISTRY

    # Only registry entries: another kind is refused before it is logged, never after.
    outcome = pipeline.submit([body], kinds={KIND_REGISTRY})[0]
    if outcome.index is None or outcome.kind is None:
        raise RefusedDocumentError(outcome)
    return LoggedDocument(
        index=outcome.index,
        credential=outcome.digest or "",
        kind=outcome.kind,
        duplicate=outcome.duplicate,
        receipt=receipt(pipeline.log, outcome.index).decode(),
    )


@router.get("/orgs/{uscc}")
def organisation(uscc: str, pipeline: PipelineDep) -> dict[str, Any]:
    """An organisation's state and history (every registry entry about it, with its log index)."""
    canonical = parse_uscc(uscc).canonical
    state = pipeline.registry_state()
    try:
        view = state.organisation(canonical)
    except RegistryConflictError as e:
        raise NotFoundError(f"no organisation {canonical} is registered") from e
    return organisation_json(view)
