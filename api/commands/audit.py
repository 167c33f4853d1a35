"""``carbontrail audit``: replay a whole log from its tiles (``verifier.audit``) and report every problem."""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path
from typing import Any

from api.auditsource import StoreTileSource
from api.errors import CliError
from ledger.errors import LedgerError
from ledger.policy import Policy, parse_policy
from ledger.storage.store import LogStore
from verifier.audit import AuditReport, audit_log
from verifier.auditstate import load_state, save_state
from verifier.errors import AuditError
from verifier.source import TileSource, open_source

Sub = Any  # argparse's _SubParsersAction is private; this alias names what register() receives


def register(sub: Sub) -> None:
    """Add ``audit``."""
    p = sub.add_parser("audit", help="replay a whole log: every entry, tile, root and checkpoint")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--tiles", metavar="DIR|URL", help="an exported directory or a tlog-tiles base URL")
    where.add_argument("--db", metavar="URL", help="the log's database (SQLite path or SQLAlchemy URL)")
    keys = p.add_mutually_exclusive_group(required=True)
    keys.add_argument("--policy", type=Path, metavar="FILE", help="a C2SP tlog-policy naming the log's key")
    keys.add_argument("--vkey", metavar="KEY", help="the log's verifier key")
    p.add_argument("--state", type=Path, metavar="FILE", help="resume from, and update, this state file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run_audit)


def _policy(args: argparse.Namespace) -> Policy:
    try:
        if args.policy is not None:
            return parse_policy(args.policy.read_bytes())
        return Policy.from_keys(args.vkey, [], 0)
    except OSError as e:
        raise CliError("cli.unreadable", f"policy {args.policy}: {e.strerror}") from e
    except LedgerError as e:
        raise CliError(e.code, e.message) from e


def _report_json(report: AuditReport) -> str:
    doc = {
        "ok": report.clean,
        "origin": report.origin,
        "size": report.size,
        "root": None if report.root is None else base64.b64encode(report.root).decode("ascii"),
        "resumed_from": report.resumed_from,
        "entries": report.entries,
        "tiles": report.tiles,
        "checkpoints": report.checkpoints,
        "problems": [{"index": p.index, "code": p.code, "message": p.message} for p in report.problems],
    }
    return json.dumps(doc, indent=1)


def _report_text(report: AuditReport) -> str:
    head = "OK" if report.clean else f"FAIL ({len(report.problems)} problems)"
    lines = [
        f"{head}: log {report.origin} size {report.size}: {report.entries} entries replayed from"
        f" {report.resumed_from}, {report.tiles} tiles compared, {report.checkpoints} stored checkpoints"
    ]
    for p in report.problems:
        lines.append(f"{'-' if p.index is None else p.index} {p.code} {p.message}")
    return "\n".join(lines)


def run_audit(args: argparse.Namespace) -> int:
    policy = _policy(args)
    try:
        state = None if args.state is None else load_state(args.state)
        source: TileSource
        notes = None
        if args.db is not None:
            store_source = StoreTileSource(LogStore.open(args.db))
            source, notes = store_source, list(store_source.checkpoint_notes())
        else:
            source = open_source(args.tiles)
        report = audit_log(source, policy, state=state, checkpoints=notes)
        if args.state is not None and report.state is not None:
            save_state(args.state, report.state)
    except AuditError as e:
        raise CliError(e.code, e.message) from e
    print(_report_json(report) if args.json else _report_text(report))
    return 0 if report.clean else 1
