"""Composing and signing a passport of 1,000 components, against the Ed25519 verifications it needs (issue 5).

An installation on SQLite (WAL, ``synchronous=FULL``) in the run's directory, built once: four suppliers and a
manufacturer registered by the registrar through the pipeline (each its own key and industrial-internet
prefix), then one attestation per component (a cradle-to-gate material in kilograms, stages, data quality,
uncertainty: what a supplier typically states), pushed through the pipeline. The specification (one
bill-of-materials line per component, found through its identifier, not pinned) is parsed before the clock
starts. The measured call is what ``carbontrail passport compose --key`` does after reading the
specification: ``api.compose.compose(log, spec, ...)`` (the components resolved through the log's index, each
credential read from the store and verified again, a ``tlog-proof@v1`` receipt per component against the
latest checkpoint, the roll-up, the passport composed) and then ``passport.dpp.sign_passport``.

The target (issue 5) is absolute: the median under 1 s. For information it is printed against the reference
measured in the same run: the bare cost of the Ed25519 verifications the composition needs (one per upstream
credential's proof), made with ``cryptography`` directly, keys loaded and signed data computed beforehand.
Rounds alternate between the reference and the composition; a first composition is untimed (warm caches).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import BenchResult, Figure, Workspace

NAME = "passports"
WHEN = "2026-11-24T10:00:00Z"
SUPPLIERS = 4
MAKER_PREFIX = "88.118.9"
TARGET_SECONDS = 1.0


@dataclass(frozen=True)
class Setup:
    """What one round needs: the composition to time, and the bare verifications it rests on."""

    compose_and_sign: Callable[[], object]
    bare: list[tuple[Any, bytes, bytes]]
    components: int
    build_seconds: float

    def verify_bare(self) -> None:
        """Verify every upstream signature with ``cryptography`` alone."""
        for key, signature, data in self.bare:
            key.verify(signature, data)


def _uscc(n: int) -> str:
    from identifiers.uscc import uscc_check_character

    body = f"91320000MA{n:07d}"
    return body + uscc_check_character(body)


def _material(product: str, i: int) -> Any:
    """A supplier's attestation of one material, per kilogram, cradle to gate (figures vary with ``i``)."""
    from passport import footprint as fp
    from passport.attestation import Attestation

    d = Decimal
    raw, made = d(1 + i % 7) + d("0.25"), d(2 + i % 5) + d("0.50")
    total = raw + made
    return Attestation(
        product_id=product,
        product_name=f"Material {i}",
        declared_unit="kilogram",
        unitary_product_amount=d("1"),
        pcf_excluding_biogenic=total,
        pcf_including_biogenic=total,
        fossil_ghg_emissions=total,
        packaging_emissions_included=False,
        boundary="cradle-to-gate",
        reference_period_start="2025-01-01T00:00:00Z",
        reference_period_end="2026-01-01T00:00:00Z",
        standards=("ISO14067",),
        stages=fp.Stages(raw_material_acquisition=raw, manufacturing=made),
        primary_data_share=d("80"),
        dqi=fp.DataQuality(d("1.5"), d("1.0"), d("2.0")),
        uncertainty=fp.Uncertainty("normal", "monte-carlo", standard_deviation=d("0.40")),
    )


def _spec_text(products: list[str]) -> str:
    lines = "\n".join(
        f"  - {{ref: c{i}, component: {p}, quantity: {1 + i % 3}.5, unit: kg}}"
        for i, p in enumerate(products)
    )
    return f"""specVersion: 1
product:
  id: {MAKER_PREFIX}/ASSEMBLY-{len(products)}
  name: Assembly of {len(products)} components
  batch: B-2026-001
  site: {{id: "https://facilities.example.cn/changzhou", name: Changzhou plant, geography: CN-JS}}
declaredUnit: kilogram
unitaryProductAmount: 1
inventoryAmount: 100
boundary: cradle-to-gate
referencePeriodStart: 2025-01-01T00:00:00Z
referencePeriodEnd: 2026-01-01T00:00:00Z
billOfMaterials:
{lines}
process:
  - {{stage: manufacturing, emissions: 120.5}}
"""


def _bare(document: Any, key: Any) -> tuple[Any, bytes, bytes]:
    """(public key, signature, signed data) of an eddsa-jcs-2022 document, computed once."""
    from passport import dataintegrity as di

    secured = document.parse()
    proof = secured.pop("proof")
    signature = di.decode_proof_value(proof.pop("proofValue"))
    data = di.hash_data(di.transform_jcs(secured), di.proof_config_jcs(proof))
    return key.public_key(), signature, data


@dataclass(frozen=True)
class Supply:
    """The built installation: the log and its pipeline, the manufacturer's key, each component's signed
    attestation with its supplier's key (all pushed), the parsed specification and its build time."""

    log: Any
    pipeline: Any
    maker: Any
    documents: list[tuple[Any, Any]]
    spec: Any
    started: float

    def compose_and_sign(self) -> Any:
        """What ``carbontrail passport compose --key`` does once the specification is read."""
        from api.compose import compose
        from identifiers.multikey import did_key_from_public_key
        from passport.dpp import sign_passport
        from passport.envelope import public_key_bytes

        composition = compose(
            self.log, self.spec, issuer=did_key_from_public_key(public_key_bytes(self.maker)),
            issuer_name="Assembler", resolver_base="https://ct.example.cn",
            passport_id="urn:uuid:00000000-0000-4000-8000-000000000001", valid_from=WHEN,
        )  # fmt: skip
        return sign_passport(composition.credential, self.maker)


def build_supply(root: Path, components: int) -> Supply:
    """Register four suppliers and a manufacturer, push one attestation per component, parse the
    specification of a product made of them (shared with ``bench/verify.py``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.keyfile import read_key_file
    from api.logservice import init_log, open_log
    from api.settings import Settings
    from api.submission import open_pipeline
    from identifiers.registry_ops import RegistryOperation
    from passport.attestation import sign_attestation
    from passport.envelope import public_key_bytes
    from passport.registry import sign_registry_entry
    from passport.spec import parse_spec

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
    documents = []
    for i, product in enumerate(products):
        key = suppliers[i % SUPPLIERS]
        documents.append((sign_attestation(_material(product, i), key, WHEN), key))
    raws = [document.raw for document, _ in documents]
    for begin in range(0, len(raws), 500):
        _submitted(pipeline.submit(raws[begin : begin + 500]), "pushing the attestations")
    return Supply(log, pipeline, maker, documents, parse_spec(_spec_text(products)), start)


def _setup(root: Path, components: int) -> Setup:
    """Build the installation (registered parties, ``components`` pushed attestations) and the timed call."""
    supply = build_supply(root, components)
    bare = [_bare(document, key) for document, key in supply.documents]
    build_seconds = time.perf_counter() - supply.started
    signed: Any = supply.compose_and_sign()  # untimed: warms the caches, and checks the composition is whole
    links = signed.parse()["credentialSubject"]["components"]
    if len(links) != components:
        raise RuntimeError(f"the passport links {len(links)} components, not {components}")
    return Setup(supply.compose_and_sign, bare, components, build_seconds)


def _submitted(outcomes: list[Any], what: str) -> None:
    refused = [o for o in outcomes if not o.accepted]
    if refused:
        raise RuntimeError(f"{what}: {len(refused)} refused, e.g. {refused[0]}")


def run(ws: Workspace) -> BenchResult:
    """Time composing and signing a passport of many components against bare Ed25519 verification."""
    components = 10 if ws.quick else 1000
    rounds = 1 if ws.quick else 7
    result = BenchResult(NAME)
    print(f"  building a log with {components:,} component attestations ...", file=sys.stderr, flush=True)
    setup = _setup(ws.root / "passports", components)
    bare_times: list[float] = []
    times: list[float] = []
    clock = time.perf_counter
    for _ in range(rounds):
        start = clock()
        setup.verify_bare()
        bare_times.append(clock() - start)
        start = clock()
        setup.compose_and_sign()
        times.append(clock() - start)
    median, bare = statistics.median(times), statistics.median(bare_times)
    result.figures += [
        Figure(
            f"compose + sign, {components:,} components",
            f"{median * 1e3:,.0f} ms",
            median / TARGET_SECONDS,
            "median / 1 s",
            "<=",
            1.0,
        ),
        Figure(
            f"compose + sign vs its {components:,} Ed25519 verifies",
            f"{median * 1e3:,.0f} ms vs {bare * 1e3:,.1f} ms",
            median / bare,
            f"passport / {components:,} Ed25519 verify",
        ),
    ]
    result.notes += [
        f"{rounds} alternating rounds (reference, then compose + sign): "
        + ", ".join(
            f"{t * 1e3:,.0f} ms (bare {b * 1e3:,.1f} ms)" for t, b in zip(times, bare_times, strict=True)
        ),
        f"log built once in {setup.build_seconds:.1f} s on SQLite: {SUPPLIERS} suppliers and a manufacturer "
        f"registered, {components:,} attestations pushed; the specification is parsed before timing and each "
        "component is found through its identifier (not pinned); one untimed composition first",
    ]
    return result
