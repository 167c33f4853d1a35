"""What every command that works on an installation shares: the ``--db`` and ``--home`` options."""

from __future__ import annotations

import argparse

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
