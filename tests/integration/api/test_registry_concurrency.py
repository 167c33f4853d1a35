"""Submitting at once, on SQLite and PostgreSQL (api/submission.py): two submitters whose entries one
sequence() call takes into one batch, ``log append`` and the pipeline sharing one pending queue, a registry
read racing a batch, threads sharing one Pipeline, and two spawned processes each with its own Pipeline; every
view equals the registry replayed from the log alone."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select

from api import logservice, submission
from api.submission import Submitted, open_pipeline
from identifiers.registry import replay
from identifiers.registry_ops import RegistryOperation as Op
from ledger.hashing import leaf_hash
from ledger.storage.orm import Pending
from ledger.storage.store import size_of
from passport.document import SignedDocument
from passport.records import prepare, registry_operation
from tests.integration.api.registry_support import (
    CERT_BODY,
    SUPPLIER,
    Installation,
    checkpoint_sizes,
    install,
    logged_registry,
    new_key,
    pub,
    registry_json,
    replayed,
    signed,
    submit_worker,
    tables,
    two_keyed_org,
    uscc,
)


@pytest.fixture
def inst(tmp_path: Path, db_url: str) -> Installation:
    return install(tmp_path / "home", db_url)


def enqueue(inst: Installation, raw: bytes) -> int:
    """What Sequencer.append's first transaction does for one document (prepared as Pipeline.submit
    prepares it): insert it as a pending row, committed, without sequencing it."""
    prepared = prepare(raw)
    assert prepared.record is not None
    return enqueue_entry(inst, prepared.record, prepared.document.canonical)


def enqueue_entry(inst: Installation, entry: bytes, attachment: bytes | None) -> int:
    """Insert one pending row as Sequencer.append does (a raw ``log append`` entry has no attachment)."""
    with inst.log.store.engine.begin() as conn:
        row = {
            "data": entry,
            "attachment": attachment,
            "leaf_hash": leaf_hash(entry),
            "submitted": datetime.now(UTC),
            "done": False,
        }
        return int(conn.execute(insert(Pending).returning(Pending.id), row).scalar_one())


def outcomes(inst: Installation) -> dict[int, tuple[bool, int | None, str | None]]:
    """Every pending row's outcome, by id."""
    with inst.log.store.engine.connect() as conn:
        return {
            r.id: (r.done, r.idx, r.refused_code)
            for r in conn.execute(select(Pending.id, Pending.done, Pending.idx, Pending.refused_code))
        }


@pytest.mark.parametrize("revocation_first", [True, False])
def test_two_submitters_in_one_batch_are_judged_at_their_own_indices(
    inst: Installation, revocation_first: bool
) -> None:
    """Two submitters (each with its own pipeline and registry cache, as two API processes have) leave their
    entries pending; one sequence() call takes both into one batch, in submission order."""
    revocation, by_revoked, n = two_keyed_org(inst)
    other = open_pipeline(inst.log)
    first, second = (revocation, by_revoked) if revocation_first else (by_revoked, revocation)
    ids = [enqueue(inst, first), enqueue(inst, second)]
    logged = inst.log.sequencer(other.admit, other.store_accepted).sequence()
    rows = outcomes(inst)
    by_doc = dict(zip((first, second), (rows[i] for i in ids), strict=True))
    if revocation_first:
        assert logged == 1
        assert by_doc == {revocation: (True, n, None), by_revoked: (True, None, "registry.not_authorised")}
        assert checkpoint_sizes(inst.log)[-1] == n + 1
    else:
        assert logged == 2
        assert by_doc == {by_revoked: (True, n, None), revocation: (True, n + 1, None)}
        assert checkpoint_sizes(inst.log)[-2:] == [n, n + 2]
    # Both processes' views, and the log alone, agree.
    assert inst.pipeline.registry_state() == other.registry_state() == replayed(inst.log)


def test_raw_appends_and_documents_are_judged_alike_whoever_sequences_them(inst: Installation) -> None:
    """``carbontrail log append`` (logservice.append) and the pipeline share one pending queue, and a batch
    takes every pending row. Whichever of them sequences a row, it must get the same judgement: a document
    is judged and stored, a raw entry (no document) is logged as ``log append`` logs it."""
    good = signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]), inst.registrar)
    bad = signed(Op.register_organisation(CERT_BODY, "Verifier", ["certification-body"]), new_key())
    ids = [enqueue(inst, good), enqueue(inst, bad)]
    assert [r.index for r in logservice.append(inst.log, [b"raw entry"])] == [1]
    rows = outcomes(inst)
    assert [rows[i] for i in ids] == [(True, 0, None), (True, None, "registry.not_registrar")]
    t = tables(inst.log)
    assert (t.size, t.credentials, t.documents) == (2, 1, 1)
    assert [o.uscc for o in inst.pipeline.registry_state().organisations()] == [SUPPLIER]

    raw = enqueue_entry(inst, b"raw entry 2", None)
    later = signed(Op.register_organisation(CERT_BODY, "Verifier", ["certification-body"]), inst.registrar)
    assert inst.pipeline.submit([later])[0].index == 3
    assert outcomes(inst)[raw] == (True, 2, None)
    assert inst.log.store.entry(2) == b"raw entry 2"
    t = tables(inst.log)
    assert (t.size, t.credentials, t.documents) == (4, 2, 2)
    assert inst.pipeline.registry_state().size == open_pipeline(inst.log).registry_state().size == 2

    # A raw entry posing as a leaf record would name a credential the store lacks: refused, stores nothing.
    record = prepare(signed(Op.suspend(SUPPLIER), inst.registrar)).record
    assert record is not None
    refused = logservice.append(inst.log, [record])[0]
    assert (refused.index, refused.refused_code) == (None, "api.no_document")
    assert tables(inst.log) == t


def test_two_processes_submitting_at_once_agree_with_the_log(inst: Installation) -> None:
    """Two spawned processes, each with its own Pipeline on the same database, submit at once: each one's
    registrations and key additions, plus racing entries (the same organisation, the same prefix) that only
    one of them can win. Every view equals the registry replayed from the log alone."""
    reg = inst.registrar
    shared = uscc(50)
    batches: list[list[bytes]] = []
    for p in range(2):
        docs = []
        for i in range(6):
            code = uscc(100 * (p + 1) + i)
            docs.append(signed(Op.register_organisation(code, f"Org {p}-{i}", ["supplier"]), reg))
            docs.append(signed(Op.add_keys(code, [pub(new_key())]), reg))
            if i == 2:
                # Both race to register the shared organisation (different names: different credentials),
                # then to bind one prefix to their own organisation.
                docs.append(signed(Op.register_organisation(shared, f"Shared by {p}", ["supplier"]), reg))
                docs.append(signed(Op.bind_prefixes(code, ["88.200.1"]), reg))
        batches.append(docs)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start, done = manager.Barrier(2), manager.Barrier(2)
        with ctx.Pool(2) as pool:
            futures = [
                pool.apply_async(
                    submit_worker, (str(inst.settings.home), inst.settings.db_url, docs, start, done)
                )
                for docs in batches
            ]
            results = [f.get(timeout=120) for f in futures]

    log_state = replayed(inst.log)
    entries = logged_registry(inst.log)
    assert [i for i, _, _ in entries] == list(range(tables(inst.log).size))
    accepted = sorted(i for outcomes, *_ in results for i, _ in outcomes if i is not None)
    assert accepted == list(range(len(accepted))) == [i for i, _, _ in entries]
    for (outcomes, last, mine, final), docs in zip(results, batches, strict=True):
        assert len(outcomes) == len(docs)
        # Its view when it finished is the log's registry up to that index; after both, all of it.
        assert mine == registry_json(replay(inst.log.registrar_genesis, [e for e in entries if e[0] <= last]))
        assert final == registry_json(log_state)
    codes = [code for outcomes, *_ in results for _, code in outcomes if code is not None]
    assert sorted(codes) == ["registry.org_exists", "registry.prefix_conflict"]
    holder = [o.uscc for o in log_state.organisations() if any(p.canonical == "88.200.1" for p in o.prefixes)]
    assert len(holder) == 1
    assert log_state.size == 13


def test_a_reader_racing_a_batch_does_not_replay_from_genesis(
    inst: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """registry_state() reads the log's size, then asks the cache; if batches advance the cache in between,
    the reader gets the newer (committed) state instead of the cache starting again from genesis."""
    for i in range(3):
        inst.logged(Op.register_organisation(uscc(10 + i), f"Org {i}", ["supplier"]))
    assert inst.pipeline.registry_state().size == 3
    parsed: list[SignedDocument] = []

    def size_then_two_batches(conn: Connection) -> int:
        size = size_of(conn)
        monkeypatch.setattr(submission, "size_of", size_of)
        inst.logged(Op.register_organisation(uscc(20), "Later", ["supplier"]))
        inst.logged(Op.register_organisation(uscc(21), "Later still", ["supplier"]))
        monkeypatch.setattr(submission, "registry_operation", counting)
        return size

    def counting(doc: SignedDocument) -> tuple[Op, bytes]:
        parsed.append(doc)
        return registry_operation(doc)

    monkeypatch.setattr(submission, "size_of", size_then_two_batches)
    state = inst.pipeline.registry_state()
    assert parsed == []
    # The cache's state as of the second batch's start: newer than the size read, and true of the log.
    assert (state.size, state.last_index) == (4, 3)
    assert state == replay(inst.log.registrar_genesis, [e for e in logged_registry(inst.log) if e[0] <= 3])


def test_threads_sharing_one_pipeline(inst: Installation) -> None:
    """The API's worker threads share one Pipeline (its registry cache and its batch hand-over between
    admission and the accept hook): submitting at once, each entry is judged and stored exactly once."""
    shared = uscc(60)
    docs = [
        [
            *(
                signed(
                    Op.register_organisation(uscc(200 + 10 * t + i), f"T{t}-{i}", ["supplier"]),
                    inst.registrar,
                )
                for i in range(4)
            ),
            signed(Op.register_organisation(shared, f"Shared by {t}", ["supplier"]), inst.registrar),
        ]
        for t in range(4)
    ]
    start = threading.Barrier(4)

    def run(mine: list[bytes]) -> list[Submitted]:
        start.wait(timeout=30)
        return [o for raw in mine for o in inst.pipeline.submit([raw])]

    with ThreadPoolExecutor(4) as pool:
        results = [o for outs in pool.map(run, docs) for o in outs]
    assert sorted(o.code for o in results if o.code is not None) == ["registry.org_exists"] * 3
    assert sorted(o.index for o in results if o.index is not None) == list(range(17))
    t = tables(inst.log)
    assert (t.size, t.credentials, t.documents, t.pending) == (17, 17, 17, 0)
    assert inst.pipeline.registry_state() == replayed(inst.log)
