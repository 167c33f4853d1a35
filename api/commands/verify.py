"""``carbontrail verify FILE|ID --policy FILE --registrar KEY|FILE [--require-full] [--json] [--jobs N]``: a
bundle verified offline under the trust anchors given (docs/verify.md, "The report").

A FILE is a bundle as ``carbontrail bundle`` writes it; an ID (a product identifier, when no such file
exists) has the bundle built from the local database first (``--full`` for the full one). It prints the
provenance tree, each node with its checks summarised and every failure in full, and the checkpoint judged
by; ``--json`` prints ``Report.to_json()``. Exit 0 if every check the bundle allows passed (with
``--require-full``, every check was made too), 1 if one failed, 2 on bad input. ``--jobs N``: a large bundle's
credentials are verified by N processes (default: every core; 1: this process only).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.commands.audit import registrar_key
from api.commands.common import add_installation_options, settings_of
from api.errors import CliError
from ledger.errors import LedgerError
from ledger.policy import Policy, parse_policy
from verifier.bundle import Bundle, bundle_from_json, parse_bundle
from verifier.errors import BundleError
from verifier.report import Check, Node, Report, Status
from verifier.verify import verify_bundle

Sub = Any

_MARK = {Status.PASSED: "ok", Status.FAILED: "FAILED", Status.NOT_CHECKED: "not checked"}


def register(sub: Sub) -> None:
    """Add ``verify``."""
    p = sub.add_parser("verify", help="verify a bundle offline: every number back to a signed, logged source")
    add_installation_options(p)
    p.add_argument(
        "bundle", metavar="FILE|ID", help="a bundle file, or a product identifier (local database)"
    )
    p.add_argument("--policy", type=Path, required=True, metavar="FILE", help="the C2SP tlog-policy to trust")
    p.add_argument(
        "--registrar", required=True, metavar="KEY|FILE", help="the registrar's first key (did:key or a file)"
    )
    p.add_argument("--require-full", action="store_true", help="fail on any check the bundle could not make")
    p.add_argument("--full", action="store_true", help="with an ID: build the full bundle (default public)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes verifying a large bundle's credentials (default: every core)",
    )
    p.set_defaults(run=run_verify)


def _policy(path: Path) -> Policy:
    try:
        return parse_policy(path.read_bytes())
    except OSError as e:
        raise CliError("cli.unreadable", f"policy {path}: {e.strerror}") from e
    except LedgerError as e:
        raise CliError(e.code, e.message) from e


def _bundle(args: argparse.Namespace) -> Bundle:
    path = Path(args.bundle)
    try:
        if path.is_file():
            return parse_bundle(path.read_bytes())
        # Not a file: a product identifier, whose bundle the local database builds.
        from api.bundles import build_bundle  # the database is only needed here
        from api.logservice import open_log
        from identifiers.parse import parse_identifier

        product = parse_identifier(args.bundle).canonical
        return bundle_from_json(build_bundle(open_log(settings_of(args)), product, full=args.full))
    except OSError as e:
        raise CliError("cli.unreadable", f"{path}: {e.strerror}") from e
    except BundleError as e:
        raise CliError(e.code, e.message + (f" (at {e.field})" if e.field else "")) from e


def _summary(checks: tuple[Check, ...]) -> str:
    failed = [c.name for c in checks if c.status is Status.FAILED]
    skipped = [c.name for c in checks if c.status is Status.NOT_CHECKED]
    passed = sum(1 for c in checks if c.status is Status.PASSED)
    parts = [f"{passed}/{len(checks)} ok"]
    if failed:
        parts.append("FAILED " + ", ".join(failed))
    if skipped:
        parts.append("not checked " + ", ".join(skipped))
    return "; ".join(parts)


def _failure(check: Check, indent: str) -> str:
    where = "".join(f" {x}" for x in (check.document, check.field) if x)
    return f"{indent}  ! {check.name}: {check.code}: {check.message}{where}"


def _node_lines(node: Node, depth: int) -> list[str]:
    indent = "  " * depth
    figure = f"  {node.footprint} per {node.unit}" if node.footprint is not None else ""
    share = f"  share {node.share}" if node.share is not None else ""
    index = f"  index {node.log_index}" if node.log_index is not None else ""
    by = node.issuer_name or node.issuer
    lines = [f"{indent}{node.kind} {node.subject}{figure}{share}{index}  by {by}  [{_summary(node.checks)}]"]
    lines.extend(_failure(c, indent) for c in node.checks if c.status is Status.FAILED)
    for child in node.children:
        lines.extend(_node_lines(child, depth + 1))
    return lines


def render(report: Report, *, require_full: bool = False) -> str:
    """The report as text: the checkpoint, the bundle-wide checks, the tree and the other records."""
    lines = [f"{report.product} ({report.scope} bundle)"]
    judged = report.checkpoint
    if judged is not None:
        when = "no witness time"
        if judged.time is not None:
            when = datetime.fromtimestamp(judged.time, UTC).isoformat().replace("+00:00", "Z")
        lines.append(f"judged by {judged.origin} checkpoint, size {judged.size}, as of {when}")
    for check in report.checks:
        lines.append(
            f"  {check.name}: {_MARK[check.status]}" + (f" ({check.message})" if check.message else "")
        )
        if check.status is Status.FAILED:
            lines.append(_failure(check, "  "))
    lines.extend(_node_lines(report.tree, 0))
    if report.others:
        lines.append("also (registry entries and records outside the tree):")
        for other in report.others:
            lines.extend(_node_lines(other, 1))
    counts = report.counts()
    verdict = "PASSED" if report.ok(require_full=require_full) else "FAILED"
    tally = f"{counts['passed']} passed, {counts['failed']} failed, {counts['not-checked']} not checked"
    lines.append(f"{verdict}: {tally}" + (" (every check required)" if require_full else ""))
    return "\n".join(lines)


def run_verify(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise CliError("cli.usage", "--jobs must be at least 1")
    policy = _policy(args.policy)
    registrar = registrar_key(args.registrar)
    report = verify_bundle(_bundle(args), policy, registrar, jobs=args.jobs)
    if args.json:
        print(json.dumps(report.to_json(require_full=args.require_full), indent=1, ensure_ascii=False))
    else:
        print(render(report, require_full=args.require_full))
    return 0 if report.ok(require_full=args.require_full) else 1
