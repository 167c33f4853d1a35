"""verifier.records: the record checker on hand-built entries (no database): a clean run; each problem with
its code, index and cause; entries that are not records left alone; the rebuild from entries verified before;
the same outcomes in worker processes. And the audit's hand-over to a record replay on a resumed audit."""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.registry_ops import RegistryOperation as Op
from identifiers.uscc import uscc_check_character
from ledger.bundle import encode_bundle
from ledger.tiles import entries_path
from passport.attestation import sign_attestation
from passport.document import SignedDocument
from passport.examples import example_attestation
from passport.records import leaf_record, prepare
from passport.registry import sign_registry_entry
from passport.revocation import Revocation, sign_revocation
from tests.unit.verifier.logfiles import POLICY, write_log
from verifier.audit import AuditProblem, audit_log
from verifier.credentials import DirectoryCredentials
from verifier.records import RecordAudit
from verifier.source import DirectorySource

WHEN = "2026-01-05T00:00:00Z"
PRODUCT = "88.118.8/LFP-280Ah"


def uscc(n: int) -> str:
    body = f"91320000MA{n:07d}"
    return body + uscc_check_character(body)


class Store:
    """A credential source over a dict (what a test puts in it, nothing else)."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.asked = 0

    def credentials(self, digests: Sequence[str]) -> dict[str, bytes]:
        self.asked += 1
        return {d: self.bodies[d] for d in digests if d in self.bodies}


class Log:
    """Entries as the pipeline would log them, and the store beside them."""

    def __init__(self) -> None:
        self.registrar = Ed25519PrivateKey.generate()
        self.supplier = Ed25519PrivateKey.generate()
        self.entries: list[bytes] = []
        self.store = Store()

    def add(self, document: SignedDocument, record: bytes | None = None) -> int:
        prepared = prepare(document.raw)
        self.store.bodies[prepared.document.digest] = prepared.document.canonical
        self.entries.append(record if record is not None else prepared.record or b"")
        return len(self.entries) - 1

    def register_supplier(self) -> int:
        public = self.supplier.public_key().public_bytes_raw()
        op = Op.register_organisation(uscc(1), "Cells", ["supplier"], prefixes=["88.118.8"], keys=[public])
        return self.add(sign_registry_entry(op, self.registrar, WHEN))

    def attest(self, product: str = PRODUCT, key: Ed25519PrivateKey | None = None) -> SignedDocument:
        return sign_attestation(example_attestation(product), key or self.supplier, WHEN)

    def audit(self, jobs: int = 1, registrar: bytes | None = None) -> list[AuditProblem]:
        key = registrar or self.registrar.public_key().public_bytes_raw()
        with RecordAudit(key, self.store, jobs=jobs) as records:
            found = list(records.check(0, self.entries))
            found += records.finish()
        return found


def codes(problems: Sequence[AuditProblem]) -> list[tuple[str, int | None, str | None]]:
    return [(p.code, p.index, p.cause) for p in problems]


@pytest.fixture
def log() -> Log:
    made = Log()
    made.entries.append(b"a raw entry")
    made.register_supplier()
    made.entries.append(b'{"v":1,"note":"JSON, but no record"}')
    return made


def test_clean_records_and_raw_entries(log: Log) -> None:
    log.add(log.attest())
    with RecordAudit(log.registrar.public_key().public_bytes_raw(), log.store, jobs=1) as records:
        assert list(records.check(0, log.entries)) == []
        assert list(records.finish()) == []
        assert records.records == 2


def test_missing_credential(log: Log) -> None:
    at = log.add(log.attest())
    log.store.bodies.clear()
    assert codes(log.audit()) == [
        ("audit.credential_missing", 1, None),
        ("audit.credential_missing", at, None),
    ]


def test_rewritten_credential(log: Log) -> None:
    at = log.add(log.attest())
    digest = prepare(log.attest().raw).document.digest
    log.store.bodies[digest] = log.store.bodies[digest].replace(b"CN-JS", b"CN-ZJ")
    assert codes(log.audit()) == [("audit.credential_digest", at, None)]


def test_credential_whose_proof_does_not_verify(log: Log) -> None:
    # A store that names the forged body by its own digest, and a record that names that digest: the body
    # hashes to it, but the signature is over other figures.
    good = prepare(log.attest().raw).document
    forged = SignedDocument.from_bytes(good.canonical.replace(b"CN-JS", b"CN-ZJ"))
    prepared_good = prepare(good.raw)
    record = leaf_record("attestation", forged.digest, PRODUCT, prepared_good.issuer, prepared_good.time)
    log.store.bodies[forged.digest] = forged.canonical
    log.entries.append(record)
    (problem,) = log.audit()
    assert (problem.code, problem.index) == ("audit.credential", len(log.entries) - 1)
    assert problem.cause is not None
    assert problem.cause.startswith("passport.")


def test_record_that_is_not_the_credentials(log: Log) -> None:
    document = log.attest()
    p = prepare(document.raw)
    at = log.add(document, leaf_record("attestation", p.document.digest, "88.118.8/OTHER", p.issuer, p.time))
    assert codes(log.audit()) == [("audit.record", at, None)]


def test_record_naming_no_digest(log: Log) -> None:
    log.entries.append(b'{"credential":"md5:00","v":1}')
    assert codes(log.audit()) == [("audit.record", len(log.entries) - 1, None)]


def test_signer_without_authority(log: Log) -> None:
    at = log.add(log.attest(product="88.118.9/X"))
    stranger = log.add(log.attest(key=Ed25519PrivateKey.generate()))
    assert codes(log.audit()) == [
        ("audit.authority", at, "registry.prefix_not_held"),
        ("audit.authority", stranger, "registry.unknown_key"),
    ]


def test_another_registrar(log: Log) -> None:
    log.add(log.attest())
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    found = codes(log.audit(registrar=other))
    # The registry entry is refused, so the supplier's attestation has no registered key behind it.
    assert [(c, i) for c, i, _ in found] == [("audit.authority", 1), ("audit.authority", 3)]


def test_same_credential_recorded_twice(log: Log) -> None:
    document = log.attest()
    log.add(document)
    again = log.add(document)
    assert codes(log.audit()) == [("audit.record", again, None)]


def test_revocation_naming_no_product_gets_its_attestations(log: Log) -> None:
    attestation = prepare(log.attest().raw)
    log.add(attestation.document)
    revocation = sign_revocation(
        Revocation(attestation.document.digest, None, "withdrawn"), log.supplier, WHEN
    )
    p = prepare(revocation.raw)
    assert p.record is None
    record = leaf_record("revocation", p.document.digest, PRODUCT, p.issuer, p.time)
    log.add(revocation, record)
    assert log.audit() == []
    # The same revocation recorded under another product is not the record it makes.
    log.entries[-1] = leaf_record("revocation", p.document.digest, "88.118.8/X", p.issuer, p.time)
    assert codes(log.audit()) == [("audit.record", len(log.entries) - 1, None)]


def test_known_records_rebuild_without_verifying(log: Log) -> None:
    log.add(log.attest())
    second = log.attest(product="88.118.8/Second")
    key = log.registrar.public_key().public_bytes_raw()
    with RecordAudit(key, log.store, jobs=1) as records:
        assert list(records.known(0, log.entries)) == []
        # A document judged against the rebuilt registry: the supplier is known.
        log.add(second)
        assert list(records.check(len(log.entries) - 1, log.entries[-1:])) == []
        assert list(records.finish()) == []
        assert (records.known_records, records.records) == (2, 1)


def test_worker_processes_give_the_same_outcomes(log: Log) -> None:
    for i in range(150):
        log.add(log.attest(product=f"88.118.8/P{i}"))
    log.add(log.attest(product="88.118.9/X"))
    digest = prepare(log.attest(product="88.118.8/P70").raw).document.digest
    del log.store.bodies[digest]
    expected = log.audit(jobs=1)
    assert [(c, i) for c, i, _ in codes(expected)] == [
        ("audit.credential_missing", 73),
        ("audit.authority", 153),
    ]
    assert log.audit(jobs=2) == expected


def test_directory_credentials(tmp_path: Path, log: Log) -> None:
    for digest, body in log.store.bodies.items():
        (tmp_path / digest.removeprefix("sha256:")).write_bytes(body)
    source = DirectoryCredentials(tmp_path)
    wanted = sorted(log.store.bodies)
    assert source.credentials([*wanted, "sha256:" + "0" * 64, "../x"]) == log.store.bodies
    assert all(hashlib.sha256(b).hexdigest() == d[7:] for d, b in source.credentials(wanted).items())


class Replay:
    """A record replay that remembers what it was given."""

    def __init__(self) -> None:
        self.rebuilt: list[int] = []
        self.checked: list[int] = []
        self.finished = 0

    def known(self, first: int, entries: Sequence[bytes]) -> Sequence[AuditProblem]:
        self.rebuilt += range(first, first + len(entries))
        return []

    def check(self, first: int, entries: Sequence[bytes]) -> Sequence[AuditProblem]:
        self.checked += range(first, first + len(entries))
        return [AuditProblem("record.test", first, "first entry")] if first == 0 else []

    def finish(self) -> Sequence[AuditProblem]:
        self.finished += 1
        return []


def items(n: int) -> list[bytes]:
    return [json.dumps({"n": i}).encode() for i in range(n)]


@pytest.mark.parametrize(("old", "new"), [(300, 700), (256, 256), (512, 600), (5, 255), (600, 600)])
def test_resumed_audit_hands_every_entry_to_the_replay(tmp_path: Path, old: int, new: int) -> None:
    write_log(tmp_path, items(old))
    replay = Replay()
    first = audit_log(DirectorySource(tmp_path), POLICY, record_replay=replay)
    assert [(p.code, p.index) for p in first.problems] == [("record.test", 0)]
    assert (replay.rebuilt, replay.checked, replay.finished) == ([], list(range(old)), 1)
    assert first.state is not None
    write_log(tmp_path, items(new))
    replay = Replay()
    report = audit_log(DirectorySource(tmp_path), POLICY, state=first.state, record_replay=replay)
    assert report.problems == ()
    assert (replay.rebuilt, replay.checked, replay.finished) == (list(range(old)), list(range(old, new)), 1)


def test_resumed_audit_finds_an_old_entry_changed_under_the_same_tiles(tmp_path: Path) -> None:
    write_log(tmp_path, items(600))
    first = audit_log(DirectorySource(tmp_path), POLICY)
    assert first.state is not None
    write_log(tmp_path, items(700))
    # Entry 300 rewritten in its bundle; the tiles (and so the checkpoint's tree) left as they were.
    changed = items(700)
    changed[300] = b"rewritten"
    (tmp_path / entries_path(1, 256)).write_bytes(encode_bundle(changed[256:512]))
    replay = Replay()
    report = audit_log(DirectorySource(tmp_path), POLICY, state=first.state, record_replay=replay)
    assert [(p.code, p.index) for p in report.problems] == [("audit.fork", 300)]
    assert report.state is None
    assert replay.checked == []
    # Without a record replay the old entries are not read again (the tree checks resume where they were).
    assert audit_log(DirectorySource(tmp_path), POLICY, state=first.state).problems == ()


def test_a_worker_killed_midway_changes_no_outcome(log: Log) -> None:
    for i in range(200):
        log.add(log.attest(product=f"88.118.8/K{i}"))
    log.add(log.attest(product="88.118.9/X"))
    expected = log.audit(jobs=1)
    key = log.registrar.public_key().public_bytes_raw()
    with RecordAudit(key, log.store, jobs=2) as records:
        found = list(records.check(0, log.entries[:100]))
        pool = records._pool.executor  # the workers this test started, ended by their pids
        assert pool is not None
        for process in list(pool._processes.values()):
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
        found += records.check(100, log.entries[100:])
        found += records.finish()
    assert found == expected
    assert records.records == 201 + 1
