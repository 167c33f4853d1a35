"""``carbontrail init``, ``carbontrail log ...`` and ``carbontrail serve``: the log's operator commands."""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import Any

from api import logservice
from api.commands.common import add_installation_options, settings_of
from api.errors import CliError
from ledger.errors import MalformedError, PolicyError
from ledger.policy import Policy, parse_policy
from ledger.receipt import parse_receipt, verify_receipt
from ledger.storage.export import export_log

Sub = Any  # argparse's _SubParsersAction is private; this alias names what register() receives


def _log(args: argparse.Namespace) -> logservice.Log:
    return logservice.open_log(settings_of(args))


def _nonnegative(text: str) -> int:
    if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a non-negative decimal integer")
    return int(text)


def register(sub: Sub) -> None:
    """Add ``init``, ``log`` and ``serve``."""
    p = sub.add_parser("init", help="create the data directory, the log key and the database")
    add_installation_options(p)
    p.add_argument("--origin", help=f"the log's origin (default {logservice.DEFAULT_ORIGIN})")
    p.set_defaults(run=run_init)

    log = sub.add_parser("log", help="the transparency log: append, checkpoint, prove, export, verify")
    cmds = log.add_subparsers(dest="log_command", required=True, metavar="LOG_COMMAND")

    p = cmds.add_parser("append", help="append each FILE as one entry; prints one index a line")
    add_installation_options(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(run=run_append)

    p = cmds.add_parser("checkpoint", help="print the latest signed checkpoint with its cosignatures")
    add_installation_options(p)
    p.set_defaults(run=run_checkpoint)

    p = cmds.add_parser("entry", help="write entry INDEX's exact bytes to standard output")
    add_installation_options(p)
    p.add_argument("index", type=_nonnegative)
    p.set_defaults(run=run_entry)

    p = cmds.add_parser("prove", help="print a C2SP tlog-proof@v1 receipt for entry INDEX")
    add_installation_options(p)
    p.add_argument("index", type=_nonnegative)
    p.add_argument(
        "--size", type=_nonnegative, help="prove against the checkpoint of this size (default latest)"
    )
    p.set_defaults(run=run_prove)

    p = cmds.add_parser("consistency", help="print the consistency proof OLD -> NEW, one base64 hash a line")
    add_installation_options(p)
    p.add_argument("old", type=_nonnegative)
    p.add_argument("new", type=_nonnegative)
    p.set_defaults(run=run_consistency)

    p = cmds.add_parser("export", help="write checkpoint and tile/... as C2SP tlog-tiles lays them out")
    add_installation_options(p)
    p.add_argument("directory", type=Path, metavar="DIR")
    p.set_defaults(run=run_export)

    p = cmds.add_parser("verify-receipt", help="verify a tlog-proof@v1 receipt offline")
    p.add_argument("receipt", type=Path, metavar="RECEIPT")
    p.add_argument("--entry", type=Path, required=True, metavar="FILE", help="the entry's exact bytes")
    p.add_argument("--policy", type=Path, help="a C2SP tlog-policy file")
    p.add_argument("--vkey", help="the log's verifier key (instead of --policy)")
    p.add_argument("--witness", action="append", default=[], metavar="KEY", help="a trusted witness key")
    p.add_argument("--quorum", type=_nonnegative, help="how many witnesses must cosign (default: all given)")
    p.set_defaults(run=run_verify_receipt)

    p = cmds.add_parser("fsck", help="recompute every tile and checkpoint root from the entries")
    add_installation_options(p)
    p.set_defaults(run=run_fsck)

    p = sub.add_parser("serve", help="serve the HTTP API (the log's tiles, checkpoints and proofs)")
    add_installation_options(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=run_serve)


def run_init(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    vkey = logservice.init_log(settings, args.origin)
    print(f"home: {settings.home}")
    print(f"database: {settings.db_url}")
    print(f"policy: {settings.policy_path}")
    print(vkey)
    return 0


def run_append(args: argparse.Namespace) -> int:
    entries = []
    for path in args.files:
        try:
            entries.append(path.read_bytes())
        except OSError as e:
            raise CliError("cli.unreadable", f"{path}: {e.strerror}") from e
    log = _log(args)
    status = 0
    for path, result in zip(args.files, logservice.append(log, entries), strict=True):
        if result.index is None:
            print(f"carbontrail: {result.refused_code}: {path}: {result.refused_message}", file=sys.stderr)
            status = 2
        else:
            print(result.index)
    return status


def run_checkpoint(args: argparse.Namespace) -> int:
    latest = _log(args).store.latest_checkpoint()
    if latest is None:
        raise CliError("ledger.range", "the log has no checkpoint yet: append an entry first")
    sys.stdout.buffer.write(latest.cosigned_note)
    return 0


def run_entry(args: argparse.Namespace) -> int:
    sys.stdout.buffer.write(_log(args).store.entry(args.index))
    return 0


def run_prove(args: argparse.Namespace) -> int:
    sys.stdout.buffer.write(logservice.receipt(_log(args), args.index, args.size))
    return 0


def run_consistency(args: argparse.Namespace) -> int:
    for h in _log(args).store.consistency_proof(args.old, args.new):
        print(base64.b64encode(h).decode("ascii"))
    return 0


def run_export(args: argparse.Namespace) -> int:
    report = export_log(_log(args).store, args.directory)
    print(f"exported size {report.size}: {report.written} files written, {report.unchanged} unchanged")
    return 0


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CliError("cli.unreadable", f"{what} {path}: {e.strerror}") from e


def run_verify_receipt(args: argparse.Namespace) -> int:
    if (args.policy is None) == (args.vkey is None):
        raise CliError("cli.usage", "give either --policy FILE or --vkey KEY")
    if args.policy is not None and (args.witness or args.quorum is not None):
        raise CliError("cli.usage", "--witness and --quorum go with --vkey, not --policy")
    policy: Policy
    if args.policy is not None:
        policy = parse_policy(_read(args.policy, "policy"))
    else:
        quorum = len(args.witness) if args.quorum is None else args.quorum
        policy = Policy.from_keys(args.vkey, args.witness, quorum)
    receipt_bytes = _read(args.receipt, "receipt")
    entry = _read(args.entry, "entry")
    try:
        receipt = parse_receipt(receipt_bytes)
    except MalformedError as e:
        raise CliError(e.code, f"{args.receipt}: {e.message}") from e
    try:
        verified = verify_receipt(receipt, entry, None, policy)
    except PolicyError as e:
        raise CliError(e.code, e.message, exit_code=1) from e
    witnesses = ", ".join(sorted(verified.witnesses)) or "none required"
    cp = verified.checkpoint
    print(f"OK: entry {verified.index} is in {cp.origin} at size {cp.size}; cosigned by: {witnesses}")
    return 0


def run_fsck(args: argparse.Namespace) -> int:
    from ledger.storage.fsck import fsck

    log = _log(args)
    report = fsck(log.store, [log.signer.verifier()])
    print(f"OK: {report.entries} entries, {report.tiles} tiles, {report.checkpoints} checkpoints verified")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings_of(args)), host=args.host, port=args.port)
    return 0
