"""The PACT split of a passport (passport/rollup_split.py) and its PACT export (passport/dpp_pact.py): the
split rolled up by hand-checked figures (a component's parts times its multiplier, every other line fossil,
fossil the rest of the rounded total), passed on to the next tier, recomputed digit for digit; stated sums
checked when parsing; the manufacturer's PACT statements in the specification; exports of v3.0 and v2.3 that
validate against the PACT schemas and import back to the passport's figures; refusals with their codes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from passport import footprint as fp
from passport.attestation import Attestation
from passport.dpp import parse_passport, recompute
from passport.dpp_pact import export_passport_pact, passport_attestation
from passport.errors import DppError, PactError, SpecError
from passport.pact import import_pact
from passport.rollup import Upstream
from passport.rollup_split import Split
from passport.spec import parse_spec
from tests.unit.passport import chain_fixtures as cf
from tests.unit.passport.test_dpp import resigned
from tests.unit.passport.test_pact import RECORD, RECORD_V2, assert_conforms

D = Decimal
DOMAIN = "cathode.example.cn"
# 12.00 = fossil 10.99 + land use 0.61 + biogenic non-CO2 0.40; uptake -0.50 (so including: 11.50).
LITHIUM = cf.LITHIUM_CARBONATE.with_changes(
    fossil_ghg_emissions=D("10.99"), land_use_emissions=D("0.61"), biogenic_non_co2_emissions=D("0.40"),
    biogenic_co2_uptake=D("-0.50"), pcf_including_biogenic=D("11.50"), aircraft_ghg_emissions=D("0.05"),
    packaging_emissions_included=True, packaging_ghg_emissions=D("0.30"),
    dqi=fp.DataQuality(D("1.5"), D("1.0"), D("2.0"), D("1.5"), D("2.0"), D("100")),
)  # fmt: skip
# v2.3 has no biogenic non-CO2 emissions: moved to land use, so the sums still hold.
LITHIUM_V2 = LITHIUM.with_changes(biogenic_non_co2_emissions=None, land_use_emissions=D("1.01"))
PACT_STATEMENTS = """standards: [ISO14067]
pact:
  productMassPerDeclaredUnit: 1
  fossilCarbonContent: 0
  biogenicCarbonContent: 0
  exemptedEmissionsPercent: 0.5
  ipccCharacterizationFactors: [AR6]
"""


def cathode(text: str = cf.CATHODE + PACT_STATEMENTS, att: Attestation = LITHIUM) -> cf.Tier:
    up = Upstream.from_attestation(att, "sha256:" + "1" * 64, log_index=3, receipt=cf.receipt(3))
    return cf.compose(text, {"li2co3": up}, seed=10)


def test_the_split_rolls_up_by_hand() -> None:
    # The lithium line's multiplier: 240 kg / 1 kg x 1 / 1000 = 0.24; every other line is fossil.
    tier = cathode()
    assert tier.result.total == D("3.946")
    assert tier.result.split == Split(
        fossil=D("3.704"),  # 3.946 - 0.146 - 0.096
        parts=(
            ("landUseEmissions", D("0.146")),  # 0.1464
            ("biogenicNonCO2Emissions", D("0.096")),
            ("biogenicCO2Uptake", D("-0.120")),
            ("aircraftGhgEmissions", D("0.012")),
            ("packagingGhgEmissions", D("0.072")),
        ),
        packaging_included=True,
    )
    sc = tier.passport.subject["emissionsScorecard"]
    assert (sc["fossilGhgEmissions"], sc["pcfIncludingBiogenic"], sc["packagingEmissionsIncluded"]) == (
        "3.704", "3.826", True,
    )  # fmt: skip
    assert (sc["productMassPerDeclaredUnit"], sc["ipccCharacterizationFactors"]) == ("1", ["AR6"])
    assert recompute(tier.passport, tier.upstream).split == tier.result.split
    # The next tier takes the cathode passport's split as it takes its stages.
    cell = cf.compose(cf.CELL, {"cathode": tier.as_upstream(11)}, seed=11)
    assert cell.result.split is not None
    assert cell.result.split.part("landUseEmissions") is not None
    assert cell.result.split.pcf_excluding_biogenic == cell.result.total
    recompute(cell.passport, cell.upstream)


def test_stated_splits_are_checked() -> None:
    tier = cathode()

    def fossil(d: dict[str, Any]) -> None:
        d["credentialSubject"]["emissionsScorecard"]["fossilGhgEmissions"] = "3.705"

    def including(d: dict[str, Any]) -> None:
        d["credentialSubject"]["emissionsScorecard"]["pcfIncludingBiogenic"] = "3.946"

    def partial(d: dict[str, Any]) -> None:
        del d["credentialSubject"]["emissionsScorecard"]["packagingEmissionsIncluded"]

    def statements(d: dict[str, Any]) -> None:
        d["credentialSubject"]["emissionsScorecard"]["exemptedEmissionsPercent"] = "101"

    for change, code in ((fossil, "dpp.sum"), (including, "dpp.sum"), (partial, "dpp.field"),
                         (statements, "dpp.field")):  # fmt: skip
        with pytest.raises(DppError) as e:
            parse_passport(resigned(tier, change, 10))
        assert e.value.code == code


def test_pact_statements_in_the_specification() -> None:
    spec = parse_spec(cf.CATHODE + PACT_STATEMENTS)
    assert parse_spec(json.dumps(spec.to_wire())) == spec
    for bad in (
        "fossilCarbonContent: -1",
        "exemptedEmissionsPercent: 100.5",
        "ipccCharacterizationFactors: [6]",
    ):
        with pytest.raises(SpecError) as e:
            parse_spec(cf.CATHODE + f"pact: {{{bad}}}\n")
        assert e.value.code in ("spec.amount", "spec.field", "spec.decimal")


@pytest.mark.parametrize(
    ("version", "record", "att"), [("3.0", RECORD, LITHIUM), ("2.3", RECORD_V2, LITHIUM_V2)]
)
def test_a_passport_exports_as_a_pact_footprint(
    version: str, record: dict[str, Any], att: Attestation
) -> None:
    tier = cathode(att=att)
    doc = export_passport_pact(tier.passport, version, record=record, issuer_domain=DOMAIN)
    assert_conforms(doc, version)
    back = import_pact(doc)
    assert back.attestation == passport_attestation(tier.passport)
    pcf = doc["pcf"]
    if version == "3.0":
        assert (pcf["pcfExcludingBiogenicUptake"], pcf["fossilGhgEmissions"]) == ("3.946", "3.704")
        assert (pcf["landUseChangeGhgEmissions"], pcf["pcfIncludingBiogenicUptake"]) == ("0.146", "3.826")
    else:  # land use 1.01 x 0.24 = 0.2424
        assert (pcf["pCfExcludingBiogenic"], pcf["fossilGhgEmissions"], pcf["dLucGhgEmissions"]) == (
            "3.946", "3.704", "0.242",
        )  # fmt: skip


def test_exports_that_are_refused() -> None:
    with pytest.raises(PactError) as e:  # no standards
        export_passport_pact(cathode(cf.CATHODE).passport, "3.0", record=RECORD, issuer_domain=DOMAIN)
    assert e.value.code == "pact.required"
    with pytest.raises(PactError) as e:  # the manufacturer stated no mass
        export_passport_pact(
            cathode(cf.CATHODE + "standards: [ISO14067]\n").passport,
            "3.0",
            record=RECORD,
            issuer_domain=DOMAIN,
        )
    assert e.value.code == "pact.required"
