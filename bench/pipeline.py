"""Signed attestations accepted per second by the submission pipeline, against bare Ed25519 verification.

An installation on SQLite (WAL, ``synchronous=FULL``) in the run's directory, with four suppliers registered
through the pipeline (each its own key and industrial-internet prefix). Every attestation is the
``credentials`` benchmark's typical one (about 1.7 KB) for a product of its own, signed by its supplier before
the clock starts. Two figures:

* **in process**: ``Pipeline.submit(batch)`` on batches of attestations (each proof verified, every rule
  checked, each signer's authority judged at its log index, the records logged durably with tiles and a
  signed checkpoint, the credentials and their index rows stored); the pipeline may use every core, and a
  large batch is prepared in worker processes (api/preparation.py). Target (issue 4): at least 0.6 of the
  reference rate.
* **batch API over HTTP**: the same, sent as ``POST /attestations`` with a JSON array per batch to the API
  served by uvicorn in a separate process on a local port; the client is this process (one request at a
  time). Target: at least 0.4.

The reference is the bare Ed25519 verification rate of one core: ``cryptography`` verifying, one after the
other, the very signatures of a batch over their 64-byte signed data (public keys loaded, data computed
beforehand). Each round times the reference and then a batch; a figure is the ratio of the median rates. A
first batch of each kind is sent untimed (it starts the workers and the server).
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.credentials import WHEN, typical_attestation
from bench.harness import BenchResult, Figure, Workspace, served

NAME = "pipeline"
SUPPLIERS = 4
IN_PROCESS_BOUND = 0.6
HTTP_BOUND = 0.4
SERVER = """
import sys
from pathlib import Path

import uvicorn

from api.app import create_app
from api.settings import Settings

app = create_app(Settings(home=Path(sys.argv[1]), db_url=sys.argv[2]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning", access_log=False)
"""


@dataclass(frozen=True)
class Batch:
    """Signed attestations, and what verifying their signatures bare takes: (key, signature, data) each."""

    raws: list[bytes]
    bare: list[tuple[Any, bytes, bytes]]

    def verify_bare(self) -> None:
        """Verify every signature of the batch with ``cryptography`` alone."""
        for key, signature, data in self.bare:
            key.verify(signature, data)


@dataclass
class Installation:
    """An initialised log with its registered suppliers' keys."""

    settings: Any
    suppliers: list[Any]


def _uscc(n: int) -> str:
    from identifiers.uscc import uscc_check_character

    body = f"91320000MA{n:07d}"
    return body + uscc_check_character(body)


def _install(root: Path) -> Installation:
    """``carbontrail init`` in ``root``; the suppliers registered by the registrar through the pipeline."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.keyfile import read_key_file
    from api.logservice import init_log, open_log
    from api.settings import Settings
    from api.submission import open_pipeline
    from identifiers.registry_ops import RegistryOperation
    from passport.envelope import public_key_bytes
    from passport.registry import sign_registry_entry

    settings = Settings(home=root / "home", db_url=f"sqlite:///{root / 'carbontrail.db'}")
    init_log(settings, "bench.carbontrail.local/log")
    registrar = read_key_file(settings.registrar_key_path)
    suppliers = [Ed25519PrivateKey.generate() for _ in range(SUPPLIERS)]
    entries = [
        sign_registry_entry(
            RegistryOperation.register_organisation(
                _uscc(i + 1),
                f"Cell maker {i + 1}",
                ["supplier"],
                prefixes=[f"88.118.{i + 1}"],
                keys=[public_key_bytes(key)],
            ),
            registrar,
            WHEN,
        ).raw
        for i, key in enumerate(suppliers)
    ]
    log = open_log(settings)
    outcomes = open_pipeline(log).submit(entries)
    log.store.engine.dispose()
    if not all(o.accepted for o in outcomes):
        raise RuntimeError(f"registering the suppliers failed: {outcomes}")
    return Installation(settings, suppliers)


def _batch(inst: Installation, tag: str, size: int) -> Batch:
    """``size`` attestations of distinct products, spread over the suppliers, and their bare verifications."""
    from passport import dataintegrity as di
    from passport.attestation import sign_attestation

    base = typical_attestation()
    raws: list[bytes] = []
    bare: list[tuple[Any, bytes, bytes]] = []
    for i in range(size):
        s = i % SUPPLIERS
        document = sign_attestation(
            base.with_changes(product_id=f"88.118.{s + 1}/{tag}-{i}"), inst.suppliers[s], WHEN
        )
        raws.append(document.raw)
        secured = document.parse()
        proof = secured.pop("proof")
        signature = di.decode_proof_value(proof.pop("proofValue"))
        data = di.hash_data(di.transform_jcs(secured), di.proof_config_jcs(proof))
        bare.append((inst.suppliers[s].public_key(), signature, data))
    return Batch(raws, bare)


def _rounds(batches: list[Batch], submit: Callable[[Batch], None]) -> tuple[list[float], list[float]]:
    """Per round: the bare verification rate over the batch's signatures, then the batch's acceptance rate."""
    bare_rates: list[float] = []
    rates: list[float] = []
    clock = time.perf_counter
    for batch in batches:
        start = clock()
        batch.verify_bare()
        bare_rates.append(len(batch.raws) / (clock() - start))
        start = clock()
        submit(batch)
        rates.append(len(batch.raws) / (clock() - start))
    return bare_rates, rates


def _in_process(inst: Installation, batches: list[Batch], warm: Batch) -> tuple[list[float], list[float]]:
    from api.logservice import open_log
    from api.submission import open_pipeline

    log = open_log(inst.settings)
    pipeline = open_pipeline(log)

    def submit(batch: Batch) -> None:
        outcomes = pipeline.submit(batch.raws)
        refused = [o for o in outcomes if not o.accepted]
        if refused:
            raise RuntimeError(f"{len(refused)} attestations refused, e.g. {refused[0]}")

    try:
        submit(warm)
        return _rounds(batches, submit)
    finally:
        log.store.engine.dispose()


@contextlib.contextmanager
def _server(inst: Installation) -> Iterator[str]:
    """The API of ``inst`` served by uvicorn in a child process on a free local port; its base URL."""
    settings = inst.settings
    with served(SERVER, [str(settings.home), settings.db_url], "/log/checkpoint") as port:
        yield f"http://127.0.0.1:{port}"


def _over_http(inst: Installation, batches: list[Batch], warm: Batch) -> tuple[list[float], list[float]]:
    import httpx

    with _server(inst) as url, httpx.Client(base_url=url, timeout=300) as client:

        def submit(batch: Batch) -> None:
            body = b"[" + b",".join(batch.raws) + b"]"
            headers = {"content-type": "application/json"}
            response = client.post("/attestations", content=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"POST /attestations: {response.status_code} {response.text[:300]}")
            results = response.json()["results"]
            refused = [r for r in results if r["index"] is None]
            if len(results) != len(batch.raws) or refused:
                raise RuntimeError(f"{len(refused)} attestations refused over HTTP, e.g. {refused[:1]}")

        submit(warm)
        return _rounds(batches, submit)


def _figure(name: str, bare: list[float], rates: list[float], bound: float) -> Figure:
    b, r = statistics.median(bare), statistics.median(rates)
    return Figure(
        name,
        f"{r:,.0f}/s vs {b:,.0f}/s",
        r / b,
        "accepted / Ed25519 verify (1 core)",
        ">=",
        bound,
    )


def run(ws: Workspace) -> BenchResult:
    """Time the pipeline in process and over HTTP against bare Ed25519 verification of the same signatures."""
    try:
        from api.preparation import PARALLEL_FROM, _workers
    except ImportError:  # a tree from before batches were prepared in worker processes (for comparisons)
        PARALLEL_FROM, _workers = 128, lambda: 1  # noqa: N806

    size = PARALLEL_FROM + 2 if ws.quick else 1000
    rounds = 1 if ws.quick else 5
    result = BenchResult(NAME)

    print("  in process ...", file=sys.stderr, flush=True)
    inst = _install(ws.root / "pipeline-in-process")
    batches = [_batch(inst, f"R{r}", size) for r in range(rounds)]
    bare, rates = _in_process(inst, batches, _batch(inst, "warm", size))
    result.figures.append(_figure(f"in-process pipeline, batches of {size}", bare, rates, IN_PROCESS_BOUND))
    result.notes.append(
        "in process: " + ", ".join(f"{r:,.0f}/s (bare {b:,.0f}/s)" for b, r in zip(bare, rates, strict=True))
    )

    print("  over HTTP ...", file=sys.stderr, flush=True)
    inst = _install(ws.root / "pipeline-http")
    batches = [_batch(inst, f"H{r}", size) for r in range(rounds)]
    bare, rates = _over_http(inst, batches, _batch(inst, "warm", size))
    result.figures.append(_figure(f"batch API over HTTP, arrays of {size}", bare, rates, HTTP_BOUND))
    result.notes.append(
        "over HTTP: " + ", ".join(f"{r:,.0f}/s (bare {b:,.0f}/s)" for b, r in zip(bare, rates, strict=True))
    )
    result.notes.append(
        f"{rounds} rounds of {size:,} typical attestations from {SUPPLIERS} suppliers on SQLite; "
        f"{_workers()} cores; batches of {PARALLEL_FROM} or more are prepared in worker processes; the "
        "reference verifies each round's own signatures bare, one after the other, just before it"
    )
    return result
