"""PACT import and export on our own fixtures (tests/vectors/pact/, written as other vendors write PACT):
each imports, gives the same document back on export, validates against the PACT OpenAPI schemas, and signs
as an attestation; every refusal has its code."""

from __future__ import annotations

import copy
import functools
import json
import pathlib
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from passport import footprint as fp
from passport import pact_common as pc
from passport.attestation import Attestation, parse_attestation, sign_attestation
from passport.errors import PactError
from passport.pact import dump_pact, export_pact, import_pact, load_pact
from tests.unit.passport.footprint_strategies import base_attestation

VECTORS = pathlib.Path(__file__).parents[2] / "vectors" / "pact"
FIXTURES = sorted(p.name for p in VECTORS.glob("v[23]-*.json"))
D = Decimal
RECORD: dict[str, Any] = {
    "id": "3f1e9a6c-2b7d-4c1e-9f4a-8d2b6e0c1a57",
    "created": "2026-02-01T08:00:00Z",
    "status": "Active",
    "companyName": "Jiangsu Cell Co., Ltd.",
    "companyIds": ["urn:pact:cell.example.cn:company-id:91320000MA1234567T"],
    "productDescription": "LFP prismatic cell, 280 Ah",
    "productNameCompany": "LFP 280Ah cell",
}
RECORD_V2: dict[str, Any] = RECORD | {
    "version": 1,
    "comment": "",
    "productCategoryCpc": "46410",
    "pcf.boundaryProcessesDescription": "Cathode, anode, electrolyte, cell assembly, formation.",
    "pcf.exemptedEmissionsDescription": "None.",
}
DOMAIN = "cell.example.cn"


@functools.cache
def validator(version: str) -> jsonschema.Draft202012Validator:
    """A validator for a version's ``ProductFootprint`` schema (OpenAPI 3.1 components are JSON Schema
    2020-12; ``$ref``s resolve inside the file)."""
    name = {"2.3": "openapi_v2_3.yaml", "3.0": "openapi_v3_0.yaml"}[version]
    components = yaml.safe_load((VECTORS / name).read_text(encoding="utf-8"))["components"]
    schema = {"$ref": "#/components/schemas/ProductFootprint", "components": components}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_conforms(doc: dict[str, Any], version: str) -> None:
    """The document (and its serialised bytes, parsed back) validate against the version's schema."""
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(version).iter_errors(doc)]
    assert errors == []
    assert list(validator(version).iter_errors(json.loads(dump_pact(doc)))) == []


def fixture(name: str) -> dict[str, Any]:
    return load_pact((VECTORS / name).read_bytes())


def ready(**changes: Any) -> Attestation:
    """The base attestation with what both versions require stated."""
    required = {
        "product_mass_per_declared_unit": D("5.4"),
        "fossil_carbon_content": D("0.12"),
        "biogenic_carbon_content": D("0"),
        "exempted_emissions_percent": D("0.5"),
        "dqi": fp.DataQuality(D("1.6"), D("1.2"), D("1.4"), D("2"), D("1.5"), D("98")),
    }
    return base_attestation().with_changes(**(required | changes))


def ready_v2(**changes: Any) -> Attestation:
    """:func:`ready` without the v3.0-only biogenic non-CO2 emissions (moved to land use, so sums hold)."""
    return ready(biogenic_non_co2_emissions=None, land_use_emissions=D("0.50"), **changes)


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> PactError:
    with pytest.raises(PactError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_conform_to_the_pact_schemas(name: str) -> None:
    assert_conforms(fixture(name), "2.3" if name.startswith("v2") else "3.0")


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_imports_and_exports_back_unchanged(name: str) -> None:
    doc = fixture(name)
    imported = import_pact(doc)
    out = export_pact(
        imported.attestation, imported.version, record=imported.record, issuer_domain=imported.issuer_domain
    )
    assert pc.first_difference(doc, out) is None
    assert json.loads(dump_pact(out)) == json.loads((VECTORS / name).read_bytes())
    assert_conforms(out, imported.version)


@pytest.mark.parametrize("name", FIXTURES)
def test_imported_attestation_signs_and_parses(name: str) -> None:
    att = import_pact(fixture(name)).attestation
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    parsed, _ = parse_attestation(sign_attestation(att, key, "2026-02-01T08:00:00Z"))
    assert parsed.to_subject() == att.to_subject()


def test_v3_import_maps_the_modelled_fields() -> None:
    att = import_pact(fixture("v3-hot-rolled-coil.json")).attestation
    assert att.product_id == "06901234567892"
    assert (att.declared_unit, att.unitary_product_amount) == ("kilogram", D("1000"))
    assert att.pcf_excluding_biogenic == D("1970.0")
    assert att.ccs_technological_co2_capture == D("-45.0")
    assert att.geography == "CN-JS"
    assert att.boundary == "cradle-to-gate"
    assert att.stages is None
    assert att.factor_datasets == (fp.FactorDatasetRef("ecoinvent", "3.10"),)
    fields = att.extensions[-1]
    assert fields.data_schema == pc.FIELDS_SCHEMA
    kept = fields.data_value
    assert kept["pactVersion"] == "3.0"
    assert kept["productFootprint"]["productIds"][1] == "urn:pact:nths.example.cn:supplier-id:HRC-Q235B-3.0"
    assert kept["pcf"]["verification"]["standardName"] == "ISO 14064-3"
    assert att.extensions[0].data_value["scrapShare"] == 0.12


def test_carbontrail_extension_gives_stages_boundary_and_record() -> None:
    imported = import_pact(fixture("v3-pv-module-carbontrail.json"))
    att = imported.attestation
    assert att.boundary == "cradle-to-grave"
    assert att.stages == fp.Stages(D("301.20"), D("88.40"), D("12.60"), D("0.00"), D("10.30"))
    assert att.dqi is not None
    assert att.dqi.completeness == D("2.0")
    assert att.product_id == "88.200.3/TOPCon-580W"
    assert imported.issuer_domain == "pv.example.cn"
    assert att.extensions == ()
    assert imported.record["companyName"] == "Changzhou PV Modules Co., Ltd."


def test_v2_import_computes_an_absent_including_total_and_leaves_it_out_again() -> None:
    imported = import_pact(fixture("v2-lithium-carbonate.json"))
    att = imported.attestation
    assert att.pcf_including_biogenic == D("9.85")
    assert att.exempted_emissions_percent == D("1.2")
    assert att.primary_data_share == D("46.5")
    assert att.dqi == fp.DataQuality(D("1.8"), D("1.2"), D("2.0"), D("1.5"), D("1.6"), D("95"))
    assert "pcf.pCfIncludingBiogenic" in att.extensions[-1].data_value["absent"]
    assert "pCfIncludingBiogenic" not in export_pact(att, "2.3")["pcf"]


def test_v2_standards_come_from_the_deprecated_list_when_alone() -> None:
    att = import_pact(fixture("v2-grid-electricity.json")).attestation
    assert att.standards == ("GHGP-Product",)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(FIXTURES),
    st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyzXYZ", min_size=3, max_size=12).map(lambda s: "x" + s),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=6,
        ),
        max_size=3,
    ),
    st.booleans(),
)
def test_fields_we_do_not_model_survive(name: str, extra: dict[str, Any], in_pcf: bool) -> None:
    doc = fixture(name)
    (doc["pcf"] if in_pcf else doc).update(extra)
    imported = import_pact(doc)
    out = export_pact(
        imported.attestation, imported.version, record=imported.record, issuer_domain=imported.issuer_domain
    )
    assert pc.first_difference(doc, out) is None


def test_an_attestation_exported_across_versions_comes_back() -> None:
    from_v2 = import_pact(fixture("v2-lithium-carbonate.json")).attestation
    doc = export_pact(from_v2, "3.0", record=RECORD)
    assert_conforms(doc, "3.0")
    assert import_pact(doc).attestation == from_v2
    footprint = doc["extensions"][-1]["data"]
    assert footprint["pactFields"]["pcf"]["assurance"]["level"] == "limited"


# --- exports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "record"), [("3.0", RECORD), ("2.3", RECORD_V2)])
def test_export_conforms_and_comes_back(version: str, record: dict[str, Any]) -> None:
    att = ready_v2()
    doc = export_pact(att, version, record=record, issuer_domain=DOMAIN)
    assert_conforms(doc, version)
    assert doc["productIds"] == ["urn:pact:cell.example.cn:handle:88.118.8/LFP-280Ah"]
    footprint = doc["extensions"][-1]
    assert (footprint["specVersion"], footprint["dataSchema"]) == ("2.0.0", pc.FOOTPRINT_SCHEMA)
    assert footprint["data"]["stages"] == {
        "rawMaterialAcquisition": "44.10",
        "manufacturing": "16.80",
        "distribution": "1.50",
    }
    imported = import_pact(load_pact(dump_pact(doc)))
    assert imported.attestation == att
    assert imported.attestation.to_subject() == att.to_subject()
    assert dict(imported.record) == record


def test_v2_export_writes_numbers_exactly() -> None:
    doc = export_pact(ready_v2(primary_data_share=D("72.50")), "2.3", record=RECORD_V2, issuer_domain=DOMAIN)
    assert b'"primaryDataShare":72.50' in dump_pact(doc)
    share = import_pact(load_pact(dump_pact(doc))).attestation.primary_data_share
    assert share is not None
    assert share.as_tuple().exponent == -2


def test_footprint_extension_data_validates_against_its_schema() -> None:
    schema = json.loads((VECTORS / "carbontrail-footprint-extension.schema.json").read_text(encoding="utf-8"))
    att = ready(
        boundary="cradle-to-grave",
        stages=fp.Stages(D("40.00"), D("16.80"), D("1.50"), D("0.10"), D("4.00")),
        supersedes="sha256:" + "b" * 64,
        product_category="CPC 46410",
    )
    doc = export_pact(att, "3.0", record=RECORD, issuer_domain=DOMAIN)
    jsonschema.Draft202012Validator(schema).validate(doc["extensions"][-1]["data"])
    from_v2 = import_pact(fixture("v2-lithium-carbonate.json")).attestation
    jsonschema.Draft202012Validator(schema).validate(
        export_pact(from_v2, "3.0", record=RECORD)["extensions"][-1]["data"]
    )


# --- refusals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["piece", "hour", "megabit second"])
def test_v2_refuses_units_it_lacks(unit: str) -> None:
    refused("pact.unrepresentable", export_pact, ready_v2(declared_unit=unit), "2.3", record=RECORD_V2,
            issuer_domain=DOMAIN)  # fmt: skip
    assert export_pact(ready(declared_unit=unit), "3.0", record=RECORD, issuer_domain=DOMAIN)


def test_v2_refuses_ratings_above_3_and_incomplete_dqi() -> None:
    for dqi in (
        fp.DataQuality(D("4"), D("1"), D("1"), D("1"), D("1"), D("90")),
        fp.DataQuality(D("1"), D("1"), D("1")),
    ):
        refused(
            "pact.unrepresentable",
            export_pact,
            ready_v2(dqi=dqi),
            "2.3",
            record=RECORD_V2,
            issuer_domain=DOMAIN,
        )


def test_v2_refuses_a_nonzero_v3_only_component_and_carries_a_zero_one() -> None:
    att = ready_v2()
    refused("pact.unrepresentable", export_pact, ready(), "2.3", record=RECORD_V2, issuer_domain=DOMAIN)
    zero = att.with_changes(technological_co2_removals=D("0"))
    doc = export_pact(zero, "2.3", record=RECORD_V2, issuer_domain=DOMAIN)
    assert doc["extensions"][-1]["data"]["components"] == {"technologicalCO2Removals": "0"}
    assert import_pact(doc).attestation == zero


def test_v2_requires_a_standard_it_can_name() -> None:
    att = ready_v2(standards=("GB/T 24067",))
    refused("pact.required", export_pact, att, "2.3", record=RECORD_V2, issuer_domain=DOMAIN)


@pytest.mark.parametrize(
    "missing", ["product_mass_per_declared_unit", "fossil_carbon_content", "exempted_emissions_percent"]
)
def test_v3_refuses_what_it_requires_and_the_attestation_lacks(missing: str) -> None:
    error = refused("pact.required", export_pact, ready(**{missing: None}), "3.0", record=RECORD,
                    issuer_domain=DOMAIN)  # fmt: skip
    assert "requires pcf." in error.message


def test_export_needs_the_record_and_a_domain_for_a_handle() -> None:
    refused("pact.required", export_pact, ready(), "3.0", issuer_domain=DOMAIN)
    refused("pact.required", export_pact, ready(), "3.0", record=RECORD)


def test_export_refuses_a_bad_record_and_an_unknown_version() -> None:
    refused(
        "pact.schema", export_pact, ready(), "3.0", record=RECORD | {"id": "not-a-uuid"}, issuer_domain=DOMAIN
    )
    refused("pact.schema", export_pact, ready(), "3.0", record=RECORD | {"version": 3}, issuer_domain=DOMAIN)
    refused(
        "pact.schema", export_pact, ready(), "3.0", record=RECORD | {"companyIds": []}, issuer_domain=DOMAIN
    )
    refused("pact.version", export_pact, ready(), "2.2", record=RECORD, issuer_domain=DOMAIN)


def test_export_refuses_a_digital_link_it_would_not_give_back() -> None:
    att = ready(product_id="https://id.gs1.org/01/06901234567892")
    refused("pact.unrepresentable", export_pact, att, "3.0", record=RECORD)


def test_export_refuses_a_carried_footprint_extension() -> None:
    ours = fp.PactExtension("2.0.0", pc.FOOTPRINT_SCHEMA, '{"boundary":"cradle-to-gate"}')
    refused(
        "pact.extension", export_pact, ready(extensions=(ours,)), "3.0", record=RECORD, issuer_domain=DOMAIN
    )


def pcf(**members: Any) -> Any:
    return lambda d: d["pcf"].update(members)


def dqi(**members: Any) -> Any:
    return lambda d: d["pcf"]["dqi"].update(members)


def fx(**members: Any) -> Any:
    return lambda d: footprint_ext(d).update(members)


def stage(**members: Any) -> Any:
    return lambda d: footprint_ext(d)["stages"].update(members)


FIELDS_EXT = {"specVersion": "2.0.0", "dataSchema": pc.FIELDS_SCHEMA, "data": {}}
OTHER_EXT = {
    "specVersion": "2.0.0",
    "dataSchema": "https://catalog.example.org/x/1.0.0/schema.json",
    "data": {},
}


def mutated(name: str, change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(fixture(name))
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("code", "attestation_code", "change"),
    [
        ("pact.version", None, lambda d: d.update(specVersion="4.0.0")),
        ("pact.version", None, lambda d: d.update(specVersion="1.0.0")),
        ("pact.schema", None, lambda d: d.update(specVersion=3)),
        ("pact.schema", None, lambda d: d.pop("companyName")),
        ("pact.schema", None, lambda d: d["pcf"].pop("fossilCarbonContent")),
        ("pact.schema", None, pcf(declaredUnitOfMeasurement="tonne")),
        ("pact.schema", None, pcf(fossilGhgEmissions=2010.5)),
        ("pact.schema", None, pcf(geographyCountry="CN")),
        ("pact.schema", None, pcf(packagingEmissionsIncluded="yes")),
        ("pact.unrepresentable", "attestation.decimal", pcf(declaredUnitAmount="01000")),
        ("pact.unrepresentable", None, lambda d: d.update(productIds=["urn:gtin:6901234567891"])),
        ("pact.unrepresentable", "attestation.geography", pcf(geographyCountrySubdivision="CN-ZZ")),
        ("pact.unrepresentable", "attestation.dqi_range", dqi(temporalDQR="6")),
        ("pact.unrepresentable", None, dqi(completenessDQR="2")),
        ("pact.inconsistent", "attestation.pcf_sum", pcf(fossilGhgEmissions="2010.6")),
        ("pact.inconsistent", "attestation.biogenic_sum", pcf(pcfIncludingBiogenicUptake="1970.0")),
        ("pact.inconsistent", "attestation.period_order", pcf(referencePeriodEnd="2023-01-01T00:00:00Z")),
        ("pact.extension", None, lambda d: d["extensions"].append(FIELDS_EXT)),
        ("pact.schema", None, lambda d: d["extensions"].append({"specVersion": "2.0.0", "data": {}})),
    ],
)  # fmt: skip
def test_v3_import_refusals(code: str, attestation_code: str | None, change: Any) -> None:
    error = refused(code, import_pact, mutated("v3-hot-rolled-coil.json", change))
    assert error.attestation_code == attestation_code


def footprint_ext(d: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = d["extensions"][-1]["data"]
    return data


@pytest.mark.parametrize(
    ("code", "attestation_code", "change"),
    [
        ("pact.inconsistent", "attestation.stages_sum", stage(use="0.01")),
        ("pact.inconsistent", "attestation.boundary_stages", fx(boundary="cradle-to-gate")),
        ("pact.unrepresentable", "attestation.boundary", fx(boundary="gate-to-gate")),
        ("pact.extension", None, fx(colour="green")),
        ("pact.extension", None, stage(use=0)),
        ("pact.extension", None, fx(recordFields=["companyName", "pcf.fossilGhgEmissions"])),
        ("pact.extension", "attestation.field", fx(uncertainty={"distribution": "normal"})),
        ("pact.extension", None, lambda d: d["extensions"].append(copy.deepcopy(d["extensions"][-1]))),
        ("pact.unrepresentable", None, lambda d: d["extensions"].append(OTHER_EXT)),
    ],
)  # fmt: skip
def test_footprint_extension_refusals(code: str, attestation_code: str | None, change: Any) -> None:
    error = refused(code, import_pact, mutated("v3-pv-module-carbontrail.json", change))
    assert error.attestation_code == attestation_code


@pytest.mark.parametrize(
    ("code", "change"),
    [
        ("pact.schema", pcf(declaredUnit="piece")),
        ("pact.schema", pcf(primaryDataShare="46.5")),
        ("pact.schema", pcf(exemptedEmissionsPercent=True)),
        ("pact.schema", lambda d: d["pcf"]["dqi"].pop("reliabilityDQR")),
        ("pact.schema", pcf(crossSectoralStandards=None)),
        ("pact.inconsistent", pcf(dLucGhgEmissions="0.06")),
        ("pact.inconsistent", pcf(pCfIncludingBiogenic="9.80")),
        ("pact.version", lambda d: d.update(specVersion="2.4.0")),
    ],
)
def test_v2_import_refusals(code: str, change: Any) -> None:
    refused(code, import_pact, mutated("v2-lithium-carbonate.json", change))


def test_load_pact_refuses_what_is_not_a_json_object() -> None:
    refused("pact.schema", load_pact, b"[1]")
    refused("pact.schema", load_pact, b'{"a":1,"a":2}')
    refused("pact.schema", load_pact, b"\xff")
