"""The audit's record checks (issue 6, item 4): every carbontrail record's credential, and its signer's
authority at its log position, judged by the rules the log applies (``passport.authority``).

For each entry, in log order, a :class:`RecordAudit` (a ``verifier.audit.RecordReplay``):

1. leaves an entry that is not a leaf record (``passport.records.is_leaf_record``: what ``log append``
   writes) to the tree checks;
2. reads the credential the record names from a :class:`~verifier.credentials.CredentialSource`
   (``audit.credential_missing`` if it is not stored); checks that its bytes hash to the digest
   (``audit.credential_digest``), that it verifies and keeps its kind's rules (``audit.credential``, the
   underlying code as the problem's cause), and that the entry is exactly the record it makes
   (``audit.record``); this part is independent from record to record and runs in worker processes
   (``verifier.recordwork``), ``jobs`` of them;
3. judges it, in the auditing process and in log order, with ``passport.authority.judge`` at its index
   against the registry replayed from the registrar's genesis key and a ``DocumentIndex`` of the documents
   before it (``audit.authority``, the rule's code as the cause); a document refused there changes nothing
   for the entries after it, as the log's admission would have refused it.

Resuming (``known``): the registry and the document index are not kept in the audit state; they are rebuilt
from the records an earlier audit verified, which the audit reads again from index 0 (their entries hashed to
the verified root by ``verifier.audit``), their credentials hashed against their digests and classified, not
verified again (``verifier.recordwork``). A resumed audit costs a re-read of the old records, not of their
signatures.

Workers are processes started from a fork server with the passport modules preloaded
(:class:`verifier.workers.WorkerPool`): Ed25519 releases the GIL, but parsing and the rules are Python. A
record goes to them in chunks of :data:`CHUNK`, at most :data:`AHEAD` chunks per worker ahead of the judging.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import TracebackType

from identifiers.registry import RegistryState
from passport.authority import judge
from passport.docindex import DocumentIndex
from passport.records import RECORD_VERSION, Prepared
from verifier.auditrun import AuditProblem
from verifier.credentials import DIGEST, CredentialSource
from verifier.errors import AuditAuthorityError, AuditRecordError
from verifier.recordwork import RecordTask, code_of, work
from verifier.workers import WorkerPool, default_jobs

__all__ = ["AHEAD", "CHUNK", "RecordAudit", "default_jobs"]

CHUNK = 64
"""Records per task sent to a worker."""

AHEAD = 4
"""Chunks per worker handed out before the oldest is judged: enough to keep every worker busy while the
auditing process reads, hashes and judges, few enough to bound what is held in memory."""


@dataclass
class _Run:
    """Consecutive entries handed over together: each either answered already (a problem, or None for an
    entry with no record) or a task whose outcome comes, in order, from ``outcomes`` or ``future``."""

    slots: list[AuditProblem | RecordTask | None]
    future: Future[tuple[float, list[Prepared | AuditProblem]]] | None = None
    outcomes: list[Prepared | AuditProblem] | None = None
    tasks: list[RecordTask] = field(default_factory=list)


def _record_digest(entry: bytes) -> str | AuditProblem | None:
    """The digest a leaf record names; None for an entry that is no record (left to the tree checks)."""
    if not entry.startswith(b"{"):
        return None  # every JSON object starts so; a record is JCS, with no leading space
    try:
        data = json.loads(entry)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "credential" not in data or data.get("v") != RECORD_VERSION:
        return None
    digest = data["credential"]
    if not isinstance(digest, str) or DIGEST.fullmatch(digest) is None:
        return AuditProblem(AuditRecordError.code, None, f"the record names no credential digest: {digest!r}")
    return digest


class RecordAudit:
    """Checks every record's credential and its signer's authority (module docstring).

    Use it as a context manager (the worker processes end with it), give it to ``verifier.audit.audit_log``
    as ``record_replay``; ``records`` then counts the records checked and ``known_records`` those rebuilt
    from an earlier audit.
    """

    def __init__(self, registrar: bytes, credentials: CredentialSource, *, jobs: int | None = None) -> None:
        """Judge against the registry whose trust anchor is ``registrar`` (the registrar's first raw Ed25519
        public key), reading credentials from ``credentials``, with ``jobs`` worker processes (default: every
        core; 1 checks in this process)."""
        self.registry = RegistryState.genesis(registrar)
        self.documents = DocumentIndex()
        self.credentials = credentials
        self.records = 0
        self.known_records = 0
        self._seen: dict[bytes, int] = {}
        self._queue: deque[tuple[_Run, bool]] = deque()
        self._pool = WorkerPool(jobs, preload=["verifier.recordwork"])

    @property
    def jobs(self) -> int:
        """The worker processes checking credentials (1: this process; it drops to 1 if a worker dies)."""
        return self._pool.jobs

    def __enter__(self) -> RecordAudit:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the worker processes (idempotent)."""
        for run, _ in self._queue:
            if run.future is not None:
                run.future.cancel()
        self._queue.clear()
        self._pool.close()

    # --- the RecordReplay protocol ------------------------------------------------------------------------

    def known(self, first: int, entries: Sequence[bytes]) -> Sequence[AuditProblem]:
        """Records an earlier audit verified: classified and judged, to rebuild the registry and documents."""
        return self._hand_over(first, entries, verify=False)

    def check(self, first: int, entries: Sequence[bytes]) -> Sequence[AuditProblem]:
        """New records: verified and judged; returns the problems of every record judged so far."""
        return self._hand_over(first, entries, verify=True)

    def finish(self) -> Sequence[AuditProblem]:
        """Judge every record handed over and not judged yet; their problems."""
        problems: list[AuditProblem] = []
        while self._queue:
            self._judge_oldest(problems)
        return problems

    # --- handing over and judging -------------------------------------------------------------------------

    def _hand_over(self, first: int, entries: Sequence[bytes], verify: bool) -> list[AuditProblem]:
        problems: list[AuditProblem] = []
        for start in range(0, len(entries), CHUNK):
            self._submit(first + start, entries[start : start + CHUNK], verify)
            # Judge what is ready; wait for the oldest only when enough is handed out.
            while self._queue and (self._ready(self._queue[0][0]) or len(self._queue) > AHEAD * self.jobs):
                self._judge_oldest(problems)
        return problems

    def _submit(self, first: int, entries: Sequence[bytes], verify: bool) -> None:
        slots: list[AuditProblem | RecordTask | None] = []
        wanted: list[str] = []
        for offset, entry in enumerate(entries):
            digest = _record_digest(entry)
            if isinstance(digest, AuditProblem):
                slots.append(AuditProblem(digest.code, first + offset, digest.message))
            elif digest is None:
                slots.append(None)
            else:
                slots.append(RecordTask(first + offset, entry, digest, None))
                wanted.append(digest)
        bodies = self.credentials.credentials(wanted) if wanted else {}
        tasks = []
        for i, slot in enumerate(slots):
            if isinstance(slot, RecordTask):
                slots[i] = slot = RecordTask(slot.index, slot.entry, slot.digest, bodies.get(slot.digest))
                tasks.append(slot)
        run = _Run(slots, tasks=tasks)
        if tasks:
            run.future = self._pool.submit(work, tasks, verify)
        if run.future is None:
            run.outcomes = work(tasks, verify)
        self._queue.append((run, verify))

    @staticmethod
    def _ready(run: _Run) -> bool:
        return run.future is None or run.future.done()

    def _judge_oldest(self, problems: list[AuditProblem]) -> None:
        run, verify = self._queue.popleft()
        done = run.outcomes
        if run.future is not None:
            try:
                done = self._pool.result(run.future)
            except BrokenProcessPool:  # a worker died: the rest is checked here, with the same outcomes
                done = work(run.tasks, verify)
        outcomes = iter(done or ())
        for slot in run.slots:
            if slot is None:
                continue
            if isinstance(slot, AuditProblem):
                problems.append(slot)
                continue
            if verify:
                self.records += 1
            else:
                self.known_records += 1
            outcome = next(outcomes)
            if isinstance(outcome, AuditProblem):
                problems.append(outcome)
            else:
                problems.extend(self._judge(slot, outcome))

    def _judge(self, task: RecordTask, prepared: Prepared) -> list[AuditProblem]:
        index = task.index
        key = bytes.fromhex(task.digest.removeprefix("sha256:"))
        earlier = self._seen.get(key)
        if earlier is not None:
            message = f"the credential {task.digest} was recorded already, at index {earlier}"
            return [AuditProblem.of(AuditRecordError(message, index=index))]
        try:
            registry, resolved, effects = judge(self.registry, self.documents, prepared, index)
        except Exception as e:
            code = code_of(e)
            message = f"the {prepared.kind} {task.digest} may not be logged here: {' '.join(str(e).split())}"
            return [AuditProblem(AuditAuthorityError.code, index, f"{message} ({code})", code)]
        if resolved.record != task.entry:
            message = f"the entry is not the record the credential {task.digest} makes"
            return [AuditProblem.of(AuditRecordError(message, index=index))]
        self._seen[key] = index
        self.registry = registry
        for effect in effects:
            self.documents.apply(effect)
        return []
