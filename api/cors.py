"""Cross-origin reads (the Fetch standard's CORS protocol) for the public API and the resolver
(docs/passport-page.md, "CORS"; the GS1 resolver conformance checklist asks for CORS on resolver answers).

Anything a browser may read is public and carries no credentials: passports, credentials, labels, the log's
tiles and proofs, the resolver's links. So GET and HEAD are open to every origin (``*``), a preflight for them
is answered, and ``Link`` (the resolver's linkset link) is exposed to scripts. Writes are not opened: a
preflight for POST is refused, and a response to a cross-origin POST carries no CORS header, so a page on
another origin cannot read what a submission returned. Submissions are signed documents, not ambient
authority, so this is no defence against forgery (none is needed); it keeps the write API to programs and
the CLI, as designed, until a browser client has a reason to use it.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

READ_METHODS = ("GET", "HEAD")
EXPOSED_HEADERS = ("Link",)
PREFLIGHT_MAX_AGE = 86400
"""Seconds a browser may cache a preflight answer (the policy does not change while a server runs)."""


class ReadOnlyCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware for reads only: requests other than GET, HEAD and OPTIONS pass through
    untouched, so their responses carry no ``Access-Control-Allow-Origin``."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in (*READ_METHODS, "OPTIONS"):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def install(app: FastAPI) -> None:
    """Answer CORS preflights for GET and HEAD from any origin, and mark read responses readable by any
    origin with ``Link`` exposed."""
    app.add_middleware(
        ReadOnlyCORSMiddleware,
        allow_origins=["*"],
        allow_methods=list(READ_METHODS),
        allow_headers=["*"],
        expose_headers=list(EXPOSED_HEADERS),
        max_age=PREFLIGHT_MAX_AGE,
    )
