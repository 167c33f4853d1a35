"""URNs and the PACT product-identifier forms, both ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers.digital_link import parse_digital_link
from identifiers.errors import GtinError, HandleError, IdentifierError, TextError, UrnError
from identifiers.gtin import parse_gs1_company_prefix, parse_gtin
from identifiers.handle import Handle, parse_handle, parse_handle_prefix
from identifiers.urn import (
    PactUrn,
    PathfinderUrn,
    Urn,
    from_pact_urn,
    pact_to_pathfinder,
    parse_urn,
    pathfinder_to_pact,
    to_pact_urn,
)
from identifiers.uscc import parse_uscc
from tests.unit.identifiers.strategies import gtin_check, gtins, handle_prefixes, handle_suffixes

PACT = Path("/work/shared/vectors/pact")


@pytest.mark.parametrize(
    ("text", "canonical", "kind"),
    [
        ("urn:gtin:4712345060507", "04712345060507", "gtin"),
        ("URN:GTIN:04712345060507", "04712345060507", "gtin"),
        ("urn:pact:sample.com:product-id:44055-9c05bc35-68f8", None, "pact-urn"),
        ("urn:pact:Sample.COM:buyer-id:103403453", "urn:pact:sample.com:buyer-id:103403453", "pact-urn"),
        ("urn:pact:inchi-trust.org:substance-id:1S,/2O.Ti", None, "pact-urn"),
        ("urn:pact:productclassification:un-cpc:1234", None, "pact-urn"),
        ("urn:pact:example.com:part:a:b:c", None, "pact-urn"),
        ("urn:pathfinder:product:customcode:buyer-assigned:1234", None, "pathfinder-urn"),
        ("urn:pathfinder:company:customcode:vendor-assigned:6789", None, "pathfinder-urn"),
        ("urn:pathfinder:product:id:cas:64-17-5", None, "pathfinder-urn"),
        (
            "urn:pathfinder:product:id:iupac-inchi:1S%2fC9H8O4%2fc1",
            "urn:pathfinder:product:id:iupac-inchi:1S%2FC9H8O4%2Fc1",
            "pathfinder-urn",
        ),
        ("urn:uuid:abc12345-6789-4def-0123-456789abcdef", None, "urn"),
        ("urn:epc:id:sgln:123456.00000.1", None, "urn"),
        ("urn:eclass:0173-1", None, "urn"),
        ("URN:ISBN:978-951-0-18435-6", "urn:isbn:978-951-0-18435-6", "urn"),
    ],
)
def test_valid_urns(text: str, canonical: str | None, kind: str) -> None:
    parsed = parse_urn(text)
    assert parsed.scheme == kind
    assert parsed.canonical == (canonical or text)
    assert (
        parse_urn(parsed.canonical) == parsed if kind != "gtin" else parse_urn("urn:gtin:" + parsed.canonical)
    )


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("urn:gtin:1234567890123", GtinError, "identifiers.gtin.check_digit"),
        ("urn:gtin:123", GtinError, "identifiers.gtin.length"),
        ("urx:gtin:4712345060507", UrnError, "identifiers.urn.syntax"),
        ("urn:", UrnError, "identifiers.urn.syntax"),
        ("urn:x:abc", UrnError, "identifiers.urn.syntax"),
        ("urn:-ab:abc", UrnError, "identifiers.urn.syntax"),
        ("urn:" + "a" * 33 + ":abc", UrnError, "identifiers.urn.syntax"),
        ("urn:isbn:", UrnError, "identifiers.urn.syntax"),
        ("urn:isbn", UrnError, "identifiers.urn.syntax"),
        ("urn:eclass:0173-1#01-AAA123#005", UrnError, "identifiers.urn.syntax"),
        ("urn:example:a?+r", UrnError, "identifiers.urn.syntax"),
        ("urn:example:a b", UrnError, "identifiers.urn.character"),
        ("urn:example:電池", UrnError, "identifiers.urn.character"),
        ("urn:example:a\x00", UrnError, "identifiers.urn.character"),
        ("urn:example:a%zz", UrnError, "identifiers.urn.percent_encoding"),
        ("urn:pact:cas.org:substance-id13463-67-7", UrnError, "identifiers.urn.pact"),
        ("urn:pact:sample.com::x", UrnError, "identifiers.urn.pact"),
        ("urn:pact:sample..com:product-id:x", UrnError, "identifiers.urn.pact"),
        ("urn:pact:sample.com:-x:y", UrnError, "identifiers.urn.pact"),
        ("urn:pathfinder:product:customcode:someone-assigned:1", UrnError, "identifiers.urn.pathfinder"),
        ("urn:pathfinder:thing:customcode:buyer-assigned:1", UrnError, "identifiers.urn.pathfinder"),
        ("urn:pathfinder:product:code:cas:1", UrnError, "identifiers.urn.pathfinder"),
        ("urn:pathfinder:product:id:cas", UrnError, "identifiers.urn.pathfinder"),
    ],
)
def test_refused_urns(text: str, error: type[IdentifierError], code: str) -> None:
    with pytest.raises(error) as info:
        parse_urn(text)
    assert type(info.value) is error
    assert info.value.code == code


def test_pact_openapi_examples_parse() -> None:
    """Every product id example in the PACT OpenAPI files is a URN carbontrail reads."""
    found = set()
    for name in ("openapi_v2_3.yaml", "openapi_v3_0.yaml"):
        found |= set(re.findall(r'"(urn:pact:[^"]+)"', (PACT / name).read_text()))
    assert "urn:pact:sample.com:product-id:44055-9c05bc35-68f8" in found
    for text in found:
        assert parse_urn(text).canonical == text


def test_pact_test_case_gtins_are_judged_by_their_check_digit() -> None:
    found = set(re.findall(r'"urn:gtin:(\d+)"', (PACT / "v2-test-cases-expected-results.md").read_text()))
    assert {"4712345060507", "1234567890123"} <= found
    for digits in found:
        if gtin_check(digits[:-1]) == digits[-1]:
            assert from_pact_urn(f"urn:gtin:{digits}") == parse_gtin(digits)
        else:
            with pytest.raises(GtinError) as info:
                parse_urn(f"urn:gtin:{digits}")
            assert info.value.code == "identifiers.gtin.check_digit"


def test_to_pact_urn() -> None:
    assert to_pact_urn(parse_gtin("4712345060507")) == "urn:gtin:04712345060507"
    assert to_pact_urn(parse_digital_link("/01/04712345060507")) == "urn:gtin:04712345060507"
    handle = parse_handle("88.118.8/电池-A/1")
    urn = to_pact_urn(handle, issuer_domain="example.cn")
    assert urn == "urn:pact:example.cn:handle:88.118.8/%E7%94%B5%E6%B1%A0-A/1"
    assert from_pact_urn(urn) == handle
    assert to_pact_urn(parse_urn("urn:UUID:x1")) == "urn:uuid:x1"


@pytest.mark.parametrize(
    "make",
    [
        lambda: to_pact_urn(parse_digital_link("/01/04712345060507/10/L1")),
        lambda: to_pact_urn(parse_handle("88.118.8/x")),
        lambda: to_pact_urn(parse_uscc("91350100M000100Y43")),
        lambda: to_pact_urn(parse_gs1_company_prefix("gs1:4712345")),
        lambda: to_pact_urn(parse_handle_prefix("88.118.8")),
        lambda: pathfinder_to_pact(PathfinderUrn("company", "customcode", "buyer-assigned", "1"), "a.com"),
    ],
)
def test_unmappable(make: object) -> None:
    with pytest.raises(UrnError) as info:
        make()  # type: ignore[operator]  # the parametrised lambdas are callables
    assert info.value.code == "identifiers.urn.unmappable"


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("urn:pact:example.cn:handle:10.1000/x", HandleError, "identifiers.handle.prefix_root"),
        ("urn:pact:example.cn:handle:88.118.8/a%E2%80%AEb", TextError, "identifiers.text.bidi"),
        ("urn:pact:example.cn:handle:88.118.8/a%FFb", UrnError, "identifiers.urn.percent_encoding"),
    ],
)
def test_bad_embedded_handles(text: str, error: type[IdentifierError], code: str) -> None:
    with pytest.raises(error) as info:
        from_pact_urn(text)
    assert info.value.code == code


def test_v2_v3_examples() -> None:
    v2 = parse_urn("urn:pathfinder:product:customcode:buyer-assigned:1234")
    assert isinstance(v2, PathfinderUrn)
    v3 = pathfinder_to_pact(v2, "buyer.example")
    assert v3.canonical == "urn:pact:buyer.example:buyer-id:1234"
    assert pact_to_pathfinder(v3) == v2
    vendor = parse_urn("urn:pathfinder:product:customcode:vendor-assigned:8765")
    assert isinstance(vendor, PathfinderUrn)
    assert pathfinder_to_pact(vendor, "s.example").id_type == "supplier-id"
    cas = parse_urn("urn:pathfinder:product:id:cas:64-17-5")
    assert isinstance(cas, PathfinderUrn)
    assert pathfinder_to_pact(cas, "cas.org").canonical == "urn:pact:cas.org:cas:64-17-5"


domains = st.from_regex(r"\A[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}\Z")
tokens = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,15}\Z")
codes = st.from_regex(r"\A[A-Za-z0-9\-._~!$&'()*+,;=:@/]{1,30}\Z")


@given(domains, tokens, codes)
def test_pact_urn_round_trip(domain: str, id_type: str, code: str) -> None:
    urn = PactUrn(domain, id_type, code)
    assert parse_urn(urn.canonical) == urn
    back = pathfinder_to_pact(pact_to_pathfinder(urn), domain)
    assert back == urn


@given(st.sampled_from(["buyer-assigned", "vendor-assigned", "cas", "iupac-inchi"]), codes, domains)
def test_pathfinder_round_trip(qualifier: str, code: str, domain: str) -> None:
    form = "customcode" if qualifier.endswith("-assigned") else "id"
    urn = PathfinderUrn("product", form, qualifier, code)
    assert parse_urn(urn.canonical) == urn
    assert pact_to_pathfinder(pathfinder_to_pact(urn, domain)) == urn


@given(gtins())
def test_gtin_urn_round_trip(text: str) -> None:
    gtin = parse_gtin(text)
    assert from_pact_urn(to_pact_urn(gtin)) == gtin


@given(handle_prefixes(), handle_suffixes(), domains)
def test_handle_urn_round_trip(prefix: str, suffix: str, domain: str) -> None:
    handle = Handle(parse_handle_prefix(prefix), suffix)
    urn = to_pact_urn(handle, issuer_domain=domain)
    assert isinstance(parse_urn(urn), PactUrn)
    assert from_pact_urn(urn) == handle


def test_urn_fields() -> None:
    assert parse_urn("urn:ISBN:1") == Urn("isbn", "1")
