"""`make demo` runs the whole story end to end (a fresh directory, a real witness over HTTP) and exits 0 with
every passport verified, leaving the files issue 7 lists under its home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api import demo
from api.demo_chains import TIERS


def test_demo_runs_the_whole_story(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "demo"
    assert demo.main(["--home", str(home), "--no-serve", "--port", "0"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    # A supplier's attestation for another enterprise's product is refused with its code.
    assert "carbontrail: registry.prefix_not_held: " in captured.err
    assert "demo: every passport verified" in out
    for name in ("log.vkey", "witness.policy", "registrar.key"):
        assert (home / name).stat().st_size > 0, name
    assert (home / "registrar.key").read_text().startswith("did:key:z6Mk")
    assert (home / "witness.policy").read_text().startswith("log ")
    for tier in TIERS:
        passport = json.loads((home / f"{tier.name}.passport.json").read_text())
        assert passport["credentialSubject"]["product"]["registeredId"] == tier.product
        bundle = json.loads((home / f"{tier.name}.bundle.json").read_text())
        assert (bundle["scope"], bundle["product"]) == ("full", tier.product)
        assert (home / f"{tier.name}.label.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (home / f"{tier.name}.label.svg").read_bytes()
    assert "Open (" not in out  # --no-serve finishes instead of serving
