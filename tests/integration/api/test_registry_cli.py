"""``carbontrail keys`` and ``carbontrail org`` end to end (api/commands/registry.py), on SQLite and
PostgreSQL: every subcommand, ``org show`` with log indices, and bad input as one line
``carbontrail: <code>: <message>`` with exit status 2 and nothing stored."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from api.cli import main
from api.keyfile import read_key_file
from api.logservice import REGISTRAR_META, Log, open_log, registrar_did
from api.registryview import organisation_json
from api.settings import Settings
from identifiers.did import parse_did_key
from tests.integration.api.registry_support import (
    CERT_BODY,
    SUPPLIER,
    did,
    replayed,
    tables,
    uscc,
    wrong_check,
)

LOGGED = re.compile(
    r"^([a-z-]+): logged at index (\d+)( \(already logged\))?; credential sha256:[0-9a-f]{64}$"
)


class Cli:
    """Runs ``carbontrail`` in-process against one installation and keeps its key files apart."""

    def __init__(self, capsys: pytest.CaptureFixture[str], home: Path, db_url: str) -> None:
        self.capsys, self.home, self.db_url = capsys, home, db_url
        self.where = ["--home", str(home), "--db", db_url]

    def run(self, *argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out = self.capsys.readouterr()
        return status, out.out, out.err

    def key(self, name: str) -> tuple[Path, str]:
        """``keys new``: the key file and the did:key printed on its last line."""
        path = self.home.parent / "keys" / f"{name}.key"
        status, out, err = self.run("keys", "new", "--out", str(path))
        assert (status, err) == (0, "")
        return path, out.strip().splitlines()[-1]

    def org(self, command: str, *args: str) -> int:
        """An ``org`` command that must be logged; returns its index."""
        status, out, err = self.run("org", command, *self.where, *args)
        assert (status, err) == (0, ""), err
        match = LOGGED.match(out.strip())
        assert match is not None, out
        return int(match.group(2))

    def fails(self, code: str, *argv: str) -> str:
        """A command that must fail with one line ``carbontrail: <code>: <message>`` and exit 2."""
        status, out, err = self.run(*argv)
        assert (status, out) == (2, ""), (argv, err)
        assert err.endswith("\n"), err
        assert err.count("\n") == 1, err
        assert err.startswith(f"carbontrail: {code}: "), err
        assert len(err) > len(f"carbontrail: {code}: \n")
        return err

    def show(self, code: str) -> dict[str, Any]:
        """``org show``'s JSON."""
        status, out, err = self.run("org", "show", *self.where, code)
        assert (status, err) == (0, ""), err
        shown: dict[str, Any] = json.loads(out)
        return shown

    def log(self) -> Log:
        """The installation's log, opened afresh (as another process would)."""
        return open_log(Settings(self.home, self.db_url))


@pytest.fixture
def cli(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(capsys, tmp_path / "home", db_url)
    status, out, _ = c.run("init", *c.where, "--origin", "cli.test/log")
    assert status == 0
    assert out.strip().splitlines()[-1].startswith("cli.test/log+")
    return c


def test_keys_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = Cli(capsys, tmp_path / "home", "unused")
    path, printed = c.key("a")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert parse_did_key(printed).canonical == printed == did(read_key_file(path))
    before = path.read_bytes()
    c.fails("ledger.key_file", "keys", "new", "--out", str(path))
    assert path.read_bytes() == before
    # Nested directories are made; another key gets another did:key.
    other, printed_other = c.key("deeper/b")
    assert other.exists()
    assert printed_other != printed


def test_every_org_command(cli: Cli) -> None:
    a1, a1_did = cli.key("a1")
    _, a2_did = cli.key("a2")
    a3, a3_did = cli.key("a3")
    _, c1_did = cli.key("c1")
    r2, r2_did = cli.key("registrar2")

    at = {}
    at["register"] = cli.org(
        "register",
        *("--uscc", SUPPLIER, "--name", "Jiangsu Example Cell Co., Ltd."),
        *("--role", "supplier", "--role", "manufacturer"),
        *("--prefix", "88.118.8", "--prefix", "gs1:4712345"),
        *("--key", a1_did, "--did-web", "did:web:cells.example.com"),
    )
    at["register-cb"] = cli.org(
        "register", "--uscc", CERT_BODY, "--name", "Verifier", "--role", "certification-body", "--key", c1_did
    )
    at["add-prefix"] = cli.org("add-prefix", SUPPLIER, "88.118.9", "88.119.1")
    at["remove-prefix"] = cli.org("remove-prefix", SUPPLIER, "88.118.8")
    at["add-key"] = cli.org("add-key", SUPPLIER, a2_did)
    at["rotate-key"] = cli.org("rotate-key", SUPPLIER, "--new", a3_did, "--old", a1_did)
    # The organisation revokes one of its own keys, signing with another.
    at["revoke-key"] = cli.org("revoke-key", SUPPLIER, a2_did, "--signer", str(a3), "--reason", "lost")
    at["suspend"] = cli.org("suspend", SUPPLIER, "--reason", "audit")
    at["reinstate"] = cli.org("reinstate", SUPPLIER)
    at["blacklist"] = cli.org("blacklist", CERT_BODY, "--reason", "falsified audits")
    at["rotate-registrar"] = cli.org("rotate-registrar", "--new-key", str(r2))
    assert list(at.values()) == list(range(11))

    before = tables(cli.log())
    cli.fails("registry.not_registrar", "org", "suspend", *cli.where, SUPPLIER)
    cli.fails(
        "registry.not_authorised", "org", "revoke-key", *cli.where, SUPPLIER, a3_did, "--signer", str(a1)
    )
    assert tables(cli.log()) == before
    at["after-rotation"] = cli.org("suspend", SUPPLIER, "--signer", str(r2))
    assert at["after-rotation"] == 11

    shown = cli.show(SUPPLIER)
    state = replayed(cli.log())
    assert shown == organisation_json(state.organisation(SUPPLIER))
    assert shown["prefixes"] == ["gs1:4712345", "88.118.9", "88.119.1"]
    assert shown["roles"] == ["supplier", "manufacturer"]
    assert shown["didWeb"] == "did:web:cells.example.com"
    assert shown["suspended"] is True
    assert [(k["key"], k["addedAt"], k["revokedAt"]) for k in shown["keys"]] == [
        (a1_did, at["register"], at["rotate-key"]),
        (a2_did, at["add-key"], at["revoke-key"]),
        (a3_did, at["rotate-key"], None),
    ]
    history = [(h["index"], h["action"], h["signer"]) for h in shown["history"]]
    registrar_did = did(read_key_file(cli.home / "registrar.key"))
    assert history == [
        (at["register"], "register-organisation", registrar_did),
        (at["add-prefix"], "bind-prefix", registrar_did),
        (at["remove-prefix"], "unbind-prefix", registrar_did),
        (at["add-key"], "add-key", registrar_did),
        (at["rotate-key"], "rotate-key", registrar_did),
        (at["revoke-key"], "revoke-key", a3_did),
        (at["suspend"], "suspend-organisation", registrar_did),
        (at["reinstate"], "reinstate-organisation", registrar_did),
        (at["after-rotation"], "suspend-organisation", r2_did),
    ]
    assert cli.show(CERT_BODY)["blacklistedAt"] == at["blacklist"]
    assert state.registrar_keys()[-1] == (at["rotate-registrar"] + 1, parse_did_key(r2_did).public_key)
    # Input is canonicalised: a lower-case USCC names the same organisation.
    assert cli.show(SUPPLIER.lower()) == shown


def _log(cli: Cli):  # type: ignore[no-untyped-def]
    return open_log(Settings(cli.home, cli.db_url))


def test_bad_input_is_one_line_exit_2_and_stores_nothing(cli: Cli) -> None:
    key_path, key_did = cli.key("a")
    cli.org("register", "--uscc", SUPPLIER, "--name", "Cells", "--role", "supplier", "--key", key_did)
    loose = cli.home.parent / "keys" / "loose.key"
    loose.write_bytes(key_path.read_bytes())
    loose.chmod(0o644)
    before = tables(cli.log())
    register = ("org", "register", *cli.where, "--name", "X", "--role", "supplier")
    for code, argv in [
        ("identifiers.uscc.check_character", (*register, "--uscc", wrong_check(uscc(3)))),
        ("identifiers.uscc.length", (*register, "--uscc", "91320000MA123")),
        ("identifiers.uscc.check_character", ("org", "add-key", *cli.where, wrong_check(SUPPLIER), key_did)),
        ("identifiers.uscc.check_character", ("org", "show", *cli.where, wrong_check(SUPPLIER))),
        ("identifiers.did.key", (*register, "--uscc", uscc(3), "--key", "did:key:z6Mkbad")),
        ("identifiers.did.key", ("org", "add-key", *cli.where, SUPPLIER, "did:web:example.com")),
        ("identifiers.did.key", ("org", "revoke-key", *cli.where, SUPPLIER, key_did + "#x")),
        ("identifiers.handle.prefix_character", ("org", "add-prefix", *cli.where, SUPPLIER, "88.118.8!")),
        ("identifiers.gs1.company_prefix", ("org", "add-prefix", *cli.where, SUPPLIER, "gs1:47")),
        ("ledger.key_file", (*register, "--uscc", uscc(3), "--signer", str(cli.home / "missing.key"))),
        ("ledger.key_file", (*register, "--uscc", uscc(3), "--signer", str(loose))),
        ("ledger.key_file", ("org", "rotate-registrar", *cli.where, "--new-key", str(cli.home / "nope"))),
        ("registry.unknown_org", ("org", "show", *cli.where, uscc(3))),
        ("registry.unknown_org", ("org", "suspend", *cli.where, uscc(3))),
        ("registry.org_exists", (*register, "--uscc", SUPPLIER)),
        ("registry.key_in_use", ("org", "add-key", *cli.where, SUPPLIER, key_did)),
    ]:
        cli.fails(code, *argv)
        assert tables(cli.log()) == before, argv
    # A role outside the list is argparse's usage error: exit 2 too.
    with pytest.raises(SystemExit) as usage:
        cli.run(*register, "--uscc", uscc(3), "--role", "regulator")
    assert usage.value.code == 2
    assert "invalid choice: 'regulator'" in cli.capsys.readouterr().err
    assert tables(cli.log()) == before
    # Prefixes are canonicalised (case-insensitive ASCII), so an upper-case one binds the same prefix.
    cli.org("add-prefix", SUPPLIER, "88.118.X")
    assert cli.show(SUPPLIER)["prefixes"] == ["88.118.x"]


def test_init_creates_and_records_the_registrar_key(cli: Cli) -> None:
    path = cli.home / "registrar.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    genesis = did(read_key_file(path))
    log = cli.log()
    assert log.store.meta(REGISTRAR_META) == genesis == registrar_did(log)
    before = path.read_bytes()
    status, _, err = cli.run("init", *cli.where, "--origin", "cli.test/log")
    assert (status, err) == (0, "")
    assert path.read_bytes() == before
    # Another key in registrar.key is not this log's registrar: init refuses it, and the log keeps its anchor.
    path.unlink()
    cli.key("other")[0].rename(path)
    cli.fails("ledger.storage", "init", *cli.where, "--origin", "cli.test/log")
    assert cli.log().registrar_genesis == parse_did_key(genesis).public_key


def test_init_after_the_registrar_key_is_rotated_or_missing(cli: Cli) -> None:
    """``org rotate-registrar`` says the new key file may take the place of registrar.key; init must still
    accept the installation then. Without any registrar.key, init refuses and writes no new key."""
    path = cli.home / "registrar.key"
    new, new_did = cli.key("registrar2")
    cli.org("rotate-registrar", "--new-key", str(new))
    path.rename(cli.home.parent / "registrar.old")
    new.rename(path)
    status, _, err = cli.run("init", *cli.where, "--origin", "cli.test/log")
    assert (status, err) == (0, "")
    assert cli.org("register", "--uscc", SUPPLIER, "--name", "Cells", "--role", "supplier") == 1
    assert cli.show(SUPPLIER)["history"][0]["signer"] == new_did

    path.unlink()
    cli.fails("ledger.storage", "init", *cli.where, "--origin", "cli.test/log")
    assert not path.exists()
