"""Hypothesis strategies and fixtures for footprint attestations, factor datasets and benchmarks."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from passport import footprint as fp
from passport.attestation import Attestation
from passport.examples import example_attestation
from passport.factors import Benchmark, EmissionFactor, FactorDataset
from passport.quantity import DECLARED_UNITS, FACTOR_UNIT_DENOMINATORS

D = Decimal
USCC = "91320000MA1234567T"


def flip_byte(data: st.DataObject, raw: bytes) -> bytes:
    """``raw`` with one byte, drawn with its new value, changed."""
    i = data.draw(st.integers(0, len(raw) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != raw[i]))
    return raw[:i] + bytes([byte]) + raw[i + 1 :]


def base_attestation() -> Attestation:
    """A valid cradle-to-gate LFP cell attestation, the example of docs/attestation.md."""
    return example_attestation()


def decimals(low: str, high: str, places: int = 3) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def attestations(draw: st.DrawFn) -> Attestation:
    """Valid attestations: components drawn, totals and the last stage computed so the sums hold."""
    emissions: dict[str, Any] = {
        name: draw(st.none() | decimals("0", "500"))
        for name in (
            "land_use_emissions",
            "land_management_biogenic_co2_emissions",
            "biogenic_non_co2_emissions",
        )
    }
    removals: dict[str, Any] = {
        name: draw(st.none() | decimals("-50", "0"))
        for name in (
            "land_management_biogenic_co2_removals",
            "technological_co2_removals",
            "ccs_technological_co2_capture",
        )
    }
    fossil = draw(decimals("0", "1000"))
    uptake = draw(st.none() | decimals("-50", "0"))
    excluding = fossil + sum((v for v in {**emissions, **removals}.values() if v is not None), D(0))
    gross = fossil + sum((v for v in emissions.values() if v is not None), D(0))
    boundary = draw(st.sampled_from(["cradle-to-gate", "cradle-to-grave"]))
    allowed = ["rawMaterialAcquisition", "manufacturing", "distribution"]
    if boundary == "cradle-to-grave":
        allowed += ["use", "endOfLife"]
    stages = None
    names = draw(st.lists(st.sampled_from(allowed), unique=True, max_size=len(allowed)))
    if names:
        values = {n: draw(decimals("-10", "300")) for n in names[:-1]}
        values[names[-1]] = excluding - sum(values.values(), D(0))
        stages = fp.Stages.from_items(values)
    packaging_included = draw(st.booleans())
    start_year = draw(st.integers(2000, 2030))
    distribution = draw(st.sampled_from(fp.DISTRIBUTIONS))
    uncertainty = None
    if draw(st.booleans()):
        if distribution == "normal":
            uncertainty = fp.Uncertainty(
                "normal", "analytical", standard_deviation=draw(decimals("0.001", "9"))
            )
        elif distribution == "lognormal" and excluding > 0:
            uncertainty = fp.Uncertainty("lognormal", "pedigree", geometric_standard_deviation=D("1.2"))
        elif distribution in ("triangular", "uniform"):
            uncertainty = fp.Uncertainty(
                distribution, "monte-carlo", minimum=excluding - 1, maximum=excluding + 1
            )
    text = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=20).filter(
        lambda t: unicodedata.normalize("NFC", t) == t
    )
    return Attestation(
        product_id=draw(
            st.sampled_from(["88.118.8/LFP-280Ah", "06901234567892", "urn:pact:example.com:sku:1"])
        ),
        declared_unit=draw(st.sampled_from(list(DECLARED_UNITS))),
        unitary_product_amount=draw(decimals("0.001", "1000")),
        pcf_excluding_biogenic=excluding,
        pcf_including_biogenic=excluding + (uptake if uptake is not None else D(0)),
        fossil_ghg_emissions=fossil,
        biogenic_co2_uptake=uptake,
        **emissions,
        **removals,
        aircraft_ghg_emissions=draw(st.none() | st.just(gross)),
        packaging_emissions_included=packaging_included,
        packaging_ghg_emissions=draw(st.none() | st.just(D(0))) if packaging_included else None,
        boundary=boundary,
        reference_period_start=f"{start_year}-01-01T00:00:00Z",
        reference_period_end=f"{start_year + 1}-01-01T00:00:00+08:00",
        standards=tuple(
            draw(st.lists(st.sampled_from(["ISO14067", "GB/T 24067", "PACT-2.0"]), min_size=1, unique=True))
        ),
        product_name=draw(st.none() | text),
        geography=draw(st.none() | st.sampled_from(["CN", "CN-JS", "DE-BW", "Eastern Asia"])),
        stages=stages,
        primary_data_share=draw(st.none() | decimals("0", "100", 2)),
        exempted_emissions_percent=draw(st.none() | decimals("0", "5", 1)),
        dqi=draw(
            st.none() | st.just(fp.DataQuality(D("1"), D("5"), D("2.5"), D("3"), coverage_percent=D("95")))
        ),
        uncertainty=uncertainty,
        factor_datasets=tuple(
            fp.FactorDatasetRef(f"ds-{i}", "1.0", draw(st.none() | st.just("sha256:" + f"{i:x}" * 64)))
            for i in range(draw(st.integers(0, 2)))
        ),
        product_or_sector_specific_rules=draw(
            st.sampled_from([(), (fp.SectorRule("EPD International", ("PCR 2019:14",)),)])
        ),
        supersedes=draw(st.none() | st.just("sha256:" + "c" * 64)),
        extensions=draw(
            st.sampled_from(
                [
                    (),
                    (
                        fp.PactExtension(
                            "2.0.0", "https://catalog.example/s/1.0.0/schema.json", '{"k":[1,"v",null]}'
                        ),
                    ),
                ]
            )
        ),
    )


@st.composite
def factor_datasets(draw: st.DrawFn) -> FactorDataset:
    count = draw(st.integers(1, 5))
    factors = tuple(
        EmissionFactor(
            factor_id=f"f-{i}",
            value=draw(decimals("0", "5000", 4)),
            unit="kgCO2e/" + draw(st.sampled_from(sorted(FACTOR_UNIT_DENOMINATORS))),
            year=draw(st.integers(2000, 2030)),
            source="China Electricity Council, annual report 2023, table 4",
            geography=draw(st.none() | st.sampled_from(["CN", "CN-JS", "Eastern Asia"])),
            uncertainty=draw(
                st.none()
                | st.just(fp.Uncertainty("uniform", "expert-judgement", minimum=D(0), maximum=D(5000)))
            ),
        )
        for i in range(count)
    )
    return FactorDataset(
        f"cn-bg-{draw(st.integers(0, 9))}", draw(st.sampled_from(["2025.1", "1.0.0"])), USCC, factors
    )


@st.composite
def benchmarks(draw: st.DrawFn) -> Benchmark:
    top = draw(decimals("0", "100"))
    base = top + draw(decimals("0", "100"))
    limit = base + draw(decimals("0", "100"))
    return Benchmark(
        category=draw(st.sampled_from(["LFP cell", "c-Si PV module", "hot-rolled coil (BF-BOF)"])),
        version="2025.1",
        declared_unit=draw(st.sampled_from(list(DECLARED_UNITS))),
        unitary_product_amount=D("1"),
        limit=limit,
        baseline=base,
        top_runner=top,
        illustrative=draw(st.booleans()),
        boundary=draw(st.none() | st.sampled_from(["cradle-to-gate", "cradle-to-grave"])),
        geography=draw(st.none() | st.just("CN")),
    )
