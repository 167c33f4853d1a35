"""Factor datasets and benchmarks round-trip through signed bytes; every rule has a failing example."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from passport import factors as pf
from passport.document import SignedDocument
from passport.envelope import public_key_bytes
from passport.errors import BenchmarkError, FactorDatasetError, PassportError
from passport.footprint import Uncertainty
from tests.unit.passport.footprint_strategies import USCC, benchmarks, factor_datasets, flip_byte

D = Decimal
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(3, 35)))
WHEN = "2026-01-15T00:00:00Z"
GRID = pf.EmissionFactor(
    "grid-cn-east", D("0.5810"), "kgCO2e/kWh", 2023, "MEE 2023 regional grid factors", "CN"
)


def dataset(*factors: pf.EmissionFactor) -> pf.FactorDataset:
    return pf.FactorDataset("cn-background", "2025.1", USCC, factors or (GRID,))


def benchmark(**changes: Any) -> pf.Benchmark:
    values: dict[str, Any] = {
        "category": "LFP cell",
        "version": "2025.1",
        "declared_unit": "kilowatt hour",
        "unitary_product_amount": D("1"),
        "limit": D("90"),
        "baseline": D("70"),
        "top_runner": D("50"),
        "illustrative": True,
    }
    return pf.Benchmark(**{**values, **changes})


@settings(max_examples=80, deadline=None)
@given(factor_datasets())
def test_dataset_round_trip(ds: pf.FactorDataset) -> None:
    doc = pf.sign_factor_dataset(ds, KEY, WHEN, valid_until="2027-01-01T00:00:00Z")
    parsed, key = pf.parse_factor_dataset(SignedDocument.from_bytes(doc.raw))
    assert parsed == ds
    assert key == public_key_bytes(KEY)
    assert parsed.to_subject() == doc.data["credentialSubject"]
    assert pf.is_factor_dataset(doc.data)
    assert not pf.is_benchmark(doc.data)


@settings(max_examples=80, deadline=None)
@given(benchmarks())
def test_benchmark_round_trip(bm: pf.Benchmark) -> None:
    doc = pf.sign_benchmark(bm, KEY, WHEN)
    parsed, key = pf.parse_benchmark(SignedDocument.from_bytes(doc.raw))
    assert parsed == bm
    assert key == public_key_bytes(KEY)
    assert pf.is_benchmark(doc.data)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_tampering_is_refused(data: st.DataObject) -> None:
    dataset_doc = pf.sign_factor_dataset(dataset(), KEY, WHEN)
    with pytest.raises(PassportError):
        pf.parse_factor_dataset(SignedDocument.from_bytes(flip_byte(data, dataset_doc.raw)))
    benchmark_doc = pf.sign_benchmark(benchmark(), KEY, WHEN)
    with pytest.raises(PassportError):
        pf.parse_benchmark(SignedDocument.from_bytes(flip_byte(data, benchmark_doc.raw)))


def test_factor_lookup_and_unit() -> None:
    ds = dataset(GRID, replace(GRID, factor_id="truck", unit="kgCO2e/tkm", value=D("0.078")))
    assert ds.factor("truck").per == "tkm"
    with pytest.raises(KeyError):
        ds.factor("ship")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"value": D("-0.1")}, "factors.negative"),
        ({"value": 0.58}, "factors.decimal"),
        ({"unit": "kgCO2e/furlong"}, "factors.unit"),
        ({"unit": "tCO2e/kWh"}, "factors.unit"),
        ({"year": 1850}, "factors.year"),
        ({"year": True}, "factors.year"),
        ({"geography": "CN-ZZ"}, "factors.geography"),
        ({"source": ""}, "factors.text"),
        ({"factor_id": "bad id!"}, "factors.field"),
        (
            {"uncertainty": Uncertainty("normal", "analytical", standard_deviation=D("-1"))},
            "factors.uncertainty",
        ),
    ],
)
def test_factor_rules(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(FactorDatasetError) as e:
        replace(GRID, **changes)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"version": ""}, "factors.version"),
        ({"publisher": "91320000MA1234567X"}, "factors.publisher"),
        ({"publisher": "91320000ma1234567t"}, "factors.publisher"),
        ({"factors": ()}, "factors.empty"),
        ({"factors": (GRID, GRID)}, "factors.duplicate"),
        ({"factors": (GRID,) * (pf.MAX_FACTORS + 1)}, "factors.too_large"),
    ],
)
def test_dataset_rules(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(FactorDatasetError) as e:
        replace(dataset(), **changes)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("factors", 0, "year"), "2023", "factors.year"),
        (("factors", 0, "value"), 0.581, "factors.decimal"),
        (("factors", 0, "extra"), "x", "factors.field"),
        (("publisher",), None, "factors.field"),
        (("type",), ["VerifiableCredential", "ProductCategoryBenchmark"], "factors.shape"),
    ],
)
def test_dataset_wire_rules(path: tuple[Any, ...], value: Any, code: str) -> None:
    data = json.loads(pf.sign_factor_dataset(dataset(), KEY, WHEN).raw)
    target = data if path[0] == "type" else data["credentialSubject"]
    for step in path[:-1]:
        target = target[step]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    with pytest.raises(FactorDatasetError) as e:
        pf.parse_factor_dataset(SignedDocument.from_json(data))
    assert e.value.code == code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"declared_unit": "kWh"}, "benchmark.unit"),
        ({"unitary_product_amount": D("0")}, "benchmark.amount"),
        ({"top_runner": D("-1")}, "benchmark.negative"),
        ({"baseline": D("95")}, "benchmark.order"),
        ({"top_runner": D("71")}, "benchmark.order"),
        ({"version": "v 1  x"}, "benchmark.version"),
        ({"boundary": "gate-to-gate"}, "benchmark.boundary"),
        ({"geography": "Atlantis"}, "benchmark.geography"),
        ({"category": ""}, "benchmark.text"),
        ({"limit": D("Infinity")}, "benchmark.decimal"),
        ({"illustrative": "yes"}, "benchmark.field"),
    ],
)
def test_benchmark_rules(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(BenchmarkError) as e:
        benchmark(**changes)
    assert e.value.code == code


def test_benchmark_needs_the_illustrative_flag_on_the_wire() -> None:
    data = json.loads(pf.sign_benchmark(benchmark(), KEY, WHEN).raw)
    del data["credentialSubject"]["illustrative"]
    with pytest.raises(BenchmarkError) as e:
        pf.parse_benchmark(SignedDocument.from_json(data))
    assert e.value.code == "benchmark.field"
