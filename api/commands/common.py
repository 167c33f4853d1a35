"""What every command that works on an installation shares: the ``--db`` and ``--home`` options."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from api.errors import CliError
from api.pactrecord import PACT_VERSIONS
from api.settings import Settings


def add_installation_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--db`` and ``--home`` to a command."""
    parser.add_argument(
        "--db", help="database URL or SQLite path (default: $CARBONTRAIL_DB or a file in the home)"
    )
    parser.add_argument("--home", help="data directory (default: $CARBONTRAIL_HOME or ./var)")


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings a command's ``--db`` and ``--home`` name."""
    return Settings.from_env(db=args.db, home=args.home)


def read_file(path: Path) -> bytes:
    """A file's bytes, or the CLI's one-line ``cli.unreadable`` error."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise CliError("cli.unreadable", f"{path}: {e.strerror}") from e


def add_pact_export_options(parser: argparse.ArgumentParser) -> None:
    """The options every PACT export takes: ``--version``, ``--issuer-domain`` and ``--record``."""
    parser.add_argument("--version", required=True, choices=sorted(PACT_VERSIONS))
    parser.add_argument(
        "--issuer-domain",
        required=True,
        metavar="DOMAIN",
        help="the issuer's domain, for PACT URNs: urn:pact:<DOMAIN>:company-id:<USCC>, ...:handle:...",
    )
    parser.add_argument(
        "--record", type=Path, metavar="JSON", help="PACT host-record fields to add (an object)"
    )


def pact_record_fields(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``--record`` file's PACT host-record fields (a JSON object), or None without ``--record``."""
    if args.record is None:
        return None
    try:
        extra = json.loads(read_file(args.record))
    except ValueError as e:
        raise CliError("cli.usage", f"{args.record}: not JSON ({e})") from e
    if not isinstance(extra, dict):
        raise CliError("cli.usage", f"{args.record}: a PACT record is a JSON object")
    return extra
