"""``carbontrail bundle ID [--full] --out FILE`` (a product's passport and everything it rests on, for offline
verification) and ``carbontrail impact DIGEST`` (the passports resting on a credential): docs/verify.md."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from api.bundles import build_bundle
from api.commands.common import add_installation_options, settings_of
from api.errors import CliError
from api.impact import impact
from api.logservice import open_log
from identifiers.parse import parse_identifier
from verifier.bundle import bundle_from_json, dump_bundle

Sub = Any


def register(sub: Sub) -> None:
    """Add ``bundle`` and ``impact``."""
    p = sub.add_parser("bundle", help="write a product's verification bundle (public, or --full)")
    add_installation_options(p)
    p.add_argument("product", metavar="ID", help="the product identifier (88.118.8/... or a GTIN)")
    p.add_argument("--full", action="store_true", help="include the attestations' figures (for auditors)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the bundle")
    p.set_defaults(run=run_bundle)

    p = sub.add_parser("impact", help="the passports resting, through any tier, on a credential")
    add_installation_options(p)
    p.add_argument("digest", metavar="DIGEST", help="the credential's digest, sha256:<hex>")
    p.add_argument("--json", action="store_true", help="print the passports as JSON")
    p.set_defaults(run=run_impact)


def run_bundle(args: argparse.Namespace) -> int:
    product = parse_identifier(args.product).canonical
    bundle = build_bundle(open_log(settings_of(args)), product, full=args.full)
    try:
        args.out.write_bytes(dump_bundle(bundle_from_json(bundle)))
    except OSError as e:
        raise CliError("cli.unwritable", f"{args.out}: {e.strerror}") from e
    withheld = "" if args.full else " (attestation figures withheld: public)"
    print(f"{args.out}: {product}, {len(bundle['records'])} records{withheld}")
    return 0


def run_impact(args: argparse.Namespace) -> int:
    log = open_log(settings_of(args))
    with log.store.engine.connect() as conn:
        affected = impact(conn, args.digest)
    if args.json:
        rows = [
            {"passport": a.digest, "product": a.product, "index": a.index, "current": a.current,
             "tier": a.tier, "via": a.via}
            for a in affected
        ]  # fmt: skip
        print(json.dumps({"credential": args.digest, "passports": rows}, indent=1))
        return 0
    if not affected:
        print(f"no passport rests on {args.digest}")
        return 0
    print(f"{len(affected)} passport(s) rest on {args.digest}:")
    for a in affected:
        state = "current" if a.current else "superseded"
        print(f"  tier {a.tier}  {a.product}  index {a.index}  {a.digest}  ({state})")
    return 0
