"""``carbontrail label ID --out FILE.svg|.png``: a product's QR carbon label, from its latest passport."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from api.commands.common import add_installation_options, settings_of
from api.errors import CliError
from api.labels import render_label
from api.labelservice import label_content
from api.logservice import open_log
from identifiers.parse import parse_identifier

Sub = Any


def register(sub: Sub) -> None:
    """Add ``label``."""
    p = sub.add_parser("label", help="a product's QR carbon label (SVG or PNG) from its latest passport")
    add_installation_options(p)
    p.add_argument("product", metavar="ID", help="the product identifier (88.118.8/... or a GTIN)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.svg or FILE.png")
    p.add_argument(
        "--base-url",
        default=os.environ.get("CARBONTRAIL_BASE_URL"),
        help="the resolver's public base URL the QR code points to (default: $CARBONTRAIL_BASE_URL)",
    )
    p.add_argument("--width-mm", type=float, default=50.0)
    p.add_argument("--height-mm", type=float, default=30.0)
    p.add_argument("--dpi", type=int, default=300)
    p.set_defaults(run=run_label)


def run_label(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        raise CliError("cli.usage", f"{args.out}: the label is written as .svg or .png")
    if not args.base_url:
        raise CliError("cli.usage", "give --base-url (or set CARBONTRAIL_BASE_URL): the QR code points there")
    product = parse_identifier(args.product).canonical
    log = open_log(settings_of(args))
    with log.store.engine.connect() as conn:
        content = label_content(conn, product, args.base_url)
    data = render_label(content, fmt=suffix, size_mm=(args.width_mm, args.height_mm), dpi=args.dpi)
    try:
        args.out.write_bytes(data)
    except OSError as e:
        raise CliError("cli.unwritable", f"{args.out}: {e.strerror}") from e
    grade = content.grade or "-"
    print(f"{args.out}: {content.resolver_url} ({content.footprint} {content.unit}, grade {grade})")
    return 0
