"""The shipped background database loads into valid credentials, keeps its provenance and ids, and
round-trips through signatures (docs/background-data.md)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passport import background as bg
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.errors import BenchmarkError, FactorDatasetError
from passport.factors import parse_benchmark, parse_factor_dataset, sign_benchmark, sign_factor_dataset
from tests.unit.passport.footprint_strategies import USCC

WHEN = "2026-01-15T00:00:00Z"

# The published factor ids: attestations and passports cite them, so changing one is a breaking change that
# must come with a new dataset version (and this list).
FACTOR_IDS = [
    "elec-grid-cn-2022", "elec-grid-cn-2021", "elec-grid-cn-excl-market-nonfossil-2022",
    "elec-fossil-cn-2022", "elec-fossil-cn-2021", "elec-grid-cn-north-2022", "elec-grid-cn-northeast-2022",
    "elec-grid-cn-east-2022", "elec-grid-cn-central-2022", "elec-grid-cn-northwest-2022",
    "elec-grid-cn-south-2022", "elec-grid-cn-southwest-2022", "elec-grid-cn-he-2022",
    "elec-grid-cn-sx-2022", "elec-grid-cn-tj-2022", "elec-grid-cn-nm-2022", "elec-grid-cn-ah-2022",
    "elec-grid-cn-fj-2022", "elec-grid-cn-gx-2022", "elec-grid-cn-qh-2022", "elec-grid-cn-sc-2022",
    "elec-grid-cn-yn-2022", "transport-road-hgv", "transport-road-articulated", "transport-rail",
    "transport-inland-waterway", "transport-sea-bulk-large", "transport-sea-bulk-small",
    "transport-air-long-haul", "transport-air-short-haul", "lithium-carbonate-brine",
    "lithium-carbonate-spodumene", "graphite-anode-synthetic", "copper-primary", "aluminium-primary",
    "polysilicon-fbr-granular", "polysilicon-metallurgical-hydro", "steel-crude-world-2021",
    "steel-crude-bf-bof", "steel-crude-dri-eaf", "steel-crude-scrap-eaf", "battery-pack-lfp-ev-28kwh",
    "battery-pack-nmc-ev-28kwh", "battery-storage-lfp",
]  # fmt: skip
CATEGORIES = ["LFP battery cell", "LFP battery pack", "crystalline-silicon PV module", "hot-rolled coil"]


def raw_dataset() -> dict[str, Any]:
    text = resources.files("passport.data").joinpath(bg.DATASET_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_dataset_loads_with_pinned_ids() -> None:
    ds = bg.load_factor_dataset(USCC)
    assert (ds.dataset_id, ds.version, ds.publisher) == ("cn-background", "2025.1", USCC)
    assert [f.factor_id for f in ds.factors] == FACTOR_IDS
    assert len(set(FACTOR_IDS)) == len(FACTOR_IDS)
    assert bg.load_factor_dataset(USCC) == ds


def test_every_factor_carries_source_year_and_locator() -> None:
    raw = {f["factorId"]: f for f in raw_dataset()["factors"]}
    for f in bg.load_factor_dataset(USCC).factors:
        assert f.source.strip()
        assert 1990 <= f.year <= 2026
        entry = raw[f.factor_id]
        assert f.source == f"{raw_dataset()['sources'][entry['source']]}; {entry['locator']}"


def test_co2_only_factors_say_so() -> None:
    ds = bg.load_factor_dataset(USCC)
    for f in ds.factors:
        if f.factor_id.startswith(("elec-", "steel-")):
            assert f.description is not None, f.factor_id
            assert f.description.startswith("CO2 only"), f.factor_id
    assert ds.factor("elec-grid-cn-east-2022").value == Decimal("0.5617")
    assert ds.factor("elec-grid-cn-yn-2022").geography == "CN-YN"
    assert ds.factor("transport-rail").unit == "kgCO2e/tkm"


def test_units_by_kind() -> None:
    for f in bg.load_factor_dataset(USCC).factors:
        if f.factor_id.startswith("elec-"):
            assert f.unit == "kgCO2e/kWh"
        elif f.factor_id.startswith("transport-"):
            assert f.unit == "kgCO2e/tkm"
        elif not f.factor_id.startswith("battery-"):
            assert f.unit == "kgCO2e/kg", f.factor_id


def test_benchmarks_load_and_are_illustrative() -> None:
    benchmarks = bg.load_benchmarks()
    assert [b.category for b in benchmarks] == CATEGORIES
    for b in benchmarks:
        assert b.illustrative is True
        assert b.source is not None
        assert b.source.startswith("Illustrative values, not official")
        assert b.top_runner <= b.baseline <= b.limit
    coil = bg.benchmark_for("hot-rolled coil")
    assert (coil.declared_unit, coil.unitary_product_amount) == ("kilogram", Decimal("1000"))
    assert bg.benchmark_for("crystalline-silicon PV module").declared_unit == "square meter"
    with pytest.raises(KeyError):
        bg.benchmark_for("cement")


def test_signing_round_trips_with_a_throwaway_key() -> None:
    key = Ed25519PrivateKey.generate()
    ds = bg.load_factor_dataset(USCC)
    parsed, signer = parse_factor_dataset(SignedDocument.from_bytes(sign_factor_dataset(ds, key, WHEN).raw))
    assert parsed == ds
    assert signer == public_key_bytes(key)
    for b in bg.load_benchmarks():
        parsed_b, signer_b = parse_benchmark(SignedDocument.from_bytes(sign_benchmark(b, key, WHEN).raw))
        assert parsed_b == b
        assert signer_b == public_key_bytes(key)


def test_bad_publisher_is_refused() -> None:
    with pytest.raises(FactorDatasetError) as e:
        bg.load_factor_dataset("91320000MA1234567X")
    assert e.value.code == "factors.publisher"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d["factors"][0].pop("locator"), "factors.field"),
        (lambda d: d["factors"][0].update(extra="x"), "factors.field"),
        (lambda d: d["factors"][0].update(source="nowhere"), "factors.field"),
        (lambda d: d["sources"].update(spare="An unused citation, 2020"), "factors.field"),
        (lambda d: d["factors"][0].update(year="2022"), "factors.year"),
        (lambda d: d["factors"][0].update(value="-0.5"), "factors.negative"),
        (lambda d: d["factors"][0].update(unit="kgCO2/kWh"), "factors.unit"),
        (lambda d: d["factors"][1].update(factorId="elec-grid-cn-2022"), "factors.duplicate"),
        (lambda d: d.pop("sources"), "factors.field"),
        (lambda d: d.update(factors={}), "factors.field"),
    ],
)
def test_broken_dataset_documents_are_refused(mutate: Any, code: str) -> None:
    doc = copy.deepcopy(raw_dataset())
    mutate(doc)
    with pytest.raises(FactorDatasetError) as e:
        bg.dataset_from_document(doc, USCC)
    assert e.value.code == code


def test_broken_benchmark_documents_are_refused() -> None:
    text = resources.files("passport.data").joinpath(bg.BENCHMARKS_FILE).read_text(encoding="utf-8")
    doc = json.loads(text)
    with pytest.raises(BenchmarkError) as e:
        bg.benchmarks_from_document([*doc, doc[0]])
    assert e.value.code == "benchmark.duplicate"
    with pytest.raises(BenchmarkError) as e:
        bg.benchmarks_from_document([])
    assert e.value.code == "benchmark.field"
    swapped = copy.deepcopy(doc)
    swapped[0]["limit"], swapped[0]["topRunner"] = swapped[0]["topRunner"], swapped[0]["limit"]
    with pytest.raises(BenchmarkError) as e:
        bg.benchmarks_from_document(swapped)
    assert e.value.code == "benchmark.order"
