"""The registry through the real submission pipeline, on SQLite and PostgreSQL (api/submission.py,
docs/registry.md): every action replayed, authority judged at each entry's exact index (also inside one
batch), refusals that store nothing, idempotency, all or nothing per document (concurrent submitters are in
test_registry_concurrency.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from api.orm import Credential, Document
from api.submission import Submitted, open_pipeline
from identifiers.registry_ops import RegistryOperation as Op
from passport.document import SignedDocument, canonical_json
from tests.integration.api.registry_support import (
    CERT_BODY,
    SUPPLIER,
    Installation,
    checkpoint_sizes,
    did,
    install,
    logged_registry,
    new_key,
    pub,
    replayed,
    signed,
    tables,
    two_keyed_org,
    unknown_kind,
    uscc,
)


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
        "unknown-kind": (unknown_kind(), "passport.unknown_kind"),
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


def test_a_route_refuses_other_kinds_before_logging(inst: Installation) -> None:
    """A route per resource (POST /registry takes registry entries) passes the kinds it takes: a document of
    another kind is refused before it reaches the log, not logged and then refused."""
    raw = signed(Op.register_organisation(SUPPLIER, "Cells", ["supplier"]), inst.registrar)
    before = tables(inst.log)
    refused = inst.pipeline.submit([raw], kinds={"attestation"})[0]
    assert (refused.index, refused.code) == (None, "api.wrong_kind")
    assert tables(inst.log) == before
    assert inst.pipeline.submit([raw], kinds={"registry"})[0].index == 0
