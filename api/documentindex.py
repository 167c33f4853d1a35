"""What the admission needs to know about earlier documents, and what an accepted document changes.

The registry answers who may sign; this module answers the rest of a document's admission rules (docs/
attestations-api.md, "Admission"): which attestation a digest names, its product and issuing organisation,
whether it is revoked or superseded as of an index, whether an organisation already has a current
attestation of a product for a reference period, whether a dataset or benchmark version is taken, and which
passport of a product by an organisation is current (a newer one supersedes it).

A :class:`BatchIndex` is read once per sequencer batch, in bulk, inside the batch's locked transaction (so it
is what the log holds just before the batch), for exactly the digests, products and versions the batch's
documents name; the admission then records each accepted document's :data:`Effect` in it, so later entries of
the same batch see earlier ones, as the registry state does. The accept hook writes the same effects
(:func:`store_effects`) in the batch's transaction, so the tables change exactly when the log does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, insert, select, update

from api.orm import AttestationRow, EndorsementRow, PassportRow, PublicationRow
from passport.errors import AttestationError
from passport.quantity import parse_date_time

CHUNK = 500
"""Values per ``IN`` list when a batch reads the tables."""


@functools.lru_cache(maxsize=4096)
def instant(text: str) -> str:
    """A date-time as its UTC instant in one spelling (``2025-01-01T00:00:00.000000+00:00``), so that two
    offsets for the same moment name the same reference period.

    A pure function of the text, cached: reference periods repeat (errors are not cached).

    Raises:
        AttestationError: ``attestation.date_time``.
    """
    return parse_date_time(text, "date-time", AttestationError).astimezone(UTC).isoformat("T", "microseconds")


@dataclass(frozen=True)
class Logged:
    """A logged attestation, as the admission sees it."""

    digest: str
    index: int
    product: str
    org: str
    period_start: str
    period_end: str
    supersedes: str | None = None
    superseded_at: int | None = None
    superseded_by: str | None = None
    revoked_at: int | None = None
    revoked_by: str | None = None

    @property
    def current(self) -> bool:
        """Neither superseded nor revoked."""
        return self.superseded_at is None and self.revoked_at is None


@dataclass(frozen=True)
class NewAttestation:
    """An attestation logged at ``logged.index``."""

    logged: Logged


@dataclass(frozen=True)
class Supersede:
    """The attestation ``digest`` is superseded from index ``at`` on, by the attestation ``by``."""

    digest: str
    at: int
    by: str


@dataclass(frozen=True)
class Revoke:
    """The attestation ``digest`` is revoked from index ``at`` on, by the revocation ``by``."""

    digest: str
    at: int
    by: str


@dataclass(frozen=True)
class NewEndorsement:
    """The certification body ``org`` endorses the attestation ``endorses`` at ``index``."""

    digest: str
    index: int
    endorses: str
    org: str


@dataclass(frozen=True)
class NewPublication:
    """Version ``version`` of the dataset or benchmark ``name`` (of ``kind``) is the credential ``digest``."""

    kind: str
    name: str
    version: str
    digest: str
    index: int
    org: str


@dataclass(frozen=True)
class NewPassport:
    """A passport of ``product`` by ``org`` logged at ``index``; it supersedes the passports ``replaces``
    (the organisation's current ones of the same product) from that index on."""

    digest: str
    index: int
    product: str
    org: str
    replaces: tuple[str, ...] = ()


Effect = NewAttestation | Supersede | Revoke | NewEndorsement | NewPublication | NewPassport
"""What an accepted document changes in the document tables."""


@dataclass(frozen=True)
class Wants:
    """What a batch's documents name: attestation digests, products, dataset/benchmark versions, and the
    products of passports."""

    digests: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    publications: frozenset[tuple[str, str, str]] = frozenset()
    passports: frozenset[str] = frozenset()


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


class BatchIndex:
    """The attestations and publications a batch's documents name, as of the batch's current index."""

    def __init__(
        self,
        attestations: Iterable[Logged] = (),
        publications: Iterable[tuple[Any, ...]] = (),
        passports: Iterable[tuple[str, str, str]] = (),
    ):
        self._attestations: dict[str, Logged] = {}
        self._by_product: dict[str, set[str]] = {}
        for logged in attestations:
            self._put(logged)
        self._publications: dict[tuple[str, str, str], str] = {
            (kind, name, version): digest for kind, name, version, digest in publications
        }
        # The current passport digests of each (organisation, product).
        self._passports: dict[tuple[str, str], set[str]] = {}
        for digest, product, org in passports:
            self._passports.setdefault((org, product), set()).add(digest)

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
                select(pp.digest, pp.product, pp.org).where(pp.product.in_(chunk), pp.superseded_at.is_(None))
            )
            passports.extend((row.digest, row.product, row.org) for row in found)
        return cls(rows.values(), publications, passports)

    def _put(self, logged: Logged) -> None:
        self._attestations[logged.digest] = logged
        self._by_product.setdefault(logged.product, set()).add(logged.digest)

    def attestation(self, digest: str) -> Logged | None:
        """The logged attestation ``digest`` names (None if it names none, or not an attestation)."""
        return self._attestations.get(digest)

    def current(self, org: str, product: str, start: str, end: str) -> list[Logged]:
        """The current attestations of ``product`` by ``org`` for the reference period [start, end)."""
        found = (self._attestations[d] for d in self._by_product.get(product, ()))
        return [
            a for a in found if a.current and a.org == org and (a.period_start, a.period_end) == (start, end)
        ]

    def publication(self, kind: str, name: str, version: str) -> str | None:
        """The digest of the credential that published this version, if one was logged."""
        return self._publications.get((kind, name, version))

    def current_passports(self, org: str, product: str) -> tuple[str, ...]:
        """The digests of the current passports of ``product`` by ``org`` (sorted; normally at most one)."""
        return tuple(sorted(self._passports.get((org, product), ())))

    def apply(self, effect: Effect) -> None:
        """Record an accepted document's effect, for the entries after it in the batch."""
        if isinstance(effect, NewAttestation):
            self._put(effect.logged)
        elif isinstance(effect, Supersede):
            self._put(
                replace(self._attestations[effect.digest], superseded_at=effect.at, superseded_by=effect.by)
            )
        elif isinstance(effect, Revoke):
            self._put(replace(self._attestations[effect.digest], revoked_at=effect.at, revoked_by=effect.by))
        elif isinstance(effect, NewPublication):
            self._publications[(effect.kind, effect.name, effect.version)] = effect.digest
        elif isinstance(effect, NewPassport):
            self._passports[(effect.org, effect.product)] = {effect.digest}


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
                 "superseded_at": None, "superseded_by": None}
                for p in passports
            ],
        )  # fmt: skip
    att = AttestationRow
    for effect in effects:
        # Status changes come after the inserts: the attestation may be logged earlier in the same batch.
        if isinstance(effect, Supersede):
            conn.execute(
                update(att)
                .where(att.digest == effect.digest, att.superseded_at.is_(None))
                .values(superseded_at=effect.at, superseded_by=effect.by)
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
                .where(PassportRow.digest.in_(effect.replaces), PassportRow.superseded_at.is_(None))
                .values(superseded_at=effect.index, superseded_by=effect.digest)
            )
