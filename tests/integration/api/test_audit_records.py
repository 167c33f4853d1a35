"""``carbontrail audit --registrar``: every record's credential and its signer's authority at its index, on a
log the submission pipeline built; and an operator's damage to records caught with its code and index: a
rewritten credential, a deleted credential, a swapped entry, a record its signer had no authority for, an old
entry changed after an audit. On SQLite, and one case on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from api.app import create_app
from api.cli import main
from api.orm import Credential
from api.settings import Settings
from api.submission import Submitted
from identifiers.multikey import did_key_from_public_key
from identifiers.registry_ops import RegistryOperation as Op
from passport.records import prepare
from tests.integration.api.attestation_support import (
    OTHER_PRODUCT,
    Parties,
    register_parties,
    signed_attestation,
    signed_endorsement,
    signed_revocation,
)
from tests.integration.api.registry_support import Installation, install, new_key, pub, signed, uscc
from tests.serving import served_app


@dataclass
class Built:
    """A log with records of every common kind, and where they are."""

    inst: Installation
    parties: Parties
    registrar: str
    first: Submitted  # the supplier's attestation of PRODUCT
    second: Submitted  # the other supplier's attestation of OTHER_PRODUCT
    revocation: Submitted  # of the first, naming no product
    endorsement: Submitted  # of the second

    @property
    def home(self) -> Path:
        return self.inst.settings.home

    @property
    def db(self) -> str:
        return self.inst.settings.db_url


def ok(outcome: Submitted) -> Submitted:
    assert outcome.index is not None, (outcome.code, outcome.message)
    return outcome


def build(home: Path, db_url: str) -> Built:
    inst = install(home, db_url, origin="audit.records.test/log")
    parties = register_parties(inst)
    pipeline = inst.pipeline
    first = ok(pipeline.submit([signed_attestation(parties.supplier)])[0])
    pipeline.append([b"a raw entry, not a record", b"another"])
    second = ok(pipeline.submit([signed_attestation(parties.other, product_id=OTHER_PRODUCT)])[0])
    assert first.digest is not None
    assert second.digest is not None
    revocation = ok(pipeline.submit([signed_revocation(parties.supplier, first.digest, product=None)])[0])
    endorsement = ok(pipeline.submit([signed_endorsement(parties.cert, second.digest, OTHER_PRODUCT)])[0])
    registrar = did_key_from_public_key(pub(inst.registrar))
    return Built(inst, parties, registrar, first, second, revocation, endorsement)


@pytest.fixture
def built(tmp_path: Path, sqlite_db: str) -> Built:
    return build(tmp_path / "home", sqlite_db)


def audit(capsys: pytest.CaptureFixture[str], b: Built, *extra: str) -> tuple[int, dict[str, object]]:
    status = main(
        ["audit", "--db", b.db, "--vkey", b.inst.vkey, "--registrar", b.registrar, "--json", *extra]
    )
    out = capsys.readouterr().out
    return status, json.loads(out)


def problems(report: dict[str, object]) -> list[tuple[str, int | None]]:
    listed = report["problems"]
    assert isinstance(listed, list)
    return [(p["code"], p["index"]) for p in listed]


def damage(b: Built, sql: str, *params: object) -> None:
    db = b.db.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        conn.execute(sql, params)


def test_clean_log_audits_clean(capsys: pytest.CaptureFixture[str], built: Built) -> None:
    status, report = audit(capsys, built, "--jobs", "1")
    assert (status, report["ok"], report["problems"]) == (0, True, [])
    # Four registry entries, two attestations, a revocation, an endorsement; the raw entries are not records.
    assert report["records"] == 8
    assert report["size"] == 10


def test_text_report_says_whether_records_were_checked(
    capsys: pytest.CaptureFixture[str], built: Built
) -> None:
    assert main(["audit", "--db", built.db, "--vkey", built.inst.vkey]) == 0
    assert "records not checked (no --registrar)" in capsys.readouterr().out
    key_file = built.home / "registrar.key"
    assert main(["audit", "--db", built.db, "--vkey", built.inst.vkey, "--registrar", str(key_file)]) == 0
    assert "8 records checked" in capsys.readouterr().out


def test_another_registrar_refuses_every_registry_entry(
    capsys: pytest.CaptureFixture[str], built: Built
) -> None:
    other = did_key_from_public_key(pub(new_key()))
    status, report = audit(capsys, built, "--registrar", other)
    assert status == 1
    listed = report["problems"]
    assert isinstance(listed, list)
    assert (listed[0]["code"], listed[0]["index"]) == ("audit.authority", 0)
    assert listed[0]["cause"].startswith("registry.")


def test_rewritten_credential(capsys: pytest.CaptureFixture[str], built: Built) -> None:
    # The operator swaps the attestation's body for another one its supplier signed: a valid credential, but
    # not the one the log recorded.
    other_body = prepare(signed_attestation(built.parties.supplier, geography="CN-ZJ")).document
    damage(built, "UPDATE credential SET body = ? WHERE digest = ?", other_body.canonical, built.first.digest)
    status, report = audit(capsys, built)
    assert status == 1
    # The revocation of the attestation no longer finds it: a consequence, at its own index.
    assert problems(report) == [
        ("audit.credential_digest", built.first.index),
        ("audit.authority", built.revocation.index),
    ]


def test_deleted_credential(capsys: pytest.CaptureFixture[str], built: Built) -> None:
    damage(built, "DELETE FROM credential WHERE digest = ?", built.second.digest)
    status, report = audit(capsys, built, "--jobs", "2")
    assert status == 1
    assert problems(report) == [
        ("audit.credential_missing", built.second.index),
        ("audit.authority", built.endorsement.index),
    ]


def test_swapped_entry(capsys: pytest.CaptureFixture[str], built: Built) -> None:
    # The second attestation's entry replaced by the first's record: the tree check names the entry, and the
    # record check finds a credential recorded twice.
    with sqlite3.connect(built.db.removeprefix("sqlite:///")) as conn:
        (record,) = conn.execute("SELECT data FROM log_entry WHERE idx = ?", (built.first.index,)).fetchone()
        conn.execute("UPDATE log_entry SET data = ? WHERE idx = ?", (record, built.second.index))
    status, report = audit(capsys, built)
    assert status == 1
    found = problems(report)
    assert ("audit.entry", built.second.index) in found
    assert ("audit.record", built.second.index) in found


def test_record_without_authority(capsys: pytest.CaptureFixture[str], built: Built) -> None:
    # The supplier's key signs for the other supplier's prefix; the operator logs it past the admission
    # (a sequencer that accepts everything) and stores the credential itself.
    prepared = prepare(signed_attestation(built.parties.supplier, product_id="88.118.9/FORGED-1"))
    assert prepared.record is not None
    log = built.inst.log
    (result,) = log.sequencer().append([prepared.record], [prepared.document.canonical])
    doc = prepared.document
    with log.store.engine.begin() as conn:
        conn.execute(
            insert(Credential), [{"digest": doc.digest, "body": doc.canonical, "kind": prepared.kind}]
        )
    status, report = audit(capsys, built)
    assert status == 1
    assert problems(report) == [("audit.authority", result.index)]
    listed = report["problems"]
    assert isinstance(listed, list)
    assert listed[0]["cause"] == "registry.prefix_not_held"


def test_resume_rebuilds_the_registry_and_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], built: Built
) -> None:
    state = tmp_path / "audit.json"
    status, report = audit(capsys, built, "--state", str(state))
    assert (status, report["records"]) == (0, 8)
    # After the state: a new organisation, and a revocation of an attestation logged before the state (judging
    # it needs the registry and the document index rebuilt from the records verified before).
    inst, parties = built.inst, built.parties
    op = Op.register_organisation(
        uscc(7), "Cells 2", ["supplier"], prefixes=["88.118.7"], keys=[pub(new_key())]
    )
    inst.logged(op)
    assert built.second.digest is not None
    revoked = ok(
        inst.pipeline.submit([signed_revocation(parties.other, built.second.digest, OTHER_PRODUCT)])[0]
    )
    assert not revoked.duplicate
    status, report = audit(capsys, built, "--state", str(state))
    assert (status, report["resumed_from"], report["records"], report["records_rebuilt"]) == (0, 10, 2, 8)
    assert report["problems"] == []


def test_resumed_audit_finds_an_old_entry_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], built: Built
) -> None:
    state = tmp_path / "audit.json"
    assert audit(capsys, built, "--state", str(state))[0] == 0
    before = state.read_bytes()
    ok(
        built.inst.pipeline.submit(
            [signed(Op.register_organisation(uscc(8), "X", ["supplier"]), built.inst.registrar)]
        )[0]
    )
    damage(built, "UPDATE log_entry SET data = ? WHERE idx = ?", b"rewritten", built.first.index)
    status, report = audit(capsys, built, "--state", str(state))
    assert status == 1
    assert problems(report) == [("audit.fork", built.first.index)]
    assert state.read_bytes() == before


@pytest.mark.postgres
def test_rewritten_credential_on_postgres(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_db: str
) -> None:
    b = build(tmp_path / "home", postgres_db)
    assert audit(capsys, b)[0] == 0
    with b.inst.log.store.engine.begin() as conn:
        conn.execute(update(Credential).where(Credential.digest == b.second.digest).values(body=b"{}"))
    status, report = audit(capsys, b)
    assert status == 1
    assert problems(report) == [
        ("audit.credential_digest", b.second.index),
        ("audit.authority", b.endorsement.index),
    ]


@pytest.fixture
def served(built: Built) -> Iterator[str]:
    with served_app(create_app(Settings(home=built.home, db_url=built.db))) as url:
        yield url


def test_over_http_reads_the_servers_credentials(
    capsys: pytest.CaptureFixture[str], built: Built, served: str
) -> None:
    argv = ["audit", "--tiles", f"{served}/log", "--vkey", built.inst.vkey, "--registrar", built.registrar]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 8
    damage(built, "DELETE FROM credential WHERE digest = ?", built.first.digest)
    assert main([*argv, "--json", "--jobs", "1"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert problems(report)[0] == ("audit.credential_missing", built.first.index)


def test_export_and_a_credentials_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], built: Built
) -> None:
    export, store = tmp_path / "export", tmp_path / "credentials"
    assert main(["log", "export", "--home", str(built.home), "--db", built.db, str(export)]) == 0
    store.mkdir()
    with sqlite3.connect(built.db.removeprefix("sqlite:///")) as conn:
        for digest, body in conn.execute("SELECT digest, body FROM credential"):
            (store / digest.removeprefix("sha256:")).write_bytes(body)
    capsys.readouterr()
    argv = ["audit", "--tiles", str(export), "--vkey", built.inst.vkey, "--registrar", built.registrar]
    assert main(argv) == 2  # a directory of tiles names no credential store
    assert "--credentials" in capsys.readouterr().err
    assert main([*argv, "--credentials", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 8
