"""``carbontrail witness ...``: run a C2SP tlog-witness (c2sp.org/tlog-witness) with its own key and state.

* ``witness init --home DIR --name NAME``: creates the witness's key (0600), its log list and state directory,
  and prints its cosignature/v1 verifier key on the last line;
* ``witness add-log --home DIR VKEY``: trusts the log with that Ed25519 verifier key (origin = key name);
* ``witness serve --home DIR [--host --port]``: serves ``POST /add-checkpoint`` and ``GET /``.

The home defaults to ``$CARBONTRAIL_WITNESS_HOME``; it is never the log's home, so a witness and a log on one
machine keep their keys and state apart.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from api.errors import CliError
from api.witness_app import WitnessConfig, add_log, create_witness_app, init_witness

HOME_ENV = "CARBONTRAIL_WITNESS_HOME"


def _config(args: argparse.Namespace) -> WitnessConfig:
    home = args.home or os.environ.get(HOME_ENV)
    if not home:
        raise CliError("cli.usage", f"give --home DIR or set {HOME_ENV}")
    return WitnessConfig(Path(home).resolve())


def _home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", help=f"the witness's directory (default: ${HOME_ENV})")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``witness`` command and its ``init``, ``add-log`` and ``serve`` subcommands."""
    command = subparsers.add_parser("witness", help="run a witness that cosigns logs' checkpoints")
    sub = command.add_subparsers(dest="witness_command", required=True, metavar="WITNESS_COMMAND")

    p = sub.add_parser("init", help="create the witness key and configuration; print its verifier key")
    _home(p)
    p.add_argument("--name", required=True, help="the witness's key name, e.g. witness.example.org/w1")
    p.set_defaults(run=run_init)

    p = sub.add_parser("add-log", help="cosign checkpoints of the log with this verifier key")
    _home(p)
    p.add_argument("vkey", metavar="VKEY", help="the log's Ed25519 verifier key (its name is the origin)")
    p.set_defaults(run=run_add_log)

    p = sub.add_parser("serve", help="serve C2SP tlog-witness add-checkpoint over HTTP")
    _home(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.set_defaults(run=run_serve)


def run_init(args: argparse.Namespace) -> int:
    """Create (or reopen, for the same name) the witness in ``--home``; print its verifier key last.

    Raises:
        KeyFormatError: the name is not a valid key name.
        KeyFileError: the home holds another witness's key, or the key cannot be written.
    """
    config = _config(args)
    vkey = init_witness(config, args.name)
    print(f"home: {config.home}")
    print(f"logs: {config.logs_path}")
    print(vkey)
    return 0


def run_add_log(args: argparse.Namespace) -> int:
    """Add a log's verifier key to the witness's log list.

    Raises:
        KeyFormatError: the key is not an Ed25519 verifier key.
        StorageError: the witness is not initialised or its log list cannot be updated.
    """
    config = _config(args)
    added = add_log(config, args.vkey)
    origin = args.vkey.strip().split("+", 1)[0]
    print(f"{'added' if added else 'already trusted'}: {origin}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Serve the witness until interrupted.

    Raises:
        KeyFileError, StorageError: the home holds no usable witness.
    """
    import uvicorn

    uvicorn.run(create_witness_app(_config(args)), host=args.host, port=args.port)
    return 0
