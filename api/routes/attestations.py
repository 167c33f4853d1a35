"""Attestations over HTTP (docs/attestations-api.md): submit signed credentials, one or a batch; read an
attestation's status and a product's attestations.

Every kind but registry entries is taken here: footprint attestations, endorsements, revocations, factor
datasets and benchmarks. The body is read as its exact bytes, at most :data:`MAX_BODY_BYTES` (a larger one is
refused with 413 before anything is parsed or stored). A body whose first non-blank character is ``[`` is a
batch: each element is cut out of the body as its exact bytes and submitted as its own document, and the
answer lists one outcome per element.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from api.attestationview import attestation_status, check_digest, credential, product_attestations
from api.errors import ApiError, NotFoundError, status_for_code
from api.logservice import receipt
from api.routes.registry import LoggedDocument, PipelineDep
from api.submission import Submitted
from identifiers.parse import parse_identifier
from passport.document import canonical_json
from passport.records import CREDENTIAL_KINDS

router = APIRouter(tags=["attestations"])

MAX_BODY_BYTES = 8 * 1024 * 1024
"""The largest request body taken (a batch included): a factor dataset of 10,000 factors fits."""

_BLANK = b" \t\r\n"
_SPACE = re.compile(r"\s*")
"""White space as ``str.strip`` sees it (Unicode ``isspace``), matched in place."""


class BodyTooLargeError(ApiError):
    """A request body over :data:`MAX_BODY_BYTES`."""

    code = "api.too_large"
    status = 413


class MalformedBatchError(ApiError):
    """A batch body that is not a JSON array of objects."""

    code = "api.malformed_batch"
    status = 400


async def limited_body(request: Request) -> bytes:
    """The request body's exact bytes, refused (413) past :data:`MAX_BODY_BYTES` before it is parsed: by its
    ``Content-Length`` when it states one, else as soon as the bytes read pass the limit.

    Raises:
        BodyTooLargeError: the body is too large.
    """
    stated = request.headers.get("content-length")
    if stated is not None and stated.isdigit() and int(stated) > MAX_BODY_BYTES:
        raise BodyTooLargeError(f"the body is {stated} bytes; at most {MAX_BODY_BYTES} are taken")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            raise BodyTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


LimitedBody = Annotated[bytes, Depends(limited_body)]


def _skip_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    assert match is not None  # \s* matches at every position
    return match.end()


def split_batch(body: bytes) -> list[bytes]:
    """Cut a JSON array into its elements' exact bytes (each element is then parsed strictly on its own).

    Raises:
        MalformedBatchError: not a JSON array, or an element that is not a JSON object.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedBatchError("the batch is not UTF-8") from e
    decoder = json.JSONDecoder()
    # White space is skipped by matching at a position: slicing the rest of the body at every element would
    # copy it each time (quadratic in the batch's size).
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        raise MalformedBatchError("a batch is a JSON array of credentials")
    pos += 1
    out: list[bytes] = []
    while True:
        pos = _skip_space(text, pos)
        if text.startswith("]", pos) and not out:
            pos += 1
            break
        try:
            value, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as e:
            raise MalformedBatchError(f"element {len(out)} of the batch is not JSON: {e}") from e
        if not isinstance(value, dict):
            raise MalformedBatchError(f"element {len(out)} of the batch is not a JSON object")
        out.append(text[pos:end].encode("utf-8"))
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos += 1
            continue
        if text.startswith("]", pos):
            pos += 1
            break
        raise MalformedBatchError(f"expected , or ] after element {len(out) - 1}")
    if text[pos:].strip():
        raise MalformedBatchError("trailing data after the batch")
    if not out:
        raise MalformedBatchError("the batch is empty")
    return out


class Outcome(BaseModel):
    """One document of a batch: its index, or the refusal's code, status and message."""

    index: int | None
    credential: str | None
    kind: str | None
    duplicate: bool
    code: str | None = None
    status: int | None = None
    message: str | None = None


class BatchOutcome(BaseModel):
    """A batch's outcomes, one per element, in order."""

    results: list[Outcome]


class RefusedError(ApiError):
    """The log refused the document; carries the refusal's code and status."""

    def __init__(self, outcome: Submitted) -> None:
        super().__init__(outcome.message or "refused")
        self.code = outcome.code or "api.refused"
        self.status = outcome.status or status_for_code(self.code)


def _outcome(o: Submitted) -> Outcome:
    if o.index is not None:
        return Outcome(index=o.index, credential=o.digest, kind=o.kind, duplicate=o.duplicate)
    code = o.code or "api.refused"
    return Outcome(
        index=None,
        credential=o.digest,
        kind=o.kind,
        duplicate=False,
        code=code,
        status=o.status or status_for_code(code),
        message=o.message,
    )


_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "a signed credential (attestation, endorsement, revocation, factor dataset, "
        "benchmark) or a JSON array of them, as exact bytes",
        "content": {
            media_type: {
                "schema": {
                    "oneOf": [
                        {"type": "object", "additionalProperties": True},
                        {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                    ]
                }
            }
            for media_type in ("application/vc+ld+json", "application/json")
        },
    }
}


@router.post(
    "/attestations",
    status_code=201,
    response_model=LoggedDocument | BatchOutcome,
    openapi_extra=_BATCH_BODY,
    responses={200: {"model": BatchOutcome, "description": "a batch: one outcome per element"}},
)
def submit_attestations(
    pipeline: PipelineDep, body: LimitedBody, response: Response
) -> LoggedDocument | BatchOutcome:
    """Log one signed credential (201 with its index and a tlog-proof@v1 receipt, or problem+json), or a
    JSON array of them (200 with one outcome per element, in order; each refusal with its code and status)."""
    if body.lstrip(_BLANK).startswith(b"["):
        outcomes = pipeline.submit(split_batch(body), kinds=CREDENTIAL_KINDS)
        response.status_code = 200
        return BatchOutcome(results=[_outcome(o) for o in outcomes])
    outcome = pipeline.submit([body], kinds=CREDENTIAL_KINDS)[0]
    if outcome.index is None or outcome.kind is None:
        raise RefusedError(outcome)
    return LoggedDocument(
        index=outcome.index,
        credential=outcome.digest or "",
        kind=outcome.kind,
        duplicate=outcome.duplicate,
        receipt=receipt(pipeline.log, outcome.index).decode(),
    )


@router.get("/attestations/{digest}", response_class=Response)
def get_attestation(digest: str, pipeline: PipelineDep) -> Response:
    """An attestation's exact stored bytes (``credential``, verbatim) and its status as of the log's size:
    logged at ``index``, ``revoked`` (by, at), ``supersededBy`` (by, at), ``endorsements``."""
    with pipeline.log.store.engine.connect() as conn:
        status = attestation_status(conn, check_digest(digest))
        stored = credential(conn, digest)
    if status is None or stored is None:
        raise NotFoundError(f"no attestation {digest} is logged")
    body = b'{"credential":' + stored[0] + b',"status":' + canonical_json(status) + b"}"
    return Response(body, media_type="application/json")


@router.get("/products/{identifier:path}/attestations")
def get_product_attestations(identifier: str, pipeline: PipelineDep) -> dict[str, Any]:
    """A product's attestations (the identifier percent-encoded: ``88.118.8%2FLFP-280Ah``): the latest valid
    one first, then the others newest first, each with its status, endorsements and main figures."""
    product = parse_identifier(identifier).canonical
    with pipeline.log.store.engine.connect() as conn:
        found = product_attestations(conn, product)
    current = next((a["credential"] for a in found if a["status"] == "valid"), None)
    return {"product": product, "current": current, "attestations": found}
