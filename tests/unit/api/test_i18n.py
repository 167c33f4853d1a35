"""The passport page's languages (api/i18n.py): Accept-Language negotiation with q-values and ``*``, the
``lang`` override, and the two string tables holding the same keys, including every stage and status."""

from __future__ import annotations

import pytest

from api.i18n import DEFAULT, LANGUAGE_TAGS, LANGUAGES, negotiate, strings
from passport.footprint import LIFE_CYCLE_STAGES
from verifier.report import Status


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh;q=0.8", "en"),
        ("zh;q=0.5, en;q=0.6", "en"),
        ("en;q=0.5, zh;q=0.6", "zh"),
        ("ZH-Hans-CN", "zh"),
        ("zh-TW", "zh"),
        ("fr, de;q=0.9", "en"),
        ("fr, zh;q=0.1", "zh"),
        ("en;q=0.8, zh;q=0.8", "en"),  # a tie goes to the range named first
        ("zh;q=0.8, en;q=0.8", "zh"),
        ("zh;q=0", "en"),
        ("en;q=0, *", "zh"),  # '*' stands for the languages not named
        ("en;q=0, zh;q=0", "en"),  # nothing acceptable: the default
        ("zh-TW;q=0.3, zh;q=0.9, en;q=0.5", "zh"),  # a language takes its best range's q
        ("zh;q=abc, en;q=0.1", "en"),  # a malformed q counts as 0
        ("zh;q=2, en;q=0.1", "en"),  # out of range too
        (" , ;q=1, zh ; q = 0.7 ", "zh"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header).key == expected


def test_override_wins_and_unknown_is_ignored() -> None:
    assert negotiate("en", "zh").key == "zh"
    assert negotiate("zh", "EN").key == "en"
    assert negotiate("zh", "fr").key == "zh"
    assert negotiate(None, "").key == DEFAULT


def test_tags() -> None:
    assert [negotiate(None, key).tag for key in LANGUAGES] == list(LANGUAGE_TAGS) == ["en", "zh-CN"]


def test_tables_have_the_same_keys_and_cover_stages_statuses_and_kinds() -> None:
    en, zh = strings("en"), strings("zh")
    assert set(en) == set(zh)
    needed = {*LIFE_CYCLE_STAGES, *(str(s) for s in Status), "cradle-to-gate", "cradle-to-grave"}
    needed |= {f"kind_{k}" for k in ("passport", "attestation", "material", "process", "unknown")}
    assert needed <= set(en)
    assert all(en[k] and zh[k] for k in en)
    # the Chinese table is Chinese: every entry holds a CJK ideograph
    assert all(any("\u4e00" <= c <= "\u9fff" for c in zh[k]) for k in zh)
    with pytest.raises(KeyError):
        strings("fr")
