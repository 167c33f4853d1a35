"""carbontrail's policy for free Unicode text inside identifiers (the suffix of an industrial-internet code).

Implements a strict profile of Unicode Technical Standard #39 (Unicode Security Mechanisms), sections 5.1 and
5.2 ("Highly Restrictive"), on top of Unicode Normalization Forms (UAX #15). The text must already be in NFC:
carbontrail refuses unnormalised text instead of normalising it, so the bytes a party signed are the bytes
everyone compares. Beyond that it refuses, in this order (the first failing rule names the error):

1. lone surrogates (not encodable as UTF-8), C0/C1 controls, bidirectional controls (Trojan Source, CVE-2021-
   42574), other format and invisible characters (zero-width joiners, soft hyphen, Hangul fillers), white
   space, unassigned and private-use code points;
2. text that is not NFC, and any character that NFKC would change (full-width Latin, ligatures, mathematical
   alphanumerics, circled digits: the usual lookalikes of ASCII);
3. combining marks (NFC already composes every accented letter that has a precomposed form) and non-ASCII
   punctuation and symbols (``∕`` DIVISION SLASH, ``‐`` HYPHEN, ``·``: lookalikes of the ASCII separators);
4. letters and digits outside the scripts East Asian product codes use (Latin, Han, Hiragana, Katakana,
   Bopomofo, Hangul): Cyrillic, Greek, Cherokee and the like hold the whole-script confusables of Latin;
5. mixing scripts other than the UTS #39 "Highly Restrictive" combinations: Latin alone, or Latin with Han and
   Hiragana/Katakana (Japanese), with Han and Bopomofo (Chinese), or with Han and Hangul (Korean).

Python's ``unicodedata`` has no Script property, so a character's script is read from the first words of its
Unicode name (``LATIN SMALL LETTER A``, ``CJK UNIFIED IDEOGRAPH-4E2D``, ``HIRAGANA LETTER A``); after steps
1-3 only letters and digits remain, whose names carry their script this way.
"""

from __future__ import annotations

import unicodedata

from identifiers.errors import TextError

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters by category, but invisible (Default_Ignorable_Code_Point)."""

_NAME_SCRIPTS = (
    ("LATIN ", "Latin"),
    ("CJK UNIFIED IDEOGRAPH", "Han"),
    ("CJK COMPATIBILITY IDEOGRAPH", "Han"),
    ("IDEOGRAPHIC ", "Han"),
    ("HIRAGANA ", "Hiragana"),
    ("KATAKANA-HIRAGANA ", "Katakana"),
    ("KATAKANA ", "Katakana"),
    ("BOPOMOFO ", "Bopomofo"),
    ("HANGUL ", "Hangul"),
)

_ALLOWED_COMBINATIONS = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)
"""UTS #39 section 5.2 "Highly Restrictive": every script set allowed is a subset of one of these."""


def script_of(char: str) -> str:
    """Return the script of a letter or digit: an allowed script's name, ``"Common"`` for ASCII digits, or the
    first word of the character's Unicode name for anything else (``"CYRILLIC"``, ``"GREEK"``)."""
    if char.isascii():
        return "Latin" if char.isalpha() else "Common"
    name = unicodedata.name(char, "")
    for start, script in _NAME_SCRIPTS:
        if name.startswith(start):
            return script
    return name.split(" ", 1)[0] or "Unknown"


def _char_fault(char: str) -> tuple[str, str] | None:
    """Return (reason, description) if one character is refused outright, else None."""
    category = unicodedata.category(char)
    point = f"U+{ord(char):04X}"
    if category == "Cs":
        return "encoding", f"{point} is a lone surrogate, not UTF-8 text"
    if category == "Cc":
        return "control", f"{point} is a control character"
    if char in _BIDI_CONTROLS:
        return "bidi", f"{point} is a bidirectional control character"
    if category == "Cf" or char in _INVISIBLE_LETTERS:
        return "format", f"{point} is an invisible format character"
    if category.startswith("Z"):
        return "whitespace", f"{point} is white space"
    if category == "Cn":
        return "unassigned", f"{point} is not an assigned character"
    if category == "Co":
        return "private_use", f"{point} is a private-use character"
    return None


def verify_text(text: str, *, max_bytes: int, what: str = "text") -> None:
    """Check free text against carbontrail's identifier Unicode policy (see the module docstring).

    Args:
        text: the text, which must already be NFC.
        max_bytes: the most UTF-8 bytes allowed.
        what: what the text is, for error messages (``"suffix"``).

    Raises:
        TextError: with the reason of the first rule the text breaks, e.g. ``identifiers.text.not_nfc``.
    """
    if not text:
        raise TextError("empty", f"the {what} is empty", value=text)
    if text.isascii() and text.isprintable() and " " not in text:
        # The usual product code. In ASCII only the controls (not printable) and the space are refused by
        # rule 1; ASCII text is NFC and NFKC, holds no mark or non-ASCII symbol, and its letters are Latin,
        # so rules 2-5 hold and only the length is left (one byte a character). Anything else takes the
        # general path, which names the first rule broken.
        if len(text) > max_bytes:
            raise TextError(
                "too_long", f"the {what} is {len(text)} UTF-8 bytes, more than {max_bytes}", value=text
            )
        return
    _verify_any_text(text, max_bytes, what)


def _verify_any_text(text: str, max_bytes: int, what: str) -> None:
    # Every rule, character by character, for text of any kind (verify_text's general path).
    for char in text:
        fault = _char_fault(char)
        if fault is not None:
            raise TextError(fault[0], f"the {what} holds {fault[1]}", value=text)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise TextError("too_long", f"the {what} is {size} UTF-8 bytes, more than {max_bytes}", value=text)
    if not unicodedata.is_normalized("NFC", text):
        raise TextError("not_nfc", f"the {what} is not in Unicode Normalization Form C", value=text)
    if not unicodedata.is_normalized("NFKC", text):
        bad = next(c for c in text if unicodedata.normalize("NFKC", c) != c)
        raise TextError(
            "compatibility",
            f"the {what} holds U+{ord(bad):04X}, a compatibility lookalike (NFKC)",
            value=text,
        )
    scripts: set[str] = set()
    for char in text:
        if char.isascii():
            if char.isalpha():
                scripts.add("Latin")
            continue
        category = unicodedata.category(char)
        if category.startswith("M"):
            raise TextError(
                "combining_mark", f"the {what} holds combining mark U+{ord(char):04X}", value=text
            )
        if not category.startswith(("L", "N")):
            raise TextError(
                "symbol", f"the {what} holds U+{ord(char):04X}, a non-ASCII symbol or punctuation", value=text
            )
        script = script_of(char)
        if not any(script in combination for combination in _ALLOWED_COMBINATIONS):
            raise TextError("script", f"the {what} holds U+{ord(char):04X} of script {script}", value=text)
        scripts.add(script)
    if not any(scripts <= combination for combination in _ALLOWED_COMBINATIONS):
        raise TextError("mixed_script", f"the {what} mixes scripts {sorted(scripts)}", value=text)
