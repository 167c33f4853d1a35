"""The resolver over HTTP against a bare route of the same server (issue 7: throughput at least 0.5 of the
bare route's, p99 under 50 ms).

An installation on SQLite (WAL, ``synchronous=FULL``) in the run's directory: a supplier (``88.118.1``) with
one attestation, and a manufacturer (``88.118.9`` and ``gs1:9506000``) with a passport per product, each
composed from the log (``api.compose``) over that attestation, signed and pushed; half the products are
industrial-internet identifiers (``88.118.9/P-<n>``), half GTINs. The API is served by uvicorn in a child
process on a free local port: the app of ``api.app.create_app``, to which the benchmark (only) adds two
routes, ``/bench/bare`` (a synchronous handler, run in the thread pool like the resolver's, answering 200 and
two bytes) and ``/bench/bare-async`` (the same as a coroutine, run on the event loop: the cheapest route the
server has, for information).

The client is this process: ``CLIENTS`` concurrent keep-alive HTTP/1.1 connections driven by a small asyncio
client (a request written, its head read up to the blank line, the body by its Content-Length), so the
client's own cost per request is a few tens of microseconds. The resolver's requests cycle over the products
through four kinds of request: ``/id/<handle>`` and ``/01/<gtin>`` (307 to the passport page), and the same
with ``?linkType=all`` (200, the RFC 9264 linkset); each answer's status is checked. Rounds alternate the
resolver, the synchronous bare route and the asynchronous one; throughput is requests over a round's wall
time (the median round), latency the time from writing a request to reading its whole answer (p50 and p99
over every round). The label render median is the ``labels`` benchmark's (``python -m bench resolver
labels``).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.harness import BenchResult, Figure, Workspace, served
from bench.passports import WHEN, _material, _uscc

NAME = "resolver"
CLIENTS = 8
RATIO_BOUND = 0.5
P99_BOUND_S = 0.050
SUPPLIER_PREFIX = "88.118.1"
MAKER_PREFIX = "88.118.9"
GS1_PREFIX = "9506000"
RESOLVER_BASE = "https://ct.example.cn"
SERVER = """
import sys
from pathlib import Path

import uvicorn
from fastapi import Response

from api.app import create_app
from api.settings import Settings

app = create_app(Settings(home=Path(sys.argv[1]), db_url=sys.argv[2]))


@app.get("/bench/bare")
def bare() -> Response:
    return Response(b"ok", media_type="text/plain")


@app.get("/bench/bare-async")
async def bare_async() -> Response:
    return Response(b"ok", media_type="text/plain")


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning", access_log=False)
"""


@dataclass(frozen=True)
class Installation:
    """The built database: its settings' home and URL, and the products that have passports."""

    home: Path
    db_url: str
    handles: list[str]
    gtins: list[str]
    build_seconds: float


def _gtin(n: int) -> str:
    from identifiers.gtin import gs1_check_digit

    payload = f"0{GS1_PREFIX}{n:05d}"
    return payload + gs1_check_digit(payload)


def _spec(product: str, component: str, n: int) -> str:
    return f"""specVersion: 1
product:
  id: "{product}"
  name: Assembly {n}
  batch: B-{n}
  site: {{id: "https://facilities.example.cn/changzhou", name: Changzhou plant, geography: CN-JS}}
declaredUnit: kilogram
unitaryProductAmount: 1
inventoryAmount: 100
boundary: cradle-to-gate
referencePeriodStart: 2025-01-01T00:00:00Z
referencePeriodEnd: 2026-01-01T00:00:00Z
billOfMaterials:
  - {{ref: m, component: {component}, quantity: {1 + n % 3}.5, unit: kg}}
process:
  - {{stage: manufacturing, emissions: {10 + n % 7}.5}}
"""


def _build(root: Path, products: int) -> Installation:
    """Register the parties, push the supplier's attestation, then compose, sign and push the passports."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.compose import compose
    from api.keyfile import read_key_file
    from api.logservice import init_log, open_log
    from api.settings import Settings
    from api.submission import open_pipeline
    from identifiers.multikey import did_key_from_public_key
    from identifiers.registry_ops import RegistryOperation
    from passport.attestation import sign_attestation
    from passport.dpp import sign_passport
    from passport.envelope import public_key_bytes
    from passport.registry import sign_registry_entry
    from passport.spec import parse_spec

    start = time.perf_counter()
    settings = Settings(home=root / "home", db_url=f"sqlite:///{root / 'carbontrail.db'}")
    init_log(settings, "bench.carbontrail.local/log")
    registrar = read_key_file(settings.registrar_key_path)
    supplier, maker = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    ops = [
        RegistryOperation.register_organisation(
            _uscc(1), "Supplier", ["supplier"], prefixes=[SUPPLIER_PREFIX], keys=[public_key_bytes(supplier)]
        ),
        RegistryOperation.register_organisation(
            _uscc(2), "Assembler", ["manufacturer"], prefixes=[MAKER_PREFIX, f"gs1:{GS1_PREFIX}"],
            keys=[public_key_bytes(maker)],
        ),
    ]  # fmt: skip
    log = open_log(settings)
    try:
        pipeline = open_pipeline(log)
        _accepted(
            pipeline.submit([sign_registry_entry(op, registrar, WHEN).raw for op in ops]), "registering"
        )
        component = f"{SUPPLIER_PREFIX}/MAT-0"
        _accepted(
            pipeline.submit([sign_attestation(_material(component, 0), supplier, WHEN).raw]), "attesting"
        )
        issuer = did_key_from_public_key(public_key_bytes(maker))
        handles: list[str] = []
        gtins: list[str] = []
        raws: list[bytes] = []
        for n in range(products):
            if n % 2 == 0:
                product = f"{MAKER_PREFIX}/P-{n}"
                handles.append(product)
            else:
                product = _gtin(n)
                gtins.append(product)
            composition = compose(
                log, parse_spec(_spec(product, component, n)), issuer=issuer, issuer_name="Assembler",
                resolver_base=RESOLVER_BASE, passport_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
                valid_from=WHEN,
            )  # fmt: skip
            raws.append(sign_passport(composition.credential, maker).raw)
        for begin in range(0, len(raws), 200):
            _accepted(pipeline.submit(raws[begin : begin + 200]), "pushing the passports")
    finally:
        log.store.engine.dispose()
    return Installation(settings.home, settings.db_url, handles, gtins, time.perf_counter() - start)


def _accepted(outcomes: Sequence[object], what: str) -> None:
    refused = [o for o in outcomes if not getattr(o, "accepted", False)]
    if refused:
        raise RuntimeError(f"{what}: {len(refused)} refused, e.g. {refused[0]}")


@contextlib.contextmanager
def _server(inst: Installation) -> Iterator[int]:
    """The API with the bare routes, served by uvicorn in a child process on a free local port."""
    with served(SERVER, [str(inst.home), inst.db_url], "/bench/bare") as port:
        yield port


@dataclass(frozen=True)
class Request:
    """One request of a mix and the status its answer must have."""

    path: str
    status: int


def resolver_requests(inst: Installation) -> list[Request]:
    """The resolver's mix: each product as ``/id/`` or ``/01/`` (307), and its linkset (200)."""
    out: list[Request] = []
    for handle, gtin in zip(inst.handles, inst.gtins, strict=False):
        out += [
            Request(f"/id/{handle}", 307),
            Request(f"/01/{gtin}", 307),
            Request(f"/id/{handle}?linkType=all", 200),
            Request(f"/01/{gtin}?linkType=all", 200),
        ]
    return out


@dataclass
class Round:
    """One round of one kind: its wall time and each request's latency (seconds)."""

    seconds: float
    latencies: list[float]


async def _connection(port: int, requests: Sequence[Request], latencies: list[float]) -> None:
    """Send ``requests`` one after the other on one keep-alive connection, checking each status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    clock = time.perf_counter
    try:
        for request in requests:
            data = f"GET {request.path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\r\n".encode()
            start = clock()
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            latencies.append(clock() - start)
            if status != request.status:
                raise RuntimeError(f"GET {request.path}: {status}, expected {request.status}")
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _round(port: int, requests: Sequence[Request], count: int, clients: int) -> Round:
    per_client = max(1, count // clients)
    latencies: list[float] = []
    shares = [
        [requests[(c + k * clients) % len(requests)] for k in range(per_client)] for c in range(clients)
    ]
    start = time.perf_counter()
    await asyncio.gather(*(_connection(port, share, latencies) for share in shares))
    return Round(time.perf_counter() - start, latencies)


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(
    port: int, mixes: dict[str, list[Request]], rounds: int, count: int, clients: int = CLIENTS
) -> dict[str, list[Round]]:
    """Alternate the mixes round by round (a warm-up round of each first, untimed); rounds per mix."""
    out: dict[str, list[Round]] = {name: [] for name in mixes}

    async def run() -> None:
        for requests in mixes.values():
            await _round(port, requests, max(clients, count // 4), clients)
        for _ in range(rounds):
            for name, requests in mixes.items():
                out[name].append(await _round(port, requests, count, clients))

    asyncio.run(run())
    return out


def _rate(rounds: Sequence[Round]) -> float:
    return statistics.median(len(r.latencies) / r.seconds for r in rounds)


def _latencies(rounds: Sequence[Round]) -> list[float]:
    return [t for r in rounds for t in r.latencies]


def run(ws: Workspace) -> BenchResult:
    """Serve the API over a database of passports; time the resolver against the bare routes."""
    products = 8 if ws.quick else 400
    rounds, count = (1, 64) if ws.quick else (5, 4000)
    print(f"  building a log with {products:,} passports ...", file=sys.stderr, flush=True)
    inst = _build(ws.root / "resolver", products)
    mixes = {
        "resolver": resolver_requests(inst),
        "bare": [Request("/bench/bare", 200)],
        "bare-async": [Request("/bench/bare-async", 200)],
    }
    print("  serving and measuring ...", file=sys.stderr, flush=True)
    with _server(inst) as port:
        measured = measure(port, mixes, rounds, count)
    rates = {name: _rate(r) for name, r in measured.items()}
    lat = {name: _latencies(r) for name, r in measured.items()}
    p50, p99 = _quantile(lat["resolver"], 0.50), _quantile(lat["resolver"], 0.99)
    bare_p99 = _quantile(lat["bare"], 0.99)
    result = BenchResult(NAME)
    result.figures += [
        Figure(
            f"resolver throughput, {CLIENTS} keep-alive clients",
            f"{rates['resolver']:,.0f}/s vs bare {rates['bare']:,.0f}/s",
            rates["resolver"] / rates["bare"],
            "resolver / bare route (same server)",
            ">=",
            RATIO_BOUND,
        ),
        Figure(
            "resolver p99 latency",
            f"p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms (bare p99 {bare_p99 * 1e3:.1f} ms)",
            p99 / P99_BOUND_S,
            "p99 / 50 ms",
            "<=",
            1.0,
        ),
        Figure(
            "resolver vs async bare route",
            f"{rates['resolver']:,.0f}/s vs {rates['bare-async']:,.0f}/s",
            rates["resolver"] / rates["bare-async"],
            "resolver / async bare route",
        ),
    ]
    result.notes += [
        f"{rounds} alternating rounds of {count:,} requests per kind over {CLIENTS} connections; resolver: "
        + ", ".join(f"{len(r.latencies) / r.seconds:,.0f}/s" for r in measured["resolver"])
        + "; bare: "
        + ", ".join(f"{len(r.latencies) / r.seconds:,.0f}/s" for r in measured["bare"]),
        f"{products:,} passports ({len(inst.handles)} handles, {len(inst.gtins)} GTINs) built in "
        f"{inst.build_seconds:.1f} s on SQLite; the mix: /id/ and /01/ (307) and their linkType=all linksets "
        "(200) in equal parts; label render median: the labels benchmark",
    ]
    return result
