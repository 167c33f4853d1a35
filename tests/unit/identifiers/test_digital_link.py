"""GS1 Digital Link URIs and element strings for trade items, cross-checked against biip."""

from __future__ import annotations

from pathlib import Path

import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from hypothesis import given
from hypothesis import strategies as st

from identifiers.digital_link import DigitalLink, parse_digital_link
from identifiers.errors import Gs1Error, GtinError, IdentifierError
from identifiers.gs1_item import ElementString, parse_element_string
from identifiers.gtin import parse_gtin
from tests.unit.identifiers.strategies import cset82_values, dates_yymmdd, gtins

LINKSET = Path(__file__).resolve().parents[2] / "vectors" / "gs1" / "resolver-testsuite-modelLinkset.json"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("https://id.gs1.org/01/09506000164908", "https://id.gs1.org/01/09506000164908"),
        ("https://id.gs1.org/01/09506000164908/21/1234", "https://id.gs1.org/01/09506000164908/21/1234"),
        ("https://example.com/01/9506000164908/", "https://id.gs1.org/01/09506000164908"),
        ("http://example.com/dl/x/01/09506000164908/10/AB", "https://id.gs1.org/01/09506000164908/10/AB"),
        ("/01/09506000164908/22/2A/10/L1/21/S1", "https://id.gs1.org/01/09506000164908/22/2A/10/L1/21/S1"),
        ("/01/09506000164908/235/TPX1", "https://id.gs1.org/01/09506000164908/235/TPX1"),
        ("/01/09506000164908/10/a%2fb", "https://id.gs1.org/01/09506000164908/10/a%2Fb"),
        ("/01/09506000164908/10/a%21", "https://id.gs1.org/01/09506000164908/10/a%21"),
        ("/01/09506000164908/10/a!", "https://id.gs1.org/01/09506000164908/10/a%21"),
        (
            "/01/09506000164908/21/7?3103=000195&17=251231",
            "https://id.gs1.org/01/09506000164908/21/7?17=251231&3103=000195",
        ),
    ],
)
def test_valid_digital_links(text: str, canonical: str) -> None:
    link = parse_digital_link(text)
    assert link.canonical == canonical
    assert parse_digital_link(canonical) == link


def test_model_linkset_anchors_parse() -> None:
    anchors = {line.split('"')[3] for line in LINKSET.read_text().splitlines() if '"anchor"' in line}
    assert anchors == {"https://id.gs1.org/01/09506000164908", "https://id.gs1.org/01/09506000164908/21/1234"}
    for anchor in anchors:
        assert parse_digital_link(anchor).canonical == anchor


def test_fields() -> None:
    link = parse_digital_link("/01/09506000164908/22/2A/10/L1/21/S1?17=251231")
    assert link.gtin == parse_gtin("9506000164908")
    assert (link.lot, link.serial, link.qualifier("22")) == ("L1", "S1", "2A")
    assert link.attributes == (("17", "251231"),)
    assert (
        link.to_uri("https://r.example/dl/")
        == "https://r.example/dl/01/09506000164908/22/2A/10/L1/21/S1?17=251231"
    )


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("https://id.gs1.org/01/09506000164907", GtinError, "identifiers.gtin.check_digit"),
        ("https://id.gs1.org/01/09506000164", GtinError, "identifiers.gtin.length"),
        ("https://id.gs1.org/01/0950600016490x", GtinError, "identifiers.gtin.digits"),
        ("https://id.gs1.org/01/09506000164908/21/S/10/L", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("https://id.gs1.org/01/09506000164908/10/L/22/C", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("https://id.gs1.org/01/09506000164908/22/C/235/T", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("https://id.gs1.org/01/09506000164908/17/251231", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("https://id.gs1.org/01/09506000164908/10/A/10/B", Gs1Error, "identifiers.gs1.duplicate_ai"),
        ("https://id.gs1.org/01/09506000164908?21=S", Gs1Error, "identifiers.gs1.qualifier_in_query"),
        ("https://id.gs1.org/01/09506000164908?10=L", Gs1Error, "identifiers.gs1.qualifier_in_query"),
        ("https://id.gs1.org/01/09506000164908?01=09506000164908", Gs1Error, "identifiers.gs1.primary_key"),
        ("https://id.gs1.org/01/09506000164908?8200=x", Gs1Error, "identifiers.gs1.not_data_attribute"),
        (
            "https://id.gs1.org/01/09506000164908?17=251231&17=251231",
            Gs1Error,
            "identifiers.gs1.duplicate_ai",
        ),
        (
            "https://id.gs1.org/01/09506000164908?3103=000001&3102=000001",
            Gs1Error,
            "identifiers.gs1.ai_excludes",
        ),
        ("https://id.gs1.org/01/09506000164908?4300=x", Gs1Error, "identifiers.gs1.ai_requires"),
        ("https://id.gs1.org/01/09506000164908?linkType=all", Gs1Error, "identifiers.gs1.query_parameter"),
        ("https://id.gs1.org/01/09506000164908?17=", Gs1Error, "identifiers.gs1.query_parameter"),
        ("https://id.gs1.org/01/09506000164908?17=251231&", Gs1Error, "identifiers.gs1.query_parameter"),
        ("https://id.gs1.org/01/09506000164908?239=1", Gs1Error, "identifiers.gs1.unknown_ai"),
        ("https://id.gs1.org/01/09506000164908?17=251301", Gs1Error, "identifiers.gs1.ai_value"),
        ("https://id.gs1.org/01/09506000164908/10/" + "A" * 21, Gs1Error, "identifiers.gs1.ai_value"),
        ("https://id.gs1.org/01/09506000164908/10/%C3%A9", Gs1Error, "identifiers.gs1.ai_value"),
        ("https://id.gs1.org/01/09506000164908/10/a%20b", Gs1Error, "identifiers.gs1.ai_value"),
        ("https://id.gs1.org/01/09506000164908/10/a%2", Gs1Error, "identifiers.gs1.percent_encoding"),
        ("https://id.gs1.org/01/09506000164908/10/%FF", Gs1Error, "identifiers.gs1.percent_encoding"),
        ("https://id.gs1.org/01/09506000164908/10/", Gs1Error, "identifiers.gs1.primary_key"),
        ("https://id.gs1.org/01//10/x", Gs1Error, "identifiers.gs1.uri"),
        ("https://id.gs1.org/414/9506000164908", Gs1Error, "identifiers.gs1.unsupported_key"),
        ("https://id.gs1.org/00/095060001649080001", Gs1Error, "identifiers.gs1.unsupported_key"),
        ("https://id.gs1.org/gtin/09506000164908", Gs1Error, "identifiers.gs1.primary_key"),
        ("https://id.gs1.org/", Gs1Error, "identifiers.gs1.primary_key"),
        ("ftp://id.gs1.org/01/09506000164908", Gs1Error, "identifiers.gs1.uri"),
        ("https:///01/09506000164908", Gs1Error, "identifiers.gs1.uri"),
        ("01/09506000164908", Gs1Error, "identifiers.gs1.uri"),
        ("https://id.gs1.org/01/09506000164908#x", Gs1Error, "identifiers.gs1.uri"),
        ("https://id.gs1.org/01/09506000164908/10/a b", Gs1Error, "identifiers.gs1.uri"),
        ("https://id.gs1.org/01/09506000164908/10/é", Gs1Error, "identifiers.gs1.uri"),
    ],
)
def test_refused_digital_links(text: str, error: type[IdentifierError], code: str) -> None:
    with pytest.raises(error) as info:
        parse_digital_link(text)
    assert type(info.value) is error
    assert info.value.code == code


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("(01)09506000164908", "(01)09506000164908"),
        ("(01)09506000164908(21)S1(10)L1", "(01)09506000164908(10)L1(21)S1"),
        ("(17)251231(01)09506000164908", "(01)09506000164908(17)251231"),
        ("(01)09506000164908(10)a\\(b)", "(01)09506000164908(10)a\\(b)"),
        ("(01)09506000164908(8200)https://example.com", "(01)09506000164908(8200)https://example.com"),
        ("0109506000164908" + "10L1\x1d21S1", "(01)09506000164908(10)L1(21)S1"),
        ("]d20109506000164908" + "17251231" + "10L1", "(01)09506000164908(10)L1(17)251231"),
    ],
)
def test_valid_element_strings(text: str, canonical: str) -> None:
    item = parse_element_string(text)
    assert item.canonical == canonical
    assert parse_element_string(canonical) == item


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("(01)09506000164907", GtinError, "identifiers.gtin.check_digit"),
        ("(01)9506000164908", GtinError, "identifiers.gtin.length"),
        ("0109506000164907", GtinError, "identifiers.gtin.check_digit"),
        ("(01)09506000164908(01)09506000164908", Gs1Error, "identifiers.gs1.duplicate_ai"),
        ("(01)09506000164908(10)A(10)B", Gs1Error, "identifiers.gs1.duplicate_ai"),
        ("(10)L1", Gs1Error, "identifiers.gs1.primary_key"),
        ("(01)09506000164908(22)C(235)T", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("(01)09506000164908(21)S(235)T", Gs1Error, "identifiers.gs1.qualifier_order"),
        ("(01)09506000164908(250)X", Gs1Error, "identifiers.gs1.ai_requires"),
        ("(01)09506000164908(37)5", Gs1Error, "identifiers.gs1.ai_excludes"),
        ("(01)09506000164908(239)5", Gs1Error, "identifiers.gs1.unknown_ai"),
        ("(01)09506000164908(17)251232", Gs1Error, "identifiers.gs1.ai_value"),
        ("(01)09506000164908(10)", Gs1Error, "identifiers.gs1.element_string"),
        ("(01)09506000164908(1a)x", Gs1Error, "identifiers.gs1.element_string"),
        ("(01)09506000164908(10", Gs1Error, "identifiers.gs1.element_string"),
        ("x(01)09506000164908", Gs1Error, "identifiers.gs1.element_string"),
        ("", Gs1Error, "identifiers.gs1.element_string"),
        ("0109506000164908" + "17251332", Gs1Error, "identifiers.gs1.element_string"),
        ("9909506000164908", Gs1Error, "identifiers.gs1.primary_key"),
        ("]X10109506000164908", Gs1Error, "identifiers.gs1.element_string"),
    ],
)
def test_refused_element_strings(text: str, error: type[IdentifierError], code: str) -> None:
    with pytest.raises(error) as info:
        parse_element_string(text)
    assert type(info.value) is error
    assert info.value.code == code


@st.composite
def items(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    gtin = draw(gtins((14,)))
    qualifiers = [(ai, draw(cset82_values())) for ai in ("22", "10", "21") if draw(st.booleans())]
    attribute_values = {"17": dates_yymmdd(), "3103": st.text("0123456789", min_size=6, max_size=6)}
    attribute_values["240"] = cset82_values(30)
    attributes = [(ai, draw(strategy)) for ai, strategy in attribute_values.items() if draw(st.booleans())]
    return gtin, qualifiers, attributes


def _uri(gtin: str, qualifiers: list[tuple[str, str]], attributes: list[tuple[str, str]]) -> str:
    from urllib.parse import quote

    path = "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in [("01", gtin), *qualifiers])
    query = "&".join(f"{ai}={quote(v, safe='')}" for ai, v in attributes)
    return "https://example.com" + path + ("?" + query if query else "")


@given(items())
def test_digital_link_round_trip_and_biip_agrees(
    item: tuple[str, list[tuple[str, str]], list[tuple[str, str]]],
) -> None:
    gtin, qualifiers, attributes = item
    link = parse_digital_link(_uri(gtin, qualifiers, attributes))
    assert isinstance(link, DigitalLink)
    assert link.gtin.digits == gtin
    assert list(link.qualifiers) == qualifiers
    assert list(link.attributes) == sorted(attributes)
    assert parse_digital_link(link.canonical) == link
    assert parse_digital_link(link.to_uri("https://r.example/a/b")) == link
    theirs = GS1DigitalLinkURI.parse(link.canonical)
    assert [(e.ai.ai, e.value) for e in theirs.element_strings] == list(link.pairs)


@given(items())
def test_element_string_round_trip_and_biip_agrees(
    item: tuple[str, list[tuple[str, str]], list[tuple[str, str]]],
) -> None:
    gtin, qualifiers, attributes = item
    text = "".join(
        f"({ai}){v.replace('(', chr(92) + '(')}" for ai, v in [("01", gtin), *qualifiers, *attributes]
    )
    parsed = parse_element_string(text)
    assert isinstance(parsed, ElementString)
    assert parse_element_string(parsed.canonical) == parsed
    link = parse_digital_link(_uri(gtin, qualifiers, attributes))
    assert parsed.pairs == link.pairs
    if not any("(" in v for _, v in [*qualifiers, *attributes]):
        theirs = GS1Message.parse_hri(parsed.canonical)
        assert sorted((e.ai.ai, e.value) for e in theirs.element_strings) == sorted(parsed.pairs)
