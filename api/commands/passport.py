"""``carbontrail passport compose`` and ``passport show``: the manufacturer's commands (docs/passport-api.md).

``compose SPEC --key FILE`` resolves a passport specification against the local log (``api.compose``), signs
the passport with the manufacturer's key file and prints it (its JCS bytes) on standard output, with a
breakdown table on standard error: each line's contribution by stage and its share of the total. With
``--push`` it is logged too (where, on standard error); a refusal exits 2 and logs nothing. ``show ID``
prints the latest valid passport of a product with its grade and log index. ``export DIGEST|ID --version``
prints a logged passport as a PACT ProductFootprint, as ``pact export`` does an attestation.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from api.commands.common import (
    add_installation_options,
    add_pact_export_options,
    pact_record_fields,
    read_file,
    settings_of,
)
from api.compose import compose, issuer_authority
from api.errors import CliError
from api.keyfile import read_key_file
from api.logservice import open_log
from api.passportview import latest_passport
from api.submission import open_pipeline
from identifiers.multikey import did_key_from_public_key
from identifiers.parse import parse_identifier
from passport.dpp import sign_passport
from passport.envelope import public_key_bytes
from passport.footprint import LIFE_CYCLE_STAGES
from passport.records import PASSPORT_KINDS
from passport.rollup import Rollup, round_half_even
from passport.spec import parse_spec

Sub = Any
DEFAULT_RESOLVER = "http://localhost:8000"


def register(sub: Sub) -> None:
    """Add ``passport compose``, ``passport show`` and ``passport export``."""
    passport = sub.add_parser("passport", help="digital product passports: compose from the log, show")
    pc = passport.add_subparsers(dest="passport_command", required=True, metavar="COMMAND")
    p = pc.add_parser("compose", help="compose and sign a passport from a specification; prints it")
    p.add_argument("spec", type=Path, metavar="SPEC", help="the passport specification (JSON or YAML)")
    p.add_argument("--key", type=Path, required=True, metavar="FILE", help="the manufacturer's key file")
    p.add_argument("--aggregated", action="store_true", help="disclose only links and totals by stage")
    p.add_argument("--push", action="store_true", help="log the signed passport too")
    p.add_argument("--resolver", default=DEFAULT_RESOLVER, metavar="URL", help="the public resolver URL")
    p.add_argument("--id", dest="passport_id", metavar="URI", help="the passport's id (default urn:uuid)")
    p.add_argument("--valid-from", metavar="DATETIME", help="validFrom (default: now)")
    add_installation_options(p)
    p.set_defaults(run=run_compose)
    p = pc.add_parser("show", help="the latest valid passport of a product, its grade and log index")
    p.add_argument("product", metavar="ID", help="the product identifier")
    add_installation_options(p)
    p.set_defaults(run=run_show)
    p = pc.add_parser("export", help="print a logged passport as a PACT ProductFootprint of its product")
    add_installation_options(p)
    p.add_argument("passport", metavar="DIGEST|ID", help="a passport's digest, or a product's current one")
    add_pact_export_options(p)
    p.set_defaults(run=run_export)


def breakdown(result: Rollup, out: TextIO) -> None:
    """Write each line's contribution by stage (kgCO2e per declared unit, rounded to the passport's places)
    and its share of the total (by absolute contribution) as a table."""
    stages = [s for s in LIFE_CYCLE_STAGES if any(s in dict(line.stages) for line in result.lines)]
    weight = sum(abs(line.total) for line in result.lines)
    rows = [["ref", "kind", *stages, "total", "share %"]]
    for line in result.lines:
        by_stage = dict(line.stages)
        cells = [str(round_half_even(by_stage[s], result.places)) if s in by_stage else "" for s in stages]
        share = round_half_even(abs(line.total) * 100 / weight, 1) if weight else Decimal(0)
        rows.append(
            [line.ref, line.kind, *cells, str(round_half_even(line.total, result.places)), str(share)]
        )
    published = dict(result.stages)
    rows.append(["total", "", *(str(published.get(s, "")) for s in stages), str(result.total), "100.0"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        padded = (c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        out.write("  ".join(padded).rstrip() + "\n")


def run_compose(args: argparse.Namespace) -> int:
    key = read_key_file(args.key)
    spec = parse_spec(read_file(args.spec))
    log = open_log(settings_of(args))
    pipeline = open_pipeline(log)
    public_key = public_key_bytes(key)
    authority = issuer_authority(pipeline.registry_state(), public_key, spec.product.id)
    composition = compose(
        log, spec, issuer=did_key_from_public_key(public_key), issuer_name=authority.legal_name,
        resolver_base=args.resolver, disclosure="aggregated" if args.aggregated else "full",
        passport_id=args.passport_id, valid_from=args.valid_from,
    )  # fmt: skip
    signed = sign_passport(composition.credential, key)
    breakdown(composition.result, sys.stderr)
    if args.push:
        outcome = pipeline.submit([signed.raw], kinds=PASSPORT_KINDS)[0]
        if outcome.index is None:
            raise CliError(outcome.code or "api.refused", outcome.message or "refused")
        note = " (already logged)" if outcome.duplicate else ""
        print(f"passport: logged at index {outcome.index}{note}; credential {signed.digest}", file=sys.stderr)
    sys.stdout.buffer.write(signed.raw + b"\n")
    return 0


def run_show(args: argparse.Namespace) -> int:
    product = parse_identifier(args.product).canonical
    log = open_log(settings_of(args))
    with log.store.engine.connect() as conn:
        found = latest_passport(conn, product)
    if found is None:
        raise CliError("api.not_found", f"no valid passport of {product} is logged")
    summary, _ = found
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from api.passportpact import passport_pact
    from passport.pact import dump_pact

    target = args.passport
    if not target.startswith("sha256:"):
        target = parse_identifier(target).canonical
    extra = pact_record_fields(args)
    pipeline = open_pipeline(open_log(settings_of(args)))
    exported = passport_pact(pipeline, target, args.version, args.issuer_domain, extra)
    sys.stdout.buffer.write(dump_pact(exported) + b"\n")
    return 0
