"""What a document's admission needs to know about earlier documents, and what an accepted document
changes (docs/attestations-api.md, "Admission"): which attestation a digest names, its product and issuing
organisation, whether it is revoked or superseded as of an index, whether an organisation already has a
current attestation of a product for a reference period, whether a dataset or benchmark version is taken,
which passport a digest names (its product, issuing organisation, supersession and revocation), and which
passport of a product by an organisation is current (a newer one supersedes it, a revocation ends it).

Pure: a :class:`DocumentIndex` is filled either from the database for one sequencer batch
(``api.documentindex.BatchIndex.load``) or by replaying the log from its start (``verifier``), and the
admission rules (:mod:`passport.authority`) record each accepted document's :data:`Effect` in it, so later
entries see earlier ones, as the registry state does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

from passport.errors import AttestationError
from passport.quantity import parse_date_time


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
class LoggedPassport:
    """A logged passport, as the admission sees it: what a revocation of it needs."""

    digest: str
    index: int
    product: str
    org: str
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
    """The credential ``digest`` is revoked from index ``at`` on, by the revocation ``by``; ``kind`` says
    which table holds it: ``attestation`` or ``passport``."""

    digest: str
    at: int
    by: str
    kind: str = "attestation"


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
    (the organisation's current ones of the same product) from that index on. ``links`` are the digests of
    the credentials it rests on (its components, datasets and benchmark)."""

    digest: str
    index: int
    product: str
    org: str
    replaces: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


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


class DocumentIndex:
    """The attestations, publications and passports known as of some log index.

    ``passports`` are the current passports as ``(digest, product, org)``; ``logged_passports`` the passports
    a batch names by digest (a revocation's target), with their status. A replay from the log's start
    (``DocumentIndex()`` then :meth:`apply`) knows every passport both ways.
    """

    def __init__(
        self,
        attestations: Iterable[Logged] = (),
        publications: Iterable[tuple[Any, ...]] = (),
        passports: Iterable[tuple[str, str, str]] = (),
        logged_passports: Iterable[LoggedPassport] = (),
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
        self._passports_by_digest: dict[str, LoggedPassport] = {p.digest: p for p in logged_passports}

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

    def passport(self, digest: str) -> LoggedPassport | None:
        """The logged passport ``digest`` names (None if it names none this index knows of)."""
        return self._passports_by_digest.get(digest)

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
        elif isinstance(effect, Revoke) and effect.kind == "passport":
            revoked = self._passports_by_digest.get(effect.digest)
            if revoked is not None:
                self._passports_by_digest[effect.digest] = replace(
                    revoked, revoked_at=effect.at, revoked_by=effect.by
                )
            for current in self._passports.values():
                current.discard(effect.digest)
        elif isinstance(effect, Revoke):
            self._put(replace(self._attestations[effect.digest], revoked_at=effect.at, revoked_by=effect.by))
        elif isinstance(effect, NewPublication):
            self._publications[(effect.kind, effect.name, effect.version)] = effect.digest
        elif isinstance(effect, NewPassport):
            for digest in effect.replaces:
                old = self._passports_by_digest.get(digest)
                if old is not None:
                    self._passports_by_digest[digest] = replace(
                        old, superseded_at=effect.index, superseded_by=effect.digest
                    )
            self._passports_by_digest[effect.digest] = LoggedPassport(
                effect.digest, effect.index, effect.product, effect.org
            )
            self._passports[(effect.org, effect.product)] = {effect.digest}
