"""SignedDocument: exact bytes kept, strict parsing, the JCS digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from passport.document import SignedDocument, canonical_json, canonical_without, jcs_digest, parse_json
from passport.errors import MalformedCredentialError

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=15,
)


def test_digest_is_sha256_of_the_jcs_form() -> None:
    raw = b'{ "b": [1, 2.50, "\\u00e9"],\n  "a": {"z": null, "y": true} }'
    document = SignedDocument.from_bytes(raw)
    assert document.raw == raw
    assert document.canonical == b'{"a":{"y":true,"z":null},"b":[1,2.5,"\xc3\xa9"]}'
    assert document.digest == "sha256:" + hashlib.sha256(document.canonical).hexdigest()
    assert document.digest == jcs_digest(json.loads(raw))


@given(
    st.dictionaries(st.text(max_size=6), JSON, max_size=6), st.booleans(), st.sampled_from([None, 1, "\t"])
)
def test_any_spelling_of_the_same_json_has_one_digest(
    value: dict[str, Any], ascii_only: bool, indent: Any
) -> None:
    spelled = json.dumps(value, ensure_ascii=ascii_only, indent=indent, sort_keys=not ascii_only).encode()
    document = SignedDocument.from_bytes(spelled)
    assert document.raw == spelled
    assert document.canonical == rfc8785.dumps(value)
    assert SignedDocument.from_bytes(document.canonical).digest == document.digest
    assert document.parse() == json.loads(spelled)


KEYS = st.text(max_size=6) | st.text(
    alphabet=st.sampled_from('a\ue000\uffff\U0001f600\U00010000\x1f"\\'), max_size=4
)
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.text(alphabet=st.characters(max_codepoint=0x20), max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=20,
)


@given(ANY_JSON)
def test_the_fast_jcs_path_agrees_with_the_rfc8785_reference(value: Any) -> None:
    try:
        reference = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises(MalformedCredentialError):
            canonical_json(value)
        return
    assert canonical_json(value) == reference


def test_from_json_uses_the_jcs_form_as_bytes() -> None:
    document = SignedDocument.from_json({"b": 1, "a": [True]})
    assert document.raw == document.canonical == b'{"a":[true],"b":1}'


def test_unknown_fields_survive_byte_for_byte() -> None:
    raw = b'{"@context":["https://www.w3.org/ns/credentials/v2"],"extensions":{"pact":{"x":1.10}}}'
    assert SignedDocument.from_bytes(raw).raw == raw
    assert SignedDocument.from_bytes(raw).parse()["extensions"] == {"pact": {"x": 1.1}}


def test_large_integers_read_as_ieee_doubles_like_ecmascript() -> None:
    assert parse_json(b"[9007199254740991, 1152921504606846976, 66179367527302250]") == [
        9007199254740991,
        2.0**60,
        6.617936752730225e16,
    ]
    assert canonical_json(parse_json(b"[66179367527302250]")) == b"[66179367527302250]"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b'{"a": {"b": 1, "b": 1}}',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1e400}',
        b"\xef\xbb\xbf{}",
        b'{"a": "\xff"}',
        b'{"a": "\\ud800"}',
        b'{"a": 1',
        b"[1, 2]",
        b'"text"',
        b"",
        b"[" * 100000 + b"]" * 100000,
    ],
)
def test_ambiguous_or_invalid_json_is_refused(raw: bytes) -> None:
    with pytest.raises(MalformedCredentialError) as info:
        SignedDocument.from_bytes(raw)
    assert info.value.code == "passport.malformed"


def test_values_without_a_jcs_form_are_refused() -> None:
    for value in ({"a": 2**60}, {"a": float("nan")}, {"a": object()}):
        with pytest.raises(MalformedCredentialError) as info:
            SignedDocument.from_json(value)
        assert info.value.code == "passport.malformed"


@given(st.dictionaries(KEYS, ANY_JSON, max_size=6), st.booleans(), st.sampled_from([None, 1]), st.booleans())
def test_parsed_bytes_take_the_fast_jcs_path_only_when_it_is_exact(
    value: dict[str, Any], ascii_only: bool, indent: Any, sort: bool
) -> None:
    # from_bytes skips the value check when the parse saw no float, no large integer and no character beyond
    # U+FFFF (raw or escaped); whatever the spelling, its JCS form is the reference's.
    try:
        reference = rfc8785.dumps(value)
        spelled = json.dumps(value, ensure_ascii=ascii_only, indent=indent, sort_keys=sort).encode()
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return
    assert SignedDocument.from_bytes(spelled).canonical == reference


@pytest.mark.parametrize(
    "raw",
    [
        b'{"\\ud83d\\ude00": 1, "\\ue000": 2}',
        '{"\U0001f600": 1, "\ue000": 2}'.encode(),
        b'{"a": 1.0, "b": 1e21, "c": 5e-7}',
        b'{"a": 9007199254740993}',
    ],
)
def test_what_json_dumps_would_write_otherwise_goes_to_the_reference(raw: bytes) -> None:
    document = SignedDocument.from_bytes(raw)
    assert document.canonical == rfc8785.dumps(parse_json(raw))


@given(st.dictionaries(KEYS, ANY_JSON, min_size=1, max_size=6), st.data())
def test_cutting_a_member_out_agrees_with_serialising_the_rest(
    value: dict[str, Any], data: st.DataObject
) -> None:
    try:
        whole = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return
    key = data.draw(st.sampled_from(sorted(value)))
    cut = canonical_without(whole, key, rfc8785.dumps(value[key]))
    rest = {k: v for k, v in value.items() if k != key}
    assert cut is None or cut == rfc8785.dumps(rest)
    if whole.count(rfc8785.dumps(key) + b":" + rfc8785.dumps(value[key])) == 1:
        assert cut == rfc8785.dumps(rest)


def test_a_member_repeated_deeper_is_not_cut() -> None:
    value = {"a": {"proof": {"x": 1}}, "proof": {"x": 1}, "z": 2}
    assert canonical_without(canonical_json(value), "proof", b'{"x":1}') is None
    assert canonical_without(canonical_json({"proof": {"x": 1}}), "proof", b'{"x":1}') == b"{}"
    assert canonical_without(canonical_json({"proof": 1, "z": 2}), "proof", b"1") == b'{"z":2}'
    assert canonical_without(canonical_json({"a": 0, "proof": 1}), "proof", b"1") == b'{"a":0}'


def test_duplicate_keys_are_named_in_the_error() -> None:
    with pytest.raises(MalformedCredentialError) as info:
        parse_json(b'{"a": 1, "b": {"c": 1, "d": 2, "c": 3}}')
    assert info.value.code == "passport.malformed"
    assert "'c'" in str(info.value)


MAGNITUDES = st.floats(min_value=1e-8, max_value=1e22, allow_nan=False, allow_infinity=False)


@given(MAGNITUDES, st.booleans())
def test_floats_python_writes_as_es6_take_the_fast_path_and_agree(magnitude: float, negative: bool) -> None:
    value = -magnitude if negative else magnitude
    reference = rfc8785.dumps({"x": value, "y": [value]})
    assert canonical_json({"x": value, "y": [value]}) == reference
    raw = json.dumps({"x": value}).encode()
    assert SignedDocument.from_bytes(raw).canonical == rfc8785.dumps({"x": value})


@pytest.mark.parametrize(
    "value",
    [
        1e-4,
        9.999999999999999e-05,
        0.1,
        123.456,
        1e15 + 0.5,
        9999999999999998.0,
        1e16,
        5.0,
        -0.0,
        1e-7,
        2.5e20,
    ],
)
def test_the_float_notation_boundaries(value: float) -> None:
    assert canonical_json([value]) == rfc8785.dumps([value])
    raw = json.dumps({"x": value}).encode()
    assert SignedDocument.from_bytes(raw).canonical == rfc8785.dumps({"x": value})
