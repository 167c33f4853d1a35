"""The GS1 syntax dictionary table, AI value checks and AI association rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from identifiers.errors import Gs1Error
from identifiers.gs1_syntax import (
    AI_TABLE,
    UNCHECKED_LINTERS,
    ai_at,
    lookup_ai,
    verify_ai_value,
    verify_associations,
)
from tests.unit.identifiers import generate_gs1_dictionary

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "gs1" / "gs1-syntax-dictionary.txt"


def test_generated_module_matches_the_vector() -> None:
    assert generate_gs1_dictionary.main(["--check"]) == 0


def _vector_entries() -> dict[str, str]:
    """AI (or range) -> flags, read from the vector with a deliberately different method (regex per line)."""
    entries = {}
    for line in VECTOR.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\d{2,4}(?:-\d{2,4})?)\s+([*?]*)\s", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def test_every_ai_of_the_vector_is_in_the_table_with_its_flags() -> None:
    entries = _vector_entries()
    assert len(entries) > 200
    expected: dict[str, str] = {}
    for ais, flags in entries.items():
        first, _, last = ais.partition("-")
        for n in range(int(first), int(last or first) + 1):
            expected[str(n).zfill(len(first))] = flags
    assert set(AI_TABLE) == set(expected)
    for ai, flags in expected.items():
        assert AI_TABLE[ai].dl_attribute == ("?" in flags), ai
        assert AI_TABLE[ai].predefined_length == ("*" in flags), ai


def test_gtin_entry() -> None:
    spec = lookup_ai("01")
    assert spec.title == "GTIN"
    assert spec.dl_primary_key == (("22", "10", "21"), ("235",))
    assert spec.excludes == ("255", "37")
    assert spec.components[0].min_length == spec.components[0].max_length == 14
    assert lookup_ai("10").requires == ((("01",), ("02",), ("03",), ("8006",), ("8026",)),)
    assert lookup_ai("250").requires == ((("01", "21"), ("03", "21"), ("8006", "21")),)


def test_every_named_linter_is_run_or_listed_as_unchecked() -> None:
    run = {"csum", "yymmd0", "yymmdd", "yyyymmdd", "hhmi", "hh", "mi", "ss", "nonzero", "zero", "yesno"}
    run |= {"winding", "hyphen", "pcenc", "nozeroprefix", "pieceoftotal"}
    named = {linter for spec in AI_TABLE.values() for c in spec.components for linter in c.linters}
    assert named <= run | UNCHECKED_LINTERS
    assert not run & UNCHECKED_LINTERS


def test_ai_at() -> None:
    assert ai_at("0104712345060507") == "01"
    assert ai_at("2351234") == "235"
    assert ai_at("3103000195") == "3103"
    assert ai_at("2112") == "21"
    assert ai_at("2399") is None
    assert ai_at("") is None


@pytest.mark.parametrize(
    ("ai", "value"),
    [
        ("01", "04712345060507"),
        ("10", "ABC-123/x"),
        ("10", "!\"%&'()*+,-./:;<=>?_z"[:20]),
        ("11", "240229"),
        ("15", "250200"),
        ("17", "251231"),
        ("3103", "000195"),
        ("8006", "047123450605070102"),
        ("4330", "001234-"),
        ("4330", "001234"),
        ("7003", "2512312359"),
        ("8008", "25123123"),
        ("8008", "2512312359"),
        ("4321", "1"),
        ("8001", "123456789012" + "1" + "0"),
        ("8010", "ABC#-/123"),
        ("8011", "0"),
        ("8011", "120"),
        ("4300", "Name%20Here"),
        ("7250", "20000229"),
    ],
)
def test_valid_values(ai: str, value: str) -> None:
    verify_ai_value(ai, value)


@pytest.mark.parametrize(
    ("ai", "value"),
    [
        ("01", "04712345060508"),
        ("01", "4712345060507"),
        ("01", "0471234506050a"),
        ("10", ""),
        ("10", "A" * 21),
        ("10", "a b"),
        ("10", "é"),
        ("10", "a#b"),
        ("11", "241301"),
        ("11", "250230"),
        ("11", "250229"),
        ("17", "2512"),
        ("17", "25123"),
        ("17", "2512311"),
        ("3103", "00019"),
        ("8006", "047123450605070302"),
        ("8006", "047123450605070100"),
        ("4330", "001234+"),
        ("7003", "2512312460"),
        ("4321", "2"),
        ("8001", "000056789012" + "1" + "0"),
        ("8001", "123456789012" + "5" + "0"),
        ("8010", "abc"),
        ("8011", "012"),
        ("4300", "bad%2"),
        ("7250", "19000229"),
        ("8030", "a b"),
    ],
)
def test_refused_values(ai: str, value: str) -> None:
    with pytest.raises(Gs1Error) as info:
        verify_ai_value(ai, value)
    assert info.value.code == "identifiers.gs1.ai_value"


def test_unknown_ai() -> None:
    with pytest.raises(Gs1Error) as info:
        verify_ai_value("239", "x")
    assert info.value.code == "identifiers.gs1.unknown_ai"


@pytest.mark.parametrize(
    "ais",
    [["01"], ["01", "10", "21"], ["01", "3103", "17"], ["01", "21", "250"], ["00", "4300"], ["8006", "10"]],
)
def test_valid_associations(ais: list[str]) -> None:
    verify_associations(ais)


@pytest.mark.parametrize(
    ("ais", "code"),
    [
        (["01", "10", "10"], "identifiers.gs1.duplicate_ai"),
        (["01", "3103", "3102"], "identifiers.gs1.ai_excludes"),
        (["01", "37"], "identifiers.gs1.ai_excludes"),
        (["01", "21", "235"], "identifiers.gs1.ai_excludes"),
        (["10"], "identifiers.gs1.ai_requires"),
        (["01", "250"], "identifiers.gs1.ai_requires"),
        (["01", "4300"], "identifiers.gs1.ai_requires"),
        (["01", "8041"], "identifiers.gs1.ai_requires"),
    ],
)
def test_refused_associations(ais: list[str], code: str) -> None:
    with pytest.raises(Gs1Error) as info:
        verify_associations(ais)
    assert info.value.code == code
