"""The submission pipeline every kind of document goes through.

1. ``prepare`` each document (outside any lock): parse its exact bytes, verify its proof, classify it, make
   its leaf record. A document that fails gets its error; the others go on (all or nothing per document).
2. Append the records through the sequencer, each with the credential's JCS bytes as its attachment.
3. Inside the sequencer's locked transaction, the admission function judges each new document at the exact
   index it would take, against the registry state as of that index (including registry entries earlier in
   the same batch), and the accept hook stores the accepted credentials and their index rows in the same
   transaction as their log entries.
4. Each document's answer is its log index (the first one for a resubmission), or the refusal's code.

Every process that sequences this log must judge alike, since a batch takes every pending row, its own and
anybody else's: the pipeline's admission is the installation's one admission, which ``logservice.append``
(``carbontrail log append``) uses too. A raw entry (one pending without a document, as ``log append`` makes
it) is accepted as it is and stores nothing; only whoever holds the database can make one.

The registry state is cached per process and brought up to date from the ``document`` table at the start of
every batch, so several processes submitting at once all judge against the state the log really has.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from api.documents import KIND_REGISTRY, Prepared, WrongKindError, is_leaf_record, judge, prepare
from api.errors import error_code
from api.logservice import Log
from api.orm import Credential, Document
from api.witnessing import cosign_latest
from identifiers.errors import IdentifierError, RegistryError
from identifiers.registry import RegistryState
from ledger.storage.sequencer import Accept, Accepted, AppendResult, Candidate, Decision, LogState, Refuse
from ledger.storage.store import size_of
from passport.document import SignedDocument
from passport.errors import PassportError
from passport.registry import parse_registry_entry


@dataclass(frozen=True)
class Submitted:
    """One document's outcome: its index and digest, or the stable code and message of its refusal."""

    index: int | None
    digest: str | None
    kind: str | None
    duplicate: bool = False
    code: str | None = None
    message: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether the document is in the log."""
        return self.index is not None


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
                    operation, signer = parse_registry_entry(SignedDocument.from_bytes(body))
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
        # What admit() prepared, by log record, for store_accepted() in the same batch: the sequencer's
        # database lock runs one batch at a time, so the two calls of a batch never interleave with another's.
        self._batch: dict[bytes, Prepared] = {}

    def registry_state(self) -> RegistryState:
        """The registry as of the log's current size (or of a batch committed since it was read)."""
        with self.log.store.engine.connect() as conn:
            return self.registry.at(conn, size_of(conn), or_later=True)

    def submit(self, raws: Sequence[bytes], kinds: Collection[str] | None = None) -> list[Submitted]:
        """Submit documents; return one outcome per document, in order.

        ``kinds``, if given, are the kinds the caller takes (a route per resource): a document of another
        kind is refused (``api.wrong_kind``) before anything is logged.
        """
        outcomes: list[Submitted | None] = [None] * len(raws)
        ready: list[tuple[int, Prepared]] = []
        for i, raw in enumerate(raws):
            try:
                prepared = prepare(raw)
                if kinds is not None and prepared.kind not in kinds:
                    raise WrongKindError(f"a {prepared.kind} document; this takes {', '.join(sorted(kinds))}")
                ready.append((i, prepared))
            except (PassportError, IdentifierError) as e:
                outcomes[i] = Submitted(None, None, None, code=error_code(e) or e.code, message=str(e))
            except Exception as e:
                code = error_code(e)
                if code is None:
                    raise
                outcomes[i] = Submitted(None, None, None, code=code, message=str(e))
        if ready:
            results = self._sequencer.append(
                [p.record for _, p in ready], [p.document.canonical for _, p in ready]
            )
            for (i, p), r in zip(ready, results, strict=True):
                if r.index is None:
                    outcomes[i] = Submitted(
                        None, p.document.digest, p.kind, code=r.refused_code, message=r.refused_message
                    )
                else:
                    outcomes[i] = Submitted(r.index, p.document.digest, p.kind, duplicate=r.duplicate)
            cosign_latest(self.log)
        return [o for o in outcomes if o is not None]

    def append(self, entries: Sequence[bytes]) -> list[AppendResult]:
        """Append raw entries (no documents: ``carbontrail log append``), sequenced with this pipeline's
        admission so that any document pending beside them is judged and stored as ``submit`` would."""
        results = self._sequencer.append(entries)
        cosign_latest(self.log)
        return results

    def admit(self, candidates: Sequence[Candidate], state: LogState) -> Sequence[Decision]:
        """The sequencer's admission function: judge each document at the index it would take."""
        registry = self.registry.at(state.conn, state.size)
        index = state.size
        decisions: list[Decision] = []
        self._batch = {}
        for candidate in candidates:
            if candidate.attachment is None:
                if is_leaf_record(candidate.entry):
                    # Logged bare, a record would name a credential the store lacks, and the document
                    # itself would later be taken for its duplicate and never stored.
                    decisions.append(Refuse("api.no_document", "a leaf record comes with its credential"))
                    continue
                # A raw entry: nothing to judge, and it takes its place in the log.
                decisions.append(Accept())
                index += 1
                continue
            try:
                # The submitter verified it already, but it may be another process's: check it here too.
                prepared = prepare(candidate.attachment)
                if prepared.record != candidate.entry:
                    decisions.append(
                        Refuse("api.record_mismatch", "the log record does not match its document")
                    )
                    continue
                registry = judge(registry, prepared, index)
            except (RegistryError, PassportError, IdentifierError) as e:
                decisions.append(Refuse(e.code, str(e)))
                continue
            self._batch[candidate.entry] = prepared
            decisions.append(Accept())
            index += 1
        return decisions

    def store_accepted(self, conn: Connection, accepted: Sequence[Accepted]) -> None:
        """The sequencer's accept hook: store each accepted credential and its index row (its transaction)."""
        for item in accepted:
            if item.attachment is None:
                continue
            prepared = self._batch[item.entry]
            digest = prepared.document.digest
            if conn.execute(select(Credential.digest).where(Credential.digest == digest)).first() is None:
                conn.execute(
                    insert(Credential),
                    {"digest": digest, "body": prepared.document.canonical, "kind": prepared.kind},
                )
            conn.execute(
                insert(Document),
                {
                    "log_index": item.index,
                    "digest": digest,
                    "kind": prepared.kind,
                    "subject": prepared.subject,
                    "issuer": prepared.issuer,
                },
            )
