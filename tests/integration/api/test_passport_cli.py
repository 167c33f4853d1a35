"""``carbontrail passport compose`` and ``passport show`` (api/commands/passport.py) on a local log, SQLite
and PostgreSQL: the signed passport on standard output and the breakdown table on standard error,
``--push`` logs it, ``--aggregated`` discloses totals only, ``show`` gives the latest with its grade and
index; a refusal is one line with its code, exit 2, nothing logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api import cli
from api.keyfile import write_key_file
from passport.document import SignedDocument
from passport.dpp import parse_passport
from tests.integration.api.attestation_support import snapshot
from tests.integration.api.passport_support import Chains, register_chains
from tests.integration.api.registry_support import install
from tests.unit.passport import chain_fixtures as cf


@pytest.fixture
def chains(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Chains:
    return register_chains(install(tmp_path / "home", db_url))


def run(
    chains: Chains, capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str
) -> tuple[int, str, str]:
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    status = cli.main([*argv, *where])
    out, err = capsys.readouterr()
    return status, out, err


def test_compose_push_and_show(chains: Chains, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    key = tmp_path / "maker.key"
    write_key_file(key, chains.maker)
    (tmp_path / "cathode.yaml").write_text(cf.CATHODE)
    (tmp_path / "cell.yaml").write_text(cf.CELL)
    chains.attest()
    before = snapshot(chains.inst.log)
    status, out, err = run(chains, capsys, tmp_path, "passport", "compose", str(tmp_path / "cathode.yaml"),
                           "--key", str(key))  # fmt: skip
    assert status == 0, err
    assert snapshot(chains.inst.log) == before  # without --push nothing is logged
    passport, _ = parse_passport(SignedDocument.from_bytes(out.encode()))
    assert str(passport.pcf) == "3.946"
    table = err.splitlines()
    assert table[0].split() == [
        "ref",
        "kind",
        "rawMaterialAcquisition",
        "manufacturing",
        "total",
        "share",
        "%",
    ]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["li2co3"][1:] == ["component", "2.160", "0.720", "2.880", "73.0"]
    assert rows["total"][1:] == ["2.164", "1.782", "3.946", "100.0"]

    status, out, err = run(chains, capsys, tmp_path, "passport", "compose", str(tmp_path / "cathode.yaml"),
                           "--key", str(key), "--push")  # fmt: skip
    assert status == 0, err
    assert "passport: logged at index" in err
    status, out, err = run(chains, capsys, tmp_path, "passport", "compose", str(tmp_path / "cell.yaml"),
                           "--key", str(key), "--push", "--aggregated")  # fmt: skip
    assert status == 0, err
    cell = SignedDocument.from_bytes(out.encode())
    assert json.loads(out)["credentialSubject"]["disclosure"] == "aggregated"

    status, out, err = run(chains, capsys, tmp_path, "passport", "show", "88.118.3/LFP-280Ah")
    assert status == 0, err
    shown = json.loads(out)
    assert (shown["credential"], shown["grade"], shown["status"]) == (cell.digest, "A", "valid")
    assert shown["index"] == chains.inst.log.store.size() - 1


def test_refusals_are_one_line_and_log_nothing(
    chains: Chains, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = tmp_path / "intruder.key"
    write_key_file(key, chains.intruder)
    (tmp_path / "cathode.yaml").write_text(cf.CATHODE)
    chains.attest()
    before = snapshot(chains.inst.log)
    status, _, err = run(chains, capsys, tmp_path, "passport", "compose", str(tmp_path / "cathode.yaml"),
                         "--key", str(key), "--push")  # fmt: skip
    assert (status, err.split(":")[1].strip()) == (1, "registry.prefix_not_held")
    maker = tmp_path / "maker.key"
    write_key_file(maker, chains.maker)
    (tmp_path / "cell.yaml").write_text(cf.CELL)
    status, _, err = run(chains, capsys, tmp_path, "passport", "compose", str(tmp_path / "cell.yaml"),
                         "--key", str(maker), "--push")  # fmt: skip
    assert (status, err.split(":")[1].strip()) == (2, "compose.unknown_component")
    assert "cathode" in err
    assert snapshot(chains.inst.log) == before
    status, _, err = run(chains, capsys, tmp_path, "passport", "show", "88.118.3/LFP-280Ah")
    assert (status, err.split(":")[1].strip()) == (2, "api.not_found")
