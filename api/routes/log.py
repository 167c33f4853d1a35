"""The log's read paths: C2SP tlog-tiles (checkpoint, tiles, entry bundles) and proof endpoints."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api import logservice
from api.deps import StoreDep
from api.errors import ApiError, NotFoundError
from ledger.errors import MalformedError
from ledger.hashing import HASH_SIZE
from ledger.tiles import TILE_WIDTH, parse_tile_path

router = APIRouter(prefix="/log", tags=["log"])

IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "no-cache, max-age=2"
OCTETS = "application/octet-stream"


class InclusionProof(BaseModel):
    """An RFC 9162 inclusion proof: the leaf's index, the tree size, and the hashes (base64), leaf first."""

    index: int
    size: int
    leaf_hash: str
    hashes: list[str]


class ConsistencyProof(BaseModel):
    """An RFC 9162 consistency proof between two tree sizes (hashes base64)."""

    old: int
    new: int
    hashes: list[str]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@router.get(
    "/checkpoint",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "the latest cosigned checkpoint"}},
)
def checkpoint(store: StoreDep) -> Response:
    """The latest checkpoint: the log's signed note with every witness cosignature (C2SP tlog-checkpoint)."""
    latest = store.latest_checkpoint()
    if latest is None:
        raise NotFoundError("the log has no checkpoint yet")
    return Response(
        latest.cosigned_note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": MUTABLE}
    )


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={200: {"content": {OCTETS: {}}, "description": "a hash tile or an entry bundle"}},
)
def tile(path: str, store: StoreDep) -> Response:
    """A hash tile ``tile/<L>/<N>[.p/<W>]`` or entry bundle ``tile/entries/<N>[.p/<W>]`` (C2SP tlog-tiles)."""
    try:
        level, index, width = parse_tile_path("tile/" + path)
    except MalformedError as e:
        raise NotFoundError(f"not a tile path: {e.message}") from e
    data = store.read_bundle(index, width) if level is None else store.read_tile(level, index, width)
    return Response(data, media_type=OCTETS, headers={"Cache-Control": IMMUTABLE})


@router.get("/proof/inclusion", response_model=InclusionProof)
def inclusion(
    store: StoreDep,
    index: Annotated[int | None, Query(ge=0, description="the entry's index")] = None,
    leaf_hash: Annotated[
        str | None, Query(description="the leaf hash, base64 or hex (instead of index)")
    ] = None,
    size: Annotated[
        int | None, Query(ge=1, description="tree size (default: the latest checkpoint's)")
    ] = None,
) -> InclusionProof:
    """The inclusion proof of an entry, found by index or by leaf hash, in the tree of ``size``."""
    if (index is None) == (leaf_hash is None):
        raise ApiError("give exactly one of index and leaf_hash")
    if leaf_hash is not None:
        index = store.index_of(_decode_hash(leaf_hash))
    assert index is not None  # one of the two was given
    tree = size if size is not None else store.size()
    proof = store.inclusion_proof(index, tree)
    from ledger.hashing import leaf_hash as hash_leaf

    return InclusionProof(
        index=index, size=tree, leaf_hash=_b64(hash_leaf(store.entry(index))), hashes=[_b64(h) for h in proof]
    )


@router.get("/proof/consistency", response_model=ConsistencyProof)
def consistency(
    store: StoreDep,
    old: Annotated[int, Query(ge=0)],
    new: Annotated[int, Query(ge=0)],
) -> ConsistencyProof:
    """The consistency proof between the trees of sizes ``old`` and ``new``."""
    return ConsistencyProof(old=old, new=new, hashes=[_b64(h) for h in store.consistency_proof(old, new)])


@router.get(
    "/receipt/{index}",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "a C2SP tlog-proof@v1 receipt"}},
)
def receipt(index: int, request: Request, size: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """A C2SP tlog-proof@v1 receipt for entry ``index`` (against the latest checkpoint, or ``size``'s)."""
    log: logservice.Log = request.app.state.log
    return Response(logservice.receipt(log, index, size), media_type="text/plain; charset=utf-8")


@router.get("/entry/{index}", response_class=Response, responses={200: {"content": {OCTETS: {}}}})
def entry(index: int, store: StoreDep) -> Response:
    """One entry's exact bytes."""
    return Response(store.entry(index), media_type=OCTETS, headers={"Cache-Control": IMMUTABLE})


def _decode_hash(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text) if len(text) == 2 * HASH_SIZE else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as e:
        raise ApiError("leaf_hash is neither hex nor base64") from e
    if len(raw) != HASH_SIZE:
        raise ApiError(f"leaf_hash is {len(raw)} bytes, want {HASH_SIZE}")
    return raw


__all__ = ["TILE_WIDTH", "router"]
