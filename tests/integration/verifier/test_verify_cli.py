"""``carbontrail verify`` (api/commands/verify.py) and ``POST /verify`` (api/routes/verify.py) on a real
three-tier battery bundle: the tree and the checkpoint printed, exit 0/1/2, ``--json``, ``--require-full``,
an ID built from the local database; the HTTP report under the server's own anchors or the request's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.commands import verify as verify_cmd
from api.errors import CliError
from api.logservice import registrar_did
from api.routes import verify as verify_routes
from identifiers.multikey import did_key_from_public_key
from tests.integration.api.passport_support import register_chains
from tests.integration.api.registry_support import install, new_key, pub
from tests.integration.verifier.test_tamper import PACK, Battery
from verifier.bundle import bundle_from_json, dump_bundle


@pytest.fixture
def battery(tmp_path: Path, sqlite_db: str) -> Battery:
    return Battery(register_chains(install(tmp_path / "home", sqlite_db)))


def cli(argv: list[str]) -> int:
    """Run ``carbontrail verify`` as the CLI's main does (api/cli.py is not changed by this module)."""
    parser = argparse.ArgumentParser()
    verify_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["verify", *argv])
    try:
        return int(args.run(args))
    except CliError as e:
        return e.exit_code


def write(battery: Battery, path: Path, *, full: bool = True, tamper: bool = False) -> Path:
    bundle = battery.bundle(full=full)
    if tamper:
        digest = battery.lithium.digest
        bundle["credentials"][digest] = bundle["credentials"][digest].replace('"12.00"', '"10.00"', 1)
    path.write_bytes(dump_bundle(bundle_from_json(bundle)))
    return path


def anchors(battery: Battery) -> list[str]:
    settings = battery.chains.inst.settings
    return ["--policy", str(settings.policy_path), "--registrar", registrar_did(battery.chains.inst.log)]


def test_the_cli_prints_the_tree_and_exits_by_the_checks(
    battery: Battery, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = write(battery, tmp_path / "full.json")
    assert cli([str(full), *anchors(battery), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert cli([str(full), *anchors(battery)]) == 0
    out = capsys.readouterr().out
    assert "judged by registry.test/log checkpoint, size" in out
    assert "passport 88.118.4/PACK-14kWh" in out
    assert "\n      attestation 88.118.1/LI2CO3-BG" in out  # three tiers down
    assert out.rstrip().splitlines()[-1].startswith("PASSED")
    public = write(battery, tmp_path / "public.json", full=False)
    assert cli([str(public), *anchors(battery)]) == 0
    assert cli([str(public), *anchors(battery), "--require-full"]) == 1
    capsys.readouterr()
    bad = write(battery, tmp_path / "bad.json", tamper=True)
    assert cli([str(bad), *anchors(battery), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["counts"]["failed"] >= 1
    assert cli([str(bad), *anchors(battery)]) == 1
    assert "! digest: verify.digest" in capsys.readouterr().out


def test_the_cli_refuses_bad_input_with_2(battery: Battery, tmp_path: Path) -> None:
    notabundle = tmp_path / "x.json"
    notabundle.write_text('{"type": "something else"}')
    assert cli([str(notabundle), *anchors(battery)]) == 2
    full = write(battery, tmp_path / "full.json")
    assert cli([str(full), "--policy", str(tmp_path / "none"), "--registrar", anchors(battery)[3]]) == 2
    assert cli([str(full), anchors(battery)[0], anchors(battery)[1], "--registrar", "did:key:nope"]) == 2
    assert cli([str(full), *anchors(battery), "--jobs", "0"]) == 2


def test_the_cli_builds_the_bundle_of_an_id_from_the_database(
    battery: Battery, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = battery.chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    assert cli([PACK, "--full", "--require-full", *anchors(battery), *where]) == 0
    assert cli([PACK, "--require-full", *anchors(battery), *where]) == 1
    assert "public bundle" in capsys.readouterr().out


def test_post_verify_returns_the_report(battery: Battery) -> None:
    app = create_app(battery.chains.inst.settings)
    if not any(getattr(r, "path", None) == "/verify" for r in app.routes):
        app.include_router(verify_routes.router)
    client = TestClient(app)
    full = dump_bundle(bundle_from_json(battery.bundle()))
    r = client.post("/verify", content=full, headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json()["ok"] is True
    assert r.json()["tree"]["credential"] == battery.pack.digest
    stranger = did_key_from_public_key(pub(new_key()))
    r = client.post("/verify", content=full, params={"registrar": stranger})
    assert r.status_code == 200
    assert r.json()["ok"] is False
    public = dump_bundle(bundle_from_json(battery.bundle(full=False)))
    r = client.post("/verify", content=public, params={"require_full": "true"})
    assert (r.status_code, r.json()["ok"]) == (200, False)
    r = client.post("/verify", content=b'{"type": "carbontrail-bundle/v1"}')
    assert (r.status_code, r.json()["code"]) == (400, "verify.bundle")
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/verify", content=full, params={"registrar": "did:key:nope"})
    assert (r.status_code, r.json()["code"]) == (400, "verify.anchor")
