"""Reading passports back: a product's passports, latest valid first (docs/passport-api.md).

Plain functions over the ``passport`` table (``api/orm.py``) that the HTTP routes and the CLI both call. A
passport is ``revoked`` from the index of its issuer's revocation of it, ``superseded`` from the index of its
organisation's next passport of the same product, ``valid`` otherwise; only a valid passport is its product's
current one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from api.orm import Credential, Document, PassportRow


def _status(row: Any) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "valid" if row.superseded_at is None else "superseded"


def _summary(row: Any, body: bytes, issuer_key: str | None) -> dict[str, Any]:
    subject = json.loads(body)["credentialSubject"]
    scorecard = subject.get("emissionsScorecard", {})
    claims = subject.get("conformityClaim") or []
    grade = claims[0].get("grade") if claims and isinstance(claims[0], dict) else None
    return {
        "credential": row.digest,
        "index": row.log_index,
        "product": row.product,
        "issuer": row.org,
        "issuerKey": issuer_key,
        "status": _status(row),
        "supersededBy": None
        if row.superseded_at is None
        else {"credential": row.superseded_by, "index": row.superseded_at},
        "revokedBy": None
        if row.revoked_at is None
        else {"credential": row.revoked_by, "index": row.revoked_at},
        "disclosure": subject.get("disclosure"),
        "grade": grade,
        "figures": {
            name: scorecard[name]
            for name in ("declaredUnit", "unitaryProductAmount", "pcfExcludingBiogenic", "boundary", "stages")
            if name in scorecard
        },
    }


def product_passports(conn: Connection, product: str) -> list[dict[str, Any]]:
    """Every logged passport of ``product`` (canonical text): the valid ones first, newest first, then the
    superseded and revoked ones, newest first; each with its status, grade and main figures."""
    rows = list(
        conn.execute(
            select(PassportRow.__table__)
            .where(PassportRow.product == product)
            .order_by(PassportRow.log_index.desc())
        )
    )
    rows.sort(key=lambda r: _status(r) != "valid")  # stable: newest first within each group
    digests = [r.digest for r in rows]
    bodies = dict(
        conn.execute(select(Credential.digest, Credential.body).where(Credential.digest.in_(digests))).all()
    )
    indices = [r.log_index for r in rows]
    keys = dict(
        conn.execute(select(Document.log_index, Document.issuer).where(Document.log_index.in_(indices))).all()
    )
    return [_summary(r, bytes(bodies[r.digest]), keys.get(r.log_index)) for r in rows]


def passport_status(conn: Connection, digest: str) -> dict[str, Any] | None:
    """The summary of the logged passport ``digest`` (its product, issuer, status, ...), or None."""
    row = conn.execute(select(PassportRow.__table__).where(PassportRow.digest == digest)).first()
    if row is None:
        return None
    body = conn.execute(select(Credential.body).where(Credential.digest == digest)).scalar()
    key = conn.execute(select(Document.issuer).where(Document.log_index == row.log_index)).scalar()
    assert body is not None  # stored with its log entry
    return _summary(row, bytes(body), key)


def latest_passport(conn: Connection, product: str) -> tuple[dict[str, Any], bytes] | None:
    """The newest valid passport of ``product`` and its exact stored bytes, or None."""
    for summary in product_passports(conn, product):
        if summary["status"] == "valid":
            body = conn.execute(
                select(Credential.body).where(Credential.digest == summary["credential"])
            ).scalar()
            assert body is not None  # stored with its log entry
            return summary, bytes(body)
    return None


_CURRENT = (
    select(PassportRow.product, PassportRow.digest, PassportRow.log_index, PassportRow.org)
    .where(
        PassportRow.product.in_(bindparam("products", expanding=True)),
        PassportRow.superseded_at.is_(None),
        PassportRow.revoked_at.is_(None),
    )
    .order_by(PassportRow.log_index.desc())
)


def current_passports(conn: Connection, products: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The newest valid passport of each of ``products`` (canonical texts) that has one, as the resolver needs
    it: digest, log index and issuing organisation, found with one query (no credential is read or parsed).

    The same passport ``latest_passport`` finds, with fewer fields of its summary."""
    out: dict[str, dict[str, Any]] = {}
    for product, digest, index, org in conn.execute(_CURRENT, {"products": list(products)}):
        if product not in out:  # newest first
            out[product] = {"credential": digest, "index": index, "product": product, "issuer": org}
            out[product]["status"] = "valid"
    return out
