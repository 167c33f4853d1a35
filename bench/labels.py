"""Rendering a QR carbon label (api/labels.py) against the 50 ms median target of issue 7.

The measured calls are ``render_label(content, fmt="png")`` and ``render_label(content, fmt="svg")`` at the
default 50 x 30 mm and 300 dpi, for a handle product whose resolver URL is 44 bytes. The reference, timed in
alternating rounds with them, is what no label can do without: ``qrcode`` making the code's matrix for the
same URL at the same level (``qr_matrix``). The absolute target is printed as ``median / 50 ms``; the
``measured`` column gives the median in ms and as a multiple of the reference.
"""

from __future__ import annotations

from bench.harness import BenchResult, Figure, Workspace, interleaved_medians

NAME = "labels"
TARGET_S = 0.050


def run(ws: Workspace) -> BenchResult:
    """Time PNG and SVG labels and the bare QR matrix in alternating rounds."""
    from api.labels import LabelContent, qr_matrix, render_label

    content = LabelContent(
        base_url="https://ct.example.cn",
        product_id="88.118.4/PACK-14kWh",
        name="LFP pack 14.336 kWh",
        footprint="61.234",
        unit="kgCO2e/kWh",
        grade="B",
        category="LFP battery pack",
        date="2025-09-01",
    )
    url = content.resolver_url
    rounds, loops = (3, 3) if ws.quick else (15, 10)
    render_label(content, fmt="png")  # warm: imports, the font cache
    render_label(content, fmt="svg")
    png, svg, ref = interleaved_medians(
        [
            lambda: render_label(content, fmt="png"),
            lambda: render_label(content, fmt="svg"),
            lambda: qr_matrix(url),
        ],
        rounds,
        loops,
    )
    result = BenchResult(NAME)
    for fmt, t in (("png", png), ("svg", svg)):
        result.figures.append(
            Figure(
                name=f"{fmt} label 50x30 mm at 300 dpi",
                measured=f"{t * 1e3:.2f} ms = {t / ref:.1f} x qr matrix ({ref * 1e3:.2f} ms)",
                ratio=t / TARGET_S,
                ratio_of="median / 50 ms",
                op="<=",
                bound=1.0,
            )
        )
    result.notes.append(
        f"{rounds} alternating rounds of {loops} calls each; fonts and imports warmed first;"
        f" URL {len(url)} bytes"
    )
    return result
