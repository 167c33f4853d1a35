"""``carbontrail audit`` end to end on SQLite: from an export, over HTTP, from the database, resumed; and an
operator's damage (a changed entry, a dropped record, a forked log) caught with its code and index."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.cli import main
from api.settings import Settings
from ledger import keys
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.notekeys import Ed25519Signer
from tests.serving import served_app

ORIGIN = "audit.cli.test/log"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def make_home(capsys: pytest.CaptureFixture[str], home: Path, key_from: Path | None = None) -> str:
    if key_from is not None:
        home.mkdir(parents=True)
        shutil.copy2(key_from / "log.key", home / "log.key")
    status, out, _ = cli(capsys, "init", "--home", str(home), "--origin", ORIGIN)
    assert status == 0
    return out.strip().splitlines()[-1]


def append(
    capsys: pytest.CaptureFixture[str], home: Path, tmp: Path, lo: int, hi: int, tag: str = ""
) -> None:
    files = []
    for i in range(lo, hi):
        p = tmp / f"e{tag}{i}"
        p.write_bytes(f"entry {i}{tag}".encode())
        files.append(str(p))
    assert cli(capsys, "log", "append", "--home", str(home), *files)[0] == 0


def db_of(home: Path) -> str:
    return f"sqlite:///{home / 'carbontrail.db'}"


@pytest.fixture
def log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    home = tmp_path / "a"
    vkey = make_home(capsys, home)
    append(capsys, home, tmp_path, 0, 200)
    append(capsys, home, tmp_path, 200, 300)
    return home, vkey


def test_export_db_and_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], log: tuple[Path, str]
) -> None:
    home, vkey = log
    export, state = tmp_path / "export", tmp_path / "state.json"
    assert cli(capsys, "log", "export", "--home", str(home), str(export))[0] == 0
    status, out, _ = cli(capsys, "audit", "--tiles", str(export), "--vkey", vkey, "--state", str(state))
    assert status == 0
    assert out.startswith(f"OK: log {ORIGIN} size 300: 300 entries replayed from 0")
    status, out, _ = cli(capsys, "audit", "--db", db_of(home), "--policy", str(home / "policy"), "--json")
    report = json.loads(out)
    assert (status, report["ok"], report["size"], report["checkpoints"]) == (0, True, 300, 2)

    append(capsys, home, tmp_path, 300, 620)
    assert cli(capsys, "log", "export", "--home", str(home), str(export))[0] == 0
    status, out, _ = cli(capsys, "audit", "--tiles", str(export), "--vkey", vkey, "--state", str(state))
    assert status == 0
    assert "320 entries replayed from 300" in out


@pytest.fixture
def served(log: tuple[Path, str]) -> Iterator[str]:
    with served_app(create_app(Settings.from_env(home=str(log[0])))) as url:
        yield f"{url}/log"


def test_over_http(capsys: pytest.CaptureFixture[str], log: tuple[Path, str], served: str) -> None:
    status, out, _ = cli(capsys, "audit", "--tiles", served, "--vkey", log[1])
    assert status == 0, out
    assert out.startswith(f"OK: log {ORIGIN} size 300")


def damage(home: Path, sql: str) -> None:
    with sqlite3.connect(home / "carbontrail.db") as conn:
        conn.execute(sql)


def test_changed_entry_in_the_database(capsys: pytest.CaptureFixture[str], log: tuple[Path, str]) -> None:
    home, vkey = log
    damage(home, "UPDATE log_entry SET data = X'00' WHERE idx = 42")
    status, out, _ = cli(capsys, "audit", "--db", db_of(home), "--vkey", vkey)
    assert status == 1
    assert out.startswith("FAIL (2 problems)")
    assert [line.split()[:2] for line in out.splitlines()[1:]] == [["-", "audit.root"], ["42", "audit.entry"]]


def test_dropped_record(capsys: pytest.CaptureFixture[str], log: tuple[Path, str]) -> None:
    home, vkey = log
    damage(home, "DELETE FROM log_entry WHERE idx = 150")
    status, out, _ = cli(capsys, "audit", "--db", db_of(home), "--vkey", vkey, "--json")
    report = json.loads(out)
    assert status == 1
    assert [(p["code"], p["index"]) for p in report["problems"]] == [("audit.missing", 150)]


def test_forked_log(tmp_path: Path, capsys: pytest.CaptureFixture[str], log: tuple[Path, str]) -> None:
    home, vkey = log
    state = tmp_path / "state.json"
    assert cli(capsys, "audit", "--db", db_of(home), "--vkey", vkey, "--state", str(state))[0] == 0
    before = state.read_bytes()
    # A second database with the same key and origin: the same first 260 entries, then another history.
    other = tmp_path / "b"
    assert make_home(capsys, other, key_from=home) == vkey
    append(capsys, other, tmp_path, 0, 260)
    append(capsys, other, tmp_path, 260, 400, tag="x")
    assert cli(capsys, "audit", "--db", db_of(other), "--vkey", vkey)[0] == 0
    status, out, _ = cli(
        capsys, "audit", "--db", db_of(other), "--vkey", vkey, "--state", str(state), "--json"
    )
    report = json.loads(out)
    assert status == 1
    assert [(p["code"], p["index"]) for p in report["problems"]] == [("audit.fork", 260)]
    assert state.read_bytes() == before


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, log: tuple[Path, str]) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("{}")
    status, _, err = cli(capsys, "audit", "--db", db_of(log[0]), "--vkey", log[1], "--state", str(bad))
    assert status == 2
    assert err.startswith("carbontrail: audit.state: ")


def test_stored_checkpoint_of_another_history(
    capsys: pytest.CaptureFixture[str], log: tuple[Path, str]
) -> None:
    home, vkey = log
    signer = Ed25519Signer.from_skey(keys.read_private_key(home / "log.key"))
    note = sign_checkpoint(Checkpoint(ORIGIN, 200, bytes(32)), [signer]).to_bytes()
    with sqlite3.connect(home / "carbontrail.db") as conn:
        conn.execute("UPDATE checkpoint SET note = ?, root = ? WHERE size = 200", (note, bytes(32)))
    status, out, _ = cli(capsys, "audit", "--db", db_of(home), "--vkey", vkey, "--json")
    report = json.loads(out)
    assert status == 1
    assert [(p["code"], p["index"]) for p in report["problems"]] == [("audit.fork", 200)]
