"""The shared envelope helpers (passport/envelope.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passport.envelope import check_object
from passport.errors import AttestationError

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])


@given(st.sets(NAMES), st.sets(NAMES), st.sets(NAMES))
def test_check_object_refuses_exactly_a_missing_or_unknown_member(
    members: set[str], required: set[str], optional: set[str]
) -> None:
    # check_object decides the usual case with set views; its answer is still the rule's definition.
    value = dict.fromkeys(members, "x")
    if required <= members <= required | optional:
        assert check_object(value, "it", required, optional, AttestationError) is value
    else:
        with pytest.raises(AttestationError) as info:
            check_object(value, "it", required, optional, AttestationError)
        assert info.value.code == "attestation.field"


def test_check_object_refuses_what_is_not_an_object() -> None:
    with pytest.raises(AttestationError) as info:
        check_object(["a"], "it", set(), {"a"}, AttestationError)
    assert info.value.code == "attestation.field"
