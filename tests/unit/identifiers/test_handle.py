"""Industrial-internet identifiers (Handle style)."""

from __future__ import annotations

import pytest
from hypothesis import given

from identifiers.errors import HandleError, IdentifierError, TextError
from identifiers.handle import Handle, HandlePrefix, parse_handle, parse_handle_prefix
from tests.unit.identifiers.strategies import handle_prefixes, handle_suffixes


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("88.118.8/LFP-280Ah", "88.118.8/LFP-280Ah"),
        ("88.118.8.5/cell/2024/0001", "88.118.8.5/cell/2024/0001"),
        ("88.ABC.Def/Case-Kept", "88.abc.def/Case-Kept"),
        ("88.118.8/电池模组-A1", "88.118.8/电池模组-A1"),
        ("88.118.8/a:b;c=d?e#f", "88.118.8/a:b;c=d?e#f"),
    ],
)
def test_valid_handles(text: str, canonical: str) -> None:
    handle = parse_handle(text)
    assert handle.canonical == canonical
    assert parse_handle(canonical) == handle


def test_suffix_is_case_sensitive_and_prefix_is_not() -> None:
    assert parse_handle("88.118.8/ab") != parse_handle("88.118.8/AB")
    assert parse_handle("88.118.8/ab") == parse_handle("88.118.8/ab".upper().replace("AB", "ab"))
    assert parse_handle_prefix("88.AB.C") == parse_handle_prefix("88.ab.c")


@pytest.mark.parametrize(
    ("text", "error", "code"),
    [
        ("88.118.8", HandleError, "identifiers.handle.syntax"),
        ("/LFP", HandleError, "identifiers.handle.prefix_empty"),
        ("88..8/LFP", HandleError, "identifiers.handle.prefix_segment_empty"),
        ("88.118./LFP", HandleError, "identifiers.handle.prefix_segment_empty"),
        (".88.118.8/LFP", HandleError, "identifiers.handle.prefix_segment_empty"),
        ("88.118.8-1/LFP", HandleError, "identifiers.handle.prefix_character"),
        ("88.1１8.8/LFP", HandleError, "identifiers.handle.prefix_character"),
        ("88.118.8 /LFP", HandleError, "identifiers.handle.prefix_character"),
        ("88.118.\x008/LFP", HandleError, "identifiers.handle.prefix_character"),
        ("10.1000/182", HandleError, "identifiers.handle.prefix_root"),
        ("88.118/LFP", HandleError, "identifiers.handle.prefix_too_short"),
        ("88.118." + "1" * 33 + "/LFP", HandleError, "identifiers.handle.prefix_too_long"),
        ("88." + ".".join(["1234567"] * 17) + "/X", HandleError, "identifiers.handle.prefix_too_long"),
        ("88.118.8/", HandleError, "identifiers.handle.suffix_empty"),
        ("88.118.8//LFP", HandleError, "identifiers.handle.suffix_segment"),
        ("88.118.8/LFP/", HandleError, "identifiers.handle.suffix_segment"),
        ("88.118.8/a/../b", HandleError, "identifiers.handle.suffix_segment"),
        ("88.118.8/./b", HandleError, "identifiers.handle.suffix_segment"),
        ("88.118.8/" + "x" * 247, HandleError, "identifiers.handle.too_long"),
        ("88.118.8/" + "电" * 83, HandleError, "identifiers.handle.too_long"),
        ("88.118.8/LFP\x00", TextError, "identifiers.text.control"),
        ("88.118.8/LFP\u202e", TextError, "identifiers.text.bidi"),
        ("88.118.8/LFP\u200b280", TextError, "identifiers.text.format"),
        ("88.118.8/LFP 280", TextError, "identifiers.text.whitespace"),
        ("88.118.8/Cafe\u0301", TextError, "identifiers.text.not_nfc"),
        ("88.118.8/ＬＦＰ", TextError, "identifiers.text.compatibility"),
        ("88.118.8/LFP\u2215280", TextError, "identifiers.text.symbol"),
        ("88.118.8/\u0430pple", TextError, "identifiers.text.script"),
        ("88.118.8/\u3042\ud55c", TextError, "identifiers.text.mixed_script"),
        ("88.118.8/a\ud800", TextError, "identifiers.text.encoding"),
    ],
)
def test_refused_handles(text: str, error: type[IdentifierError], code: str) -> None:
    with pytest.raises(error) as info:
        parse_handle(text)
    assert type(info.value) is error
    assert info.value.code == code


def test_longest_allowed_handle() -> None:
    text = "88.118.8/" + "x" * 246
    assert len(text.encode()) == 255
    assert parse_handle(text).canonical == text


@given(handle_prefixes(), handle_suffixes())
def test_round_trip(prefix: str, suffix: str) -> None:
    handle = Handle(parse_handle_prefix(prefix), suffix)
    assert parse_handle(handle.canonical) == handle
    shouted = prefix.upper() + "/" + suffix
    assert parse_handle(shouted) == handle


@given(handle_prefixes())
def test_prefix_round_trip(prefix: str) -> None:
    parsed = parse_handle_prefix(prefix)
    assert isinstance(parsed, HandlePrefix)
    assert parse_handle_prefix(parsed.canonical) == parsed
