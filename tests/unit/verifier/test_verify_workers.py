"""verifier/workers.py and the worker path of verifier/verify.py: a large bundle's credentials prepared in
worker processes give the very report the in-process path gives, failures included, also when a worker dies.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport.attestation import sign_attestation
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.records import leaf_record
from tests.unit.passport import chain_fixtures as cf
from tests.unit.verifier.bundles import WHEN, Made, build, record_for, supplier_org
from verifier.bundle import bundle_from_json
from verifier.report import Report
from verifier.verify import PARALLEL_FROM, verify_bundle
from verifier.workers import WorkerPool


def _many() -> tuple[Made, dict[str, str]]:
    """A registry entry and PARALLEL_FROM + 6 attestations, four of them broken each its own way; the
    expected failed check of each broken one, by digest."""
    registrar, supplier = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    entry = supplier_org(registrar, supplier)
    docs = [
        sign_attestation(replace(cf.LITHIUM_CARBONATE, product_id=f"88.118.1/L{i}"), supplier, WHEN)
        for i in range(PARALLEL_FROM + 2)
    ]
    records = [record_for(entry), *(record_for(d) for d in docs)]
    # A proof that does not verify.
    data = json.loads(docs[3].raw)
    value = data["proof"]["proofValue"]
    data["proof"]["proofValue"] = value[:20] + ("3" if value[20] != "3" else "4") + value[21:]
    forged = SignedDocument.from_json(data)
    records.append(leaf_record("attestation", forged.digest, "88.118.1/L3", data["issuer"], WHEN))
    # A record that is not the one the credential makes.
    moved = sign_attestation(replace(cf.LITHIUM_CARBONATE, product_id="88.118.1/M"), supplier, WHEN)
    records.append(record_for(moved, subject="88.118.1/OTHER"))
    # A signer with no authority.
    outsider = sign_attestation(cf.LITHIUM_CARBONATE, Ed25519PrivateKey.generate(), WHEN)
    records.append(record_for(outsider))
    # Bytes changed after logging (the last one is the bundle's "passport": the bundle check fails too).
    changed = sign_attestation(replace(cf.LITHIUM_CARBONATE, product_id="88.118.1/C"), supplier, WHEN)
    records.append(record_for(changed))
    everything = [entry, *docs, forged, moved, outsider, changed]
    made = build([d.raw for d in everything], records=records, registrar=public_key_bytes(registrar))
    made.bundle["credentials"][changed.digest] = changed.canonical.decode().replace("12.00", "11.00", 1)
    expected = {
        forged.digest: "verify.signature",
        moved.digest: "verify.record",
        outsider.digest: "verify.authority",
        changed.digest: "verify.digest",
    }
    return made, expected


def _failed(report: Report) -> dict[str, str]:
    return {c.document: c.code for c in report.failures() if c.document is not None and c.name != "bundle"}


@pytest.fixture(scope="module")
def many() -> tuple[Made, dict[str, str]]:
    return _many()


def test_workers_give_the_report_the_in_process_path_gives(many: tuple[Made, dict[str, str]]) -> None:
    made, expected = many
    alone = verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, jobs=1)
    assert _failed(alone) == expected
    with WorkerPool(2, preload=["verifier.documents"]) as pool:
        shared = verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, pool=pool)
        assert pool.cpu_seconds > 0  # the credentials were prepared by the workers
    assert shared.to_json() == alone.to_json()
    with WorkerPool(3, preload=["verifier.documents"], share=True) as pool:  # this process one of them
        shared = verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, pool=pool)
    assert shared.to_json() == alone.to_json()
    own = verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, jobs=2)
    assert own.to_json() == alone.to_json()


def test_a_dead_worker_changes_no_outcome(many: tuple[Made, dict[str, str]]) -> None:
    made, _ = many
    alone = verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, jobs=1)
    with WorkerPool(2, preload=["verifier.documents"]) as pool:
        started = pool.submit(os.getpid)
        assert started is not None
        pool.result(started)
        assert pool.executor is not None
        for process in list(pool.executor._processes.values()):  # the workers this test started
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
        report = verify_bundle(bundle_from_json(made.bundle), made.policy, made.registrar, pool=pool)
        assert pool.jobs == 1  # lost: the rest was done in this process
    assert report.to_json() == alone.to_json()
    assert report.counts()["failed"] > 0


def _dies_on_13(items: list[int]) -> list[int]:
    if 13 in items and multiprocessing.parent_process() is not None:
        os._exit(1)  # a worker dying midway (killed, out of memory)
    return [i * i for i in items]


def test_map_answers_in_order_and_does_a_lost_chunk_itself() -> None:
    items = list(range(40))
    with WorkerPool(2) as pool:
        assert pool.map(_dies_on_13, items, 4) == [i * i for i in items]
        assert pool.jobs == 1
    with WorkerPool(2, share=True) as pool:
        assert pool.map(_dies_on_13, items, 1) == [i * i for i in items]
    with WorkerPool(1) as alone:
        assert alone.submit(os.getpid) is None
        assert alone.map(_dies_on_13, items, 4) == [i * i for i in items]
        assert alone.executor is None
