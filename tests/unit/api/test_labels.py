"""QR carbon labels (api/labels.py): the code decodes to the resolver URL with a real decoder (zxing-cpp), in
both formats; the text shows the figures; the sizes are the label's; refusals carry their codes."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_Q

from api.labels import MAX_URL_BYTES, LabelContent, LabelError, qr_matrix, render_label

SVG = "{http://www.w3.org/2000/svg}"
BASE = "https://ct.example.cn"

CONTENT = LabelContent(
    base_url=BASE,
    product_id="88.118.4/PACK-14kWh",
    name="LFP pack 14.336 kWh",
    footprint="61.234",
    unit="kgCO2e/kWh",
    grade="B",
    category="LFP battery pack",
    date="2025-09-01",
)

# Several URL lengths: a GTIN, a handle, a GS1 item with lot and serial, a long handle suffix near the cap.
PRODUCTS = [
    "09506000134352",
    "88.118.4/PACK-14kWh",
    "(01)09506000134352(10)LOT-2025-09(21)SN-000123",
    "88.118.4/" + "X" * (MAX_URL_BYTES - len(BASE) - len("/id/88.118.4/")),
]


def _decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def _svg_modules(svg: bytes) -> tuple[list[list[bool]], float, tuple[float, float]]:
    """The SVG's dark modules as a matrix, the module size in mm and the code's origin in mm."""
    root = ET.fromstring(svg)
    (path,) = root.iter(f"{SVG}path")
    m = re.fullmatch(r"translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)", path.attrib["transform"])
    assert m is not None
    runs = [tuple(int(v) for v in r) for r in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.attrib["d"])]
    assert "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in runs) == path.attrib["d"]
    n = max(y for _, y, _ in runs) + 1
    matrix = [[False] * n for _ in range(n)]
    for x, y, run in runs:
        for i in range(x, x + run):
            matrix[y][i] = True
    return matrix, float(m[3]), (float(m[1]), float(m[2]))


def _rasterise_svg(svg: bytes, px_per_mm: float = 12.0) -> Image.Image:
    """Draw the SVG's code (its path's rectangles, at its transform) onto a white page of its size."""
    root = ET.fromstring(svg)
    width = float(root.attrib["width"].removesuffix("mm"))
    height = float(root.attrib["height"].removesuffix("mm"))
    matrix, module, (ox, oy) = _svg_modules(svg)
    image = Image.new("L", (round(width * px_per_mm), round(height * px_per_mm)), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = (ox + x * module) * px_per_mm, (oy + y * module) * px_per_mm
                draw.rectangle((x0, y0, x0 + module * px_per_mm - 1, y0 + module * px_per_mm - 1), fill=0)
    return image


def _reference_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
    code.add_data(url.encode(), optimize=0)
    code.make(fit=True)
    return [[bool(v) for v in row] for row in code.get_matrix()]


@pytest.mark.parametrize("product", PRODUCTS)
def test_png_decodes_to_the_resolver_url(product: str) -> None:
    content = replace(CONTENT, product_id=product)
    url = content.resolver_url
    assert url.startswith(BASE + "/")
    image = Image.open(io.BytesIO(render_label(content, fmt="png")))
    assert _decode(image) == [url]


@pytest.mark.parametrize("product", PRODUCTS)
def test_svg_code_is_qrcodes_matrix_and_decodes(product: str) -> None:
    content = replace(CONTENT, product_id=product)
    svg = render_label(content, fmt="svg")
    matrix, module, _ = _svg_modules(svg)
    assert matrix == _reference_matrix(content.resolver_url) == qr_matrix(content.resolver_url)
    assert module >= 0.25
    assert _decode(_rasterise_svg(svg)) == [content.resolver_url]


def test_quiet_zone_is_four_modules_and_light() -> None:
    svg = render_label(CONTENT, fmt="svg")
    matrix, module, (ox, oy) = _svg_modules(svg)
    root = ET.fromstring(svg)
    height = float(root.attrib["height"].removesuffix("mm"))
    assert ox >= 4 * module - 1e-3
    assert oy >= 4 * module - 1e-3
    assert oy + (len(matrix) + 4) * module <= height + 1e-3
    (text_x,) = {float(t.attrib["x"]) for t in root.iter(f"{SVG}text")}
    assert text_x >= ox + (len(matrix) + 2) * module - 1e-3  # text stays out of most of the quiet zone


def test_svg_text_shows_name_figures_grade_and_date() -> None:
    root = ET.fromstring(render_label(CONTENT, fmt="svg"))
    lines = {t.attrib["data-line"]: t.text for t in root.iter(f"{SVG}text")}
    assert lines["name"] == "LFP pack 14.336 kWh"
    assert lines["footprint"] == "61.234 kgCO2e/kWh"
    assert lines["grade"] == "Grade B · LFP battery pack"
    assert lines["date"] == "2025-09-01"
    for t in root.iter(f"{SVG}text"):
        assert t.attrib["font-family"] == "sans-serif"
    assert root.attrib["width"].endswith("mm")
    assert root.attrib["height"].endswith("mm")
    assert b"href" not in render_label(CONTENT, fmt="svg")  # no external assets


def test_ungraded_label_says_so() -> None:
    content = replace(CONTENT, grade=None, category=None)
    root = ET.fromstring(render_label(content, fmt="svg"))
    assert {t.attrib["data-line"]: t.text for t in root.iter(f"{SVG}text")}["grade"] == "Not graded"


def test_chinese_name_is_text_in_svg_and_question_marks_in_png() -> None:
    content = replace(CONTENT, name="磷酸铁锂电池包 14.336 kWh", category="锂电池包")
    root = ET.fromstring(render_label(content, fmt="svg"))
    lines = {t.attrib["data-line"]: t.text for t in root.iter(f"{SVG}text")}
    assert lines["name"] == "磷酸铁锂电池包 14.336 kWh"
    assert lines["grade"] == "Grade B · 锂电池包"
    png = render_label(content, fmt="png")
    fallback = replace(CONTENT, name="??????? 14.336 kWh", category="????")
    assert png == render_label(fallback, fmt="png")
    assert _decode(Image.open(io.BytesIO(png))) == [content.resolver_url]


@pytest.mark.parametrize(
    ("size_mm", "dpi"), [((50.0, 30.0), 300), ((40.0, 25.0), 600), ((30.0, 45.0), 300), ((70.0, 40.0), 203)]
)
def test_png_pixel_size_is_size_mm_at_dpi(size_mm: tuple[float, float], dpi: int) -> None:
    image = Image.open(io.BytesIO(render_label(CONTENT, fmt="png", size_mm=size_mm, dpi=dpi)))
    assert image.size == (round(size_mm[0] * dpi / 25.4), round(size_mm[1] * dpi / 25.4))
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    assert _decode(image) == [CONTENT.resolver_url]
    svg = ET.fromstring(render_label(CONTENT, fmt="svg", size_mm=size_mm, dpi=dpi))
    half_dot = 25.4 / dpi / 2
    assert float(svg.attrib["width"].removesuffix("mm")) == pytest.approx(size_mm[0], abs=half_dot)
    assert float(svg.attrib["height"].removesuffix("mm")) == pytest.approx(size_mm[1], abs=half_dot)


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=120))
def test_any_handle_suffix_round_trips_through_the_png(suffix: str) -> None:
    content = replace(CONTENT, product_id=f"88.118.4/{suffix}")
    image = Image.open(io.BytesIO(render_label(content, fmt="png")))
    assert _decode(image) == [content.resolver_url]


def _code(fn: object, *args: object, **kwargs: object) -> str:
    assert callable(fn)
    with pytest.raises(LabelError) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_url_too_long() -> None:
    suffix = "X" * (MAX_URL_BYTES - len(BASE) - len("/id/88.118.4/") + 1)
    assert _code(replace, CONTENT, product_id=f"88.118.4/{suffix}") == "label.url_too_long"


@pytest.mark.parametrize(("size_mm", "dpi"), [((20.0, 12.0), 300), ((50.0, 30.0), 50), ((10.0, 30.0), 300)])
def test_label_too_small_for_the_code(size_mm: tuple[float, float], dpi: int) -> None:
    for fmt in ("svg", "png"):
        assert _code(render_label, CONTENT, fmt=fmt, size_mm=size_mm, dpi=dpi) == "label.too_small"


def test_long_url_too_dense_for_a_small_label_but_fits_a_larger_one() -> None:
    content = replace(CONTENT, product_id=PRODUCTS[-1])
    assert _code(render_label, content, fmt="png", size_mm=(40.0, 20.0)) == "label.too_small"
    assert _decode(Image.open(io.BytesIO(render_label(content, fmt="png", size_mm=(80.0, 40.0))))) == [
        content.resolver_url
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"footprint": "1e3"}, "label.field"),
        ({"footprint": "61,2"}, "label.field"),
        ({"footprint": "01.5"}, "label.field"),
        ({"grade": "F"}, "label.field"),
        ({"category": None}, "label.field"),
        ({"date": "2025-13-01"}, "label.field"),
        ({"date": "2025-9-1"}, "label.field"),
        ({"name": " "}, "label.field"),
        ({"unit": "kg\nCO2e"}, "label.field"),
        ({"base_url": "ftp://ct.example.cn"}, "label.url"),
        ({"base_url": "https://ct.example.cn/?x=1"}, "label.url"),
        ({"product_id": "urn:uuid:0b1c2d3e-0000-4000-8000-000000000000"}, "label.url"),
        ({"product_id": "not an identifier"}, "label.url"),
    ],
)
def test_malformed_content_refused(change: dict[str, object], code: str) -> None:
    assert _code(replace, CONTENT, **change) == code


@pytest.mark.parametrize(
    ("kwargs"), [{"fmt": "pdf"}, {"fmt": "png", "size_mm": (0.0, 30.0)}, {"fmt": "svg", "dpi": 0}]
)
def test_bad_format_size_or_dpi(kwargs: dict[str, object]) -> None:
    assert _code(render_label, CONTENT, **kwargs) == "label.format"


def test_base_url_with_path_is_kept() -> None:
    content = replace(CONTENT, base_url="https://example.cn/carbon/")
    assert content.resolver_url == "https://example.cn/carbon/id/88.118.4/PACK-14kWh"
    assert _decode(Image.open(io.BytesIO(render_label(content, fmt="png")))) == [content.resolver_url]
