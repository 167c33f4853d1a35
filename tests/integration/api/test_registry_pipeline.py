"""The registry through the real submission pipeline, on SQLite and PostgreSQL (api/submission.py,
docs/registry.md): every action replayed, authority judged at each entry's exact index (also inside one
batch), refusals that store nothing, idempotency, and two processes submitting at once."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select

from api import logservice, submission
from api.documents import prepare
from api.orm import Credential, Document
from api.submission import Submitted, open_pipeline
from identifiers.multikey import did_key_verification_method
from identifiers.registry import replay
from identifiers.registry_ops import RegistryOperation as Op
from ledger.hashing import leaf_hash
from ledger.storage.orm import Pending
from ledger.storage.store import size_of
from passport.dataintegrity import EDDSA_JCS_2022, sign_credential
from passport.document import SignedDocument, canonical_json
from passport.registry import parse_registry_entry
from tests.integration.api.registry_support import (
    VALID_FROM,
    Installation,
    checkpoint_sizes,
    did,
    install,
    logged_registry,
    new_key,
    pub,
    registry_json,
    replayed,
    signed,
    submit_worker,
    tables,
    uscc,
)

SUPPLIER, CERT_BODY = uscc(1), uscc(2)


@pytest.fixture
def inst(tmp_path: Path, db_url: str) -> Installation:
    return install(tmp_path / "home", db_url)


def test_every_action_replays_with_its_log_index(inst: Installation) -> None:
    a1, a2, a3, c1 = new_key(), new_key(), new_key(), new_key()
    at = {
        "register": inst.logged(
            Op.register_organisation(
                SUPPLIER, "Jiangsu Cells", ["supplier"], prefixes=["88.118.8"], keys=[pub(a1)]
            )
        ),
        "register-cb": inst.logged(
            Op.register_organisation(CERT_BODY, "Verifier Co", ["certification-body"], keys=[pub(c1)])
        ),
        "add-key": inst.logged(Op.add_keys(SUPPLIER, [pub(a2)])),
        "bind": inst.logged(Op.bind_prefixes(SUPPLIER, ["gs1:4712345"])),
        "unbind": inst.logged(Op.unbind_prefixes(SUPPLIER, ["88.118.8"])),
        "rotate": inst.logged(Op.rotate_key(SUPPLIER, pub(a3), pub(a1))),
        # The organisation revokes one of its keys with another of its own.
        "self-revoke": inst.logged(Op.revoke_key(SUPPLIER, pub(a2), "laptop lost"), a3),
        "suspend": inst.logged(Op.suspend(SUPPLIER, "audit")),
        "reinstate": inst.logged(Op.reinstate(SUPPLIER)),
        "blacklist": inst.logged(Op.blacklist(CERT_BODY, "falsified audits")),
    }
    assert list(at.values()) == list(range(10))

    r2 = new_key()
    at["rotate-registrar"] = inst.logged(Op.rotate_registrar_key(pub(r2)))
    before = tables(inst.log)
    old = inst.submit(Op.bind_prefixes(SUPPLIER, ["88.118.9"]))
    assert (old.index, old.code) == (None, "registry.not_registrar")
    assert tables(inst.log) == before
    at["new-registrar"] = inst.logged(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), r2)
    assert at["new-registrar"] == 11

    state = inst.pipeline.registry_state()
    # The new registrar key signs from the entry after its rotation.
    assert state.registrar_keys() == ((-1, pub(inst.registrar)), (at["rotate-registrar"] + 1, pub(r2)))
    view = state.organisation(SUPPLIER)
    assert [p.canonical for p in view.prefixes] == ["gs1:4712345", "88.118.9"]
    keys = {k.did_key: (k.added_at, k.revoked_at, k.reason) for k in view.keys}
    assert keys == {
        did(a1): (at["register"], at["rotate"], "rotated"),
        did(a2): (at["add-key"], at["self-revoke"], "laptop lost"),
        did(a3): (at["rotate"], None, None),
    }
    assert not view.suspended
    assert [(e.index, e.operation.action.value) for e in view.history] == [
        (at["register"], "register-organisation"),
        (at["add-key"], "add-key"),
        (at["bind"], "bind-prefix"),
        (at["unbind"], "unbind-prefix"),
        (at["rotate"], "rotate-key"),
        (at["self-revoke"], "revoke-key"),
        (at["suspend"], "suspend-organisation"),
        (at["reinstate"], "reinstate-organisation"),
        (at["new-registrar"], "bind-prefix"),
    ]
    assert view.history[5].signer == pub(a3)
    assert view.history[8].signer == pub(r2)
    assert state.organisation(CERT_BODY).blacklisted_at == at["blacklist"]

    # The log alone (records -> stored credentials -> replay) gives the same registry, and so does a new
    # pipeline whose cache starts empty.
    assert replayed(inst.log) == state
    assert open_pipeline(inst.log).registry_state() == state
    # Every log record commits to its stored credential, and the document index agrees with it.
    with inst.log.store.engine.connect() as conn:
        documents = conn.execute(
            select(
                Document.log_index, Document.digest, Document.kind, Document.subject, Document.issuer
            ).order_by(Document.log_index)
        ).all()
    assert [d.log_index for d in documents] == list(range(12))
    for d in documents:
        record = json.loads(inst.log.store.entry(d.log_index))
        assert (record["credential"], record["kind"], record["issuer"]) == (d.digest, d.kind, d.issuer)
        assert record["subject"] == d.subject
    assert documents[at["rotate-registrar"]].subject == "registrar"
    assert documents[at["self-revoke"]].issuer == did(a3)


def two_keyed_org(inst: Installation) -> tuple[bytes, bytes, int]:
    """Register the supplier with keys k1, k2; return its revocation of k1 by the registrar (R) and the
    revocation of k2 signed by k1 (E: an entry whose authority R takes away), and the log size."""
    k1, k2 = new_key(), new_key()
    inst.logged(
        Op.register_organisation(
            SUPPLIER, "Cells", ["supplier"], prefixes=["88.118.8"], keys=[pub(k1), pub(k2)]
        )
    )
    revocation = signed(Op.revoke_key(SUPPLIER, pub(k1), "compromised"), inst.registrar)
    by_revoked = signed(Op.revoke_key(SUPPLIER, pub(k2)), k1)
    return revocation, by_revoked, tables(inst.log).size


def test_revocation_in_the_same_batch_refuses_what_follows_it(inst: Installation) -> None:
    revocation, by_revoked, n = two_keyed_org(inst)
    before = tables(inst.log)
    out = inst.pipeline.submit([revocation, by_revoked])
    assert (out[0].index, out[0].code) == (n, None)
    assert (out[1].index, out[1].code) == (None, "registry.not_authorised")
    # One batch: one checkpoint, at n + 1; the refused entry left no row anywhere.
    assert checkpoint_sizes(inst.log)[-2:] == [n, n + 1]
    after = tables(inst.log)
    assert (after.size, after.credentials, after.documents) == (n + 1, before.credentials + 1, n + 1)
    keys = inst.pipeline.registry_state().organisation(SUPPLIER).keys
    assert [k.revoked_at for k in keys] == [n, None]


def test_revocation_in_the_same_batch_leaves_what_precedes_it(inst: Installation) -> None:
    revocation, by_revoked, n = two_keyed_org(inst)
    out = inst.pipeline.submit([by_revoked, revocation])
    assert [(o.index, o.code) for o in out] == [(n, None), (n + 1, None)]
    assert checkpoint_sizes(inst.log)[-2:] == [n, n + 2]
    keys = inst.pipeline.registry_state().organisation(SUPPLIER).keys
    assert [k.revoked_at for k in keys] == [n + 1, n]
    assert replayed(inst.log) == inst.pipeline.registry_state()


def enqueue(inst: Installation, raw: bytes) -> int:
    """What Sequencer.append's first transaction does for one document (prepared as Pipeline.submit
    prepares it): insert it as a pending row, committed, without sequencing it."""
    prepared = prepare(raw)
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
    refused = logservice.append(inst.log, [record])[0]
    assert (refused.index, refused.refused_code) == (None, "api.no_document")
    assert tables(inst.log) == t


def test_registrar_rotation_in_the_same_batch(inst: Installation) -> None:
    r2 = new_key()
    inst.logged(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]))
    rotation = signed(Op.rotate_registrar_key(pub(r2)), inst.registrar)
    by_old = signed(Op.bind_prefixes(SUPPLIER, ["88.118.8"]), inst.registrar)
    by_new = signed(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), r2)
    out = inst.pipeline.submit([by_new, by_old, rotation, by_old, by_new])
    assert [(o.index, o.code, o.duplicate) for o in out] == [
        (None, "registry.not_registrar", False),
        (1, None, False),
        (2, None, False),
        (1, None, True),
        (None, "registry.not_registrar", False),
    ]
    # by_new was refused before the rotation in this batch; on its own, after it, it is accepted.
    assert inst.pipeline.submit([by_new])[0].index == 3


def tampered(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["credentialSubject"]["prefixes"] = ["88.118.7"]
    return canonical_json(data)


def unknown_kind() -> bytes:
    key = new_key()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "Advertisement"],
        "issuer": did(key),
        "validFrom": VALID_FROM,
        "credentialSubject": {"id": "did:web:example.com"},
    }
    return sign_credential(
        credential, key, did_key_verification_method(pub(key)), cryptosuite=EDDSA_JCS_2022
    ).raw


def test_refusals_have_stable_codes_and_store_nothing(inst: Installation) -> None:
    """Each refusal (one installation for all, to keep the suite fast) leaves every table as it was."""
    k1, k2, stranger = new_key(), new_key(), new_key()
    inst.logged(
        Op.register_organisation(
            SUPPLIER, "Cells", ["supplier"], prefixes=["88.118.8"], keys=[pub(k1), pub(k2)]
        )
    )
    inst.logged(Op.revoke_key(SUPPLIER, pub(k1)))
    documents: dict[str, tuple[bytes, str]] = {
        "unregistered-key-registrar-action": (
            signed(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), stranger),
            "registry.not_registrar",
        ),
        "unregistered-key-revocation": (
            signed(Op.revoke_key(SUPPLIER, pub(k2)), stranger),
            "registry.not_authorised",
        ),
        "revoked-key": (signed(Op.revoke_key(SUPPLIER, pub(k2)), k1), "registry.not_authorised"),
        "org-key-for-registrar-action": (
            signed(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), k2),
            "registry.not_registrar",
        ),
        "tampered": (
            tampered(signed(Op.bind_prefixes(SUPPLIER, ["88.118.9"]), inst.registrar)),
            "passport.proof_invalid",
        ),
        "unknown-kind": (unknown_kind(), "api.unknown_kind"),
        "malformed-json": (b'{"@context": [', "passport.malformed"),
        "not-a-credential": (b"[1, 2, 3]", "passport.malformed"),
        "conflict": (
            signed(Op.register_organisation(SUPPLIER, "Cells again", ["supplier"]), inst.registrar),
            "registry.org_exists",
        ),
    }
    before, state = tables(inst.log), inst.pipeline.registry_state()
    for case, (raw, code) in documents.items():
        outcome = inst.pipeline.submit([raw])[0]
        assert (outcome.index, outcome.code, outcome.accepted) == (None, code, False), case
        assert outcome.message, case
        assert tables(inst.log) == before, case
    assert inst.pipeline.registry_state() == state
    assert open_pipeline(inst.log).registry_state() == state


def test_resubmission_gets_the_first_index_and_stores_once(inst: Installation) -> None:
    raw = signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]), inst.registrar)
    first = inst.pipeline.submit([raw])[0]
    assert (first.index, first.duplicate) == (0, False)
    again = inst.pipeline.submit([raw, raw])
    assert [(o.index, o.duplicate, o.digest) for o in again] == [(0, True, first.digest)] * 2
    # A registration that a second submission would refuse (org_exists) is a duplicate, not a refusal.
    assert open_pipeline(inst.log).submit([raw])[0] == Submitted(0, first.digest, "registry", duplicate=True)
    t = tables(inst.log)
    assert (t.size, t.credentials, t.documents, t.pending) == (1, 1, 1, 0)
    with inst.log.store.engine.connect() as conn:
        body = conn.execute(select(Credential.body)).scalar_one()
    assert body == SignedDocument.from_bytes(raw).canonical
    assert first.digest == "sha256:" + hashlib.sha256(body).hexdigest()


def test_a_batch_is_all_or_nothing_per_document(inst: Installation) -> None:
    k = new_key()
    docs = [
        signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"], keys=[pub(k)]), inst.registrar),
        signed(Op.add_keys(uscc(9), [pub(new_key())]), inst.registrar),  # unknown organisation
        b"not json at all",
        signed(Op.bind_prefixes(SUPPLIER, ["88.118.8"]), inst.registrar),
        signed(Op.bind_prefixes(SUPPLIER, ["88.118.8.1"]), inst.registrar),  # nests in the one just bound
        signed(Op.register_organisation(CERT_BODY, "Verifier", ["certification-body"]), inst.registrar),
    ]
    out = inst.pipeline.submit(docs)
    assert [(o.index, o.code) for o in out] == [
        (0, None),
        (None, "registry.unknown_org"),
        (None, "passport.malformed"),
        (1, None),
        (None, "registry.prefix_conflict"),
        (2, None),
    ]
    t = tables(inst.log)
    assert (t.size, t.credentials, t.documents) == (3, 3, 3)
    assert [i for i, _, _ in logged_registry(inst.log)] == [0, 1, 2]
    assert replayed(inst.log) == inst.pipeline.registry_state()


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
        monkeypatch.setattr(submission, "parse_registry_entry", counting)
        return size

    def counting(doc: SignedDocument) -> tuple[Op, bytes]:
        parsed.append(doc)
        return parse_registry_entry(doc)

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


def test_a_route_refuses_other_kinds_before_logging(inst: Installation) -> None:
    """A route per resource (POST /registry takes registry entries) passes the kinds it takes: a document of
    another kind is refused before it reaches the log, not logged and then refused."""
    raw = signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]), inst.registrar)
    before = tables(inst.log)
    refused = inst.pipeline.submit([raw], kinds={"attestation"})[0]
    assert (refused.index, refused.code) == (None, "api.wrong_kind")
    assert tables(inst.log) == before
    assert inst.pipeline.submit([raw], kinds={"registry"})[0].index == 0
