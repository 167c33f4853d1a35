"""``carbontrail id``: identifier tools. ``id parse ID`` prints the identifier's scheme and canonical form as
one JSON object on standard output, or a bad identifier's code and reason on standard error with exit status 2
(api/cli.py turns the ``IdentifierError`` into that line).
"""

from __future__ import annotations

import argparse
import json

from identifiers import parse_identifier


def run_parse(args: argparse.Namespace) -> int:
    """Parse ``args.identifier`` and print ``{"canonical": ..., "scheme": ...}``.

    Raises:
        IdentifierError: the identifier does not parse (the CLI prints its code and message and exits 2).
    """
    identifier = parse_identifier(args.identifier)
    print(json.dumps({"canonical": identifier.canonical, "scheme": identifier.scheme}, ensure_ascii=False))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``id`` command and its ``parse`` subcommand."""
    command = subparsers.add_parser("id", help="parse and canonicalise identifiers")
    sub = command.add_subparsers(dest="id_command", required=True, metavar="SUBCOMMAND")
    parse = sub.add_parser("parse", help="print an identifier's scheme and canonical form as JSON")
    parse.add_argument(
        "identifier",
        metavar="ID",
        help="the identifier (Handle, GTIN, GS1 URI or element string, USCC, DID, URN)",
    )
    parse.set_defaults(run=run_parse)
