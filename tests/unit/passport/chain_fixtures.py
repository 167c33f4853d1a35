"""The demo supply chains of issue 5 as specifications, composed tier by tier into signed passports.

Battery: lithium carbonate (a supplier's attestation) -> LFP cathode -> LFP cell -> pack; PV: polysilicon
(background factor) -> wafer -> cell -> module; steel: scrap-route crude steel (background factor) ->
hot-rolled coil -> stamped part. Every factor is from the shipped ``cn-background`` 2025.1 dataset, signed
here by a test publisher so that it has a real credential digest; benchmarks are the shipped ones. The
hand-checked totals are in tests/unit/passport/test_rollup.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.multikey import did_key_from_public_key
from passport import footprint as fp
from passport.attestation import Attestation, sign_attestation
from passport.background import benchmark_for, load_factor_dataset
from passport.document import SignedDocument
from passport.dpp import compose_passport, parse_passport, sign_passport
from passport.dpp_parse import Passport
from passport.envelope import public_key_bytes
from passport.factors import sign_benchmark, sign_factor_dataset
from passport.rollup import BenchmarkUse, DatasetUse, Resolved, Rollup, Upstream, rollup
from passport.spec import PassportSpec, parse_spec
from tests.unit.passport.footprint_strategies import USCC

D = Decimal
WHEN = "2026-01-15T00:00:00Z"
RESOLVER = "https://ct.example.cn"
RECEIPT = "c2sp.org/tlog-proof@v1\nindex {index}\n{hashes}\nct.example.cn/log\n{size}\nAAAA\n"


def key(seed: int) -> Ed25519PrivateKey:
    """A deterministic test key."""
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def did(k: Ed25519PrivateKey) -> str:
    """The did:key of a key."""
    return did_key_from_public_key(public_key_bytes(k))


@cache
def dataset_use() -> DatasetUse:
    """The shipped background dataset, signed by a test publisher."""
    dataset = load_factor_dataset(USCC)
    return DatasetUse(dataset, sign_factor_dataset(dataset, key(1), WHEN).digest)


@cache
def benchmark_use(category: str) -> BenchmarkUse:
    """A shipped benchmark, signed by the test publisher."""
    benchmark = benchmark_for(category)
    return BenchmarkUse(benchmark, sign_benchmark(benchmark, key(1), WHEN).digest)


def receipt(index: int) -> str:
    """Receipt-shaped text for ``index`` (the passport package checks only its header and index line)."""
    return RECEIPT.format(index=index, hashes="AAAA", size=index + 1)


LITHIUM_CARBONATE = Attestation(
    product_id="88.118.1/LI2CO3-BG",
    product_name="Battery-grade lithium carbonate",
    declared_unit="kilogram",
    unitary_product_amount=D("1"),
    pcf_excluding_biogenic=D("12.00"),
    pcf_including_biogenic=D("12.00"),
    fossil_ghg_emissions=D("12.00"),
    packaging_emissions_included=False,
    boundary="cradle-to-gate",
    reference_period_start="2025-01-01T00:00:00Z",
    reference_period_end="2026-01-01T00:00:00Z",
    standards=("ISO14067",),
    stages=fp.Stages(raw_material_acquisition=D("9.00"), manufacturing=D("3.00")),
    primary_data_share=D("100"),
    dqi=fp.DataQuality(D("1.5"), D("1.0"), D("2.0")),
    uncertainty=fp.Uncertainty("normal", "monte-carlo", standard_deviation=D("0.60")),
)


def lithium_upstream() -> Upstream:
    """The lithium carbonate attestation, signed and logged at index 3."""
    doc = sign_attestation(LITHIUM_CARBONATE, key(2), WHEN)
    return Upstream.from_attestation(LITHIUM_CARBONATE, doc.digest, log_index=3, receipt=receipt(3))


HEADER = """specVersion: 1
referencePeriodStart: 2025-01-01T00:00:00Z
referencePeriodEnd: 2026-01-01T00:00:00Z
datasets: [{datasetId: cn-background, version: 2025.1}]
"""

CATHODE = (
    HEADER
    + """product:
  id: 88.118.2/LFP-CAM
  name: LFP cathode active material
  batch: CAM-2025-031
  site:
    id: https://facilities.example.cn/suining-cathode-plant
    name: Suining cathode plant
    geography: CN-SC
declaredUnit: kilogram
unitaryProductAmount: 1
inventoryAmount: 1000
boundary: cradle-to-gate
billOfMaterials:
  - {ref: li2co3, component: 88.118.1/LI2CO3-BG, quantity: 240, unit: kg, originCountry: CL}
process:
  - stage: manufacturing
    emissions: 500
    uncertainty: {distribution: normal, method: analytical, standardDeviation: 50}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 4000, unit: kWh, factor: elec-grid-cn-sc-2022}]
transport:
  - {stage: rawMaterialAcquisition, factor: transport-rail, mass: 0.24, massUnit: t, distance: 1500}
"""
)

CELL = (
    HEADER
    + """product:
  id: 88.118.3/LFP-280Ah
  name: LFP cell 280 Ah
  category: LFP battery cell
  batch: CELL-2025-07
  site:
    id: https://facilities.example.cn/changzhou-cell-plant
    name: Changzhou cell plant
    geography: CN-JS
declaredUnit: kilowatt hour
unitaryProductAmount: 1
inventoryAmount: 0.896
boundary: cradle-to-gate
billOfMaterials:
  - {ref: cathode, component: 88.118.2/LFP-CAM, quantity: 2.0, unit: kg}
  - {ref: anode, factor: graphite-anode-synthetic, quantity: 1.0, unit: kg, name: synthetic graphite}
  - {ref: foil, factor: copper-primary, quantity: 500, unit: g, name: copper foil}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 20, unit: kWh, factor: elec-grid-cn-east-2022}]
"""
)

PACK = (
    HEADER
    + """product:
  id: 88.118.4/PACK-14kWh
  name: LFP pack 14.336 kWh
  category: LFP battery pack
  serial: PK-000123
  site:
    id: https://facilities.example.cn/changzhou-pack-plant
    name: Changzhou pack plant
    geography: CN-JS
  productionDate: 2025-09-01
declaredUnit: kilowatt hour
unitaryProductAmount: 1
inventoryAmount: 14.336
boundary: cradle-to-gate
billOfMaterials:
  - {ref: cells, component: 88.118.3/LFP-280Ah, quantity: 14336, unit: Wh}
  - {ref: housing, factor: aluminium-primary, quantity: 12, unit: kg, name: aluminium housing}
process:
  - {stage: manufacturing, emissions: 20.5}
electricity:
  accounting: market-based
  supplies:
    - stage: manufacturing
      quantity: 150
      unit: kWh
      factor: elec-grid-cn-excl-market-nonfossil-2022
      certificates: 100
transport:
  - {stage: distribution, factor: transport-road-articulated, mass: 110, massUnit: kg, distance: 800}
battery: {lifetimeEnergy: 38707.2, declaredUnitsPerBattery: 14.336, performanceClass: B, study: "https://pack.example.cn/pcf.pdf"}
"""
)

WAFER = (
    HEADER
    + """product:
  id: 88.118.5/WAFER-M10
  name: mono wafer M10
  site:
    id: https://facilities.example.cn/qujing-wafer-plant
    name: Qujing wafer plant
    geography: CN-YN
declaredUnit: piece
unitaryProductAmount: 1
inventoryAmount: 1000
boundary: cradle-to-gate
decimalPlaces: 4
billOfMaterials:
  - {ref: polysilicon, factor: polysilicon-fbr-granular, quantity: 13, unit: kg}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 1.5, unit: MWh, factor: elec-grid-cn-yn-2022}]
"""
)

PV_CELL = (
    HEADER
    + """product:
  id: 88.118.6/CELL-M10
  name: PERC cell M10
  site:
    id: https://facilities.example.cn/yancheng-cell-plant
    name: Yancheng cell plant
    geography: CN-JS
declaredUnit: piece
unitaryProductAmount: 1
boundary: cradle-to-gate
decimalPlaces: 4
billOfMaterials:
  - {ref: wafer, component: 88.118.5/WAFER-M10, quantity: 1, unit: piece}
process:
  - {stage: manufacturing, emissions: 0.0100}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 0.18, unit: MJ, factor: elec-grid-cn-east-2022}]
"""
)

MODULE = (
    HEADER
    + """product:
  id: 88.118.7/MODULE-144
  name: 144 half-cell module
  category: crystalline-silicon PV module
  site:
    id: https://facilities.example.cn/yancheng-module-plant
    name: Yancheng module plant
    geography: CN-JS
declaredUnit: square meter
unitaryProductAmount: 1
inventoryAmount: 2.0
boundary: cradle-to-gate
decimalPlaces: 2
billOfMaterials:
  - {ref: cells, component: 88.118.6/CELL-M10, quantity: 144, unit: piece}
  - {ref: frame, factor: aluminium-primary, quantity: 2.0, unit: kg, name: aluminium frame}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 10, unit: kWh, factor: elec-grid-cn-east-2022}]
transport:
  - {stage: distribution, factor: transport-road-hgv, mass: 25, massUnit: kg, distance: 1000}
"""
)

COIL = (
    HEADER
    + """product:
  id: 88.118.8/HRC-2.0
  name: hot-rolled coil 2.0 mm
  category: hot-rolled coil
  batch: HRC-25-0907
  site:
    id: https://facilities.example.cn/tangshan-mill
    name: Tangshan mill
    geography: CN-HE
declaredUnit: kilogram
unitaryProductAmount: 1000
boundary: cradle-to-gate
billOfMaterials:
  - {ref: crude-steel, factor: steel-crude-scrap-eaf, quantity: 1050, unit: kg, name: scrap-EAF crude steel}
process:
  - {stage: manufacturing, emissions: 80}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 120, unit: kWh, factor: elec-grid-cn-he-2022}]
transport:
  - {stage: rawMaterialAcquisition, factor: transport-rail, mass: 1.05, massUnit: t, distance: 200}
"""
)

PART = (
    HEADER
    + """product:
  id: 88.118.9/BRACKET-7
  name: stamped bracket
  site:
    id: https://facilities.example.cn/tianjin-stamping-plant
    name: Tianjin stamping plant
    geography: CN-TJ
declaredUnit: piece
unitaryProductAmount: 1
boundary: cradle-to-gate
billOfMaterials:
  - {ref: coil, component: 88.118.8/HRC-2.0, quantity: 0.0125, unit: t}
process:
  - {stage: manufacturing, emissions: 0.35}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 2.5, unit: kWh, factor: elec-grid-cn-he-2022}]
"""
)


@dataclass(frozen=True)
class Tier:
    """One composed tier: specification, roll-up, signed and parsed passport, and what it rests on."""

    spec: PassportSpec
    result: Rollup
    doc: SignedDocument
    passport: Passport
    upstream: Mapping[str, Any]

    def as_upstream(self, index: int) -> Upstream:
        """This tier's passport as the next tier's component, logged at ``index``."""
        return self.passport.to_upstream(self.doc.digest, log_index=index, receipt=receipt(index))


def compose(
    text: str, components: Mapping[str, Upstream], *, disclosure: str = "full", seed: int = 9
) -> Tier:
    """Parse, roll up, compose, sign and parse back one tier."""
    spec = parse_spec(text)
    category = spec.product.category
    bench = None if category is None else benchmark_use(category)
    resolved = Resolved(components, {"cn-background": dataset_use()}, bench)
    result = rollup(spec, resolved)
    k = key(seed)
    credential = compose_passport(
        spec, result, passport_id=f"urn:uuid:00000000-0000-4000-8000-{seed:012d}", issuer=did(k),
        issuer_name="Test Manufacturing Co., Ltd.", resolver_base=RESOLVER, valid_from=WHEN,
        disclosure=disclosure,
    )  # fmt: skip
    doc = sign_passport(credential, k)
    passport, _ = parse_passport(doc)
    upstream: dict[str, Any] = {u.digest: u for u in components.values()}
    upstream[dataset_use().credential] = dataset_use()
    if bench is not None:
        upstream[bench.credential] = bench
    return Tier(spec, result, doc, passport, upstream)


@cache
def battery_chain() -> tuple[Tier, Tier, Tier]:
    """Cathode, cell and pack, each resting on the one before."""
    cathode = compose(CATHODE, {"li2co3": lithium_upstream()}, seed=10)
    cell = compose(CELL, {"cathode": cathode.as_upstream(11)}, seed=11)
    pack = compose(PACK, {"cells": cell.as_upstream(12)}, seed=12)
    return cathode, cell, pack


@cache
def pv_chain() -> tuple[Tier, Tier, Tier]:
    """Wafer, cell and module."""
    wafer = compose(WAFER, {}, seed=20)
    cell = compose(PV_CELL, {"wafer": wafer.as_upstream(21)}, seed=21)
    module = compose(MODULE, {"cells": cell.as_upstream(22)}, seed=22)
    return wafer, cell, module


@cache
def steel_chain() -> tuple[Tier, Tier]:
    """Coil and part."""
    coil = compose(COIL, {}, seed=30)
    part = compose(PART, {"coil": coil.as_upstream(31)}, seed=31)
    return coil, part
