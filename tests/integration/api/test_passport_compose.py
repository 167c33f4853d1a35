"""Passports through the log, on SQLite and PostgreSQL (api/compose.py, the ``passport`` kind in
passport/records.py and passport/authority.py): the battery, PV and steel chains composed tier by tier from
signed, pushed credentials with the hand-checked totals of tests/unit/passport/test_rollup.py; each
component's log index and receipt, which verify; supersession by a newer passport; the issuer's authority;
and every refusal with its code, naming the component, with nothing logged."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from api.compose import ComposeError, issuer_authority
from api.orm import PassportRow
from api.passportview import latest_passport, product_passports
from identifiers.errors import AuthorityError
from passport.dpp import parse_passport, sign_passport
from passport.errors import RollupError
from passport.records import PASSPORT_KINDS
from passport.revocation import Revocation, sign_revocation
from tests.integration.api.attestation_support import snapshot
from tests.integration.api.passport_support import MAKER_ORG, Chains, register_chains
from tests.integration.api.registry_support import VALID_FROM, install, pub
from tests.unit.passport import chain_fixtures as cf

D = Decimal
CATHODE_ID, CELL_ID = "88.118.2/LFP-CAM", "88.118.3/LFP-280Ah"


@pytest.fixture
def chains(tmp_path: Path, db_url: str) -> Chains:
    return register_chains(install(tmp_path / "home", db_url))


def stages(credential: dict[str, object]) -> dict[str, Decimal]:
    subject = credential["credentialSubject"]
    assert isinstance(subject, dict)
    return {s: D(v) for s, v in subject["emissionsScorecard"]["stages"].items()}


def test_the_battery_chain_tier_by_tier(chains: Chains) -> None:
    lithium = chains.attest()
    cathode, cathode_doc, cathode_at = chains.tier(cf.CATHODE, seed=1)
    assert stages(cathode.credential) == {"rawMaterialAcquisition": D("2.164"), "manufacturing": D("1.782")}
    assert cathode.result.total == D("3.946")
    link = cathode.credential["credentialSubject"]["components"][0]
    assert (link["credential"], link["productId"]) == (lithium.digest, "88.118.1/LI2CO3-BG")
    chains.verify_receipt(link["receipt"], link["logIndex"])

    cell, _, _ = chains.tier(cf.CELL, seed=2)
    assert stages(cell.credential) == {"rawMaterialAcquisition": D("21.683"), "manufacturing": D("16.516")}
    assert cell.result.total == D("38.199")
    up = cell.resolved.components["cathode"]
    assert (up.kind, up.digest, up.log_index) == ("passport", cathode_doc.digest, cathode_at)

    pack, pack_doc, pack_at = chains.tier(cf.PACK, seed=3)
    assert stages(pack.credential) == {
        "rawMaterialAcquisition": D("32.732"),
        "manufacturing": D("19.988"),
        "distribution": D("0.657"),
    }
    assert pack.result.total == D("53.377")
    assert pack.result.grade is not None
    assert pack.result.grade.letter == "A"
    # The same digits as the pure chain (whose upstream log positions are made up).
    for composed, tier in zip((cathode, cell, pack), cf.battery_chain(), strict=True):
        assert composed.result.stages == tier.result.stages
    for link in pack.credential["credentialSubject"]["components"]:
        if "logIndex" in link:
            chains.verify_receipt(link["receipt"], link["logIndex"])
    parse_passport(pack_doc)
    with chains.inst.log.store.engine.connect() as conn:
        found = latest_passport(conn, "88.118.4/PACK-14kWh")
    assert found is not None
    summary, body = found
    assert (summary["credential"], summary["index"], summary["grade"]) == (pack_doc.digest, pack_at, "A")
    assert (summary["issuer"], summary["status"]) == (MAKER_ORG, "valid")
    assert body == pack_doc.canonical


def test_the_pv_chain_tier_by_tier(chains: Chains) -> None:
    wafer, _, _ = chains.tier(cf.WAFER, seed=1)
    assert stages(wafer.credential) == {"rawMaterialAcquisition": D("0.4810"), "manufacturing": D("0.1610")}
    cell, _, _ = chains.tier(cf.PV_CELL, seed=2)
    assert cell.result.total == D("0.6801")
    module, _, _ = chains.tier(cf.MODULE, seed=3)
    assert stages(module.credential) == {
        "rawMaterialAcquisition": D("47.83"),
        "manufacturing": D("17.14"),
        "distribution": D("1.87"),
    }
    assert module.result.total == D("66.84")
    assert module.result.grade is not None
    assert module.result.grade.letter == "A"


def test_the_steel_chain_tier_by_tier(chains: Chains) -> None:
    coil, _, _ = chains.tier(cf.COIL, seed=1)
    assert stages(coil.credential) == {"rawMaterialAcquisition": D("317.373"), "manufacturing": D("167.024")}
    assert coil.result.grade is not None
    assert coil.result.grade.letter == "B"
    part, _, _ = chains.tier(cf.PART, seed=2)
    assert stages(part.credential) == {"rawMaterialAcquisition": D("3.967"), "manufacturing": D("4.251")}
    assert part.result.total == D("8.218")


def test_a_newer_passport_supersedes_the_organisations_last(chains: Chains) -> None:
    chains.attest()
    _, first, first_at = chains.tier(cf.CATHODE, seed=1)
    _, second, second_at = chains.tier(cf.CATHODE, seed=2)
    with chains.inst.log.store.engine.connect() as conn:
        listed = product_passports(conn, CATHODE_ID)
        row = conn.execute(
            select(PassportRow.superseded_at, PassportRow.superseded_by).where(
                PassportRow.digest == first.digest
            )
        ).one()
    assert [(p["credential"], p["status"]) for p in listed] == [
        (second.digest, "valid"),
        (first.digest, "superseded"),
    ]
    assert (row.superseded_at, row.superseded_by) == (second_at, second.digest)
    assert first_at < second_at
    cell = chains.compose(cf.CELL)
    assert cell.resolved.components["cathode"].digest == second.digest
    # A pin still names the first one.
    pinned = cf.CELL.replace("unit: kg}", f"unit: kg, pinned: '{first.digest}'}}", 1)
    assert chains.compose(pinned).resolved.components["cathode"].digest == first.digest


def test_two_passports_in_one_batch_supersede_in_order(chains: Chains) -> None:
    chains.attest()
    docs = [sign_passport(chains.compose(cf.CATHODE, seed=s).credential, chains.maker) for s in (1, 2)]
    outcomes = chains.inst.pipeline.submit([d.raw for d in docs], kinds=PASSPORT_KINDS)
    assert [o.index is not None for o in outcomes] == [True, True]
    with chains.inst.log.store.engine.connect() as conn:
        listed = product_passports(conn, CATHODE_ID)
    assert [p["status"] for p in listed] == ["valid", "superseded"]
    assert listed[0]["credential"] == docs[1].digest


def test_a_passport_by_an_organisation_without_the_prefix_is_refused(chains: Chains) -> None:
    chains.attest()
    credential = chains.compose(cf.CATHODE).credential
    credential["issuer"]["id"] = cf.did(chains.intruder)
    doc = sign_passport(credential, chains.intruder)
    before = snapshot(chains.inst.log)
    outcome = chains.inst.pipeline.submit([doc.raw], kinds=PASSPORT_KINDS)[0]
    assert (outcome.index, outcome.code) == (None, "registry.prefix_not_held")
    assert snapshot(chains.inst.log) == before
    with pytest.raises(AuthorityError) as e:
        issuer_authority(chains.inst.pipeline.registry_state(), pub(chains.intruder), CATHODE_ID)
    assert e.value.code == "registry.prefix_not_held"
    assert (
        issuer_authority(chains.inst.pipeline.registry_state(), pub(chains.maker), CATHODE_ID).uscc
        == MAKER_ORG
    )


def refused(chains: Chains, text: str, code: str, component: str) -> None:
    before = snapshot(chains.inst.log)
    with pytest.raises(ComposeError) as e:
        chains.compose(text)
    assert (e.value.code, e.value.component) == (code, component)
    assert snapshot(chains.inst.log) == before


def test_an_unknown_component_is_refused(chains: Chains) -> None:
    refused(chains, cf.CATHODE, "compose.unknown_component", "li2co3")
    chains.attest()
    refused(chains, cf.CELL, "compose.unknown_component", "cathode")
    pin = "sha256:" + "0" * 64
    pinned = cf.CATHODE.replace("originCountry: CL}", f"pinned: '{pin}'}}")
    refused(chains, pinned, "compose.unknown_component", "li2co3")


def test_a_revoked_component_is_refused(chains: Chains) -> None:
    lithium = chains.attest()
    chains.push(
        sign_revocation(Revocation(lithium.digest, None, "withdrawn"), chains.lithium, VALID_FROM).raw
    )
    refused(chains, cf.CATHODE, "compose.revoked", "li2co3")
    pinned = cf.CATHODE.replace("originCountry: CL}", f"pinned: '{lithium.digest}'}}")
    refused(chains, pinned, "compose.revoked", "li2co3")


def test_a_component_whose_only_attestation_is_superseded_is_refused(chains: Chains) -> None:
    first = chains.attest()
    second = chains.attest(
        cf.LITHIUM_CARBONATE.with_changes(supersedes=first.digest, pcf_excluding_biogenic=D("12.00"))
    )
    chains.push(sign_revocation(Revocation(second.digest, None, "withdrawn"), chains.lithium, VALID_FROM).raw)
    refused(chains, cf.CATHODE, "compose.superseded", "li2co3")


def test_several_current_attestations_are_ambiguous(chains: Chains) -> None:
    chains.attest()
    chains.attest(
        cf.LITHIUM_CARBONATE.with_changes(
            reference_period_start="2024-01-01T00:00:00Z", reference_period_end="2025-01-01T00:00:00Z"
        )
    )
    refused(chains, cf.CATHODE, "compose.ambiguous", "li2co3")


def test_a_product_resting_on_itself_is_refused(chains: Chains) -> None:
    chains.attest()
    chains.tier(cf.CATHODE, seed=1)
    chains.tier(cf.CELL, seed=2)
    # A cathode that rests on the cell that rests on the cathode.
    looped = cf.CATHODE.replace(
        "billOfMaterials:\n",
        "billOfMaterials:\n  - {ref: cell, component: 88.118.3/LFP-280Ah, quantity: 1, unit: kWh}\n",
    )
    refused(chains, looped, "compose.cycle", "cell")
    itself = cf.CATHODE.replace("component: 88.118.1/LI2CO3-BG", "component: 88.118.2/LFP-CAM")
    refused(chains, itself, "compose.cycle", "li2co3")


def test_incompatible_units_are_refused(chains: Chains) -> None:
    chains.attest()
    before = snapshot(chains.inst.log)
    with pytest.raises(RollupError) as e:
        chains.compose(cf.CATHODE.replace("quantity: 240, unit: kg", "quantity: 240, unit: kWh"))
    assert e.value.code == "rollup.unit"
    assert snapshot(chains.inst.log) == before


def test_an_unlogged_dataset_version_or_benchmark_is_refused(chains: Chains) -> None:
    chains.attest()
    refused(chains, cf.CATHODE.replace("version: 2025.1", "version: 2024.9"), "compose.unknown_dataset",
            "cn-background")  # fmt: skip
    chains.tier(cf.CATHODE)
    refused(chains, cf.CELL.replace("category: LFP battery cell", "category: sodium cell"),
            "compose.unknown_benchmark", "sodium cell")  # fmt: skip
