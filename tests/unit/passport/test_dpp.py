"""Digital product passports: the chains' passports validate against the UNTP DPP 0.6.1 and VC 2.0 JSON
schemas (and the battery fields against the Battery Pass schema), parse back, nest as the next tier's
components, recompute digit for digit in the full form and not at all in the aggregated one; tampering is
caught; every ``dpp.*`` rule refuses a failing example with its code."""

from __future__ import annotations

import copy
import dataclasses
import json
import pathlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from passport.dataintegrity import EDDSA_RDFC_2022, sign_credential
from passport.document import SignedDocument
from passport.dpp import compose_passport, parse_passport, product_uri, recompute, sign_passport
from passport.dpp_parse import check_passport
from passport.dpp_subject import to_number
from passport.errors import DppError, ProofError, UnsupportedCryptosuiteError
from passport.rollup import Resolved, rollup
from passport.spec import PassportSpec, parse_spec
from tests.unit.passport import chain_fixtures as cf
from tests.unit.passport.test_rollup import specs

D = Decimal
VECTORS = pathlib.Path(__file__).parents[2] / "vectors"
UNTP = json.loads((VECTORS / "untp" / "untp-dpp-schema.json").read_text(encoding="utf-8"))
BATTERY = json.loads(
    (VECTORS / "batterypass" / "CarbonFootprintForBatteries-schema.json").read_text(encoding="utf-8")
)
VC = json.loads(
    (pathlib.Path(__file__).parents[3] / "contexts" / "verifiable-credential-schema.json").read_text("utf-8")
)


def tiers() -> list[cf.Tier]:
    return [*cf.battery_chain(), *cf.pv_chain(), *cf.steel_chain()]


def valid(doc: SignedDocument) -> None:
    data = json.loads(doc.raw)
    jsonschema.Draft202012Validator(UNTP).validate(data)
    jsonschema.Draft202012Validator(VC).validate(data)


def test_every_passport_of_the_chains_validates_against_untp_and_vc() -> None:
    for tier in tiers():
        valid(tier.doc)


def test_the_pack_carries_battery_passport_fields_that_validate() -> None:
    _, _, pack = cf.battery_chain()
    shown = pack.passport.subject["batteryCarbonFootprint"]
    jsonschema.Draft4Validator(BATTERY).validate(shown)
    # per battery 53.377 kg/kWh x 14.336 kWh = 765.212672 -> 765.213; per kWh of lifetime energy
    # 765.212672 / 38707.2 = 0.019769... -> 0.020 (3 places)
    assert shown["absoluteCarbonFootprint"] == 765.213
    assert shown["batteryCarbonFootprint"] == 0.02
    assert shown["carbonFootprintPerformanceClass"] == "B"


def test_a_passport_parses_back_to_its_figures() -> None:
    _, cell, _ = cf.battery_chain()
    p = cell.passport
    assert (p.product_id, p.declared_unit, p.unitary_product_amount) == (
        "88.118.3/LFP-280Ah",
        "kilowatt hour",
        D(1),
    )
    assert p.pcf == D("38.199")
    assert dict(p.stages) == {"rawMaterialAcquisition": D("21.683"), "manufacturing": D("16.516")}
    assert p.primary_data_share == cell.result.statistics.primary_data_share
    assert p.issuer == cf.did(cf.key(11))
    # The embedded specification is the one composed, with the component and dataset pinned.
    assert p.spec is not None
    cathode, _, _ = cf.battery_chain()
    assert p.spec.bill_of_materials[0].pinned == cathode.doc.digest
    assert p.spec.datasets[0].credential == cf.dataset_use().credential
    unpinned = dataclasses.replace(
        p.spec,
        bill_of_materials=(
            dataclasses.replace(p.spec.bill_of_materials[0], pinned=None),
            *p.spec.bill_of_materials[1:],
        ),
        datasets=(dataclasses.replace(p.spec.datasets[0], credential=None),),
    )
    assert unpinned == parse_spec(cf.CELL)
    sc = p.subject["emissionsScorecard"]
    assert (sc["carbonFootprint"], sc["declaredUnit"], sc["operationalScope"]) == (
        38.199,
        "KWH",
        "CradleToGate",
    )
    assert p.subject["conformityClaim"][0]["declaredValue"][0]["score"] == "A"
    cathode_link = p.components[0]
    assert (cathode_link.kind, cathode_link.log_index, cathode_link.product_id) == (
        "component",
        11,
        "88.118.2/LFP-CAM",
    )


def test_tiers_nest_through_the_parsed_passport() -> None:
    cathode, cell, _ = cf.battery_chain()
    up = cathode.as_upstream(11)
    assert (up.kind, up.digest, up.pcf, up.declared_unit) == (
        "passport",
        cathode.doc.digest,
        D("3.946"),
        "kilogram",
    )
    assert up.uncertainty is not None
    assert up.uncertainty.standard_deviation == D("0.152")
    assert cell.passport.components[0].credential == cathode.doc.digest


def test_every_full_passport_recomputes_digit_for_digit() -> None:
    for tier in tiers():
        again = recompute(tier.passport, tier.upstream)
        assert again.stages == tier.result.stages
        assert again.total == tier.passport.pcf


def test_the_aggregated_form_keeps_links_and_totals_only() -> None:
    _, cell, _ = cf.battery_chain()
    agg = cf.compose(cf.PACK, {"cells": cell.as_upstream(12)}, disclosure="aggregated", seed=12)
    valid(agg.doc)
    s = agg.passport.subject
    assert "specification" not in s
    assert "processContributions" not in s
    assert all("contribution" not in c and "ref" not in c for c in s["components"])
    assert all("mass" not in m for m in s["materialsProvenance"])
    assert agg.passport.pcf == D("53.377")
    assert s["components"][0]["credential"] == cell.doc.digest
    with pytest.raises(DppError) as info:
        recompute(agg.passport, agg.upstream)
    assert info.value.code == "dpp.disclosure"


def test_product_uris() -> None:
    assert (
        product_uri("88.118.3/LFP-280Ah", "https://ct.example.cn/")
        == "https://ct.example.cn/id/88.118.3/LFP-280Ah"
    )
    assert product_uri("09506000134352", "https://ct.example.cn") == "https://ct.example.cn/01/09506000134352"
    assert product_uri("urn:gtin:09506000134352", "https://x.cn") == "https://x.cn/01/09506000134352"


@settings(max_examples=15, deadline=None)
@given(specs())
def test_compose_sign_parse_recompute_round_trip(spec: PassportSpec) -> None:
    result = rollup(spec, Resolved({}, {"cn-background": cf.dataset_use()}))
    k = cf.key(40)
    credential = compose_passport(
        spec, result, passport_id="urn:uuid:00000000-0000-4000-8000-000000000040", issuer=cf.did(k),
        issuer_name="Round Trip Co.", resolver_base=cf.RESOLVER, valid_from=cf.WHEN,
    )  # fmt: skip
    doc = sign_passport(credential, k)
    passport, key = parse_passport(SignedDocument.from_bytes(doc.raw))
    assert key == cf.key(40).public_key().public_bytes_raw()
    assert passport.pcf == result.total
    assert passport.spec is not None
    assert dataclasses.replace(passport.spec, datasets=spec.datasets) == spec
    recompute(passport, {cf.dataset_use().credential: cf.dataset_use()})


# --- tampering and refusals -----------------------------------------------------------------------------


def resigned(tier: cf.Tier, change: Callable[[dict[str, Any]], None], seed: int) -> SignedDocument:
    data = copy.deepcopy(tier.doc.parse())
    del data["proof"]
    change(data)
    return sign_passport(data, cf.key(seed))


def test_a_changed_contribution_is_caught_by_recompute() -> None:
    _, cell, _ = cf.battery_chain()

    def change(d: dict[str, Any]) -> None:
        d["credentialSubject"]["components"][1]["contribution"]["rawMaterialAcquisition"] = "15.000"

    p, _ = parse_passport(resigned(cell, change, 11))
    with pytest.raises(DppError) as info:
        recompute(p, cell.upstream)
    assert info.value.code == "dpp.recompute"


def test_a_consistent_lie_about_the_totals_is_caught_by_recompute() -> None:
    _, cell, _ = cf.battery_chain()

    def change(d: dict[str, Any]) -> None:
        sc = d["credentialSubject"]["emissionsScorecard"]
        sc["stages"]["manufacturing"] = "6.516"
        sc["pcfExcludingBiogenic"], sc["carbonFootprint"] = "28.199", 28.199
        sc["fossilGhgEmissions"] = sc["pcfIncludingBiogenic"] = "28.199"

    p, _ = parse_passport(resigned(cell, change, 11))  # the stated sums hold, so parsing accepts it
    with pytest.raises(DppError) as info:
        recompute(p, cell.upstream)
    assert info.value.code == "dpp.recompute"


def test_a_changed_quantity_in_the_specification_is_caught_by_recompute() -> None:
    _, cell, _ = cf.battery_chain()

    def change(d: dict[str, Any]) -> None:
        d["credentialSubject"]["specification"]["billOfMaterials"][0]["quantity"] = "1.0"

    p, _ = parse_passport(resigned(cell, change, 11))
    with pytest.raises(DppError) as info:
        recompute(p, cell.upstream)
    assert info.value.code == "dpp.recompute"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("credentialSubject.product.name", "Another cell"),
        ("credentialSubject.product.batchNumber", "CELL-2025-08"),
        ("credentialSubject.granularityLevel", "model"),
        ("credentialSubject.materialsProvenance.1.mass.value", 0.9),
    ],
)
def test_product_and_materials_must_be_what_the_specification_says(path: str, value: Any) -> None:
    _, cell, _ = cf.battery_chain()
    p, _ = parse_passport(resigned(cell, at(path, value), 11))
    with pytest.raises(DppError) as info:
        recompute(p, cell.upstream)
    assert info.value.code == "dpp.recompute"


def test_recompute_needs_every_upstream_credential() -> None:
    _, cell, _ = cf.battery_chain()
    for missing in cell.upstream:
        upstream = {k: v for k, v in cell.upstream.items() if k != missing}
        with pytest.raises(DppError) as info:
            recompute(cell.passport, upstream)
        assert info.value.code == "dpp.recompute"


def test_a_changed_byte_fails_the_proof() -> None:
    _, cell, _ = cf.battery_chain()
    raw = cell.doc.raw.replace(b'"name":"Test Manufacturing', b'"name":"Best Manufacturing')
    with pytest.raises(ProofError):
        parse_passport(SignedDocument.from_bytes(raw))


def test_rdfc_is_refused_because_the_untp_context_is_never_loaded() -> None:
    _, cell, _ = cf.battery_chain()
    data = copy.deepcopy(cell.doc.parse())
    del data["proof"]
    with pytest.raises(Exception) as info:  # noqa: PT011 (refused while signing: the context cannot load)
        sign_credential(data, cf.key(11), "did:key:x#x", cryptosuite=EDDSA_RDFC_2022)
    assert info.type.__name__ in ("ContextNotAllowedError", "VerificationMethodError")
    data["proof"] = {"type": "DataIntegrityProof", "cryptosuite": EDDSA_RDFC_2022}
    with pytest.raises(UnsupportedCryptosuiteError):
        check_passport(data)


def test_signing_with_another_key_than_the_issuer_is_refused() -> None:
    _, cell, _ = cf.battery_chain()
    data = copy.deepcopy(cell.doc.parse())
    del data["proof"]
    with pytest.raises(DppError) as info:
        sign_passport(data, cf.key(99))
    assert info.value.code == "dpp.shape"


Change = Callable[[dict[str, Any]], None]


def at(path: str, value: Any) -> Change:
    def change(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = d
        for part in head:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is DROP:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


DROP = object()
S = "credentialSubject"
SC = f"{S}.emissionsScorecard"

REFUSALS: list[tuple[str, Change]] = [
    ("dpp.shape", at("type", ["VerifiableCredential", "ProductPassport"])),
    ("dpp.shape", at("@context", ["https://www.w3.org/ns/credentials/v2", "https://carbontrail.dev/ns/v1"])),
    ("dpp.shape", at("credentialStatus", {"type": "BitstringStatusListEntry"})),
    ("dpp.shape", at("id", "not a uri")),
    ("dpp.shape", at("validFrom", "2026-01-15")),
    ("dpp.shape", at("issuer.id", "did:web:example.com")),
    ("dpp.shape", at("issuer.type", ["Issuer"])),
    ("dpp.field", at("issuer.url", "https://example.com")),
    ("dpp.text", at("issuer.name", "Test Co. ")),
    ("dpp.field", at(f"{S}.colour", "red")),
    ("dpp.field", at(f"{S}.type", ["Passport"])),
    ("dpp.field", at(f"{SC}.declaredUnit", "EA")),
    ("dpp.field", at(f"{SC}.operationalScope", "CradleToGrave")),
    ("dpp.field", at(f"{SC}.carbonFootprint", "38.199")),
    ("dpp.field", at(f"{S}.specification.specVersion", "2")),
    ("dpp.field", at(f"{S}.specification.product.id", "88.118.3/OTHER")),
    ("dpp.field", at(f"{S}.conformityClaim", [])),
    ("dpp.decimal", at(f"{SC}.pcfExcludingBiogenic", "38.1990e0")),
    ("dpp.digest", at(f"{S}.components.0.credential", "sha256:1234")),
    ("dpp.digest", at(f"{S}.conformityClaim.0.benchmark.credential", "sha256:XYZ")),
    ("dpp.identifier", at(f"{S}.product.registeredId", "91320000MA1234567T")),
    ("dpp.identifier", at(f"{S}.components.0.productId", "did:web:example.com")),
    ("dpp.link", at(f"{S}.components.0.link.hashDigest", "0" * 64)),
    ("dpp.link", at(f"{S}.components.0.logIndex", -1)),
    ("dpp.link", at(f"{S}.components.1.productId", "88.118.3/X")),
    ("dpp.receipt", at(f"{S}.components.0.receipt", cf.receipt(12))),
    ("dpp.receipt", at(f"{S}.components.0.receipt", "not a receipt")),
    ("dpp.sum", at(f"{SC}.stages.manufacturing", "16.515")),
    ("dpp.sum", at(f"{SC}.carbonFootprint", 38.2)),
    ("dpp.sum", at(f"{SC}.primarySourcedRatio", 0.5)),
    ("dpp.disclosure", at(f"{S}.disclosure", "aggregated")),
    ("dpp.disclosure", at(f"{S}.specification", DROP)),
    ("dpp.disclosure", at(f"{S}.components.0.contribution", DROP)),
]


@pytest.mark.parametrize(("code", "change"), REFUSALS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(REFUSALS)])
def test_every_rule_refuses_its_failing_example(code: str, change: Change) -> None:
    _, cell, _ = cf.battery_chain()
    data = copy.deepcopy(cell.doc.parse())
    change(data)
    with pytest.raises(DppError) as info:
        check_passport(data)
    assert info.value.code == code


def test_an_unknown_disclosure_is_refused_when_composing() -> None:
    _, cell, _ = cf.battery_chain()
    with pytest.raises(DppError) as info:
        compose_passport(
            cell.spec, cell.result, passport_id="urn:x:1", issuer=cf.did(cf.key(11)), issuer_name="Co",
            resolver_base=cf.RESOLVER, valid_from=cf.WHEN, disclosure="partial",
        )  # fmt: skip
    assert info.value.code == "dpp.disclosure"


def test_a_figure_a_json_number_cannot_carry_is_refused() -> None:
    assert to_number(D("123456789012345"), "x") == 123456789012345.0
    with pytest.raises(DppError) as info:
        to_number(D("1234567890.123456"), "x")
    assert info.value.code == "dpp.number"


def test_a_battery_with_a_use_stage_has_no_battery_passport_form() -> None:
    text = (
        cf.PACK.replace("boundary: cradle-to-gate", "boundary: cradle-to-grave")
        .replace("process:\n  - {stage: manufacturing, emissions: 20.5}",
                 "process:\n  - {stage: manufacturing, emissions: 20.5}\n  - {stage: use, emissions: 5}")
        .replace("  category: LFP battery pack\n", "")
    )  # fmt: skip
    assert "stage: use" in text
    _, cell, _ = cf.battery_chain()
    with pytest.raises(DppError) as info:
        cf.compose(text, {"cells": cell.as_upstream(12)}, seed=12)
    assert info.value.code == "dpp.battery"


def test_every_rule_has_a_failing_example() -> None:
    tested = {code.removeprefix("dpp.") for code, _ in REFUSALS}
    tested |= {"recompute", "number", "battery"}  # the tests above
    # date_time and duplicate are common rules a passport has no use for (dates are envelope shape).
    assert tested == DppError.rules - {"date_time", "duplicate"}
