"""RFC 9457 problem+json responses, rendered from domain errors through ``api.errors`` (the one mapping)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import STATUS, ApiError, error_code, http_status
from ledger.errors import BusyError

PROBLEM_JSON = "application/problem+json"


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    """Return a problem+json response whose ``type`` is ``urn:carbontrail:problem:<code>``."""
    body: dict[str, object] = {
        "type": f"urn:carbontrail:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        status = http_status(exc)
        code = error_code(exc)
        if status is None or code is None:
            return problem(500, "api.internal", "Internal error", "the server failed; the error was logged")
        response = problem(status, code, type(exc).__name__, " ".join(str(exc).split()))
        if isinstance(exc, BusyError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    # One handler per domain base class (not ``Exception``, which Starlette treats as a server error).
    for cls in {*STATUS, ApiError}:
        app.add_exception_handler(cls, domain_error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return problem(
            422,
            "api.invalid_request",
            "Invalid request",
            "the request does not match its schema",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "api.not_found" if exc.status_code == 404 else f"api.http_{exc.status_code}"
        return problem(exc.status_code, code, "HTTP error", str(exc.detail))
