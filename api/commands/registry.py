"""``carbontrail keys`` and ``carbontrail org``: signing keys, and the registrar's registry entries.

``org`` commands build a registry entry, sign it with the registrar's key (``registrar.key`` in the data
directory, or ``--signer FILE``) and submit it to the local log, printing the log index it got. ``org
revoke-key --signer ORGKEY`` lets an organisation revoke one of its own keys with another. ``org show`` prints
an organisation's state and history with log indices.

Command-line input is parsed and canonicalised before it is signed (a USCC to upper case, a prefix to lower
case), so a bad value is refused with its identifier's own code (``identifiers.uscc.check_character``,
``identifiers.did.key``, as the registry entry's parser gives), and a lower-case USCC names the same
organisation, as it does in ``GET /registry/orgs/{uscc}``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.commands.common import add_installation_options, settings_of
from api.errors import CliError
from api.keyfile import read_key_file, write_key_file
from api.logservice import open_log
from api.registryview import organisation_json
from api.submission import open_pipeline
from identifiers.did import parse_did_key
from identifiers.parse import Prefix, parse_prefix
from identifiers.registry_ops import RegistryOperation, Role
from identifiers.uscc import parse_uscc
from passport.registry import sign_registry_entry

Sub = Any


def register(sub: Sub) -> None:
    """Add ``keys`` and ``org``."""
    keys = sub.add_parser("keys", help="signing keys (Ed25519, did:key)")
    kc = keys.add_subparsers(dest="keys_command", required=True, metavar="KEYS_COMMAND")
    p = kc.add_parser("new", help="make a key file (mode 0600); prints its did:key on the last line")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.set_defaults(run=run_keys_new)

    org = sub.add_parser("org", help="the registry: organisations, their roles, prefixes and keys")
    oc = org.add_subparsers(dest="org_command", required=True, metavar="ORG_COMMAND")

    def entry(name: str, text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = oc.add_parser(name, help=text)
        add_installation_options(p)
        p.add_argument("--signer", type=Path, help="the key file to sign with (default: the registrar's key)")
        return p

    p = entry("register", "register an organisation")
    p.add_argument("--uscc", required=True)
    p.add_argument("--name", required=True, help="the legal name")
    p.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    p.add_argument("--prefix", action="append", default=[], help="88.118.8 or gs1:4712345 (repeatable)")
    p.add_argument("--key", action="append", default=[], help="a did:key (repeatable)")
    p.add_argument("--did-web", help="the organisation's did:web, if it has one")
    p.set_defaults(run=run_register)

    for name, text, fn in (
        ("add-prefix", "bind identifier prefixes", run_add_prefix),
        ("remove-prefix", "unbind identifier prefixes", run_remove_prefix),
    ):
        p = entry(name, text)
        p.add_argument("uscc")
        p.add_argument("prefixes", nargs="+", metavar="PREFIX")
        p.set_defaults(run=fn)

    p = entry("add-key", "add signing keys")
    p.add_argument("uscc")
    p.add_argument("keys", nargs="+", metavar="DID_KEY")
    p.set_defaults(run=run_add_key)

    p = entry("rotate-key", "add a new key and revoke an old one at one log index")
    p.add_argument("uscc")
    p.add_argument("--new", required=True, metavar="DID_KEY")
    p.add_argument("--old", required=True, metavar="DID_KEY")
    p.set_defaults(run=run_rotate_key)

    p = entry("revoke-key", "revoke a key (the registrar, or the organisation with another of its keys)")
    p.add_argument("uscc")
    p.add_argument("key", metavar="DID_KEY")
    p.add_argument("--reason")
    p.set_defaults(run=run_revoke_key)

    for name, text, fn in (
        ("suspend", "suspend an organisation: none of its keys may sign", run_suspend),
        ("reinstate", "lift a suspension", run_reinstate),
        ("blacklist", "blacklist a certification body", run_blacklist),
    ):
        p = entry(name, text)
        p.add_argument("uscc")
        p.add_argument("--reason")
        p.set_defaults(run=fn)

    p = entry(
        "rotate-registrar",
        "make another key the registrar's, signed by the current one (then sign with --signer NEWFILE, "
        "or put the new key file in place of registrar.key)",
    )
    p.add_argument("--new-key", type=Path, required=True, metavar="FILE", help="the new registrar key file")
    p.set_defaults(run=run_rotate_registrar)

    p = oc.add_parser("show", help="an organisation's state and history, with log indices (JSON)")
    add_installation_options(p)
    p.add_argument("uscc")
    p.set_defaults(run=run_show)


def run_keys_new(args: argparse.Namespace) -> int:
    did = write_key_file(args.out, Ed25519PrivateKey.generate())
    print(f"key file: {args.out}")
    print(did)
    return 0


def _key(did: str) -> bytes:
    return parse_did_key(did).public_key


def _uscc(text: str) -> str:
    return parse_uscc(text).canonical


def _prefixes(texts: list[str]) -> list[Prefix]:
    return [parse_prefix(text) for text in texts]


def _submit(args: argparse.Namespace, op: RegistryOperation) -> int:
    settings = settings_of(args)
    signer = read_key_file(args.signer if args.signer is not None else settings.registrar_key_path)
    document = sign_registry_entry(op, signer)
    log = open_log(settings)
    outcome = open_pipeline(log).submit([document.raw])[0]
    if outcome.index is None:
        raise CliError(outcome.code or "api.refused", outcome.message or "refused")
    note = " (already logged)" if outcome.duplicate else ""
    print(f"{op.action.value}: logged at index {outcome.index}{note}; credential {outcome.digest}")
    return 0


def run_register(args: argparse.Namespace) -> int:
    op = RegistryOperation.register_organisation(
        _uscc(args.uscc),
        args.name,
        args.role,
        prefixes=_prefixes(args.prefix),
        keys=[_key(k) for k in args.key],
        did_web=args.did_web,
    )
    return _submit(args, op)


def run_add_prefix(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.bind_prefixes(_uscc(args.uscc), _prefixes(args.prefixes)))


def run_remove_prefix(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.unbind_prefixes(_uscc(args.uscc), _prefixes(args.prefixes)))


def run_add_key(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.add_keys(_uscc(args.uscc), [_key(k) for k in args.keys]))


def run_rotate_key(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.rotate_key(_uscc(args.uscc), _key(args.new), _key(args.old)))


def run_revoke_key(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.revoke_key(_uscc(args.uscc), _key(args.key), args.reason))


def run_suspend(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.suspend(_uscc(args.uscc), args.reason))


def run_reinstate(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.reinstate(_uscc(args.uscc), args.reason))


def run_blacklist(args: argparse.Namespace) -> int:
    return _submit(args, RegistryOperation.blacklist(_uscc(args.uscc), args.reason))


def run_rotate_registrar(args: argparse.Namespace) -> int:
    new = read_key_file(args.new_key).public_key().public_bytes_raw()
    return _submit(args, RegistryOperation.rotate_registrar_key(new))


def run_show(args: argparse.Namespace) -> int:
    state = open_pipeline(open_log(settings_of(args))).registry_state()
    print(json.dumps(organisation_json(state.organisation(_uscc(args.uscc))), indent=2, ensure_ascii=False))
    return 0
