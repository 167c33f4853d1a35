"""The roll-up: hand-checked totals for the battery, PV and steel chains
(tests/unit/passport/chain_fixtures.py) from the shipped background factors; uncertainty, primary data
share, data quality and grade by hand; every refusal with its code; and hypothesis: linear,
order-independent, exact, rounded once."""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passport.errors import RollupError
from passport.factors import Benchmark
from passport.rollup import Resolved, Upstream, rollup, round_half_even
from passport.rollup_stats import grade_letter, round_sqrt, variance
from passport.spec import BomLine, Electricity, FactorRef, PassportSpec, ProcessLine, TransportLeg, parse_spec
from passport.units import convert, factor_between
from tests.unit.passport import chain_fixtures as cf

D = Decimal
F = Fraction


def stages(tier: cf.Tier) -> dict[str, Decimal]:
    return dict(tier.result.stages)


# --- the battery chain ----------------------------------------------------------------------------------


def test_cathode_by_hand() -> None:
    # Per 1000 kg of cathode (inventoryAmount), then per kg:
    #   Li2CO3 240 kg x (9.00 raw, 3.00 manufacturing) per kg    = 2160 raw, 720 manufacturing
    #   rail 0.24 t x 1500 km = 360 tkm x 0.0113 (transport-rail) = 4.068 raw
    #   own process 500 manufacturing; electricity 4000 kWh x 0.1404 (Sichuan) = 561.6 manufacturing
    #   raw 2164.068 / 1000 = 2.164068 -> 2.164; manufacturing 1781.6 / 1000 = 1.7816 -> 1.782; total 3.946
    cathode, _, _ = cf.battery_chain()
    assert stages(cathode) == {"rawMaterialAcquisition": D("2.164"), "manufacturing": D("1.782")}
    assert cathode.result.total == D("3.946")
    assert dict(cathode.result.exact) == {
        "rawMaterialAcquisition": F("2.164068"),
        "manufacturing": F("1.7816"),
    }
    st_ = cathode.result.statistics
    # Variances per kg: Li2CO3 (240/1000)^2 x 0.60^2 = 0.020736; process (50/1000)^2 = 0.0025; factors
    # without uncertainty add nothing. u = sqrt(0.023236) = 0.15243... -> 0.152; U = 2u = 0.30487 -> 0.305.
    assert (st_.standard_deviation, st_.expanded) == (D("0.152"), D("0.305"))
    assert (st_.low, st_.high) == (D("3.641"), D("4.251"))
    # Primary share by |contribution|: (2880 x 100 % + 500 x 100 %) / (2880 + 500 + 561.6 + 4.068)
    # = 3380 / 3945.668 = 85.6641... %; DQRs only from the attestation, which covers 2880 / 3945.668 =
    # 72.991 %.
    assert st_.primary_data_share == D("85.664")
    assert st_.dqi is not None
    assert (st_.dqi.technological, st_.dqi.coverage_percent) == (D("1.500"), D("72.991"))
    # Uncertainty stated for 2880 + 500 of 3945.668 = 85.664 %.
    assert st_.uncertainty_coverage == D("85.664")


def test_cell_by_hand() -> None:
    # One cell = 0.896 kWh (inventoryAmount); per kWh:
    #   cathode 2.0 kg x (2.164, 1.782) = 4.328 raw, 3.564 manufacturing   (the cathode passport's figures)
    #   graphite 1.0 kg x 13.8 = 13.8 raw; copper foil 500 g = 0.5 kg x 2.6 = 1.3 raw
    #   electricity 20 kWh x 0.5617 (East China grid) = 11.234 manufacturing
    #   raw 19.428 / 0.896 = 21.683035... -> 21.683; manufacturing 14.798 / 0.896 = 16.515625 -> 16.516
    _, cell, _ = cf.battery_chain()
    assert stages(cell) == {"rawMaterialAcquisition": D("21.683"), "manufacturing": D("16.516")}
    assert cell.result.total == D("38.199")
    # LFP cell benchmark (illustrative): topRunner 41 -> grade A
    assert cell.result.grade is not None
    assert (cell.result.grade.letter, cell.result.grade.conforms) == ("A", True)


def test_pack_by_hand() -> None:
    # One pack = 14.336 kWh; per kWh:
    #   cells 14336 Wh = 14.336 kWh x (21.683, 16.516) per kWh / 14.336 = 21.683 raw, 16.516 manufacturing
    #   housing 12 kg x 13.2 (aluminium-primary) = 158.4 / 14.336 = 11.049107 raw
    #   process 20.5 / 14.336 = 1.429966 manufacturing
    #   electricity market-based (150 - 100 certified) kWh x 0.5856 (residual mix) = 29.28 / 14.336 = 2.042411
    #   transport 0.110 t x 800 km = 88 tkm x 0.107 = 9.416 / 14.336 = 0.656808 distribution
    #   raw 32.732107 -> 32.732; manufacturing 19.988377 -> 19.988; distribution 0.657; total 53.377
    _, _, pack = cf.battery_chain()
    assert stages(pack) == {
        "rawMaterialAcquisition": D("32.732"),
        "manufacturing": D("19.988"),
        "distribution": D("0.657"),
    }
    assert pack.result.total == D("53.377")
    assert pack.result.grade is not None
    assert pack.result.grade.letter == "A"  # LFP pack topRunner 61


def test_location_based_electricity_costs_the_whole_consumption() -> None:
    text = cf.PACK.replace("market-based", "location-based").replace("\n      certificates: 100", "")
    assert "certificates" not in text
    spec = parse_spec(text)
    result = rollup(spec, Resolved(dict(pack_components()), {"cn-background": cf.dataset_use()}))
    # 150 kWh x 0.5856 = 87.84 / 14.336 = 6.127232 instead of 2.042411: manufacturing 24.073198 -> 24.073
    assert dict(result.stages)["manufacturing"] == D("24.073")


def pack_components() -> dict[str, Upstream]:
    _, cell, _ = cf.battery_chain()
    return {"cells": cell.as_upstream(12)}


# --- the PV chain ---------------------------------------------------------------------------------------


def test_pv_chain_by_hand() -> None:
    wafer, cell, module = cf.pv_chain()
    # Wafer, per 1000 pieces: polysilicon 13 kg x 37 = 481 raw; 1.5 MWh = 1500 kWh x 0.1073 (Yunnan) = 160.95
    # per piece 0.481 raw, 0.16095 manufacturing -> 4 places: 0.16095 is a tie, 9 is odd -> 0.1610
    assert stages(wafer) == {"rawMaterialAcquisition": D("0.4810"), "manufacturing": D("0.1610")}
    # Cell: the wafer (0.4810, 0.1610) + process 0.0100 + 0.18 MJ = 0.05 kWh x 0.5617 = 0.028085
    # manufacturing 0.199085 -> 0.1991; total 0.6801
    assert stages(cell) == {"rawMaterialAcquisition": D("0.4810"), "manufacturing": D("0.1991")}
    assert cell.result.total == D("0.6801")
    # Module, 2.0 m2; per m2 (2 places): cells 144 x (0.4810, 0.1991) = 69.264, 28.6704; frame 2.0 kg x 13.2 =
    # 26.4 raw; 10 kWh x 0.5617 = 5.617; 0.025 t x 1000 km x 0.14993 = 3.74825 distribution
    # raw 95.664 / 2 = 47.832 -> 47.83; manufacturing 34.2874 / 2 = 17.1437 -> 17.14; 1.874125 -> 1.87
    assert stages(module) == {
        "rawMaterialAcquisition": D("47.83"),
        "manufacturing": D("17.14"),
        "distribution": D("1.87"),
    }
    assert module.result.total == D("66.84")
    assert module.result.grade is not None
    assert module.result.grade.letter == "A"  # PV module per m2, topRunner 84.00
    # No factor of this chain states an uncertainty, so the passports state none.
    assert module.result.statistics.standard_deviation is None


# --- the steel chain ------------------------------------------------------------------------------------


def test_steel_chain_by_hand() -> None:
    coil, part = cf.steel_chain()
    # Coil, per 1000 kg: scrap-EAF crude steel 1050 kg x 0.3 = 315 raw; rail 1.05 t x 200 km x 0.0113 = 2.373
    # raw; hot rolling 80 + 120 kWh x 0.7252 (Hebei) = 87.024 manufacturing -> 317.373 + 167.024 = 484.397
    assert stages(coil) == {"rawMaterialAcquisition": D("317.373"), "manufacturing": D("167.024")}
    # hot-rolled coil benchmark: topRunner 300, baseline 1910: midpoint 1105 -> grade B
    assert coil.result.grade is not None
    assert coil.result.grade.letter == "B"
    # Part: 0.0125 t = 12.5 kg of coil declared per 1000 kg: 12.5 / 1000 x (317.373, 167.024) =
    # 3.9671625 raw, 2.0878 manufacturing; stamping 0.35 + 2.5 kWh x 0.7252 = 1.813 -> 4.2508
    assert stages(part) == {"rawMaterialAcquisition": D("3.967"), "manufacturing": D("4.251")}
    assert part.result.total == D("8.218")


# --- statistics and grades ------------------------------------------------------------------------------


def bench(top: str, base: str, limit: str) -> Benchmark:
    return Benchmark("c", "1", "kilogram", D("1"), D(limit), D(base), D(top), True)


@pytest.mark.parametrize(
    ("value", "letter"),
    [("40", "A"), ("41", "A"), ("41.01", "B"), ("53", "B"), ("53.01", "C"), ("65", "C"), ("89", "D"),
     ("89.001", "E")],
)  # fmt: skip
def test_grade_scale(value: str, letter: str) -> None:
    assert grade_letter(F(value), bench("41", "65", "89")) == letter


def test_variances_of_each_distribution() -> None:
    from passport.footprint import Uncertainty

    assert variance(Uncertainty("normal", "analytical", standard_deviation=D("3")), D("10")) == 9
    assert variance(Uncertainty("uniform", "analytical", minimum=D("5"), maximum=D("25")), D("15")) == F(
        400, 12
    )
    tri = Uncertainty("triangular", "analytical", minimum=D("0"), maximum=D("6"), standard_deviation=None)
    assert variance(tri, D("3")) == F(0 + 36 + 9 - 0 - 0 - 18, 18)
    logn = Uncertainty("lognormal", "analytical", geometric_standard_deviation=D("1.1"))
    s2 = 0.09531017980432486**2
    assert (
        abs(float(variance(logn, D("2"))) - 4 * 2.718281828459045**s2 * (2.718281828459045**s2 - 1)) < 1e-12
    )


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**9), st.integers(0, 8))
def test_round_half_even_matches_decimal(value: Fraction, places: int) -> None:
    from decimal import ROUND_HALF_EVEN, localcontext

    with localcontext() as ctx:
        ctx.prec = 200
        expected = (D(value.numerator) / D(value.denominator)).quantize(D(1).scaleb(-places), ROUND_HALF_EVEN)
    assert round_half_even(value, places) == expected
    assert round_half_even(value, places).as_tuple().exponent == -places


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=0, max_value=10**6, max_denominator=10**6), st.integers(0, 6))
def test_round_sqrt_is_the_nearest(value: Fraction, places: int) -> None:
    root = round_sqrt(value, places)
    step = F(1, 10**places)
    # |root - sqrt(v)| <= step / 2  <=>  (root - step/2)^2 <= v <= (root + step/2)^2
    assert max(F(root) - step / 2, F(0)) ** 2 <= value <= (F(root) + step / 2) ** 2


# --- refusals -------------------------------------------------------------------------------------------


def cell_spec() -> PassportSpec:
    return parse_spec(cf.CELL)


def cell_resolved(**changes: object) -> Resolved:
    cathode, _, _ = cf.battery_chain()
    base = Resolved({"cathode": cathode.as_upstream(11)}, {"cn-background": cf.dataset_use()})
    # replace() checks each keyword's type against its field only when typed literally; these come from the
    # callers' keywords, whose types the tests choose per field.
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def refused(spec: PassportSpec, resolved: Resolved, code: str) -> None:
    with pytest.raises(RollupError) as info:
        rollup(spec, resolved)
    assert info.value.code == code


def test_incompatible_units_are_refused() -> None:
    spec = cell_spec()
    line = dataclasses.replace(spec.bill_of_materials[0], unit="piece")
    refused(dataclasses.replace(spec, bill_of_materials=(line, *spec.bill_of_materials[1:])), cell_resolved(),
            "rollup.unit")  # fmt: skip
    with pytest.raises(RollupError) as info:
        factor_between("kg", "kWh")
    assert info.value.code == "rollup.unit"
    with pytest.raises(RollupError):
        factor_between("kg", "furlong")


def test_unit_conversions_are_exact() -> None:
    assert convert(F(1), "kWh", "MJ") == F("3.6")
    assert convert(F(18), "MJ", "kWh") == 5
    assert convert(F(400), "W", "kWp") == F("0.4")
    assert convert(F(1), "t", "kg") == 1000
    assert convert(F(1), "m3", "L") == 1000
    assert convert(F(1), "GJ", "MWh") == F(5, 18)


def test_missing_and_extra_resolutions_are_refused() -> None:
    refused(cell_spec(), cell_resolved(components={}), "rollup.unresolved")
    cathode, _, _ = cf.battery_chain()
    extra = {"cathode": cathode.as_upstream(11), "ghost": cathode.as_upstream(11)}
    refused(cell_spec(), cell_resolved(components=extra), "rollup.unresolved")


def test_a_resolution_for_another_product_is_refused() -> None:
    up = dataclasses.replace(cf.battery_chain()[0].as_upstream(11), product_id="88.118.2/OTHER")
    refused(cell_spec(), cell_resolved(components={"cathode": up}), "rollup.mismatch")


def test_a_component_that_is_the_product_itself_is_refused() -> None:
    spec = cell_spec()
    line = dataclasses.replace(spec.bill_of_materials[0], component=spec.product.id)
    spec = dataclasses.replace(spec, bill_of_materials=(line, *spec.bill_of_materials[1:]))
    refused(spec, cell_resolved(), "rollup.self_reference")


def test_a_resolution_that_is_the_product_itself_is_refused() -> None:
    # A resolver bug handing the product's own credential under the component's identifier.
    spec = cell_spec()
    up = dataclasses.replace(cf.battery_chain()[0].as_upstream(11), product_id=spec.product.id)
    line = dataclasses.replace(spec.bill_of_materials[0], component=spec.product.id)
    resolved = cell_resolved(components={"cathode": up})
    with pytest.raises(RollupError) as info:
        rollup(dataclasses.replace(spec, bill_of_materials=(line, *spec.bill_of_materials[1:])), resolved)
    assert info.value.code == "rollup.self_reference"


def test_another_credential_than_the_pinned_one_is_refused() -> None:
    spec = cell_spec()
    line = dataclasses.replace(spec.bill_of_materials[0], pinned="sha256:" + "0" * 64)
    refused(dataclasses.replace(spec, bill_of_materials=(line, *spec.bill_of_materials[1:])), cell_resolved(),
            "rollup.pinned")  # fmt: skip
    pins = (dataclasses.replace(spec.datasets[0], credential="sha256:" + "0" * 64),)
    refused(dataclasses.replace(spec, datasets=pins), cell_resolved(), "rollup.pinned")


def test_dataset_missing_or_of_another_version_is_refused() -> None:
    refused(cell_spec(), cell_resolved(datasets={}), "rollup.dataset")
    spec = cell_spec()
    pins = (dataclasses.replace(spec.datasets[0], version="2024.1"),)
    refused(dataclasses.replace(spec, datasets=pins), cell_resolved(), "rollup.dataset")


def test_a_factor_the_dataset_lacks_is_refused() -> None:
    spec = cell_spec()
    line = dataclasses.replace(spec.bill_of_materials[1], factor=FactorRef("cn-background", "unobtainium"))
    bom = (spec.bill_of_materials[0], line, *spec.bill_of_materials[2:])
    refused(dataclasses.replace(spec, bill_of_materials=bom), cell_resolved(), "rollup.factor")  # fmt: skip


def test_a_grave_component_in_a_gate_product_is_refused() -> None:
    up = cf.battery_chain()[0].as_upstream(11)
    up = dataclasses.replace(up, boundary="cradle-to-grave", stages=(*up.stages, ("endOfLife", D("0.100"))))
    refused(cell_spec(), cell_resolved(components={"cathode": up}), "rollup.boundary")


def test_a_benchmark_of_another_category_unit_or_boundary_is_refused() -> None:
    pack_bench = cf.benchmark_use("LFP battery pack")
    refused(cell_spec(), cell_resolved(benchmark=pack_bench), "rollup.benchmark")
    cell_bench = cf.benchmark_use("LFP battery cell")
    for changed in (
        dataclasses.replace(cell_bench.benchmark, declared_unit="kilogram"),
        dataclasses.replace(cell_bench.benchmark, boundary="cradle-to-grave"),
    ):
        other = dataclasses.replace(cell_bench, benchmark=changed)
        refused(cell_spec(), cell_resolved(benchmark=other), "rollup.benchmark")


# --- properties -----------------------------------------------------------------------------------------

_FACTORS = ("copper-primary", "aluminium-primary", "lithium-carbonate-brine", "graphite-anode-synthetic")
quantities = st.decimals(D("0.001"), D("5000"), places=3)


@st.composite
def specs(draw: st.DrawFn) -> PassportSpec:
    """A random cradle-to-gate specification over factor lines, own process, electricity and transport."""
    base = parse_spec(cf.CELL)
    n = draw(st.integers(1, 5))
    bom = tuple(
        BomLine(f"m{i}", draw(quantities), draw(st.sampled_from(("kg", "t", "g"))),
                factor=FactorRef("cn-background", draw(st.sampled_from(_FACTORS))))
        for i in range(n)
    )  # fmt: skip
    process = tuple(
        ProcessLine("manufacturing", emissions=draw(quantities)) for _ in range(draw(st.integers(0, 2)))
    )
    elec = tuple(
        Electricity("manufacturing", q, "kWh", FactorRef("cn-background", "elec-grid-cn-2022"))
        for q in draw(st.lists(quantities, max_size=2))
    )
    legs = tuple(
        TransportLeg("distribution", FactorRef("cn-background", "transport-rail"), m, "kg", d)
        for m, d in draw(st.lists(st.tuples(quantities, quantities), max_size=2))
    )
    return dataclasses.replace(base, bill_of_materials=bom, process=process, electricity=elec, transport=legs,
                               inventory_amount=draw(st.decimals(D("0.1"), D("100"), places=1)))  # fmt: skip


def scaled(spec: PassportSpec, k: Decimal) -> PassportSpec:
    return dataclasses.replace(
        spec,
        bill_of_materials=tuple(
            dataclasses.replace(b, quantity=b.quantity * k) for b in spec.bill_of_materials
        ),
        process=tuple(dataclasses.replace(p, emissions=p.emissions * k) for p in spec.process if p.emissions),
        electricity=tuple(dataclasses.replace(e, quantity=e.quantity * k) for e in spec.electricity),
        transport=tuple(dataclasses.replace(t, mass=t.mass * k) for t in spec.transport),
    )


RESOLVED = Resolved({}, {"cn-background": cf.dataset_use()})


@settings(max_examples=60, deadline=None)
@given(specs(), st.sampled_from([D("2"), D("0.5"), D("3"), D("1.25")]))
def test_the_rollup_is_linear(spec: PassportSpec, k: Decimal) -> None:
    one, many = rollup(spec, RESOLVED), rollup(scaled(spec, k), RESOLVED)
    assert dict(many.exact) == {s: v * F(k) for s, v in one.exact}


@settings(max_examples=60, deadline=None)
@given(specs(), st.randoms(use_true_random=False))
def test_the_rollup_does_not_depend_on_order(spec: PassportSpec, rnd: random.Random) -> None:
    lines = list(spec.bill_of_materials)
    rnd.shuffle(lines)
    shuffled = dataclasses.replace(spec, bill_of_materials=tuple(lines), transport=spec.transport[::-1])
    a, b = rollup(spec, RESOLVED), rollup(shuffled, RESOLVED)
    assert (a.exact, a.stages, a.total, a.statistics) == (b.exact, b.stages, b.total, b.statistics)


@settings(max_examples=60, deadline=None)
@given(specs())
def test_the_rollup_is_exact_and_rounded_once(spec: PassportSpec) -> None:
    result = rollup(spec, RESOLVED)
    ds = cf.dataset_use().dataset
    # An independent reference: the same sums written out with fractions, straight from the inputs.
    ref: dict[str, Fraction] = {}
    per = F(spec.unitary_product_amount) / F(spec.inventory_amount)
    for b in spec.bill_of_materials:
        assert b.factor is not None
        kg = F(b.quantity) * {"kg": F(1), "t": F(1000), "g": F(1, 1000)}[b.unit]
        ref["rawMaterialAcquisition"] = ref.get("rawMaterialAcquisition", F(0)) + kg * F(
            ds.factor(b.factor.factor_id).value
        )
    for p in spec.process:
        assert p.emissions is not None
        ref["manufacturing"] = ref.get("manufacturing", F(0)) + F(p.emissions)
    for e in spec.electricity:
        ref["manufacturing"] = ref.get("manufacturing", F(0)) + F(e.quantity) * F("0.5366")
    for t in spec.transport:
        ref["distribution"] = ref.get("distribution", F(0)) + F(t.mass) / 1000 * F(t.distance_km) * F(
            "0.0113"
        )
    assert dict(result.exact) == {s: v * per for s, v in ref.items()}
    assert dict(result.stages) == {s: round_half_even(v * per, spec.places) for s, v in ref.items()}
    assert result.total == sum((v for _, v in result.stages), D(0))
    assert sum((line.total for line in result.lines), F(0)) == sum((v for _, v in result.exact), F(0))
