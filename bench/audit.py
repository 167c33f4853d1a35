"""Entries an audit replays per second, against bare Ed25519 verification (issue 6: "``audit`` replays
entries at no less than 50% of the bare Ed25519 verification rate of one core, and faster with more cores").

The log: an installation on SQLite in the run's directory (the ``pipeline`` benchmark's: four suppliers
registered through the submission pipeline), then ``N`` of its typical signed attestations (about 1.7 KB
each, a product each) submitted through the pipeline, so the database holds the log, its tiles and
checkpoints and the stored credentials exactly as a real installation does. Nothing is exported.

The audit is what ``carbontrail audit --db URL --vkey KEY --registrar KEY --jobs J`` runs, through the
library: ``verifier.audit.audit_log`` over ``api.auditsource.StoreTileSource`` (every bundle read, every entry
hashed, every tile and stored checkpoint checked) with a ``verifier.records.RecordAudit`` over
``api.auditsource.StoreCredentials`` (every credential read, hashed, its proof verified and rules checked on
``J`` worker processes, every signer's authority judged in log order). A figure is the median over rounds of
an audit's entries per second over the bare rate measured just before it: ``cryptography`` verifying, one
after the other, the very signatures of the log's attestations over their 64-byte signed data (keys loaded,
data computed beforehand). Each ``J`` is audited once untimed first (it starts the workers).

Targets: with every core (``J`` = the cores this process may use), at least 0.5; with two workers faster than
with one when the machine has two cores or more. ``J`` = 1 and 2 are printed for information.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from bench.harness import BenchResult, Figure, Workspace
from bench.pipeline import Batch, Installation, _batch, _install

NAME = "audit"
BOUND = 0.5
CHUNK = 1000
"""Attestations submitted per pipeline call while building the log."""


def _build(ws: Workspace, size: int) -> tuple[Installation, list[Batch]]:
    from api.logservice import open_log
    from api.submission import open_pipeline

    inst = _install(ws.root / "audit")
    batches = [_batch(inst, f"A{i}", min(CHUNK, size - i * CHUNK)) for i in range(-(-size // CHUNK))]
    log = open_log(inst.settings)
    try:
        pipeline = open_pipeline(log)
        for batch in batches:
            refused = [o for o in pipeline.submit(batch.raws) if not o.accepted]
            if refused:
                raise RuntimeError(f"{len(refused)} attestations refused, e.g. {refused[0]}")
    finally:
        log.store.engine.dispose()
    return inst, batches


def _audit(inst: Installation, jobs: int) -> tuple[int, float]:
    """One audit of the whole log with ``jobs`` workers: (entries replayed, seconds)."""
    from api.auditsource import StoreCredentials, StoreTileSource
    from api.keyfile import public_bytes, read_key_file
    from ledger.policy import parse_policy
    from ledger.storage.store import LogStore
    from verifier.audit import audit_log
    from verifier.records import RecordAudit

    settings = inst.settings
    policy = parse_policy((settings.home / "policy").read_bytes())
    registrar = public_bytes(read_key_file(settings.registrar_key_path))
    store = LogStore.open(settings.db_url)
    try:
        start = time.perf_counter()
        source = StoreTileSource(store)
        with RecordAudit(registrar, StoreCredentials(store), jobs=jobs) as records:
            report = audit_log(
                source, policy, record_replay=records, checkpoints=list(source.checkpoint_notes())
            )
        elapsed = time.perf_counter() - start
    finally:
        store.engine.dispose()
    if not report.clean:
        raise RuntimeError(f"the audit found problems: {report.problems[:3]}")
    if records.records != report.size:
        raise RuntimeError(f"{records.records} records checked in a log of {report.size}")
    return report.entries, elapsed


def _bare(batches: list[Batch]) -> float:
    """Bare verifications per second over every attestation's signature."""
    start = time.perf_counter()
    for batch in batches:
        batch.verify_bare()
    return sum(len(b.raws) for b in batches) / (time.perf_counter() - start)


def _measure(
    inst: Installation, batches: list[Batch], jobs: int, rounds: int
) -> tuple[float, float, float, Any]:
    """Median bare rate, median audit rate (entries per second), the median of the rounds' ratios (each audit
    against the bare rate measured just before it: the machine's load drifts), and the per-round pairs."""
    _audit(inst, jobs)  # untimed: starts the fork server and its workers, warms the caches
    pairs = []
    for _ in range(rounds):
        bare = _bare(batches)
        entries, seconds = _audit(inst, jobs)
        pairs.append((bare, entries / seconds))
    ratio = statistics.median(r / b for b, r in pairs)
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs), ratio, pairs


def run(ws: Workspace) -> BenchResult:
    """Build the log, then audit it with 1 and 2 workers and with every core, against bare verification."""
    from verifier.records import default_jobs

    size = 300 if ws.quick else 5000
    rounds = 1 if ws.quick else 3
    cores = default_jobs()
    result = BenchResult(NAME)
    print(f"  building a log of {size:,} attestations ...", file=sys.stderr, flush=True)
    inst, batches = _build(ws, size)
    rates: dict[int, float] = {}
    for jobs in sorted({1, 2, cores}):
        print(f"  auditing with {jobs} worker(s) ...", file=sys.stderr, flush=True)
        bare, rate, ratio, pairs = _measure(inst, batches, jobs, rounds)
        rates[jobs] = rate
        target = (">=", BOUND) if jobs == cores else (None, None)
        result.figures.append(
            Figure(
                f"audit --db, --jobs {jobs}" + (" (every core)" if jobs == cores else ""),
                f"{rate:,.0f}/s vs {bare:,.0f}/s",
                ratio,
                "entries / Ed25519 verify (1 core)",
                *target,
            )
        )
        result.notes.append(f"--jobs {jobs}: " + ", ".join(f"{r:,.0f}/s (bare {b:,.0f}/s)" for b, r in pairs))
    if cores >= 2:
        result.figures.append(
            Figure(
                "audit --db, --jobs 2 over --jobs 1",
                f"{rates[2]:,.0f}/s vs {rates[1]:,.0f}/s",
                rates[2] / rates[1],
                "entries/s, 2 workers / 1",
                ">=",
                1.1,
            )
        )
    result.notes.append(
        f"a log of {size + 4:,} entries ({size:,} typical attestations, 4 registry entries) on SQLite; "
        f"{cores} cores; {rounds} timed audits each, each after a bare verification of every attestation's"
        " signature"
    )
    return result
