"""What a credential's revocation touches (docs/verify.md, ``carbontrail impact``): every passport that rests
on it, directly or through tiers, found by walking the ``passport_link`` table upward."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from api.attestationview import check_digest
from api.errors import NotFoundError
from api.orm import Credential, PassportLinkRow, PassportRow


@dataclass(frozen=True)
class Affected:
    """A passport resting on the credential: its digest, product, log index, whether it is its product's
    current passport, the tier above the credential (1: it links the credential itself) and the digest it
    rests on the credential through (the credential, or the lower tier's passport)."""

    digest: str
    product: str
    index: int
    current: bool
    tier: int
    via: str


def impact(conn: Connection, digest: str) -> list[Affected]:
    """Every passport resting on the credential ``digest``, tier by tier, each tier in log order.

    Raises:
        ApiError: ``digest`` is not ``sha256:<64 hex>``.
        NotFoundError: no credential with that digest is stored.
    """
    check_digest(digest)
    if conn.execute(select(Credential.digest).where(Credential.digest == digest)).first() is None:
        raise NotFoundError(f"no credential {digest} is stored")
    out: list[Affected] = []
    seen = {digest}
    frontier = [digest]
    tier = 0
    while frontier:
        tier += 1
        query = (
            select(PassportLinkRow.credential, PassportRow.digest, PassportRow.product, PassportRow.log_index,
                   PassportRow.superseded_at)
            .join(PassportRow, PassportRow.digest == PassportLinkRow.passport)
            .where(PassportLinkRow.credential.in_(frontier))
            .order_by(PassportRow.log_index)
        )  # fmt: skip
        found: list[str] = []
        for row in conn.execute(query):
            if row.digest in seen:
                continue
            seen.add(row.digest)
            found.append(row.digest)
            out.append(
                Affected(
                    row.digest, row.product, row.log_index, row.superseded_at is None, tier, row.credential
                )
            )
        frontier = found
    return out
