"""Canonical decimals round-trip exactly; non-canonical forms are refused; exact sums and unit conversions."""

from __future__ import annotations

import re
from decimal import Decimal, Inexact, Rounded

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passport import quantity as q
from passport.errors import AttestationError

canonical_decimals = st.from_regex(r"-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,10})?", fullmatch=True).filter(
    lambda s: not (s.startswith("-") and s.strip("-0.") == "")
)


@given(canonical_decimals)
def test_canonical_text_round_trips(text: str) -> None:
    assert q.format_decimal(q.parse_decimal(text, "x", AttestationError)) == text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12))
def test_any_finite_decimal_has_a_canonical_text(value: Decimal) -> None:
    text = q.format_decimal(value)
    assert q.parse_decimal(text, "x", AttestationError) == value


@pytest.mark.parametrize(
    "value",
    [1, 1.5, None, "1e3", "1E+3", "NaN", "Infinity", "-0", "-0.00", ".5", "5.", "+1", "01", " 1", "1_0", "٣"],
)
def test_non_canonical_decimals_are_refused(value: object) -> None:
    with pytest.raises(AttestationError) as e:
        q.parse_decimal(value, "x", AttestationError)
    assert e.value.code == "attestation.decimal"


def test_exact_sum_raises_rather_than_rounds() -> None:
    assert q.exact_sum([Decimal("0.1"), Decimal("0.2")]) == Decimal("0.3")
    with pytest.raises((Inexact, Rounded)):
        q.exact_sum([Decimal("1E+200"), Decimal("1E-200")])


def test_conversions() -> None:
    assert q.convert(Decimal("2.5"), "t", "kg") == Decimal("2500")
    assert q.convert(Decimal("3.6"), "MJ", "kWh") == Decimal("1")
    assert q.convert(Decimal("1"), "MWh", "MJ") == Decimal("3600")
    with pytest.raises(ValueError, match="no exact conversion"):
        q.convert(Decimal("1"), "kg", "kWh")


@pytest.mark.parametrize("good", ["CN", "CN-JS", "CN-NM", "DE-BW", "US-CA", "Eastern Asia", "TW"])
def test_geographies(good: str) -> None:
    assert q.check_geography(good, AttestationError) == good


@pytest.mark.parametrize("bad", ["XK", "CN-32", "cn", "CN-", "Asia-Pacific", "CHN", 86])
def test_bad_geographies(bad: object) -> None:
    with pytest.raises(AttestationError) as e:
        q.check_geography(bad, AttestationError)
    assert e.value.code == "attestation.geography"


def _reference_parse(value: object) -> Decimal | None:
    """The decimal grammar and limits, spelled out once more (module docstring of passport/quantity.py)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    if re.fullmatch(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", value) is None:
        return None
    if value.startswith("-") and value.strip("-0.") == "":
        return None
    digits = value.lstrip("-").replace(".", "").lstrip("0") or "0"
    if len(digits) > q.MAX_DIGITS or len(value.partition(".")[2]) > q.MAX_FRACTION_DIGITS:
        return None
    return Decimal(value)


@given(
    st.from_regex(r"-?[0-9]{0,33}(\.[0-9]{0,20})?", fullmatch=True) | st.text("-0123456789.e+ ", max_size=8)
)
def test_the_fast_parse_agrees_with_the_grammar(text: str) -> None:
    expected = _reference_parse(text)
    if expected is None:
        with pytest.raises(AttestationError) as e:
            q.parse_decimal(text, "x", AttestationError)
        assert e.value.code == "attestation.decimal"
    else:
        parsed = q.parse_decimal(text, "x", AttestationError)
        assert parsed == expected
        assert parsed.as_tuple() == expected.as_tuple()


@given(
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, digits, exponent)),
        st.integers(0, 1),
        st.lists(st.integers(0, 9), min_size=1, max_size=34).map(tuple),
        st.integers(-24, 24),
    )
)
def test_a_models_decimal_is_checked_as_its_canonical_text_would_be(value: Decimal) -> None:
    # check_decimal accepts exactly the decimals whose canonical text parse_decimal accepts.
    expected = _reference_parse(q.format_decimal(value))
    if expected is None:
        with pytest.raises(AttestationError) as e:
            q.check_decimal(value, "x", AttestationError)
        assert e.value.code == "attestation.decimal"
    else:
        q.check_decimal(value, "x", AttestationError)
