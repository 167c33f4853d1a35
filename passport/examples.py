"""The worked example of docs/attestation.md as a value: a cradle-to-gate LFP cell attestation, sums holding.

One definition serves the documented example, the tests' base case and the benchmarks' typical credential.
"""

from __future__ import annotations

from decimal import Decimal

from passport import footprint as fp
from passport.attestation import Attestation


def example_attestation(product_id: str = "88.118.8/LFP-280Ah") -> Attestation:
    """The documented LFP cell attestation (every usual part present), about ``product_id``."""
    d = Decimal
    return Attestation(
        product_id=product_id,
        declared_unit="kilowatt hour",
        unitary_product_amount=d("1"),
        pcf_excluding_biogenic=d("62.40"),
        pcf_including_biogenic=d("62.20"),
        fossil_ghg_emissions=d("61.90"),
        land_use_emissions=d("0.40"),
        biogenic_non_co2_emissions=d("0.10"),
        biogenic_co2_uptake=d("-0.20"),
        aircraft_ghg_emissions=d("0.05"),
        packaging_emissions_included=True,
        packaging_ghg_emissions=d("0.30"),
        boundary="cradle-to-gate",
        reference_period_start="2025-01-01T00:00:00Z",
        reference_period_end="2026-01-01T00:00:00Z",
        standards=("ISO14067", "GB/T 24067", "PACT-3.0"),
        geography="CN-JS",
        stages=fp.Stages(
            raw_material_acquisition=d("44.10"), manufacturing=d("16.80"), distribution=d("1.50")
        ),
        primary_data_share=d("72.5"),
        dqi=fp.DataQuality(d("1.6"), d("1.2"), d("1.4")),
        uncertainty=fp.Uncertainty("normal", "monte-carlo", standard_deviation=d("3.1")),
        factor_datasets=(fp.FactorDatasetRef("cn-background", "2025.1", "sha256:" + "a" * 64),),
        ipcc_characterization_factors=("AR6",),
    )
