"""The organisations and products of ``make demo`` (api/demo.py): a lithium-battery chain (lithium carbonate,
cathode material, cell, pack), a crystalline-silicon PV chain (polysilicon, wafer, cell, module) and a steel
chain (scrap, coil, stamped part), each enterprise with a valid Unified Social Credit Code and its own
industrial-internet prefix. The figures are illustrative (docs/background-data.md says where the background
factors come from); the roll-up arithmetic over them is exact and checked by every verification.
"""

from __future__ import annotations

from dataclasses import dataclass

from identifiers.uscc import uscc_check_character


def uscc(body: str) -> str:
    """A valid Unified Social Credit Code: ``body`` (17 characters) and its GB 32100-2015 check character."""
    return body + uscc_check_character(body)


@dataclass(frozen=True)
class Org:
    """A registered enterprise: its short name (key files), USCC, legal name, roles and prefix."""

    name: str
    uscc: str
    legal_name: str
    role: str
    prefix: str | None = None


@dataclass(frozen=True)
class Supplied:
    """A supplier's footprint attestation, as ``carbontrail attest`` options."""

    org: str
    product: str
    product_name: str
    unit: str
    amount: str
    stages: tuple[tuple[str, str], ...]
    geography: str
    primary_data_share: str

    @property
    def pcf(self) -> str:
        """The total per declared unit amount (the sum of the stages, exactly)."""
        from decimal import Decimal

        return str(sum((Decimal(v) for _, v in self.stages), Decimal(0)))


@dataclass(frozen=True)
class Tier:
    """A manufacturer's passport: file stem, organisation and specification (YAML)."""

    name: str
    org: str
    product: str
    spec: str


PUBLISHER = Org("publisher", uscc("12100000400012345"), "Demo Carbon Data Centre", "database-publisher")
CERTIFIER = Org("certifier", uscc("91110000MA0100121"), "Demo Certification Co., Ltd.", "certification-body")

ORGS = (
    Org("lithium", uscc("91630000MA7520011"), "Qinghai Demo Lithium Co., Ltd.", "supplier", "88.118.1"),
    Org("cathode", uscc("91510900MA6200021"), "Sichuan Demo Cathode Co., Ltd.", "manufacturer", "88.118.2"),
    Org("cells", uscc("91320400MA1000031"), "Jiangsu Demo Cell Co., Ltd.", "manufacturer", "88.118.8"),
    Org("packs", uscc("91320400MA1000041"), "Changzhou Demo Pack Co., Ltd.", "manufacturer", "88.118.4"),
    Org("poly", uscc("91510100MA6200051"), "Leshan Demo Polysilicon Co., Ltd.", "supplier", "88.120.1"),
    Org("wafers", uscc("91530300MA6000061"), "Qujing Demo Wafer Co., Ltd.", "manufacturer", "88.120.5"),
    Org("pvcells", uscc("91320900MA1000071"), "Yancheng Demo PV Cell Co., Ltd.", "manufacturer", "88.120.6"),
    Org("modules", uscc("91320900MA1000081"), "Yancheng Demo Module Co., Ltd.", "manufacturer", "88.120.7"),
    Org("scrap", uscc("91130200MA0000091"), "Tangshan Demo Recycling Co., Ltd.", "supplier", "88.130.1"),
    Org("mill", uscc("91130200MA0000101"), "Tangshan Demo Steel Co., Ltd.", "manufacturer", "88.130.8"),
    Org("stamping", uscc("91120000MA0000111"), "Tianjin Demo Stamping Co., Ltd.", "manufacturer", "88.130.9"),
)  # fmt: skip

SUPPLIED = (
    Supplied(
        "lithium", "88.118.1/LI2CO3-BG", "battery-grade lithium carbonate", "kilogram", "1",
        (("rawMaterialAcquisition", "9.00"), ("manufacturing", "3.00")), "CN-QH", "100",
    ),
    Supplied(
        "poly", "88.120.1/POLY-FBR", "granular polysilicon (FBR)", "kilogram", "1",
        (("rawMaterialAcquisition", "3.20"), ("manufacturing", "9.80")), "CN-SC", "85",
    ),
    Supplied(
        "scrap", "88.130.1/SCRAP-HMS", "prepared steel scrap (HMS 1)", "kilogram", "1000",
        (("rawMaterialAcquisition", "20.0"), ("manufacturing", "15.0")), "CN-HE", "90",
    ),
)  # fmt: skip

_HEADER = """specVersion: 1
referencePeriodStart: 2025-01-01T00:00:00Z
referencePeriodEnd: 2026-01-01T00:00:00Z
datasets: [{datasetId: cn-background, version: 2025.1}]
"""

TIERS = (
    Tier("cathode", "cathode", "88.118.2/LFP-CAM", _HEADER + """product:
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
  - {ref: li2co3, component: 88.118.1/LI2CO3-BG, quantity: 240, unit: kg, originCountry: CN}
process:
  - stage: manufacturing
    emissions: 500
    uncertainty: {distribution: normal, method: analytical, standardDeviation: 50}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 4000, unit: kWh, factor: elec-grid-cn-sc-2022}]
transport:
  - {stage: rawMaterialAcquisition, factor: transport-rail, mass: 0.24, massUnit: t, distance: 1500}
"""),
    Tier("lfp-cell", "cells", "88.118.8/LFP-280Ah", _HEADER + """product:
  id: 88.118.8/LFP-280Ah
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
"""),
    Tier("lfp-pack", "packs", "88.118.4/PACK-14kWh", _HEADER + """product:
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
  - {ref: cells, component: 88.118.8/LFP-280Ah, quantity: 14336, unit: Wh}
  - {ref: housing, factor: aluminium-primary, quantity: 12, unit: kg, name: aluminium housing}
process:
  - {stage: manufacturing, emissions: 20.5}
electricity:
  accounting: market-based
  supplies:
    - {stage: manufacturing, quantity: 150, unit: kWh, factor: elec-grid-cn-excl-market-nonfossil-2022,
       certificates: 100}
transport:
  - {stage: distribution, factor: transport-road-articulated, mass: 110, massUnit: kg, distance: 800}
battery: {lifetimeEnergy: 38707.2, declaredUnitsPerBattery: 14.336, performanceClass: B,
          study: "https://pack.example.cn/pcf.pdf"}
"""),
    Tier("wafer", "wafers", "88.120.5/WAFER-M10", _HEADER + """product:
  id: 88.120.5/WAFER-M10
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
  - {ref: polysilicon, component: 88.120.1/POLY-FBR, quantity: 13, unit: kg}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 1.5, unit: MWh, factor: elec-grid-cn-yn-2022}]
"""),
    Tier("pv-cell", "pvcells", "88.120.6/CELL-M10", _HEADER + """product:
  id: 88.120.6/CELL-M10
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
  - {ref: wafer, component: 88.120.5/WAFER-M10, quantity: 1, unit: piece}
process:
  - {stage: manufacturing, emissions: 0.0100}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 0.18, unit: MJ, factor: elec-grid-cn-east-2022}]
"""),
    Tier("pv-module", "modules", "88.120.7/MODULE-144", _HEADER + """product:
  id: 88.120.7/MODULE-144
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
  - {ref: cells, component: 88.120.6/CELL-M10, quantity: 144, unit: piece}
  - {ref: frame, factor: aluminium-primary, quantity: 2.0, unit: kg, name: aluminium frame}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 10, unit: kWh, factor: elec-grid-cn-east-2022}]
transport:
  - {stage: distribution, factor: transport-road-hgv, mass: 25, massUnit: kg, distance: 1000}
"""),
    Tier("steel-coil", "mill", "88.130.8/HRC-2.0", _HEADER + """product:
  id: 88.130.8/HRC-2.0
  name: hot-rolled coil 2.0 mm (scrap EAF)
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
  - {ref: scrap, component: 88.130.1/SCRAP-HMS, quantity: 1.1, unit: t}
process:
  - {stage: manufacturing, emissions: 120}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 550, unit: kWh, factor: elec-grid-cn-he-2022}]
transport:
  - {stage: rawMaterialAcquisition, factor: transport-rail, mass: 1.1, massUnit: t, distance: 200}
"""),
    Tier("steel-bracket", "stamping", "88.130.9/BRACKET-7", _HEADER + """product:
  id: 88.130.9/BRACKET-7
  name: stamped bracket
  site:
    id: https://facilities.example.cn/tianjin-stamping-plant
    name: Tianjin stamping plant
    geography: CN-TJ
declaredUnit: piece
unitaryProductAmount: 1
boundary: cradle-to-gate
billOfMaterials:
  - {ref: coil, component: 88.130.8/HRC-2.0, quantity: 0.0125, unit: t}
process:
  - {stage: manufacturing, emissions: 0.35}
electricity:
  accounting: location-based
  supplies: [{stage: manufacturing, quantity: 2.5, unit: kWh, factor: elec-grid-cn-he-2022}]
"""),
)  # fmt: skip
"""The passports, in the order they can be composed (each tier after the ones it rests on)."""

FINAL = ("lfp-pack", "pv-module", "steel-bracket")
"""The end products a customer holds."""
