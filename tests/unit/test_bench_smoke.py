"""Smoke test of ``python -m bench``: each benchmark runs at tiny sizes (``--quick``); no timing is judged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench.harness import BenchResult, Figure, format_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", list(bench_main.BENCHES))
def test_each_bench_runs_quick(name: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--dir", str(tmp_path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # 0: every target met, 1: a target missed (tiny sizes and a busy machine say nothing); 2 is a crash.
    assert proc.returncode in (0, 1), proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith(name + " ")]
    assert rows, proc.stdout
    assert all(line.rstrip().endswith(("PASS", "FAIL", "-")) for line in rows)
    # The temporary directory is removed at the end.
    assert list(tmp_path.iterdir()) == []


def test_unknown_bench_is_refused() -> None:
    with pytest.raises(SystemExit) as info:
        bench_main.main(["no-such-bench"])
    assert info.value.code == 2


def test_figure_targets_and_table() -> None:
    at_least = Figure("f", "m", 1.0, "a / b", ">=", 1.0)
    at_most = Figure("g", "m", 1.5, "a / b", "<=", 1.3)
    info = Figure("h", "m", 9.0, "a / b")
    assert (at_least.passed, at_most.passed, info.passed) == (True, False, True)
    assert (at_least.verdict, at_most.verdict, info.verdict) == ("PASS", "FAIL", "-")
    result = BenchResult("demo", [at_least, at_most, info], ["a note"])
    assert not result.passed
    table = format_table([result])
    assert "FAIL" in table
    assert "a note" in table
