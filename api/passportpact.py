"""A logged passport as a PACT ``ProductFootprint`` (docs/passport-api.md, "PACT export"): the service the
CLI (``carbontrail passport export``) and ``GET /products/{identifier}/passport?format=pact-v3`` both call.

The figures are the passport's (passport/dpp_pact.py); the host record is what the log knows, as for an
attestation's export (``api.pactrecord.pact_record``): a UUID derived from the credential's digest,
``created`` = ``validFrom``, ``status`` (``Deprecated`` once superseded or revoked), the issuing
organisation's legal name and USCC, the product's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.attestationview import credential
from api.errors import NotFoundError
from api.pactrecord import PACT_VERSIONS, pact_record
from api.passportview import latest_passport, passport_status
from api.submission import Pipeline
from passport.document import SignedDocument
from passport.dpp_pact import export_passport_pact, passport_attestation
from passport.dpp_parse import check_passport
from passport.pact import VERSIONS

FORMATS = {"pact-v2": "2.3", "pact-v3": "3.0"}
"""The ``format`` values of the passport route and the PACT version each gives."""


def passport_pact(
    pipeline: Pipeline,
    product_or_digest: str,
    version: str,
    issuer_domain: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The PACT ``ProductFootprint`` of a logged passport: ``product_or_digest`` is a credential digest
    (``sha256:...``) or a product's canonical identifier (its current passport).

    Args:
        pipeline: the log's pipeline (the registry gives the issuer's legal name).
        product_or_digest: which passport.
        version: ``2``, ``2.3``, ``3`` or ``3.0``.
        issuer_domain: the issuer's domain, for ``urn:pact:<domain>:...`` URNs.
        extra: host-record fields that override or add to the derived ones.

    Raises:
        NotFoundError: no such passport is logged.
        PactError: the export is refused (``pact.required``, ``pact.unrepresentable``, ...).
    """
    version = PACT_VERSIONS.get(version, version)
    with pipeline.log.store.engine.connect() as conn:
        if product_or_digest.startswith("sha256:"):
            summary = passport_status(conn, product_or_digest)
            body = None
        else:
            found = latest_passport(conn, product_or_digest)
            summary, body = (None, None) if found is None else found
        if summary is not None and body is None:
            stored = credential(conn, summary["credential"])
            body = None if stored is None else stored[0]
    if summary is None or body is None:
        raise NotFoundError(f"no passport {product_or_digest} is logged")
    data = SignedDocument.from_bytes(body).data
    passport = check_passport(data)
    att = passport_attestation(passport)
    legal_name = pipeline.registry_state().organisation(summary["issuer"]).legal_name
    status = {
        "credential": summary["credential"],
        "status": summary["status"],
        "issuer": summary["issuer"],
        "supersedes": None,
    }
    keys = VERSIONS[version].RECORD_KEYS if version in VERSIONS else ()
    derived = pact_record(version, status, data, att, legal_name, issuer_domain)
    record = {k: v for k, v in derived.items() if k in keys} | dict(extra or {})
    return export_passport_pact(passport, version, record=record, issuer_domain=issuer_domain)
