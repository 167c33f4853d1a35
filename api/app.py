"""The FastAPI application: ``create_app(settings)`` wires the store, the routers and the error mapping."""

from __future__ import annotations

from fastapi import FastAPI

from api import cors, logservice, problems
from api.routes import attestations as attestation_routes
from api.routes import credentials as credential_routes
from api.routes import labels as label_routes
from api.routes import log as log_routes
from api.routes import pages as page_routes
from api.routes import passports as passport_routes
from api.routes import registry as registry_routes
from api.routes import resolver as resolver_routes
from api.routes import verify as verify_routes
from api.settings import Settings
from api.submission import open_pipeline


def create_app(settings: Settings) -> FastAPI:
    """Build the app for one installation (its data directory and database).

    Raises:
        KeyFileError, StorageError: the installation has no log (run ``carbontrail init``).
    """
    app = FastAPI(
        title="carbontrail",
        version="0.1.0",
        summary="Product-carbon-footprint transparency ledger",
        description=(
            "The log is served as C2SP tlog-tiles under /log (checkpoint, hash tiles, entry bundles), with "
            "inclusion and consistency proofs and tlog-proof@v1 receipts. Errors are RFC 9457 problem+json "
            "with a stable `code`."
        ),
    )
    log = logservice.open_log(settings)
    app.state.settings = settings
    app.state.log = log
    app.state.store = log.store
    app.state.pipeline = open_pipeline(log)
    problems.install(app)
    cors.install(app)
    # The resolver first: what a scanned label reaches is the busiest path, and routes match in order.
    app.include_router(resolver_routes.router)
    app.include_router(log_routes.router)
    app.include_router(registry_routes.router)
    app.include_router(attestation_routes.router)
    app.include_router(credential_routes.router)
    app.include_router(passport_routes.router)
    app.include_router(label_routes.router)
    app.include_router(verify_routes.router)
    app.include_router(page_routes.router)
    return app
