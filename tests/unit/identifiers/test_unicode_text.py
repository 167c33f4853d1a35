"""carbontrail's Unicode policy for identifier text (UTS #39 profile)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers.errors import TextError
from identifiers.unicode_text import _verify_any_text, script_of, verify_text


@pytest.mark.parametrize(
    "text",
    [
        "LFP-280Ah",
        "电池模组-A1",
        "バッテリー2024",
        "電池セル",
        "배터리-셀",
        "ㄅㄆ電池",
        "Café",
        "a.b_c:d;e!f(1)",
        "〇号",
    ],
)
def test_allowed_text(text: str) -> None:
    verify_text(text, max_bytes=255)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("ab\ud800", "encoding"),
        ("ab\x00c", "control"),
        ("ab\x7f", "control"),
        ("ab\u0085", "control"),
        ("abc\u202edef", "bidi"),
        ("a\u200fb", "bidi"),
        ("a\u2066b", "bidi"),
        ("a\u200bb", "format"),
        ("a\u200db", "format"),
        ("a\u00adb", "format"),
        ("a\ufeffb", "format"),
        ("a\u3164b", "format"),
        ("a b", "whitespace"),
        ("a\u3000b", "whitespace"),
        ("a\u2028b", "whitespace"),
        ("a\u0378b", "unassigned"),
        ("a\ue000b", "private_use"),
        ("Cafe\u0301", "not_nfc"),
        ("\u212b", "not_nfc"),
        ("\uff21\uff22\uff23", "compatibility"),
        ("\ufb01le", "compatibility"),
        ("\U0001d400bc", "compatibility"),
        ("\u2460", "compatibility"),
        ("a\u0338", "combining_mark"),
        ("LFP\u2215280", "symbol"),
        ("LFP\u2010280", "symbol"),
        ("a\u00b7b", "symbol"),
        ("\u0430\u0432\u0441", "script"),
        ("p\u0430ypal", "script"),
        ("\u03b1\u03b2", "script"),
        ("\u13a0\u13a1", "script"),
        ("\u0661\u0662", "script"),
        ("\u3042\ud55c", "mixed_script"),
        ("\u3105\u3042", "mixed_script"),
        ("a" * 256, "too_long"),
    ],
)
def test_refused_text(text: str, reason: str) -> None:
    with pytest.raises(TextError) as info:
        verify_text(text, max_bytes=255)
    assert info.value.code == f"identifiers.text.{reason}"


def test_byte_limit_counts_utf8_bytes() -> None:
    verify_text("电" * 85, max_bytes=255)
    with pytest.raises(TextError) as info:
        verify_text("电" * 86, max_bytes=255)
    assert info.value.code == "identifiers.text.too_long"


@pytest.mark.parametrize(
    ("char", "script"),
    [
        ("a", "Latin"),
        ("7", "Common"),
        ("中", "Han"),
        ("あ", "Hiragana"),
        ("ア", "Katakana"),
        ("а", "CYRILLIC"),
    ],
)
def test_script_of(char: str, script: str) -> None:
    assert script_of(char) == script


def _outcome(check: Callable[[], None]) -> str | None:
    try:
        check()
    except TextError as e:
        return e.code
    return None


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), min_size=1, max_size=40), st.integers(0, 40))
def test_ascii_fast_path_agrees_with_every_rule(text: str, max_bytes: int) -> None:
    # verify_text decides printable ASCII without the character-by-character rules: the same outcome.
    fast = _outcome(lambda: verify_text(text, max_bytes=max_bytes))
    assert fast == _outcome(lambda: _verify_any_text(text, max_bytes, "text"))
