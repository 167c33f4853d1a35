"""Labels from logged passports: ``carbontrail label`` and ``GET /labels/{identifier}.svg|.png``; the PNG
decodes (zxing-cpp) to the product's resolver URL, the SVG prints the passport's figures and grade."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api import cli
from api.app import create_app
from api.keyfile import write_key_file
from tests.integration.api.passport_support import Chains, register_chains
from tests.integration.api.registry_support import install
from tests.unit.passport import chain_fixtures as cf

PRODUCT = "88.118.3/LFP-280Ah"


@pytest.fixture
def chains(tmp_path: Path, db_url: str) -> Chains:
    return register_chains(install(tmp_path / "home", db_url))


def compose_cell(chains: Chains, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    key = tmp_path / "maker.key"
    write_key_file(key, chains.maker)
    chains.attest()
    for name, text in (("cathode", cf.CATHODE), ("cell", cf.CELL)):
        (tmp_path / f"{name}.yaml").write_text(text)
        status = cli.main(
            ["passport", "compose", str(tmp_path / f"{name}.yaml"), "--key", str(key), "--push", *where]
        )
        assert status == 0, capsys.readouterr().err
    capsys.readouterr()
    status = cli.main(["passport", "show", PRODUCT, *where])
    shown: dict[str, object] = json.loads(capsys.readouterr().out)
    assert status == 0
    return shown


def decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return str(found[0].text)


def test_label_command_and_route(chains: Chains, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = compose_cell(chains, tmp_path, capsys)
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    png, svg = tmp_path / "cell.png", tmp_path / "cell.svg"
    base = "https://trail.example.cn"
    for out in (png, svg):
        status = cli.main(["label", PRODUCT, "--out", str(out), "--base-url", base, *where])
        assert status == 0, capsys.readouterr().err
    assert decode(png.read_bytes()) == f"{base}/id/{PRODUCT}"
    text = svg.read_text()
    figures = shown["figures"]
    assert isinstance(figures, dict)
    assert str(figures["pcfExcludingBiogenic"]) in text
    assert f"Grade {shown['grade']}" in text

    client = TestClient(create_app(settings))
    r = client.get(f"/labels/{quote(PRODUCT, safe='')}.png")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert decode(r.content) == f"http://testserver/id/{PRODUCT}"
    assert (
        client.get(f"/labels/{quote(PRODUCT, safe='')}.svg").headers["content-type"].startswith("image/svg")
    )


def test_label_refusals(chains: Chains, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = chains.inst.settings
    where = ["--db", settings.db_url, "--home", str(settings.home)]
    status = cli.main(
        ["label", PRODUCT, "--out", str(tmp_path / "x.png"), "--base-url", "https://a.cn", *where]
    )
    assert status == 2
    assert capsys.readouterr().err.startswith("carbontrail: api.not_found: ")
    status = cli.main(
        ["label", PRODUCT, "--out", str(tmp_path / "x.gif"), "--base-url", "https://a.cn", *where]
    )
    assert status == 2
    assert capsys.readouterr().err.startswith("carbontrail: cli.usage: ")
    client = TestClient(create_app(settings))
    assert client.get(f"/labels/{quote(PRODUCT, safe='')}.png").json()["code"] == "api.not_found"
    assert client.get("/labels/not-an-id.png").status_code == 400
    assert client.get(f"/labels/{quote(PRODUCT, safe='')}.gif").status_code == 404
