"""Every attestation rule has a failing example, refused with its code; the worked example of
docs/attestation.md passes; the sums are exact (no tolerance)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from passport import footprint as fp
from passport.attestation import Attestation
from passport.errors import AttestationError
from passport.validation import expected_pcf_excluding_biogenic, gross_emissions
from tests.unit.passport.footprint_strategies import base_attestation

D = Decimal
DIGEST = "sha256:" + "a" * 64
GRAVE_STAGES = fp.Stages(
    raw_material_acquisition=D("44.10"), manufacturing=D("16.80"), use=D("1.00"), end_of_life=D("0.50")
)

FAILING: list[tuple[str, dict[str, Any]]] = [
    ("attestation.decimal", {"fossil_ghg_emissions": 61.9}),
    ("attestation.decimal", {"primary_data_share": D("NaN")}),
    ("attestation.decimal", {"unitary_product_amount": D("1E+40")}),
    ("attestation.identifier", {"product_id": "88.118.8/"}),
    ("attestation.identifier", {"product_id": "91320000MA1234567T"}),
    ("attestation.identifier", {"product_id": "88.118.8"}),
    ("attestation.identifier", {"product_id": "URN:pact:example.com:sku:1"}),
    ("attestation.text", {"product_name": " padded"}),
    ("attestation.text", {"product_category": "bad\u202econtrol"}),
    ("attestation.unit", {"declared_unit": "kWh"}),
    ("attestation.amount", {"unitary_product_amount": D("0")}),
    ("attestation.negative", {"aircraft_ghg_emissions": D("-0.05")}),
    ("attestation.negative", {"product_mass_per_declared_unit": D("-1")}),
    (
        "attestation.removal_positive",
        {"biogenic_co2_uptake": D("0.20"), "pcf_including_biogenic": D("62.60")},
    ),
    ("attestation.percentage_range", {"primary_data_share": D("100.01")}),
    ("attestation.percentage_range", {"exempted_emissions_percent": D("-1")}),
    ("attestation.pcf_sum", {"fossil_ghg_emissions": D("61.80")}),
    ("attestation.pcf_sum", {"technological_co2_removals": D("-1")}),
    ("attestation.biogenic_sum", {"pcf_including_biogenic": D("62.40")}),
    ("attestation.part_exceeds_total", {"packaging_ghg_emissions": D("62.41")}),
    ("attestation.part_exceeds_total", {"land_management_fossil_ghg_emissions": D("61.91")}),
    ("attestation.packaging", {"packaging_emissions_included": False}),
    ("attestation.field", {"packaging_emissions_included": 1}),
    ("attestation.boundary", {"boundary": "gate-to-gate"}),
    ("attestation.field", {"stages": fp.Stages()}),
    ("attestation.stages_sum", {"stages": fp.Stages(manufacturing=D("62.39"))}),
    ("attestation.boundary_stages", {"stages": GRAVE_STAGES}),
    ("attestation.date_time", {"reference_period_start": "2025-01-01"}),
    ("attestation.date_time", {"reference_period_end": "2025-02-30T00:00:00Z"}),
    ("attestation.period_order", {"reference_period_end": "2024-12-31T00:00:00Z"}),
    ("attestation.period_order", {"reference_period_end": "2025-01-01T08:00:00+08:00"}),
    ("attestation.geography", {"geography": "XX"}),
    ("attestation.geography", {"geography": "CN-XX"}),
    ("attestation.geography", {"geography": "cn-js"}),
    ("attestation.standards", {"standards": ()}),
    ("attestation.standards", {"standards": ("ISO 14067 ",)}),
    ("attestation.duplicate", {"standards": ("ISO14067", "ISO14067")}),
    ("attestation.characterization_factors", {"ipcc_characterization_factors": ("AR6.1",)}),
    ("attestation.sector_rules", {"product_or_sector_specific_rules": (fp.SectorRule("PCR", ("x",)),)}),
    ("attestation.sector_rules", {"product_or_sector_specific_rules": (fp.SectorRule("Other", ("x",)),)}),
    ("attestation.sector_rules", {"product_or_sector_specific_rules": (fp.SectorRule("PEF", ()),)}),
    ("attestation.dqi_range", {"dqi": fp.DataQuality(D("0.9"), D("1"), D("1"))}),
    ("attestation.dqi_range", {"dqi": fp.DataQuality(D("1"), D("5.01"), D("1"))}),
    (
        "attestation.percentage_range",
        {"dqi": fp.DataQuality(D("1"), D("1"), D("1"), coverage_percent=D("101"))},
    ),
    (
        "attestation.uncertainty",
        {"uncertainty": fp.Uncertainty("gamma", "monte-carlo", standard_deviation=D(1))},
    ),
    ("attestation.uncertainty", {"uncertainty": fp.Uncertainty("normal", "guess", standard_deviation=D(1))}),
    ("attestation.uncertainty", {"uncertainty": fp.Uncertainty("normal", "analytical", minimum=D(1))}),
    (
        "attestation.uncertainty",
        {"uncertainty": fp.Uncertainty("normal", "analytical", standard_deviation=D(0))},
    ),
    (
        "attestation.uncertainty",
        {"uncertainty": fp.Uncertainty("lognormal", "pedigree", geometric_standard_deviation=D(1))},
    ),
    (
        "attestation.uncertainty",
        {"uncertainty": fp.Uncertainty("uniform", "pedigree", minimum=D(63), maximum=D(64))},
    ),
    (
        "attestation.uncertainty",
        {"uncertainty": fp.Uncertainty("triangular", "pedigree", minimum=D("62.4"), maximum=D("62.4"))},
    ),
    ("attestation.factor_dataset", {"factor_datasets": (fp.FactorDatasetRef("", "1"),)}),
    ("attestation.digest", {"factor_datasets": (fp.FactorDatasetRef("cn-bg", "1", "sha256:ABC"),)}),
    (
        "attestation.duplicate",
        {"factor_datasets": (fp.FactorDatasetRef("a", "1"), fp.FactorDatasetRef("a", "1", DIGEST))},
    ),
    ("attestation.digest", {"supersedes": "sha256:" + "A" * 64}),
    ("attestation.extension", {"extensions": (fp.PactExtension("2.0", "https://e.x/s.json", "{}"),)}),
    ("attestation.extension", {"extensions": (fp.PactExtension("2.0.0", "ftp://e.x/s.json", "{}"),)}),
]


@pytest.mark.parametrize(("code", "changes"), FAILING, ids=[f"{c}-{i}" for i, (c, _) in enumerate(FAILING)])
def test_every_rule_has_a_failing_example(code: str, changes: dict[str, Any]) -> None:
    with pytest.raises(AttestationError) as e:
        replace(base_attestation(), **changes)
    assert e.value.code == code


def test_every_attestation_rule_is_exercised() -> None:
    exercised = {code.removeprefix("attestation.") for code, _ in FAILING}
    # "shape" (envelope) and "supersedes" are tested with credentials and check_supersession.
    assert AttestationError.rules - exercised == {"shape", "supersedes"}


def test_the_worked_example() -> None:
    att = base_attestation()
    assert gross_emissions(att) == D("62.40")
    assert expected_pcf_excluding_biogenic(att) == att.pcf_excluding_biogenic == D("62.40")
    assert att.pcf_including_biogenic == D("62.20")


def test_a_cradle_to_grave_footprint_may_report_every_stage() -> None:
    grave = replace(
        base_attestation(),
        boundary="cradle-to-grave",
        stages=GRAVE_STAGES,
    )
    assert dict(grave.stages.items() if grave.stages else {})["endOfLife"] == D("0.50")


def test_removals_and_negative_stages_balance() -> None:
    att = replace(
        base_attestation(),
        land_management_biogenic_co2_removals=D("-70.00"),
        pcf_excluding_biogenic=D("-7.60"),
        pcf_including_biogenic=D("-7.80"),
        stages=fp.Stages(
            raw_material_acquisition=D("-25.90"), manufacturing=D("16.80"), distribution=D("1.50")
        ),
        uncertainty=None,
    )
    assert att.pcf_excluding_biogenic == D("-7.60")


def test_sums_are_exact_not_close() -> None:
    tiny = D("0.000000000000000001")
    with pytest.raises(AttestationError) as e:
        replace(base_attestation(), fossil_ghg_emissions=D("61.90") + tiny)
    assert e.value.code == "attestation.pcf_sum"


def test_absent_components_count_zero() -> None:
    att = replace(base_attestation(), land_use_emissions=None, fossil_ghg_emissions=D("62.30"))
    assert expected_pcf_excluding_biogenic(att) == D("62.40")


def test_attestation_is_built_valid_only() -> None:
    with pytest.raises(AttestationError):
        Attestation(**{**base_attestation().__dict__, "boundary": "cradle"})
