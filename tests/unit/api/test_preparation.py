"""Preparing a batch on every core (api/preparation.py): worker processes give exactly the outcomes this
process would, in order, refusals included; small batches stay here; a broken pool falls back here."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api import preparation
from api.preparation import PARALLEL_FROM, Submitted, prepare_chunk, prepared_chunks
from passport.attestation import sign_attestation
from passport.records import Prepared
from tests.unit.passport.footprint_strategies import base_attestation

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WHEN = "2026-02-01T08:00:00Z"


def _batch(size: int) -> list[bytes]:
    """Attestations of distinct products, with refusals mixed in: a changed value under the old proof,
    bytes that are not JSON, and a credential of a kind carbontrail does not log."""
    base = base_attestation()
    raws = [
        sign_attestation(base.with_changes(product_id=f"88.118.8/P-{i}"), KEY, WHEN).raw for i in range(size)
    ]
    tampered = json.loads(raws[3])
    tampered["credentialSubject"]["geography"] = "CN-ZJ"
    raws[3] = json.dumps(tampered).encode()
    raws[7] = b"{not json"
    unknown = json.loads(raws[11])
    unknown["type"] = ["VerifiableCredential", "Something"]
    raws[11] = json.dumps(unknown).encode()
    return raws


def _summary(outcome: Prepared | Submitted) -> tuple[object, ...]:
    if isinstance(outcome, Submitted):
        return ("refused", outcome.code, outcome.status)
    return (outcome.kind, outcome.document.digest, outcome.record, outcome.claim, outcome.signer)


def _flat(runs: Iterator[list[Prepared | Submitted]]) -> list[Prepared | Submitted]:
    return [outcome for run in runs for outcome in run]


def test_workers_give_the_outcomes_this_process_gives_in_order() -> None:
    raws = _batch(PARALLEL_FROM + 70)
    here = prepare_chunk(raws)
    there = _flat(prepared_chunks(raws))
    assert [_summary(o) for o in there] == [_summary(o) for o in here]
    assert [_summary(o)[:2] for o in (there[3], there[7], there[11])] == [
        ("refused", "passport.proof_invalid"),
        ("refused", "passport.malformed"),
        ("refused", "passport.unknown_kind"),
    ]


def test_a_small_batch_is_prepared_here_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool() -> ProcessPoolExecutor:
        raise AssertionError("a small batch asked for the pool")

    monkeypatch.setattr(preparation, "_the_pool", no_pool)
    raws = _batch(20)
    runs = list(prepared_chunks(raws))
    assert len(runs) == 1
    assert [_summary(o) for o in runs[0]] == [_summary(o) for o in prepare_chunk(raws)]


def test_a_broken_pool_falls_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = ProcessPoolExecutor(1)
    broken.shutdown()
    monkeypatch.setattr(preparation, "_the_pool", lambda: broken)
    raws = _batch(PARALLEL_FROM)
    assert [_summary(o) for o in _flat(prepared_chunks(raws))] == [_summary(o) for o in prepare_chunk(raws)]


def test_a_bug_is_not_taken_for_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_prepare(raw: bytes) -> Prepared:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(preparation, "prepare", broken_prepare)
    with pytest.raises(ZeroDivisionError):
        preparation.prepare_outcome(b"{}")


KILLED_SUBMITTER = """
import os, signal, sys
from api.preparation import PARALLEL_FROM, _the_pool, prepare_chunk
pool = _the_pool()
assert pool is not None
pool.submit(prepare_chunk, [b"{}"]).result()
print(" ".join(str(pid) for pid in pool._processes), flush=True)
os.kill(os.getpid(), signal.SIGTERM)
"""


def test_workers_end_with_a_submitter_ended_by_a_signal() -> None:
    # Ended by a signal, the submitter never tells its workers to stop: they must notice by themselves, or
    # they (and the fork server) keep its output open forever.
    if preparation._workers() < 2:
        pytest.skip("one core: no worker processes")
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_SUBMITTER],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    pids = [int(pid) for pid in proc.stdout.split()]
    assert pids
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"workers {pids} outlived their submitter"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_prepared_document_crosses_processes_without_its_parse() -> None:
    prepared = prepare_chunk(_batch(12)[:1])[0]
    assert isinstance(prepared, Prepared)
    copy = pickle.loads(pickle.dumps(prepared))
    assert copy == prepared
    assert copy.document.canonical == prepared.document.canonical
    assert dict(copy.document.data) == dict(prepared.document.data)
    assert len(pickle.dumps(prepared.document)) < 2 * len(prepared.document.raw) + 200
