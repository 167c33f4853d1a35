"""The ``carbontrail`` command line: one subcommand module per role under ``api/commands/``.

Every command exits 0 on success; a user error prints one line ``carbontrail: <code>: <message>`` on standard
error and exits 2 (usage errors from argparse exit 2 as well); a verification that fails exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from api.errors import CliError, describe

# Each module named here defines ``register(subparsers)``, adding its subcommands with
# ``set_defaults(run=...)`` where ``run(args) -> int``.
COMMAND_MODULES = (
    "api.commands.log",
    "api.commands.registry",
    "api.commands.witness",
    "api.commands.id",
    "api.commands.attest",
    "api.commands.audit",
    "api.commands.passport",
    "api.commands.label",
    "api.commands.bundle",
    "api.commands.verify",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every command module's subcommands registered."""
    parser = argparse.ArgumentParser(
        prog="carbontrail", description="Product-carbon-footprint transparency ledger."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except CliError as e:
        print(f"carbontrail: {e.code}: {e.message}", file=sys.stderr)
        return e.exit_code
    except Exception as e:  # the one place a domain error becomes a one-line message
        code, message, exit_code = describe(e)
        if code is None:
            raise
        print(f"carbontrail: {code}: {message}", file=sys.stderr)
        return exit_code


if __name__ == "__main__":
    sys.exit(main())
