"""The admission's :class:`~passport.docindex.DocumentIndex` read from the database for one sequencer batch,
and the rows an accepted document's effects write.

A :class:`BatchIndex` is read once per sequencer batch, in bulk, inside the batch's locked transaction (so it
is what the log holds just before the batch), for exactly the digests, products and versions the batch's
documents name; the admission then records each accepted document's effect in it, so later entries of the
same batch see earlier ones. The accept hook writes the same effects (:func:`store_effects`) in the batch's
transaction, so the tables change exactly when the log does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from api.orm import AttestationRow, EndorsementRow, PassportLinkRow, PassportRow, PublicationRow
from passport.docindex import (
    DocumentIndex,
    Effect,
    Logged,
    LoggedPassport,
    NewAttestation,
    NewEndorsement,
    NewPassport,
    NewPublication,
    Revoke,
    Supersede,
    Wants,
)

CHUNK = 500
"""Values per ``IN`` list when a batch reads the tables."""


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _logged(row: AttestationRow | Any) -> Logged:
    return Logged(
        row.digest,
        row.log_index,
        row.product,
        row.org,
        row.period_start,
        row.period_end,
        row.supersedes,
        row.superseded_at,
        row.superseded_by,
        row.revoked_at,
        row.revoked_by,
    )


class BatchIndex(DocumentIndex):
    """A :class:`DocumentIndex` of what a batch's documents name, as of the batch's first index."""

    @classmethod
    def load(cls, conn: Connection, wants: Wants) -> BatchIndex:
        """Read what ``wants`` names through ``conn`` (the sequencer's transaction): the attestations with
        those digests, the current attestations of those products, the publications of those versions, the
        current passports of the passports' products."""
        att = AttestationRow
        columns = (att.digest, att.log_index, att.product, att.org, att.period_start, att.period_end,
                   att.supersedes, att.superseded_at, att.superseded_by, att.revoked_at,
                   att.revoked_by)  # fmt: skip
        rows: dict[str, Logged] = {}
        for chunk in _chunks(wants.digests):
            for row in conn.execute(select(*columns).where(att.digest.in_(chunk))):
                rows[row.digest] = _logged(row)
        for chunk in _chunks(wants.products):
            query = select(*columns).where(
                att.product.in_(chunk), att.superseded_at.is_(None), att.revoked_at.is_(None)
            )
            for row in conn.execute(query):
                rows[row.digest] = _logged(row)
        publications: list[tuple[Any, ...]] = []
        pub = PublicationRow
        for chunk in _chunks({name for _, name, _ in wants.publications}):
            found = conn.execute(
                select(pub.kind, pub.name, pub.version, pub.digest).where(pub.name.in_(chunk))
            )
            publications.extend(tuple(row) for row in found)
        passports: list[tuple[str, str, str]] = []
        pp = PassportRow
        for chunk in _chunks(wants.passports):
            found = conn.execute(
                select(pp.digest, pp.product, pp.org).where(
                    pp.product.in_(chunk), pp.superseded_at.is_(None), pp.revoked_at.is_(None)
                )
            )
            passports.extend((row.digest, row.product, row.org) for row in found)
        named: list[LoggedPassport] = []
        columns_pp = (pp.digest, pp.log_index, pp.product, pp.org, pp.superseded_at, pp.superseded_by,
                      pp.revoked_at, pp.revoked_by)  # fmt: skip
        for chunk in _chunks(wants.digests - rows.keys()):
            for p in conn.execute(select(*columns_pp).where(pp.digest.in_(chunk))):
                named.append(
                    LoggedPassport(p.digest, p.log_index, p.product, p.org, p.superseded_at, p.superseded_by,
                                   p.revoked_at, p.revoked_by)
                )  # fmt: skip
        return cls(rows.values(), publications, passports, named)


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order) with one ``executemany`` through the driver: a batch
    writes thousands of rows, and SQLAlchemy's per-row parameter work costs more than the inserts."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"  # sqlite3, psycopg
    marks = ", ".join([mark] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))  # noqa: S608


def store_effects(conn: Connection, effects: Sequence[Effect]) -> None:
    """Write accepted documents' effects, in log order, in the sequencer's transaction."""
    insert_rows(
        conn,
        AttestationRow.__tablename__,
        ("digest", "log_index", "product", "org", "period_start", "period_end", "supersedes"),
        [
            (a.digest, a.index, a.product, a.org, a.period_start, a.period_end, a.supersedes)
            for a in (e.logged for e in effects if isinstance(e, NewAttestation))
        ],
    )
    endorsements = [e for e in effects if isinstance(e, NewEndorsement)]
    if endorsements:
        conn.execute(
            insert(EndorsementRow),
            [
                {"digest": e.digest, "log_index": e.index, "endorses": e.endorses, "org": e.org}
                for e in endorsements
            ],
        )
    publications = [e for e in effects if isinstance(e, NewPublication)]
    if publications:
        conn.execute(
            insert(PublicationRow),
            [
                {"kind": p.kind, "name": p.name, "version": p.version, "digest": p.digest,
                 "log_index": p.index, "org": p.org}
                for p in publications
            ],
        )  # fmt: skip
    passports = [e for e in effects if isinstance(e, NewPassport)]
    if passports:
        conn.execute(
            insert(PassportRow),
            [
                {"digest": p.digest, "log_index": p.index, "product": p.product, "org": p.org,
                 "superseded_at": None, "superseded_by": None, "revoked_at": None, "revoked_by": None}
                for p in passports
            ],
        )  # fmt: skip
        insert_rows(
            conn,
            PassportLinkRow.__tablename__,
            ("passport", "credential"),
            [(p.digest, link) for p in passports for link in p.links],
        )
    att = AttestationRow
    for effect in effects:
        # Status changes come after the inserts: the attestation may be logged earlier in the same batch.
        if isinstance(effect, Supersede):
            conn.execute(
                update(att)
                .where(att.digest == effect.digest, att.superseded_at.is_(None))
                .values(superseded_at=effect.at, superseded_by=effect.by)
            )
        elif isinstance(effect, Revoke) and effect.kind == "passport":
            conn.execute(
                update(PassportRow)
                .where(PassportRow.digest == effect.digest, PassportRow.revoked_at.is_(None))
                .values(revoked_at=effect.at, revoked_by=effect.by)
            )
        elif isinstance(effect, Revoke):
            conn.execute(
                update(att)
                .where(att.digest == effect.digest, att.revoked_at.is_(None))
                .values(revoked_at=effect.at, revoked_by=effect.by)
            )
        elif isinstance(effect, NewPassport) and effect.replaces:
            conn.execute(
                update(PassportRow)
                .where(
                    PassportRow.digest.in_(effect.replaces),
                    PassportRow.superseded_at.is_(None),
                    PassportRow.revoked_at.is_(None),
                )
                .values(superseded_at=effect.index, superseded_by=effect.digest)
            )
