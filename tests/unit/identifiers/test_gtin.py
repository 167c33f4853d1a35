"""GTINs and GS1 company prefixes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers.errors import Gs1Error, GtinError
from identifiers.gtin import gs1_check_digit, parse_gs1_company_prefix, parse_gtin
from tests.unit.identifiers.strategies import gtin_check, gtins


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("4712345060507", "04712345060507"),
        ("04712345060507", "04712345060507"),
        ("9506000164908", "09506000164908"),
        ("036000291452", "00036000291452"),
        ("96385074", "00000096385074"),
        ("10614141000415", "10614141000415"),
        ("9780306406157", "09780306406157"),
    ],
)
def test_valid_gtins(text: str, digits: str) -> None:
    gtin = parse_gtin(text)
    assert gtin.digits == digits
    assert gtin.canonical == digits
    assert parse_gtin(gtin.canonical) == gtin


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("4712345060508", "identifiers.gtin.check_digit"),
        ("1234567890123", "identifiers.gtin.check_digit"),
        ("00000000000001", "identifiers.gtin.check_digit"),
        ("471234506050", "identifiers.gtin.check_digit"),
        ("47123450605", "identifiers.gtin.length"),
        ("047123450605070", "identifiers.gtin.length"),
        ("", "identifiers.gtin.digits"),
        ("471234506050X", "identifiers.gtin.digits"),
        ("４712345060507", "identifiers.gtin.digits"),
        ("4712345 060507", "identifiers.gtin.digits"),
        ("+4712345060507", "identifiers.gtin.digits"),
    ],
)
def test_refused_gtins(text: str, code: str) -> None:
    with pytest.raises(GtinError) as info:
        parse_gtin(text)
    assert info.value.code == code


@given(gtins())
def test_round_trip_and_independent_check_digit(text: str) -> None:
    gtin = parse_gtin(text)
    assert gtin.digits == text.rjust(14, "0")
    assert parse_gtin(gtin.canonical) == gtin
    assert gs1_check_digit(text[:-1]) == gtin_check(text[:-1])


@given(gtins(), st.data())
def test_every_single_digit_change_is_caught(text: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(text) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != text[position]]))
    changed = text[:position] + digit + text[position + 1 :]
    with pytest.raises(GtinError) as info:
        parse_gtin(changed)
    assert info.value.code == "identifiers.gtin.check_digit"


@pytest.mark.parametrize(
    ("payload", "restricted"),
    [
        ("201234500000", True),
        ("021234500000", True),
        ("041234500000", True),
        ("21234500000", True),
        ("02123450000", False),
        ("2012345", True),
        ("0012345", True),
        ("9638507", False),
        ("471234506050", False),
        ("1061414100041", False),
    ],
)
def test_restricted_circulation(payload: str, restricted: bool) -> None:
    assert parse_gtin(payload + gtin_check(payload)).restricted_circulation is restricted


@pytest.mark.parametrize(
    "text", ["gs1:4712345", "gs1:0614141", "gs1:9506000", "gs1:0001", "gs1:123456789012"]
)
def test_valid_company_prefixes(text: str) -> None:
    prefix = parse_gs1_company_prefix(text)
    assert prefix.canonical == text
    assert parse_gs1_company_prefix(prefix.canonical) == prefix


@pytest.mark.parametrize(
    "text",
    [
        "4712345",
        "GS1:4712345",
        "gs1:",
        "gs1:471",
        "gs1:1234567890123",
        "gs1:47123a5",
        "gs1:２712345",
        "gs1:0212345",
        "gs1:0412345",
        "gs1:2012345",
        "gs1:0000012",
    ],
)
def test_refused_company_prefixes(text: str) -> None:
    with pytest.raises(Gs1Error) as info:
        parse_gs1_company_prefix(text)
    assert info.value.code == "identifiers.gs1.company_prefix"


@given(st.from_regex(r"\A[13-9][0-9]{3,11}\Z"))
def test_company_prefix_round_trip(digits: str) -> None:
    prefix = parse_gs1_company_prefix(f"gs1:{digits}")
    assert prefix.digits == digits
    assert parse_gs1_company_prefix(prefix.canonical) == prefix
