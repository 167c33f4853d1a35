"""Verifying a full bundle of a passport with 1,000 upstream attestations offline, against the bare Ed25519
verifications of the same signatures (issue 6).

An installation on SQLite in the run's directory, built once as ``bench/passports.py`` builds it (four
suppliers and a manufacturer registered, one attestation per component pushed through the pipeline), then the
passport composed, signed and pushed, and its full bundle built by ``api.bundles.build_bundle`` and written
with ``verifier.bundle.dump_bundle``. The measured call is what ``carbontrail verify FILE`` does after reading
the file, with the policy and the registrar key loaded once: ``verify_bundle(parse_bundle(data), policy,
registrar)`` (parse, the checkpoint, every receipt, every credential parsed and its proof verified, the
registry and admission rules replayed, links with their embedded receipts, consistency, the roll-up
recomputed, the grade, the tree).

The reference is the bare cost of the Ed25519 verifications the bundle carries, made with ``cryptography``
directly on one core (keys loaded and signed data computed beforehand): one per credential's Data Integrity
proof and the log's signature on the checkpoint. Rounds alternate: the reference, then the verification with
one job (everything in this process), then with every core (``jobs`` = the cores this process may use: the
credentials are prepared by this process and ``jobs - 1`` worker processes started for the call and ended
before it returns, as ``carbontrail verify`` does; the workers' fork server, started once per process, is
started by the untimed first call). Each figure is a ratio of medians. CPU time is this process's plus, with
workers, the CPU time the workers report for their tasks (``WorkerPool.cpu_seconds``). The target (issue 6)
is at most 2x, on the wall clock of the default (every core).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import BenchResult, Figure, Workspace

NAME = "verify"
TARGET = 2.0


@dataclass(frozen=True)
class Setup:
    """The timed call (with a job count, or a worker pool), its reference, and what the bundle holds."""

    verify: Callable[[int, Any], Any]
    bare: list[tuple[Any, bytes, bytes]]
    records: int
    size: int
    build_seconds: float

    def verify_bare(self) -> None:
        """Verify every signature the bundle carries with ``cryptography`` alone."""
        for key, signature, data in self.bare:
            key.verify(signature, data)


def _bare_of(raw: bytes) -> tuple[Any, bytes, bytes]:
    """(public key, signature, signed data) of an eddsa-jcs-2022 credential, computed once."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from identifiers.multikey import public_key_from_did_key
    from passport import dataintegrity as di
    from passport.document import SignedDocument

    secured = SignedDocument.from_bytes(raw).parse()
    proof = secured.pop("proof")
    signature = di.decode_proof_value(proof.pop("proofValue"))
    data = di.hash_data(di.transform_jcs(secured), di.proof_config_jcs(proof))
    key = public_key_from_did_key(proof["verificationMethod"].split("#", 1)[0])
    return Ed25519PublicKey.from_public_bytes(key), signature, data


def _setup(root: Path, components: int) -> Setup:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from api.bundles import build_bundle
    from bench.passports import MAKER_PREFIX, _submitted, build_supply
    from passport.records import PASSPORT_KINDS
    from verifier.bundle import bundle_from_json, dump_bundle, parse_bundle
    from verifier.verify import verify_bundle
    from verifier.workers import default_jobs

    supply = build_supply(root, components)
    log, start = supply.log, supply.started
    passport = supply.compose_and_sign()
    _submitted(supply.pipeline.submit([passport.raw], kinds=PASSPORT_KINDS), "pushing the passport")
    product = f"{MAKER_PREFIX}/ASSEMBLY-{components}"
    data = dump_bundle(bundle_from_json(build_bundle(log, product, full=True)))
    build_seconds = time.perf_counter() - start

    bundle = parse_bundle(data)
    policy, anchor = log.policy, log.registrar_genesis
    bare = [_bare_of(body) for body in bundle.credentials.values()]
    note, _ = bundle.note()
    verifier = log.signer.verifier()
    bare.append(
        (
            Ed25519PublicKey.from_public_bytes(verifier.public_key),
            note.signatures[0].signature,
            note.text.encode(),
        )
    )

    def verify(jobs: int, pool: Any = None) -> Any:
        return verify_bundle(parse_bundle(data), policy, anchor, jobs=jobs, pool=pool)

    # Untimed: warm the caches and start the workers' fork server; check that both paths pass, alike.
    report = verify(1)
    if not report.ok(require_full=True):
        raise RuntimeError(f"the bundle does not verify: {report.failures(require_full=True)[:3]}")
    if verify(default_jobs()).to_json() != report.to_json():
        raise RuntimeError("the bundle's report with workers is not the report without")
    return Setup(verify, bare, len(bundle.records), len(data), build_seconds)


def _timed(setup: Setup, jobs: int) -> tuple[float, float]:
    """One verification with ``jobs`` (workers started and ended inside): wall and CPU seconds (this
    process's and its workers')."""
    from verifier.verify import PRELOAD
    from verifier.workers import WorkerPool

    start, cpu = time.perf_counter(), time.process_time()
    with WorkerPool(jobs, preload=PRELOAD, share=True) as pool:
        setup.verify(jobs, pool)
    return time.perf_counter() - start, time.process_time() - cpu + pool.cpu_seconds


def run(ws: Workspace) -> BenchResult:
    """Time verifying the full bundle, with one job and with every core, against the bare Ed25519
    verifications of its signatures."""
    from verifier.workers import default_jobs

    components = 10 if ws.quick else 1000
    rounds = 1 if ws.quick else 7
    cores = default_jobs()
    result = BenchResult(NAME)
    print(f"  building a bundle over {components:,} component attestations ...", file=sys.stderr, flush=True)
    setup = _setup(ws.root / "verify", components)
    bare_times: list[float] = []
    runs: dict[int, list[tuple[float, float]]] = {1: [], cores: []}
    for _ in range(rounds):
        start = time.perf_counter()
        setup.verify_bare()
        bare_times.append(time.perf_counter() - start)
        for jobs, times in runs.items():
            times.append(_timed(setup, jobs))
    bare = statistics.median(bare_times)
    signatures = f"{len(setup.bare):,} Ed25519 verify"
    for jobs, times in runs.items():
        wall = statistics.median(t for t, _ in times)
        cpu = statistics.median(c for _, c in times)
        every = jobs == cores
        label = f"{jobs} job" if jobs == 1 else f"{jobs} jobs (every core)"
        result.figures += [
            Figure(
                f"verify a full bundle, {components:,} attestations, {label}",
                f"{wall * 1e3:,.0f} ms vs {bare * 1e3:,.1f} ms",
                wall / bare,
                f"bundle / {signatures}",
                "<=" if every else None,
                TARGET if every else None,
            ),
            Figure(
                f"the same, CPU time ({label})",
                f"{cpu * 1e3:,.0f} ms CPU",
                cpu / bare,
                f"CPU / {signatures}",
            ),
        ]
        if cores == 1:
            break
    result.notes += [
        f"{rounds} alternating rounds (reference, 1 job, {cores} jobs): "
        + ", ".join(
            f"bare {b * 1e3:,.0f} / {one[0] * 1e3:,.0f} / {every[0] * 1e3:,.0f} ms"
            for b, one, every in zip(bare_times, runs[1], runs[cores], strict=True)
        ),
        f"bundle of {setup.records:,} records, {setup.size / 1e6:.1f} MB, built once in "
        f"{setup.build_seconds:.1f} s on SQLite; the reference is one Ed25519 verify per credential proof "
        f"plus the checkpoint's signature, on one core; {cores} core(s) here",
    ]
    return result
