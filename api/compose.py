"""Composing a passport from the log: the resolver docs/passport.md leaves to the API (issue 5, "Composition";
DESIGN.md, "The roll-up").

Each bill-of-materials component is found through its identifier: the one current (neither revoked nor
superseded) attestation or passport of that product in the log, or the credential its line pins. Every
credential is read from the content-addressed store and verified again (stored bytes are the ones that were
logged, but a composition is a new signature resting on them), and each carries its log index and a C2SP
``tlog-proof@v1`` receipt against the log's latest checkpoint. The declared factor datasets are the logged
versions the specification names; the benchmark is the latest logged one of the product's category. Tiers
nest: a component that is a passport passes on its published figures, and its own components are walked
(through their links, by digest) so that a product resting on itself, at any depth, is refused.

Refusals (``compose.*``, each naming the component or dataset): ``unknown_component`` (no attestation or
passport of the product, or a pin naming none), ``revoked`` (the only ones are revoked, or the pin is),
``superseded`` (none is current and one is superseded: its successor was revoked; a pin may still name it),
``ambiguous`` (several are
current: pin one), ``wrong_product`` (a pin of another product), ``cycle`` (the product rests on itself),
``unknown_dataset`` and ``unknown_benchmark`` (not logged). The roll-up's own refusals (``rollup.*``: units,
boundaries, factors) pass through. Nothing is logged by composing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from api.errors import ApiError
from api.logservice import Log, batch_receipts
from api.orm import AttestationRow, Credential, PassportRow, PublicationRow
from identifiers.errors import AuthorityError
from identifiers.parse import parse_identifier
from identifiers.registry import Authority, RegistryState
from identifiers.registry_ops import Role
from passport.attestation import parse_attestation
from passport.document import SignedDocument
from passport.dpp import compose_passport, is_passport, parse_passport
from passport.dpp_parse import Passport
from passport.factors import parse_benchmark, parse_factor_dataset
from passport.rollup import BenchmarkUse, DatasetUse, Resolved, Rollup, Upstream, rollup
from passport.spec import PassportSpec

COMPOSE_CODES: dict[str, int] = {
    "compose.unknown_component": 422,
    "compose.revoked": 409,
    "compose.superseded": 409,
    "compose.ambiguous": 409,
    "compose.wrong_product": 422,
    "compose.cycle": 422,
    "compose.unknown_dataset": 422,
    "compose.unknown_benchmark": 422,
}
"""Every code :class:`ComposeError` gives, with its HTTP status."""

CHUNK = 500


class ComposeError(ApiError):
    """A specification whose components, datasets or benchmark the log cannot supply (module docstring);
    ``code`` is one of :data:`COMPOSE_CODES`; ``component`` the line's ``ref`` (or dataset, or category)."""

    code = "compose.error"

    def __init__(self, reason: str, component: str, message: str) -> None:
        code = f"compose.{reason}"
        if code not in COMPOSE_CODES:
            raise AssertionError(f"no compose code {code!r}")
        super().__init__(f"{component}: {message}")
        self.code = code
        self.status = COMPOSE_CODES[code]
        self.component = component


@dataclass(frozen=True)
class _Row:
    """A logged attestation or passport of a product, with its status."""

    kind: str
    digest: str
    index: int
    product: str
    revoked: bool
    superseded: bool

    @property
    def current(self) -> bool:
        return not (self.revoked or self.superseded)


@dataclass(frozen=True)
class Composition:
    """A composed, unsigned passport: the credential, the roll-up and what each component resolved to."""

    credential: dict[str, Any]
    result: Rollup
    resolved: Resolved


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _rows(conn: Connection, *, products: Iterable[str] = (), digests: Iterable[str] = ()) -> list[_Row]:
    att, pp = AttestationRow, PassportRow
    out: list[_Row] = []
    for column, values in (("product", products), ("digest", digests)):
        for chunk in _chunks(values):
            a_col, p_col = getattr(att, column), getattr(pp, column)
            for r in conn.execute(select(att.__table__).where(a_col.in_(chunk))):
                out.append(
                    _Row("attestation", r.digest, r.log_index, r.product, r.revoked_at is not None,
                         r.superseded_at is not None)
                )  # fmt: skip
            for r in conn.execute(select(pp.__table__).where(p_col.in_(chunk))):
                out.append(
                    _Row("passport", r.digest, r.log_index, r.product, r.revoked_at is not None,
                         r.superseded_at is not None)
                )  # fmt: skip
    return out


def _bodies(conn: Connection, digests: Iterable[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for chunk in _chunks(digests):
        for digest, body in conn.execute(
            select(Credential.digest, Credential.body).where(Credential.digest.in_(chunk))
        ):
            found[digest] = bytes(body)
    return found


def _choose(ref: str, product: str, rows: list[_Row]) -> _Row:
    current = sorted((r for r in rows if r.current), key=lambda r: -r.index)
    if len(current) == 1:
        return current[0]
    if current:
        listed = ", ".join(f"{r.kind} {r.digest} (index {r.index})" for r in current)
        raise ComposeError("ambiguous", ref, f"{product} has several current credentials: {listed}; pin one")
    if rows and all(r.revoked for r in rows):
        raise ComposeError("revoked", ref, f"every logged attestation or passport of {product} is revoked")
    if rows:
        raise ComposeError(
            "superseded", ref, f"{product}'s credentials are superseded and their successors revoked: pin one"
        )
    raise ComposeError("unknown_component", ref, f"no attestation or passport of {product} is logged")


def _pinned(ref: str, product: str, pin: str, rows: Mapping[str, _Row]) -> _Row:
    row = rows.get(pin)
    if row is None:
        raise ComposeError("unknown_component", ref, f"{pin} names no logged attestation or passport")
    if row.product != product:
        raise ComposeError("wrong_product", ref, f"{pin} is about {row.product}, not {product}")
    if row.revoked:
        raise ComposeError("revoked", ref, f"the pinned {pin} is revoked")
    return row


class Resolver:
    """Resolves specifications against one log (a connection for reads, the log for receipts)."""

    def __init__(self, log: Log, conn: Connection) -> None:
        self.log = log
        self.conn = conn
        self._passports: dict[str, Passport] = {}

    def _passport(self, digest: str, body: bytes | None = None) -> Passport | None:
        if digest not in self._passports:
            if body is None:
                body = _bodies(self.conn, [digest]).get(digest)
            if body is None:
                return None
            doc = SignedDocument.from_bytes(body)
            if not is_passport(doc.data):
                return None
            self._passports[digest] = parse_passport(doc)[0]
        return self._passports[digest]

    def _check_acyclic(self, ref: str, product: str, passport: Passport) -> None:
        """Walk a component passport's links, by digest, refusing any that names ``product``."""
        seen: set[str] = set()
        stack = [passport]
        while stack:
            current = stack.pop()
            for link in current.components:
                if link.product_id is None or link.credential in seen:
                    continue
                if link.product_id == product:
                    raise ComposeError(
                        "cycle", ref, f"{product} rests on itself through {current.product_id}"
                    )
                seen.add(link.credential)
                below = self._passport(link.credential)
                if below is not None:
                    stack.append(below)

    def components(self, spec: PassportSpec) -> dict[str, Upstream]:
        """An :class:`Upstream` per component line, by ``ref`` (module docstring).

        Raises:
            ComposeError: ``unknown_component``, ``revoked``, ``superseded``, ``ambiguous``,
                ``wrong_product`` or ``cycle``, naming the line.
            PassportError: a stored credential no longer verifies.
        """
        lines = [line for line in spec.bill_of_materials if line.component is not None]
        product = spec.product.id
        for line in lines:
            if line.component == product:
                raise ComposeError("cycle", line.ref, f"{product} is a component of itself")
        rows = _rows(
            self.conn,
            products={line.component for line in lines if line.component is not None and line.pinned is None},
            digests={line.pinned for line in lines if line.pinned is not None},
        )
        by_product: dict[str, list[_Row]] = {}
        by_digest: dict[str, _Row] = {}
        for r in rows:
            by_product.setdefault(r.product, []).append(r)
            by_digest[r.digest] = r
        chosen: dict[str, _Row] = {}
        for line in lines:
            assert line.component is not None
            if line.pinned is not None:
                chosen[line.ref] = _pinned(line.ref, line.component, line.pinned, by_digest)
            else:
                chosen[line.ref] = _choose(line.ref, line.component, by_product.get(line.component, []))
        bodies = _bodies(self.conn, {r.digest for r in chosen.values()})
        receipts = self._receipts(sorted({r.index for r in chosen.values()}))
        out: dict[str, Upstream] = {}
        for ref, row in chosen.items():
            doc = SignedDocument.from_bytes(bodies[row.digest])
            proof = receipts[row.index]
            if row.kind == "attestation":
                att, _ = parse_attestation(doc)
                out[ref] = Upstream.from_attestation(att, row.digest, log_index=row.index, receipt=proof)
                continue
            passport = self._passport(row.digest, bodies[row.digest])
            assert passport is not None  # a passport row's credential is a passport
            self._check_acyclic(ref, product, passport)
            out[ref] = passport.to_upstream(row.digest, log_index=row.index, receipt=proof)
        return out

    def _receipts(self, indices: Sequence[int]) -> dict[int, str]:
        """A tlog-proof@v1 receipt per index, all against the log's latest checkpoint."""
        return batch_receipts(self.log, indices)[1]

    def datasets(self, spec: PassportSpec) -> dict[str, DatasetUse]:
        """The declared factor datasets, by id, as logged in the declared version.

        Raises:
            ComposeError: ``unknown_dataset``: a version not logged, or not the pinned credential.
        """
        pub = PublicationRow
        out: dict[str, DatasetUse] = {}
        for pin in spec.datasets:
            digest = self.conn.execute(
                select(pub.digest).where(
                    pub.kind == "factor-dataset", pub.name == pin.dataset_id, pub.version == pin.version
                )
            ).scalar()
            if digest is None or (pin.credential is not None and pin.credential != digest):
                raise ComposeError(
                    "unknown_dataset", pin.dataset_id, f"version {pin.version} is not logged as declared"
                )
            dataset, _ = parse_factor_dataset(SignedDocument.from_bytes(_bodies(self.conn, [digest])[digest]))
            out[pin.dataset_id] = DatasetUse(dataset, digest)
        return out

    def benchmark(self, spec: PassportSpec) -> BenchmarkUse | None:
        """The latest logged benchmark of the product's category (None without a category).

        Raises:
            ComposeError: ``unknown_benchmark``: the category has none.
        """
        category = spec.product.category
        if category is None:
            return None
        pub = PublicationRow
        digest = self.conn.execute(
            select(pub.digest)
            .where(pub.kind == "benchmark", pub.name == category)
            .order_by(pub.log_index.desc())
            .limit(1)
        ).scalar()
        if digest is None:
            raise ComposeError("unknown_benchmark", category, "no benchmark of this category is logged")
        benchmark, _ = parse_benchmark(SignedDocument.from_bytes(_bodies(self.conn, [digest])[digest]))
        return BenchmarkUse(benchmark, digest)

    def resolve(self, spec: PassportSpec) -> Resolved:
        """Everything the roll-up needs from the log (see the methods' refusals)."""
        return Resolved(self.components(spec), self.datasets(spec), self.benchmark(spec))


def issuer_authority(registry: RegistryState, key: bytes, product: str) -> Authority:
    """The organisation ``key`` signs a passport of ``product`` for: a manufacturer's (or a supplier's) key
    whose organisation holds a prefix covering the product, as the log's admission will judge it.

    Raises:
        AuthorityError: the key may not sign for the product (``registry.*``).
        IdentifierError: ``product`` is not an identifier.
    """
    identifier = parse_identifier(product)
    try:
        return registry.authorise(key, identifier, Role.MANUFACTURER)
    except AuthorityError as e:
        if e.reason != "wrong_role":
            raise
        return registry.authorise(key, identifier, Role.SUPPLIER)


def compose(
    log: Log,
    spec: PassportSpec,
    *,
    issuer: str,
    issuer_name: str,
    resolver_base: str,
    disclosure: str = "full",
    passport_id: str | None = None,
    valid_from: str | None = None,
) -> Composition:
    """Resolve ``spec`` against the log, roll it up and compose the unsigned passport.

    Args:
        log: the open log.
        spec: the parsed specification.
        issuer: the did:key of the key that will sign.
        issuer_name: the issuing organisation's name.
        resolver_base: the platform's public URL (the product's URI).
        disclosure: ``full`` or ``aggregated``.
        passport_id: the credential id (default a fresh ``urn:uuid``).
        valid_from: ``validFrom`` (default now, UTC, to the second).

    Raises:
        ComposeError: a component, dataset or benchmark the log cannot supply (``compose.*``).
        RollupError: the roll-up refuses (``rollup.*``).
        DppError: the passport cannot be composed (``dpp.*``).
    """
    with log.store.engine.connect() as conn:
        resolved = Resolver(log, conn).resolve(spec)
    result = rollup(spec, resolved)
    when = valid_from or datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    credential = compose_passport(
        spec, result, passport_id=passport_id or f"urn:uuid:{uuid.uuid4()}", issuer=issuer,
        issuer_name=issuer_name, resolver_base=resolver_base, valid_from=when, disclosure=disclosure,
    )  # fmt: skip
    return Composition(credential, result, resolved)
