"""``carbontrail audit``: replay a whole log from its tiles (``verifier.audit``), check every record's
credential and its signer's authority (``verifier.records``, with ``--registrar``), report every problem."""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
from pathlib import Path
from typing import Any

from api.auditsource import StoreCredentials, StoreTileSource
from api.errors import CliError
from identifiers.errors import IdentifierError
from identifiers.multikey import public_key_from_did_key
from ledger.errors import LedgerError
from ledger.policy import Policy, parse_policy
from ledger.storage.store import LogStore
from verifier.audit import AuditReport, audit_log
from verifier.auditstate import load_state, save_state
from verifier.credentials import CredentialSource, credentials_base, open_credentials
from verifier.errors import AuditError
from verifier.records import RecordAudit
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
    p.add_argument(
        "--registrar",
        metavar="KEY|FILE",
        help="the registrar's first key (did:key, or a file holding it): check every record's credential and"
        " its signer's authority; without it records get the tree checks only",
    )
    p.add_argument(
        "--credentials",
        metavar="DIR|URL",
        help="with --tiles: the credential store (files named by digest hex, or a server serving"
        " /credentials/sha256:<hex>); default: the tiles server's own, for an http(s) URL",
    )
    p.add_argument(
        "--jobs", type=int, metavar="N", help="processes verifying credentials (default: every core)"
    )
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


def registrar_key(text: str) -> bytes:
    """The registrar's raw public key from ``--registrar``: a did:key, or a file holding one (a did:key, or a
    key file, ``registrar.key``, of which only the public part is read).

    Raises:
        CliError: neither names an Ed25519 did:key.
    """
    did = text
    if not text.startswith("did:key:"):
        try:
            content = Path(text).read_text().strip()
        except OSError as e:
            raise CliError("cli.unreadable", f"registrar {text}: {e.strerror}") from e
        did = content
        if not content.startswith("did:key:"):
            with contextlib.suppress(ValueError):
                body = json.loads(content)
                if isinstance(body, dict) and isinstance(body.get("controller"), str):
                    did = body["controller"]
    try:
        return public_key_from_did_key(did)
    except IdentifierError as e:
        raise CliError("cli.registrar", f"--registrar: not a did:key or a file holding one ({e.code})") from e


def _report_json(report: AuditReport, records: RecordAudit | None) -> str:
    doc = {
        "ok": report.clean,
        "origin": report.origin,
        "size": report.size,
        "root": None if report.root is None else base64.b64encode(report.root).decode("ascii"),
        "resumed_from": report.resumed_from,
        "entries": report.entries,
        "tiles": report.tiles,
        "checkpoints": report.checkpoints,
        "records": None if records is None else records.records,
        "records_rebuilt": None if records is None else records.known_records,
        "problems": [
            {"index": p.index, "code": p.code, "message": p.message, "cause": p.cause}
            for p in report.problems
        ],
    }
    return json.dumps(doc, indent=1)


def _report_text(report: AuditReport, records: RecordAudit | None) -> str:
    head = "OK" if report.clean else f"FAIL ({len(report.problems)} problems)"
    if records is None:
        checked = "records not checked (no --registrar)"
    else:
        checked = f"{records.records} records checked"
        if records.known_records:
            checked += f" ({records.known_records} earlier ones re-read)"
    lines = [
        f"{head}: log {report.origin} size {report.size}: {report.entries} entries replayed from"
        f" {report.resumed_from}, {report.tiles} tiles compared, {report.checkpoints} stored checkpoints,"
        f" {checked}"
    ]
    for p in report.problems:
        lines.append(f"{'-' if p.index is None else p.index} {p.code} {p.message}")
    return "\n".join(lines)


def _credentials(args: argparse.Namespace) -> CredentialSource:
    if args.credentials is not None:
        return open_credentials(args.credentials)
    if args.tiles.startswith(("http://", "https://")):
        return open_credentials(credentials_base(args.tiles))
    raise CliError("cli.usage", "--registrar with --tiles DIR needs --credentials DIR|URL")


def run_audit(args: argparse.Namespace) -> int:
    policy = _policy(args)
    if args.credentials is not None and args.db is not None:
        raise CliError("cli.usage", "--credentials is for --tiles; --db reads the database's credentials")
    if args.jobs is not None and args.jobs < 1:
        raise CliError("cli.usage", "--jobs must be at least 1")
    registrar = None if args.registrar is None else registrar_key(args.registrar)
    with contextlib.ExitStack() as stack:
        try:
            state = None if args.state is None else load_state(args.state)
            source: TileSource
            credentials: CredentialSource | None = None
            notes = None
            if args.db is not None:
                store = LogStore.open(args.db)
                stack.callback(store.engine.dispose)
                store_source = StoreTileSource(store)
                source, notes = store_source, list(store_source.checkpoint_notes())
                credentials = StoreCredentials(store)
            else:
                source = open_source(args.tiles)
                if registrar is not None:
                    credentials = _credentials(args)
            records = None
            if registrar is not None and credentials is not None:
                records = stack.enter_context(RecordAudit(registrar, credentials, jobs=args.jobs))
            report = audit_log(source, policy, state=state, record_replay=records, checkpoints=notes)
            if args.state is not None and report.state is not None:
                save_state(args.state, report.state)
        except AuditError as e:
            raise CliError(e.code, e.message) from e
    print(_report_json(report, records) if args.json else _report_text(report, records))
    return 0 if report.clean else 1
