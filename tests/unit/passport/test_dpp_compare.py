"""passport/dpp.py: recompute's comparison of stated members decides on the values what comparing their RFC
8785 (JCS) forms decides, and never takes a bool for a number or "1.0" for "1.00"."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passport.document import canonical_json
from passport.dpp import _same_form, _surely_same
from passport.errors import MalformedCredentialError

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["1.0", "1.00", "1", "0", "-0", "KGM"])
    | st.text(max_size=4)
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=8,
)


@given(values, values)
def test_agrees_with_comparing_jcs_forms(a: Any, b: Any) -> None:
    try:
        expected = canonical_json(a) == canonical_json(b)
    except MalformedCredentialError:  # a lone surrogate: no JCS form, refused either way
        with pytest.raises(MalformedCredentialError):
            _same_form(a, b)
        return
    assert _same_form(a, b) == expected
    if _surely_same(a, b):
        assert expected


@given(values)
def test_a_value_is_surely_itself(a: Any) -> None:
    try:
        canonical_json(a)
    except MalformedCredentialError:
        return
    assert _surely_same(a, a)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ({"v": 1.5, "u": ["KGM"]}, {"u": ["KGM"], "v": 1.5}, True),
        (1, 1.0, True),  # both "1"
        (-0.0, 0.0, True),  # both "0"
        (True, 1, False),
        (False, 0, False),
        ("1.0", "1.00", False),  # decimal strings keep their digits
        ([1, 2], [2, 1], False),
        ({"a": None}, {}, False),
    ],
)
def test_cases(a: Any, b: Any, same: bool) -> None:
    assert _same_form(a, b) is same
    assert (canonical_json(a) == canonical_json(b)) is same


def test_an_integer_beyond_the_safe_range_is_serialised_and_refused() -> None:
    assert not _surely_same(2**60, 2**60)
    with pytest.raises(MalformedCredentialError):
        _same_form(2**60, 2**60)
