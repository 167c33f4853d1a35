"""Unified Social Credit Codes (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers.errors import UsccError
from identifiers.uscc import WEIGHTS, parse_uscc, uscc_check_character
from tests.unit.identifiers.strategies import USCC_ALPHABET, USCC_WEIGHTS, uscc_check, usccs


def test_weights_are_the_standards() -> None:
    assert list(WEIGHTS) == USCC_WEIGHTS


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",
        "91330100799655058B",
        "914403001922038216",
        "9144030071526726XG",
        "91110000802100433B",
    ],
)
def test_valid_codes(code: str) -> None:
    uscc = parse_uscc(code)
    assert uscc.canonical == code
    assert parse_uscc(code.lower()) == uscc


def test_fields() -> None:
    uscc = parse_uscc("91350100M000100Y43")
    assert (uscc.registration_authority, uscc.category, uscc.division, uscc.body) == (
        "9",
        "1",
        "350100",
        "M000100Y4",
    )


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("", "length"),
        ("91350100M000100O43", "character"),
        ("91350100M000100I43", "character"),
        ("91350100M000100Z43", "character"),
        ("91350100M000100S43", "character"),
        ("91350100M000100V43", "character"),
        ("91350100M000100-43", "character"),
        ("91350100M000100Ｙ43", "character"),
        ("9135010 M000100Y43", "character"),
        ("913501A0M000100Y43", "division"),
        ("91350100M000100Y44", "check_character"),
        ("91350100M000100Y34", "check_character"),
        ("91110000100006666D", "check_character"),
    ],
)
def test_refused_codes(code: str, reason: str) -> None:
    with pytest.raises(UsccError) as info:
        parse_uscc(code)
    assert info.value.code == f"identifiers.uscc.{reason}"


@given(usccs())
def test_round_trip(code: str) -> None:
    uscc = parse_uscc(code)
    assert uscc.canonical == code
    assert parse_uscc(uscc.canonical) == uscc
    assert uscc_check_character(code[:17]) == uscc_check(code[:17])


@given(usccs(), st.data())
def test_every_single_character_change_is_caught(code: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17))
    choices = "0123456789" if 2 <= position <= 7 else USCC_ALPHABET
    char = data.draw(st.sampled_from([c for c in choices if c != code[position]]))
    changed = code[:position] + char + code[position + 1 :]
    with pytest.raises(UsccError) as info:
        parse_uscc(changed)
    assert info.value.code == "identifiers.uscc.check_character"
