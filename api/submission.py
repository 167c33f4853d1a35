"""The submission pipeline every kind of document goes through (DESIGN.md, "Sequencing"; docs/
attestations-api.md).

1. ``prepare`` each document (outside any lock): parse its exact bytes, verify its proof, classify it, make
   its leaf record. A document that fails gets its error; the others go on (all or nothing per document).
2. Append the records through the sequencer, each with the credential's JCS bytes as its attachment.
3. Inside the sequencer's locked transaction, the admission function judges each new document at the exact
   index it would take (``passport.authority.judge``), against the registry state as of that index and the
   document tables as of that index (``api.documentindex``), both including the documents earlier in the same
   batch; the accept hook stores the accepted credentials, their index rows and what they change (a
   supersession, a revocation, an endorsement, a published version) in the same transaction as their log
   entries.
4. Each document's answer is its log index (the first one for a resubmission), or the refusal's code.

Every process that sequences this log must judge alike, since a batch takes every pending row, its own and
anybody else's: the pipeline's admission is the installation's one admission, which ``logservice.append``
(``carbontrail log append``) uses too. A raw entry (one pending without a document, as ``log append`` makes
it) is accepted as it is and stores nothing; only whoever holds the database can make one.

**Each proof is verified once, by the submitter.** The admission does not verify a document's proof again: it
classifies the attachment (``passport.records.classify``: the exact bytes parsed, every shape rule checked,
the signer's key taken from the proof's did:key verification method and checked to be the key the issuer
names) and judges that signer's authority. A document this process submitted is not even parsed again: the
model its ``prepare`` built is kept, by record, for its batch. The trust assumption, written down: pending
rows and their attachments are only written by this code (``Pipeline.submit``, through ``Sequencer.append``)
after ``prepare`` verified the document; whoever can write the database can also rewrite the log's entries,
the stored credentials and the registry, so a check against them here would defend nothing (a log's integrity
against its own operator is what witnesses and auditors check, replaying the log with every proof). For the
same reason the registry cache replays stored registry entries without verifying their proofs again
(``passport.records.registry_operation``); ``carbontrail log fsck`` and an audit replay verify everything.

The registry state is cached per process and brought up to date from the ``document`` table at the start of
every batch, so several processes submitting at once all judge against the state the log really has.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence

from sqlalchemy import Connection, select

from api.documentindex import BatchIndex, insert_rows, store_effects
from api.errors import ApiError
from api.logservice import Log
from api.orm import AttestationRow, Credential, Document, PassportRow
from api.preparation import Submitted, prepared_chunks, refused
from api.witnessing import cosign_latest
from identifiers.errors import IdentifierError, RegistryError
from identifiers.registry import RegistryState
from ledger.storage.sequencer import Accept, Accepted, AppendResult, Candidate, Decision, LogState, Refuse
from ledger.storage.store import size_of
from passport.authority import judge, wants
from passport.docindex import Effect
from passport.document import SignedDocument
from passport.errors import PassportError
from passport.records import (
    KIND_ATTESTATION,
    KIND_PASSPORT,
    KIND_REGISTRY,
    Prepared,
    classify,
    is_leaf_record,
    registry_operation,
    with_subject,
)
from passport.revocation import Revocation

_JUDGED = (RegistryError, PassportError, IdentifierError, ApiError)
"""What a document's admission may refuse it with (each carries a stable ``code``)."""

SEQUENCE_FROM = 256
"""Prepared documents from which a large batch sends a run to the sequencer while the rest is prepared: a
sequencer call costs a few milliseconds whatever its size (a transaction, a checkpoint, a durable commit)."""

__all__ = ["Pipeline", "RegistryCache", "Submitted", "open_pipeline"]


class WrongKindError(ApiError):
    """A credential of a kind carbontrail logs, sent where another kind is expected (e.g. to /registry)."""

    code = "api.wrong_kind"
    status = 422


class RegistryCache:
    """The registry state as of some log size, brought forward from the database on demand."""

    def __init__(self, genesis_key: bytes) -> None:
        self.genesis_key = genesis_key
        self._lock = threading.Lock()
        self._state = RegistryState.genesis(genesis_key)
        self._through = 0

    def at(self, conn: Connection, size: int, *, or_later: bool = False) -> RegistryState:
        """The state after every registry entry below index ``size``, read through ``conn``.

        With ``or_later``, a state the cache already holds for a larger size (committed, so no less true) is
        returned as it is: a reader that read the log's size just before a batch advanced the cache must not
        make the cache start again from genesis (a whole replay, while the sequencer waits for this lock).
        Stored entries were verified before they were logged and are not verified again (module docstring).
        """
        with self._lock:
            if or_later and size <= self._through:
                return self._state
            if size < self._through:
                self._state, self._through = RegistryState.genesis(self.genesis_key), 0
            if size > self._through:
                rows = conn.execute(
                    select(Document.log_index, Credential.body)
                    .join(Credential, Credential.digest == Document.digest)
                    .where(
                        Document.kind == KIND_REGISTRY,
                        Document.log_index >= self._through,
                        Document.log_index < size,
                    )
                    .order_by(Document.log_index)
                ).all()
                state = self._state
                for index, body in rows:
                    operation, signer = registry_operation(SignedDocument.from_bytes(body))
                    state = state.apply(operation, signer, index)
                self._state, self._through = state, size
            return self._state


def open_pipeline(log: Log) -> Pipeline:
    """The submission pipeline of an open log, with a registry cache anchored at its registrar's first key."""
    return Pipeline(log, RegistryCache(log.registrar_genesis))


class Pipeline:
    """Submits signed documents to one log, judging authority at each document's exact index."""

    def __init__(self, log: Log, registry: RegistryCache) -> None:
        self.log = log
        self.registry = registry
        self._sequencer = log.sequencer(self.admit, self.store_accepted)
        # What admit() judged, by log record, for store_accepted() in the same batch: the sequencer's
        # database lock runs one batch at a time, so the two calls of a batch never interleave with another's.
        self._batch: dict[bytes, tuple[Prepared, tuple[Effect, ...]]] = {}
        # Documents this process verified, by record, until their batch has judged them (module docstring).
        self._verified: dict[bytes, Prepared] = {}

    def registry_state(self) -> RegistryState:
        """The registry as of the log's current size (or of a batch committed since it was read)."""
        with self.log.store.engine.connect() as conn:
            return self.registry.at(conn, size_of(conn), or_later=True)

    def submit(self, raws: Sequence[bytes], kinds: Collection[str] | None = None) -> list[Submitted]:
        """Submit documents; return one outcome per document, in order.

        ``kinds``, if given, are the kinds the caller takes (a route per resource): a document of another
        kind is refused (``api.wrong_kind``) before anything is logged. A large batch is prepared on every
        core (``api.preparation``) and sequenced in runs as they are prepared, each run in log order after
        the one before; each document is judged at its own index either way.
        """
        outcomes: list[Submitted | None] = [None] * len(raws)
        ready: list[tuple[int, Prepared]] = []
        logged = False
        at = 0
        for chunk in prepared_chunks(raws):
            for item in chunk:
                if isinstance(item, Submitted):
                    outcomes[at] = item
                elif kinds is not None and item.kind not in kinds:
                    error = WrongKindError(f"a {item.kind} document; this takes {', '.join(sorted(kinds))}")
                    outcomes[at] = refused(error)
                else:
                    ready.append((at, item))
                at += 1
            if len(ready) >= SEQUENCE_FROM and at < len(raws):
                logged = self._sequence(ready, outcomes) or logged
                ready = []
        logged = self._sequence(ready, outcomes) or logged
        if logged:
            cosign_latest(self.log)
        return [o for o in outcomes if o is not None]

    def _sequence(self, ready: list[tuple[int, Prepared]], outcomes: list[Submitted | None]) -> bool:
        """Log prepared documents (one sequencer call); record their outcomes; say whether any reached the
        sequencer."""
        ready = self._resolve(ready, outcomes)
        if not ready:
            return False
        for _, p in ready:
            assert p.record is not None
            self._verified[p.record] = p
        try:
            results = self._sequencer.append(
                [p.record for _, p in ready if p.record is not None],
                [p.document.canonical for _, p in ready],
            )
        finally:
            for _, p in ready:
                self._verified.pop(p.record or b"", None)
        for (i, p), r in zip(ready, results, strict=True):
            if r.index is None:
                outcomes[i] = Submitted(
                    None, p.document.digest, p.kind, code=r.refused_code, message=r.refused_message
                )
            else:
                outcomes[i] = Submitted(r.index, p.document.digest, p.kind, duplicate=r.duplicate)
        return True

    def _resolve(
        self, ready: list[tuple[int, Prepared]], outcomes: list[Submitted | None]
    ) -> list[tuple[int, Prepared]]:
        """Give a revocation that names no product the product of the attestation or passport it revokes
        (from this submission or the log), so that its record is known before it is logged."""
        missing = {p.claim.revokes for _, p in ready if p.subject is None and isinstance(p.claim, Revocation)}
        if not missing:
            return ready
        products: dict[str, str] = {
            p.document.digest: p.subject
            for _, p in ready
            if p.kind in (KIND_ATTESTATION, KIND_PASSPORT) and p.subject is not None
        }
        with self.log.store.engine.connect() as conn:
            for table in (AttestationRow, PassportRow):
                query = select(table.digest, table.product).where(table.digest.in_(sorted(missing)))
                for digest, logged_product in conn.execute(query):
                    products.setdefault(digest, logged_product)
        resolved = []
        for i, p in ready:
            if p.subject is None and isinstance(p.claim, Revocation):
                found = products.get(p.claim.revokes)
                if found is None:
                    outcomes[i] = Submitted(
                        None,
                        p.document.digest,
                        p.kind,
                        code="submission.unknown_attestation",
                        message=f"{p.claim.revokes} names no logged attestation or passport",
                    )
                    continue
                p = with_subject(p, found)
            resolved.append((i, p))
        return resolved

    def append(self, entries: Sequence[bytes]) -> list[AppendResult]:
        """Append raw entries (no documents: ``carbontrail log append``), sequenced with this pipeline's
        admission so that any document pending beside them is judged and stored as ``submit`` would."""
        results = self._sequencer.append(entries)
        cosign_latest(self.log)
        return results

    def _classify(self, candidate: Candidate) -> Prepared:
        assert candidate.attachment is not None
        mine = self._verified.get(candidate.entry)
        if mine is not None and mine.document.canonical == candidate.attachment:
            return mine
        return classify(candidate.attachment)

    def admit(self, candidates: Sequence[Candidate], state: LogState) -> Sequence[Decision]:
        """The sequencer's admission function: judge each document at the index it would take."""
        registry = self.registry.at(state.conn, state.size)
        self._batch = {}
        # 1. Classify every document (no proof is verified again: module docstring).
        classified: list[Prepared | Refuse | None] = []
        for candidate in candidates:
            if candidate.attachment is None:
                classified.append(None)
                continue
            try:
                classified.append(self._classify(candidate))
            except _JUDGED as e:
                classified.append(Refuse(e.code, " ".join(str(e).split())))
        # 2. Read, in bulk, what the batch's documents name; then judge each at its index, in order.
        index = BatchIndex.load(state.conn, wants([p for p in classified if isinstance(p, Prepared)]))
        at = state.size
        decisions: list[Decision] = []
        for candidate, item in zip(candidates, classified, strict=True):
            if item is None:
                if is_leaf_record(candidate.entry):
                    # Logged bare, a record would name a credential the store lacks, and the document
                    # itself would later be taken for its duplicate and never stored.
                    decisions.append(Refuse("api.no_document", "a leaf record comes with its credential"))
                    continue
                # A raw entry: nothing to judge, and it takes its place in the log.
                decisions.append(Accept())
                at += 1
                continue
            if isinstance(item, Refuse):
                decisions.append(item)
                continue
            try:
                after, prepared, effects = judge(registry, index, item, at)
            except _JUDGED as e:
                decisions.append(Refuse(e.code, " ".join(str(e).split())))
                continue
            if prepared.record != candidate.entry:
                decisions.append(Refuse("api.record_mismatch", "the log record does not match its document"))
                continue
            registry = after
            for effect in effects:
                index.apply(effect)
            self._batch[candidate.entry] = (prepared, effects)
            decisions.append(Accept())
            at += 1
        return decisions

    def store_accepted(self, conn: Connection, accepted: Sequence[Accepted]) -> None:
        """The sequencer's accept hook: store each accepted credential, its index row and its effects (in the
        batch's transaction)."""
        judged = [(item, *self._batch[item.entry]) for item in accepted if item.attachment is not None]
        if not judged:
            return
        digests = sorted({p.document.digest for _, p, _ in judged})
        stored: set[str] = set()
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            stored.update(
                conn.execute(select(Credential.digest).where(Credential.digest.in_(chunk))).scalars()
            )
        credentials: dict[str, tuple[str, bytes, str]] = {}
        for _, p, _ in judged:
            if p.document.digest not in stored:
                credentials[p.document.digest] = (p.document.digest, p.document.canonical, p.kind)
        insert_rows(conn, Credential.__tablename__, ("digest", "body", "kind"), list(credentials.values()))
        insert_rows(
            conn,
            Document.__tablename__,
            ("log_index", "digest", "kind", "subject", "issuer"),
            [(item.index, p.document.digest, p.kind, p.subject, p.issuer) for item, p, _ in judged],
        )
        store_effects(conn, [effect for _, _, effects in judged for effect in effects])
