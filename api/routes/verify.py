"""``POST /verify``: a bundle verified under trust anchors (docs/verify.md, "The report").

The body is the bundle, as ``carbontrail bundle`` writes it (at most :data:`api.routes.attestations.
MAX_BODY_BYTES`). The trust anchors are the server's own unless the request names others: the log's
tlog-policy (its key, its witnesses and quorum) and the registrar's first key, or the query parameters
``policy`` (a tlog-policy's text) and ``registrar`` (a did:key). The answer is ``Report.to_json()``, 200
whether or not the checks pass (``ok`` says); ``require_full=true`` counts a check not made as failed. A body
that is not a bundle is 400 problem+json with code ``verify.bundle``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.problems import problem
from api.routes.attestations import LimitedBody
from api.routes.registry import PipelineDep
from api.submission import Pipeline
from identifiers.errors import IdentifierError
from identifiers.multikey import public_key_from_did_key
from ledger.errors import LedgerError
from ledger.policy import Policy, parse_policy
from verifier.bundle import parse_bundle
from verifier.errors import AnchorError, BundleError
from verifier.verify import verify_bundle

router = APIRouter(tags=["verify"])


def _anchors(pipeline: Pipeline, policy: str | None, registrar: str | None) -> tuple[Policy, bytes]:
    try:
        trusted = pipeline.log.policy if policy is None else parse_policy(policy.encode())
    except LedgerError as e:
        raise AnchorError(f"policy: {e.code}: {e.message}", field="policy") from e
    try:
        key = pipeline.log.registrar_genesis if registrar is None else public_key_from_did_key(registrar)
    except IdentifierError as e:
        raise AnchorError(f"registrar: not an Ed25519 did:key ({e.code})", field="registrar") from e
    return trusted, key


@router.post(
    "/verify",
    responses={400: {"description": "not a bundle, or a trust anchor that does not parse (problem+json)"}},
)
def verify(
    body: LimitedBody,
    pipeline: PipelineDep,
    policy: Annotated[str | None, Query(description="a C2SP tlog-policy's text (default: the log's)")] = None,
    registrar: Annotated[
        str | None, Query(description="the registrar's did:key (default: this log's)")
    ] = None,
    require_full: bool = False,
) -> JSONResponse:
    """Verify a bundle offline under the server's (or the request's) trust anchors; return the report."""
    try:
        trusted, key = _anchors(pipeline, policy, registrar)
        bundle = parse_bundle(body)
    except (AnchorError, BundleError) as e:
        where = f" (at {e.field})" if e.field else ""
        return problem(400, e.code, type(e).__name__, e.message + where)
    report = verify_bundle(bundle, trusted, key)
    return JSONResponse(report.to_json(require_full=require_full))
