"""Reading attestations back: a credential's status and a product's attestations (docs/attestations-api.md).

Plain functions over the document tables (``api/orm.py``) that the HTTP routes and the CLI both call. Status
is as of the log's current size: an attestation is ``revoked`` from its revocation's index on, ``superseded``
from the index of the attestation that supersedes it, ``valid`` otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from api.errors import ApiError
from api.orm import AttestationRow, Credential, Document, EndorsementRow

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
SUMMARY_FIELDS = (
    "declaredUnit",
    "unitaryProductAmount",
    "pcfExcludingBiogenic",
    "pcfIncludingBiogenic",
    "boundary",
    "referencePeriodStart",
    "referencePeriodEnd",
    "geography",
)
"""Subject fields a product's attestation list shows beside each digest (verbatim from the credential)."""


class InvalidDigestError(ApiError):
    """A credential digest that is not ``sha256:<64 lowercase hex>``."""

    code = "api.invalid_digest"
    status = 400


def check_digest(digest: str) -> str:
    """Return ``digest`` if it is a credential digest.

    Raises:
        InvalidDigestError: it is not ``sha256:<64 lowercase hex>``.
    """
    if DIGEST.fullmatch(digest) is None:
        raise InvalidDigestError(f"{digest!r} is not sha256:<64 lowercase hex digits>")
    return digest


def credential(conn: Connection, digest: str) -> tuple[bytes, str] | None:
    """A stored credential's exact JCS bytes and its kind, or None."""
    row = conn.execute(
        select(Credential.body, Credential.kind).where(Credential.digest == check_digest(digest))
    ).first()
    return None if row is None else (bytes(row[0]), str(row[1]))


def _status(row: AttestationRow | Any) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.superseded_at is not None:
        return "superseded"
    return "valid"


def _describe(conn: Connection, row: AttestationRow | Any) -> dict[str, Any]:
    issuer_key = conn.execute(select(Document.issuer).where(Document.log_index == row.log_index)).scalar()
    endorsements = conn.execute(
        select(EndorsementRow.digest, EndorsementRow.log_index, EndorsementRow.org)
        .where(EndorsementRow.endorses == row.digest)
        .order_by(EndorsementRow.log_index)
    ).all()
    return {
        "credential": row.digest,
        "index": row.log_index,
        "product": row.product,
        "issuer": row.org,
        "issuerKey": issuer_key,
        "status": _status(row),
        "supersedes": row.supersedes,
        "supersededBy": None
        if row.superseded_at is None
        else {"credential": row.superseded_by, "index": row.superseded_at},
        "revoked": None
        if row.revoked_at is None
        else {"credential": row.revoked_by, "index": row.revoked_at},
        "endorsements": [{"credential": d, "index": i, "endorser": org} for d, i, org in endorsements],
    }


def attestation_status(conn: Connection, digest: str) -> dict[str, Any] | None:
    """The status of the logged attestation ``digest``, or None if no attestation has that digest.

    Raises:
        InvalidDigestError: not a credential digest.
    """
    row = conn.execute(
        select(AttestationRow.__table__).where(AttestationRow.digest == check_digest(digest))
    ).first()
    return None if row is None else _describe(conn, row)


def product_attestations(conn: Connection, product: str) -> list[dict[str, Any]]:
    """Every logged attestation of ``product`` (canonical text): the valid ones first, newest first, then
    the superseded and revoked ones, newest first; each with its status and its subject's main figures."""
    rows = list(
        conn.execute(
            select(AttestationRow.__table__)
            .where(AttestationRow.product == product)
            .order_by(AttestationRow.log_index.desc())
        )
    )
    rows.sort(key=lambda r: _status(r) != "valid")  # stable: newest first within each group
    bodies = dict(
        conn.execute(
            select(Credential.digest, Credential.body).where(Credential.digest.in_([r.digest for r in rows]))
        ).all()
    )
    out = []
    for row in rows:
        described = _describe(conn, row)
        subject = json.loads(bodies[row.digest])["credentialSubject"]
        described["figures"] = {name: subject[name] for name in SUMMARY_FIELDS if name in subject}
        out.append(described)
    return out


_VALID = (
    select(
        AttestationRow.product,
        AttestationRow.digest,
        AttestationRow.log_index,
        AttestationRow.org,
        EndorsementRow.digest,
        EndorsementRow.log_index,
        EndorsementRow.org,
    )
    .outerjoin(EndorsementRow, EndorsementRow.endorses == AttestationRow.digest)
    .where(
        AttestationRow.product.in_(bindparam("products", expanding=True)),
        AttestationRow.revoked_at.is_(None),
        AttestationRow.superseded_at.is_(None),
    )
    .order_by(AttestationRow.log_index.desc(), EndorsementRow.log_index)
)


def valid_attestations(conn: Connection, products: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The valid attestations of each of ``products`` (canonical texts) that has any, newest first, as the
    resolver needs them: digest, log index, issuing organisation and endorsements, found with one query (no
    credential is read or parsed). The same attestations, in the same order, as the valid ones
    ``product_attestations`` lists."""
    out: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, dict[str, Any]] = {}
    for product, digest, index, org, e_digest, e_index, e_org in conn.execute(
        _VALID, {"products": list(products)}
    ):
        att = seen.get(digest)
        if att is None:
            att = {"credential": digest, "index": index, "product": product, "issuer": org}
            att.update(status="valid", endorsements=[])
            seen[digest] = att
            out.setdefault(product, []).append(att)
        if e_digest is not None:
            att["endorsements"].append({"credential": e_digest, "index": e_index, "endorser": e_org})
    return out
