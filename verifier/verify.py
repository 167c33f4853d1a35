"""Offline verification of a bundle under the verifier's trust anchors (docs/verify.md): every check, named,
with its code, collected into a :class:`~verifier.report.Report`.

The steps, in order:

1. the bundle's checkpoint opens with the policy's log key (``checkpoint``) and meets its witness quorum
   (``quorum``; the newest counted cosignature time is the report's "as of");
2. each record on its own (:mod:`verifier.documents`): ``inclusion`` under that checkpoint, ``digest``,
   ``signature``, ``contexts``; for a bundle of at least :data:`PARALLEL_FROM` credentials, their parsing and
   proofs (the bulk of the work) run in worker processes first (:class:`~verifier.workers.WorkerPool`, in
   chunks of :data:`CHUNK`), with the outcomes the in-process path gives;
3. the replay in log order from the registrar's key (:mod:`verifier.replay`): ``authority`` and ``record``;
4. the older checkpoints the passports' embedded receipts name, proven consistent with the bundle's
   (``consistency``);
5. per attestation and passport: ``status``; per attestation ``endorsements``; per passport ``link``,
   ``rollup`` and ``grade`` (:mod:`verifier.passports`);
6. the provenance tree (:mod:`verifier.tree`).

Nothing the bundle says of itself is trusted: the policy and the registrar key are the caller's.
"""

from __future__ import annotations

import base64
import contextlib
import hmac

from ledger.errors import LedgerError
from ledger.hashing import HASH_SIZE
from ledger.policy import Policy
from ledger.verify import verify_consistency
from passport.contexts import DEFAULT_STORE, ContextStore
from passport.dpp_parse import Passport
from passport.records import KIND_ATTESTATION, KIND_PASSPORT
from verifier.anchors import NoteCache, judge_quorum, open_log_note
from verifier.bundle import Bundle
from verifier.checks import UNDECIDED, not_checked, run
from verifier.documents import Doc, Outcome, check_body, check_inclusion, prepare_bodies
from verifier.errors import (
    BundleError,
    CheckpointError,
    ConsistencyError,
    GradeError,
    LinkError,
    QuorumError,
    RollupError,
    VerifyError,
)
from verifier.passports import Consistent, check_grade, check_links, check_rollup
from verifier.replay import check_endorsements, check_status, replay, withheld_attestations
from verifier.report import Check, Judged, Report, Status
from verifier.tree import build_tree
from verifier.workers import Batch, WorkerPool

__all__ = ["CHUNK", "PARALLEL_FROM", "verify_bundle"]

PARALLEL_FROM = 64
"""Credentials from which a bundle's are prepared in worker processes (fewer: starting workers costs more
than it saves)."""

CHUNK = 32
"""Credentials per task sent to a worker."""

PRELOAD = ("verifier.documents",)
"""What the workers' fork server imports once: the passport modules ``prepare`` needs."""


def _consistency(bundle: Bundle, docs: list[Doc], notes: NoteCache) -> tuple[Consistent, str]:
    """Prove every older checkpoint the passports' embedded receipts name consistent with the bundle's.

    Raises:
        ConsistencyError: a size with no proof, a proof that does not verify, two roots for one size.
    """
    _, head = bundle.note()
    roots: dict[int, bytes] = {head.size: head.root}
    older: dict[int, bytes] = {}
    for doc in docs:
        claim = None if doc.prepared is None else doc.prepared.claim
        if not isinstance(claim, Passport):
            continue
        for link in claim.components:
            if link.receipt is None:
                continue
            try:
                checkpoint = notes.open(notes.receipt(link.receipt).checkpoint)
            except (LedgerError, VerifyError):
                continue  # the link check reports it, on the passport concerned
            seen = older.setdefault(checkpoint.size, checkpoint.root)
            if not hmac.compare_digest(seen, checkpoint.root):
                raise ConsistencyError(
                    f"two checkpoints of size {checkpoint.size} with different roots (a fork)"
                )
    proofs = {c.size: c.proof for c in bundle.consistency}
    for size, root in sorted(older.items()):
        if size == head.size:
            if not hmac.compare_digest(root, head.root):
                raise ConsistencyError(
                    f"an embedded checkpoint of size {size} has another root than the bundle's"
                )
            continue
        proof = proofs.get(size)
        if proof is None:
            raise ConsistencyError(
                f"no consistency proof from size {size} to {head.size}", field="/consistency"
            )
        try:
            verify_consistency(size, head.size, root, head.root, proof)
        except LedgerError as e:
            raise ConsistencyError(f"size {size} to {head.size}: {e}", field="/consistency") from e
        roots[size] = root
    assert all(len(r) == HASH_SIZE for r in roots.values())
    return Consistent(roots), f"{len(older)} older checkpoint(s) proven consistent"


def _root(bundle: Bundle, by_digest: dict[str, Doc]) -> str:
    """The bundle names a root passport it carries, of the product it names."""
    root = by_digest.get(bundle.passport)
    if root is None or root.fields.kind != KIND_PASSPORT:
        raise BundleError(f"the bundle carries no passport record {bundle.passport}", field="/passport")
    if root.fields.subject != bundle.product:
        raise BundleError(
            f"the root passport is of {root.fields.subject}, not {bundle.product}", field="/product"
        )
    return f"{len(bundle.records)} records, {len(bundle.credentials)} credentials"


def _passport_checks(
    doc: Doc, passport: Passport, by_digest: dict[str, Doc], notes: NoteCache, c: Consistent
) -> None:
    digest = doc.digest
    doc.add(run("link", LinkError.code, digest, lambda: check_links(passport, by_digest, notes, c)))
    doc.add(run("rollup", RollupError.code, digest, lambda: check_rollup(passport, by_digest)))
    if passport.benchmark is not None:
        doc.add(run("grade", GradeError.code, digest, lambda: check_grade(passport, by_digest)))


def _start(docs: list[Doc], pool: WorkerPool | None) -> Batch[tuple[str, bytes], Outcome] | None:
    """Hand the documents' bodies to worker processes (None when the bundle is small, or one job is asked)."""
    items = [(doc.digest, doc.body) for doc in docs if doc.body is not None]
    if len(items) < PARALLEL_FROM or pool is None or pool.jobs == 1:
        return None
    return pool.start(prepare_bodies, items, CHUNK)


def _ready(docs: list[Doc], batch: Batch[tuple[str, bytes], Outcome] | None) -> list[Outcome | None]:
    """Each document's outcome from the workers, in order (None: none came, the document does it itself)."""
    if batch is None:
        return [None] * len(docs)
    outcomes = iter(batch.results())
    return [None if doc.body is None else next(outcomes) for doc in docs]


def verify_bundle(
    bundle: Bundle,
    policy: Policy,
    registrar: bytes,
    *,
    contexts: ContextStore = DEFAULT_STORE,
    jobs: int | None = None,
    pool: WorkerPool | None = None,
) -> Report:
    """Verify a parsed bundle under a tlog-policy and the registrar's first public key (module docstring).

    Verification never raises for what the bundle holds: every failure is a failed check of the report,
    with its code, document and field. ``contexts`` is the store of pinned context files (an operator may
    install one with its own directory). A bundle of :data:`PARALLEL_FROM` credentials or more has them
    prepared by ``jobs`` processes (default: every core; 1: this process alone): this one and ``jobs - 1``
    workers started for this call and ended before it returns, or ``pool``'s (the caller's, left open;
    ``jobs`` is then ignored). The report is the same either way; a worker that dies only moves its work
    back to this process.
    """
    note, head = bundle.note()
    checks: list[Check] = []

    def checkpoint() -> str:
        open_log_note(note, head, policy)
        return f"{head.origin}, size {head.size}"

    checkpoint_check = run("checkpoint", CheckpointError.code, None, checkpoint)
    checks.append(checkpoint_check)
    as_of: list[int | None] = [None]

    def quorum() -> str:
        as_of[0] = judge_quorum(note, policy)
        return f"quorum {policy.quorum!r} met"

    checks.append(run("quorum", QuorumError.code, None, quorum))
    notes = NoteCache(policy)
    if checkpoint_check.status is Status.PASSED:
        notes.seed(bundle.checkpoint, head)
    # 2. Each record on its own.
    docs = [Doc(r, r.fields(), bundle.credentials.get(r.fields().credential)) for r in bundle.records]
    with contextlib.ExitStack() as stack:
        if pool is None and jobs != 1 and sum(doc.body is not None for doc in docs) >= PARALLEL_FROM:
            pool = stack.enter_context(WorkerPool(jobs, preload=PRELOAD, share=True))
        batch = _start(docs, pool)
        for doc in docs:  # while the workers prepare the bodies
            check_inclusion(doc, bundle.checkpoint, head)
        for doc, ready in zip(docs, _ready(docs, batch), strict=True):
            check_body(doc, full=bundle.full, store=contexts, ready=ready)
    # 3. The replay.
    state = replay(docs, registrar, full=bundle.full)
    by_digest: dict[str, Doc] = {}
    for doc in docs:
        by_digest.setdefault(doc.digest, doc)
    # 4. Consistency of the older checkpoints.
    consistent = Consistent({head.size: head.root})

    def consistency() -> str:
        nonlocal consistent
        consistent, message = _consistency(bundle, docs, notes)
        return message

    checks.append(run("consistency", ConsistencyError.code, None, consistency))
    # 5. Standing and passports.
    withheld = withheld_attestations(state, docs)
    for doc in docs:
        if doc.fields.kind in (KIND_ATTESTATION, KIND_PASSPORT):
            check_status(state, doc, withheld)
        if doc.fields.kind == KIND_ATTESTATION:
            check_endorsements(state, doc)
        if doc.fields.kind == KIND_PASSPORT:
            claim = None if doc.prepared is None else doc.prepared.claim
            if isinstance(claim, Passport):
                _passport_checks(doc, claim, by_digest, notes, consistent)
            else:
                for name in ("link", "rollup"):
                    doc.add(not_checked(name, UNDECIDED, "the passport did not verify", doc.digest))
    checks.insert(0, run("bundle", BundleError.code, None, lambda: _root(bundle, by_digest)))
    # 6. The tree.
    tree, others = build_tree(bundle.passport, docs, state)
    judged = Judged(head.origin, head.size, base64.b64encode(head.root).decode(), as_of[0])
    return Report(bundle.scope, bundle.product, judged, tuple(checks), tree, others=others)
