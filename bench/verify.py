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
directly (keys loaded and signed data computed beforehand): one per credential's Data Integrity proof and the
log's signature on the checkpoint. Rounds alternate; the figure is the ratio of the medians (wall clock, one
process). The target (issue 6) is at most 2x.
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
    """The timed call, its reference, and what the bundle holds."""

    verify: Callable[[], Any]
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
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from api.bundles import build_bundle
    from api.compose import compose
    from api.keyfile import read_key_file
    from api.logservice import init_log, open_log
    from api.settings import Settings
    from api.submission import open_pipeline
    from bench.passports import MAKER_PREFIX, SUPPLIERS, WHEN, _material, _spec_text, _submitted, _uscc
    from identifiers.multikey import did_key_from_public_key
    from identifiers.registry_ops import RegistryOperation
    from passport.attestation import sign_attestation
    from passport.dpp import sign_passport
    from passport.envelope import public_key_bytes
    from passport.records import PASSPORT_KINDS
    from passport.registry import sign_registry_entry
    from passport.spec import parse_spec
    from verifier.bundle import bundle_from_json, dump_bundle, parse_bundle
    from verifier.verify import verify_bundle

    start = time.perf_counter()
    settings = Settings(home=root / "home", db_url=f"sqlite:///{root / 'carbontrail.db'}")
    init_log(settings, "bench.carbontrail.local/log")
    registrar = read_key_file(settings.registrar_key_path)
    suppliers = [Ed25519PrivateKey.generate() for _ in range(SUPPLIERS)]
    maker = Ed25519PrivateKey.generate()
    ops = [
        RegistryOperation.register_organisation(
            _uscc(i + 1), f"Supplier {i + 1}", ["supplier"], prefixes=[f"88.118.{i + 1}"],
            keys=[public_key_bytes(key)],
        )
        for i, key in enumerate(suppliers)
    ]  # fmt: skip
    ops.append(
        RegistryOperation.register_organisation(
            _uscc(SUPPLIERS + 1), "Assembler", ["manufacturer"], prefixes=[MAKER_PREFIX],
            keys=[public_key_bytes(maker)],
        )
    )  # fmt: skip
    log = open_log(settings)
    pipeline = open_pipeline(log)
    _submitted(pipeline.submit([sign_registry_entry(op, registrar, WHEN).raw for op in ops]), "registering")
    products = [f"88.118.{i % SUPPLIERS + 1}/MAT-{i}" for i in range(components)]
    raws = [
        sign_attestation(_material(p, i), suppliers[i % SUPPLIERS], WHEN).raw for i, p in enumerate(products)
    ]
    for begin in range(0, len(raws), 500):
        _submitted(pipeline.submit(raws[begin : begin + 500]), "pushing the attestations")
    composition = compose(
        log, parse_spec(_spec_text(products)), issuer=did_key_from_public_key(public_key_bytes(maker)),
        issuer_name="Assembler", resolver_base="https://ct.example.cn",
        passport_id="urn:uuid:00000000-0000-4000-8000-000000000001", valid_from=WHEN,
    )  # fmt: skip
    passport = sign_passport(composition.credential, maker)
    _submitted(pipeline.submit([passport.raw], kinds=PASSPORT_KINDS), "pushing the passport")
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

    def verify() -> Any:
        return verify_bundle(parse_bundle(data), policy, anchor)

    report = verify()  # untimed: warms the caches, and checks the bundle passes
    if not report.ok(require_full=True):
        raise RuntimeError(f"the bundle does not verify: {report.failures(require_full=True)[:3]}")
    return Setup(verify, bare, len(bundle.records), len(data), build_seconds)


def run(ws: Workspace) -> BenchResult:
    """Time verifying the full bundle against the bare Ed25519 verifications of its signatures."""
    components = 10 if ws.quick else 1000
    rounds = 1 if ws.quick else 7
    result = BenchResult(NAME)
    print(f"  building a bundle over {components:,} component attestations ...", file=sys.stderr, flush=True)
    setup = _setup(ws.root / "verify", components)
    bare_times: list[float] = []
    times: list[float] = []
    cpu_times: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        setup.verify_bare()
        bare_times.append(time.perf_counter() - start)
        start, cpu = time.perf_counter(), time.process_time()
        setup.verify()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    median, bare, cpu_median = (
        statistics.median(times),
        statistics.median(bare_times),
        statistics.median(cpu_times),
    )
    result.figures += [
        Figure(
            f"verify a full bundle, {components:,} attestations",
            f"{median * 1e3:,.0f} ms vs {bare * 1e3:,.1f} ms",
            median / bare,
            f"bundle / {len(setup.bare):,} Ed25519 verify",
            "<=",
            TARGET,
        ),
        Figure(
            "the same, CPU time",
            f"{cpu_median * 1e3:,.0f} ms CPU",
            cpu_median / bare,
            f"CPU / {len(setup.bare):,} Ed25519 verify",
        ),
    ]
    result.notes += [
        f"{rounds} alternating rounds (reference, then verify, one process): "
        + ", ".join(
            f"{t * 1e3:,.0f} ms (bare {b * 1e3:,.1f} ms)" for t, b in zip(times, bare_times, strict=True)
        ),
        f"bundle of {setup.records:,} records, {setup.size / 1e6:.1f} MB, built once in "
        f"{setup.build_seconds:.1f} s on SQLite; the reference is one Ed25519 verify per credential proof "
        "plus the checkpoint's signature",
    ]
    return result
