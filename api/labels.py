"""QR carbon labels: a print-ready SVG or PNG holding the product's resolver URL and its footprint (issue 7).

The QR code (ISO/IEC 18004, made with ``qrcode``) holds the product's URL on the platform's resolver (GS1
Digital Link ``/01/<gtin>/...`` or ``/id/<handle>``, as ``passport.dpp.product_uri`` writes it) with error
correction level Q and the four-module quiet zone the standard requires. Beside it (below it on a portrait
label) the label prints the product name, the footprint per declared unit with its unit, the grade and the
category it is graded in, and the date. docs/labels.md describes the layout and its limits.

Geometry is computed once in printer dots at ``dpi`` so both formats print the same: every QR module is a
whole number of dots (no module is printed one dot wider than its neighbour). The SVG states that geometry in
millimetres with real ``<text>`` in the generic ``sans-serif`` family (no font files, no external assets); the
PNG is drawn with Pillow's built-in font, which has no CJK glyphs (see ``_PngText``).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Literal
from xml.sax.saxutils import escape, quoteattr

from passport.dpp import product_uri

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

__all__ = [
    "MAX_URL_BYTES",
    "MIN_MODULE_DOTS",
    "MIN_MODULE_MM",
    "LabelContent",
    "LabelError",
    "qr_matrix",
    "render_label",
]

MAX_URL_BYTES = 256
"""Longest resolver URL a label takes: beyond this the code needs version 10+ at level Q, too dense for a
label a phone must read at arm's length."""
MIN_MODULE_MM = 0.25
"""Smallest QR module printed (a phone camera at 10-20 cm resolves about this)."""
MIN_MODULE_DOTS = 3
"""Smallest module in printer dots, so that a dot's spread cannot close a light module."""
QUIET_ZONE = 4
"""Modules of light margin on every side (ISO/IEC 18004 section 6.3.8)."""
MIN_TEXT_MM = (18.0, 10.0)
"""Smallest text box (width, height) in mm: five lines of about 1.5 mm type."""

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BASE = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?")
_GRADES = frozenset("ABCDE")


class LabelError(Exception):
    """A label that cannot be made. ``code`` is one of:

    * ``label.field``: a content field is malformed (footprint not a decimal, grade not A-E, date not
      YYYY-MM-DD, empty or control characters in a text);
    * ``label.url``: the base URL is not an http(s) URL, or the product has no resolver URL (a URN);
    * ``label.url_too_long``: the resolver URL is longer than :data:`MAX_URL_BYTES`;
    * ``label.format``: not ``svg`` or ``png``, or a non-positive size or dpi;
    * ``label.too_small``: at this size and dpi a QR module would be under :data:`MIN_MODULE_MM` or
      :data:`MIN_MODULE_DOTS`, or there is no room for the text.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = f"label.{code}"
        self.message = message


@dataclass(frozen=True)
class LabelContent:
    """What a label shows. ``footprint`` is the passport's exact decimal string (kgCO2e per
    ``unitary_amount`` declared units, printed as given); ``grade`` is None for an ungraded product.

    The resolver URL is ``base_url`` plus the product's resolver path (``product_uri``); ``base_url`` is the
    caller's (the platform's public address), never a default.
    """

    base_url: str
    product_id: str
    name: str
    footprint: str
    unit: str
    grade: str | None
    category: str | None
    date: str

    def __post_init__(self) -> None:
        if not _BASE.fullmatch(self.base_url):
            raise LabelError("url", f"base URL {self.base_url!r} is not an http(s) URL without query")
        if not _DECIMAL.fullmatch(self.footprint):
            raise LabelError("field", f"footprint {self.footprint!r} is not a decimal string")
        if self.grade is not None and self.grade not in _GRADES:
            raise LabelError("field", f"grade {self.grade!r} is not one of A-E")
        if self.grade is not None and not self.category:
            raise LabelError("field", "a graded label names the category it is graded in")
        if not _DATE.fullmatch(self.date):
            raise LabelError("field", f"date {self.date!r} is not YYYY-MM-DD")
        try:
            date.fromisoformat(self.date)
        except ValueError as e:
            raise LabelError("field", f"date {self.date!r} is not a calendar date") from e
        for what, text in (("name", self.name), ("unit", self.unit), ("category", self.category or "-")):
            if not text.strip() or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
                raise LabelError("field", f"{what} {text!r} is empty or holds control characters")
        _ = self.resolver_url  # checked here so that a bad label fails when made, not when rendered

    @property
    def resolver_url(self) -> str:
        """The URL the QR code holds.

        Raises:
            LabelError: ``label.url`` for a product without a resolver URL, ``label.url_too_long`` past
                :data:`MAX_URL_BYTES`.
        """
        try:
            url = product_uri(self.product_id, self.base_url)
        except Exception as e:  # an identifier error: the product has no resolver path
            raise LabelError("url", f"no resolver URL for {self.product_id!r}: {e}") from e
        if not url.startswith(("http://", "https://")):
            raise LabelError("url", f"product {self.product_id!r} has no resolver URL (a URN)")
        if len(url.encode()) > MAX_URL_BYTES:
            raise LabelError("url_too_long", f"resolver URL of {len(url.encode())} bytes > {MAX_URL_BYTES}")
        return url

    def lines(self) -> tuple[str, str, str, str, str]:
        """The label's text, top to bottom: name, caption, footprint and unit, grade, date."""
        grade = f"Grade {self.grade} · {self.category}" if self.grade else "Not graded"
        return (self.name, "Carbon footprint", f"{self.footprint} {self.unit}", grade, self.date)


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules for ``url`` (level Q, smallest version), without the quiet zone; True is dark.

    Level Q restores up to 25 % of the codewords: a printed label on a battery pack or a steel part gets
    scuffed, and at resolver-URL lengths Q costs at most two versions over M (docs/labels.md).
    """
    import qrcode
    from qrcode.constants import ERROR_CORRECT_Q

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
    code.add_data(url.encode(), optimize=0)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]


@dataclass(frozen=True)
class _Layout:
    """The label in printer dots: the page, the QR's origin and module size, the text box."""

    width: int
    height: int
    modules: int
    module: int
    qr_x: int
    qr_y: int
    text: tuple[int, int, int, int]  # x, y, width, height


def _dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


def _layout(n: int, size_mm: tuple[float, float], dpi: int) -> _Layout:
    w_mm, h_mm = size_mm
    if not (w_mm > 0 and h_mm > 0 and dpi > 0):
        raise LabelError("format", f"size {size_mm} mm and dpi {dpi} must be positive")
    width, height = _dots(w_mm, dpi), _dots(h_mm, dpi)
    tw, th = _dots(MIN_TEXT_MM[0], dpi), _dots(MIN_TEXT_MM[1], dpi)
    landscape = w_mm >= h_mm
    side = min(height, width - tw) if landscape else min(width, height - th)
    total = n + 2 * QUIET_ZONE
    module = side // total if side > 0 else 0
    floor = max(MIN_MODULE_DOTS, math.ceil(MIN_MODULE_MM * dpi / 25.4 - 1e-9))
    if module < floor:
        raise LabelError(
            "too_small",
            f"a {n}-module code on {w_mm} x {h_mm} mm at {dpi} dpi gets {module}-dot modules (needs {floor})",
        )
    box = module * total
    pad = module * QUIET_ZONE // 2  # text starts half a quiet zone from the code's own margin
    if landscape:
        qr_x, qr_y = 0, (height - box) // 2
        text = (box - pad, pad, width - box, height - 2 * pad)
    else:
        qr_x, qr_y = (width - box) // 2, 0
        text = (pad, box - pad, width - 2 * pad, height - box)
    return _Layout(width, height, n, module, qr_x + QUIET_ZONE * module, qr_y + QUIET_ZONE * module, text)


# Relative type sizes of the five lines (name, caption, footprint, grade, date) and their line pitch.
_WEIGHTS = (1.0, 0.7, 1.35, 0.85, 0.7)
_PITCH = 1.3


@cache
def _font(px: int) -> FreeTypeFont:
    from PIL import ImageFont

    font = ImageFont.load_default(size=px)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType: only a bitmap font
        raise LabelError("format", "PNG labels need Pillow with FreeType (its built-in scalable font)")
    return font


@cache
def _has_glyph(ch: str) -> bool:
    """Whether Pillow's built-in font draws ``ch`` (not its .notdef box, which U+E000 also gets)."""
    font = _font(40)
    return ch.isspace() or bytes(font.getmask(ch)) != bytes(font.getmask("\ue000")) or ch == "\ue000"


def _fit(lines: tuple[str, ...], box: tuple[int, int, int, int]) -> tuple[list[int], list[float]]:
    """Type size (dots) per line and each line's width at it (Pillow's font metrics, a missing glyph 1 em).

    The lines keep their relative sizes (``_WEIGHTS``) and shrink together until all but the name fit the
    box's width; a long name shrinks on its own rather than shrink the figures.
    """
    _, _, bw, bh = box
    unit = bh / (_PITCH * sum(_WEIGHTS))
    rest = zip(lines[1:], _WEIGHTS[1:], strict=True)
    scale = min(1.0, *(bw / _measure(t, max(4, int(unit * w))) for t, w in rest))
    sizes = [max(4, int(unit * w * scale)) for w in _WEIGHTS]
    name = _measure(lines[0], sizes[0])
    if name > bw:
        sizes[0] = max(4, int(sizes[0] * bw / name))
    return sizes, [_measure(t, px) for t, px in zip(lines, sizes, strict=True)]


def _measure(text: str, px: int) -> float:
    font = _font(px)
    return sum(font.getlength(c) if _has_glyph(c) else float(px) for c in text)


def _baselines(sizes: list[int], box: tuple[int, int, int, int]) -> list[float]:
    """Each line's baseline, the block centred in the box's height."""
    y = box[1] + (box[3] - _PITCH * sum(sizes)) / 2
    out = []
    for px in sizes:
        y += px * _PITCH
        out.append(y - px * (_PITCH - 0.8))
    return out


def _svg(content: LabelContent, matrix: list[list[bool]], lay: _Layout, dpi: int) -> bytes:
    mm = 25.4 / dpi

    def f(dots: float) -> str:
        return f"{dots * mm:.3f}".rstrip("0").rstrip(".")

    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                run = x
                while run < len(row) and row[run]:
                    run += 1
                path.append(f"M{x} {y}h{run - x}v1h{x - run}z")
                x = run
            else:
                x += 1
    lines = content.lines()
    sizes, widths = _fit(lines, lay.text)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{f(lay.width)}mm" height="{f(lay.height)}mm" '
        f'viewBox="0 0 {f(lay.width)} {f(lay.height)}">',
        f"<title>{escape(content.name)}: {escape(lines[2])}</title>",
        f'<rect width="{f(lay.width)}" height="{f(lay.height)}" fill="#fff"/>',
        f'<path fill="#000" shape-rendering="crispEdges" transform="translate({f(lay.qr_x)} {f(lay.qr_y)}) '
        f'scale({f(lay.module)})" d="{"".join(path)}"/>',
    ]
    for i, (text, px, width, base) in enumerate(
        zip(lines, sizes, widths, _baselines(sizes, lay.text), strict=True)
    ):
        # The viewer's sans-serif may run wider than Pillow's metrics: textLength caps the line at the box.
        fit = ""
        if width > lay.text[2] * 0.85:
            fit = f' textLength="{f(min(width, lay.text[2]))}" lengthAdjust="spacingAndGlyphs"'
        weight = ' font-weight="bold"' if i in (0, 2) else ""
        out.append(
            f'<text x="{f(lay.text[0])}" y="{f(base)}" font-family="sans-serif" font-size="{f(px)}"'
            f"{weight}{fit} data-line={quoteattr(('name', 'caption', 'footprint', 'grade', 'date')[i])}>"
            f"{escape(text)}</text>"
        )
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode()


def _png(content: LabelContent, matrix: list[list[bool]], lay: _Layout, dpi: int) -> bytes:
    """The label as a 1-bit PNG. Characters the built-in font lacks (CJK among them) are drawn as "?":
    the name stays legible in the SVG and on the passport page the code leads to (docs/labels.md)."""
    from PIL import Image, ImageDraw

    image = Image.new("1", (lay.width, lay.height), 1)
    draw = ImageDraw.Draw(image)
    m = lay.module
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = lay.qr_x + x * m, lay.qr_y + y * m
                draw.rectangle((x0, y0, x0 + m - 1, y0 + m - 1), fill=0)
    lines = tuple("".join(c if _has_glyph(c) else "?" for c in t) for t in content.lines())
    sizes, _ = _fit(lines, lay.text)
    for text, px, base in zip(lines, sizes, _baselines(sizes, lay.text), strict=True):
        draw.text((lay.text[0], base), text, font=_font(px), fill=0, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()


def render_label(
    content: LabelContent,
    *,
    fmt: Literal["svg", "png"],
    size_mm: tuple[float, float] = (50.0, 30.0),
    dpi: int = 300,
) -> bytes:
    """Render a label: the QR code of ``content.resolver_url`` and the label's text, ``size_mm`` (width,
    height) at ``dpi``.

    Args:
        content: what the label shows.
        fmt: ``"svg"`` (text as text, in mm) or ``"png"`` (1-bit, ``size_mm`` at ``dpi``, dpi recorded).
        size_mm: the label's width and height in millimetres; landscape puts the text beside the code,
            portrait below it.
        dpi: the printer's resolution; the code's modules are whole dots at it.

    Returns:
        The SVG document (UTF-8) or the PNG file.

    Raises:
        LabelError: ``label.format``, ``label.url``, ``label.url_too_long`` or ``label.too_small``.
    """
    if fmt not in ("svg", "png"):
        raise LabelError("format", f"format {fmt!r} is neither svg nor png")
    if isinstance(dpi, bool) or not isinstance(dpi, int):
        raise LabelError("format", f"dpi {dpi!r} is not an integer")
    matrix = qr_matrix(content.resolver_url)
    lay = _layout(len(matrix), size_mm, dpi)
    return _svg(content, matrix, lay, dpi) if fmt == "svg" else _png(content, matrix, lay, dpi)
