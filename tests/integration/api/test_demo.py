"""`make demo` runs end to end (a fresh data directory, a real witness over HTTP) and exits 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import demo


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "demo"
    assert demo.main(["--home", str(home)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "OK: entry 7 is in demo.carbontrail.local/log at size 8; cosigned by: demo-witness" in out
    # The attestation for another enterprise's product is refused, with its code, and logs nothing.
    assert "carbontrail: registry.prefix_not_held: " in captured.err
    assert (home / "static" / "checkpoint").read_bytes().startswith(b"demo.carbontrail.local/log\n8\n")
    assert "OK: 8 entries" in out
