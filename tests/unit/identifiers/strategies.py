"""Hypothesis strategies for valid identifiers, with check digits computed here, independently of the code."""

from __future__ import annotations

from hypothesis import strategies as st

ASCII_SUFFIX = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "/")
HAN = st.integers(0x4E00, 0x9FA5).map(chr)
HIRAGANA = st.integers(0x3041, 0x3096).map(chr)
HANGUL = st.integers(0xAC00, 0xD7A3).map(chr)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
"""GB 32100-2015 Table 3, written out rather than computed."""

CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def gtin_check(payload: str) -> str:
    """GS1 check digit, computed left to right on the payload padded to 13 digits (weights 3, 1, 3, ...)."""
    padded = payload.rjust(13, "0")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(padded))
    return str(-total % 10)


def uscc_check(body: str) -> str:
    """GB 32100-2015 check character of 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[-total % 31]


@st.composite
def gtins(draw: st.DrawFn, lengths: tuple[int, ...] = (8, 12, 13, 14)) -> str:
    """A valid GTIN of one of the given lengths, as written (not padded)."""
    length = draw(st.sampled_from(lengths))
    payload = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    return payload + gtin_check(payload)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    """A valid Unified Social Credit Code."""
    head = draw(st.text(USCC_ALPHABET, min_size=2, max_size=2))
    division = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    code = head + division + body
    return code + uscc_check(code)


prefix_segments = st.text("0123456789abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@st.composite
def handle_prefixes(draw: st.DrawFn) -> str:
    """A valid industrial-internet prefix in canonical (lower-case) form."""
    return ".".join(["88", *draw(st.lists(prefix_segments, min_size=2, max_size=4))])


@st.composite
def handle_suffixes(draw: st.DrawFn) -> str:
    """A valid suffix: segments of ASCII, optionally with Han and one of Hiragana or Hangul."""
    extra = draw(st.sampled_from([st.nothing(), HAN, st.one_of(HAN, HIRAGANA), st.one_of(HAN, HANGUL)]))
    alphabet = st.one_of(st.sampled_from(ASCII_SUFFIX), extra)
    segment = st.text(alphabet, min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))
    return "/".join(draw(st.lists(segment, min_size=1, max_size=3)))


@st.composite
def cset82_values(draw: st.DrawFn, max_size: int = 20) -> str:
    """A value of CSET 82 characters (lots, serials)."""
    return draw(st.text(st.sampled_from(CSET82), min_size=1, max_size=max_size))


@st.composite
def dates_yymmdd(draw: st.DrawFn) -> str:
    """A valid YYMMDD date."""
    yy = draw(st.integers(0, 99))
    mm = draw(st.integers(1, 12))
    dd = draw(st.integers(1, 28))
    return f"{yy:02d}{mm:02d}{dd:02d}"
