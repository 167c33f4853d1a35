"""The benchmarks' shared machinery: figures and targets, timing, the workspace and the table.

Every figure is a ratio against a reference measured in the same run, because the machines the benchmarks
run on are shared and noisy; a target is a bound on that ratio. A figure with no target is informational.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.logbuild import BuiltLog

__all__ = [
    "BenchResult",
    "Figure",
    "Sizes",
    "Workspace",
    "format_table",
    "interleaved_medians",
    "time_each",
]


@dataclass(frozen=True)
class Figure:
    """One measured figure: what it is, the raw values behind it, its ratio and the bound the ratio must meet.

    ``op`` is ``"<="`` or ``">="`` (the ratio must be at most / at least ``bound``), or None for a figure
    reported for information only.
    """

    name: str
    measured: str
    ratio: float
    ratio_of: str
    op: str | None = None
    bound: float | None = None

    @property
    def passed(self) -> bool:
        """Whether the ratio meets its bound (always true for an informational figure)."""
        if self.op is None or self.bound is None:
            return True
        if self.op == "<=":
            return self.ratio <= self.bound
        if self.op == ">=":
            return self.ratio >= self.bound
        raise ValueError(f"unknown comparison {self.op!r}")

    @property
    def target(self) -> str:
        """The target as printed, e.g. ``<= 2``, or ``info``."""
        if self.op is None or self.bound is None:
            return "info"
        return f"{self.op} {self.bound:g}"

    @property
    def verdict(self) -> str:
        """``PASS``, ``FAIL`` or ``-`` (informational)."""
        if self.op is None:
            return "-"
        return "PASS" if self.passed else "FAIL"


@dataclass
class BenchResult:
    """What one benchmark reports: its figures and notes saying how it measured them."""

    bench: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether every figure with a target met it."""
        return all(f.passed for f in self.figures)


@dataclass(frozen=True)
class Sizes:
    """The sizes one run uses; ``--quick`` shrinks them all so that a smoke test only proves the code runs."""

    append_entries: int
    append_batch: int
    append_rounds: int
    proof_small: int
    proof_big: int
    proof_samples: int
    memory_entries: int
    receipt_witnesses: tuple[int, ...]
    receipt_rounds: int
    receipt_loops: int

    @classmethod
    def full(cls) -> Sizes:
        """The sizes the targets are stated for."""
        return cls(
            append_entries=50_000,
            append_batch=1_000,
            append_rounds=3,
            proof_small=10_000,
            proof_big=1_000_000,
            proof_samples=300,
            memory_entries=1_000_000,
            receipt_witnesses=(1, 3, 5),
            receipt_rounds=15,
            receipt_loops=200,
        )

    @classmethod
    def quick(cls) -> Sizes:
        """Tiny sizes: the code paths all run, the figures mean little."""
        return cls(
            append_entries=1_000,
            append_batch=250,
            append_rounds=1,
            proof_small=300,
            proof_big=2_000,
            proof_samples=20,
            memory_entries=2_000,
            receipt_witnesses=(1, 2),
            receipt_rounds=3,
            receipt_loops=10,
        )


@dataclass
class Workspace:
    """A run's temporary directory, its sizes, and what benchmarks share within the run (built logs)."""

    root: Path
    sizes: Sizes
    quick: bool
    logs: dict[int, BuiltLog] = field(default_factory=dict)
    """Built logs by size, so one log serves every benchmark that needs it."""


def time_each(fn: Callable[[int], object], args: Sequence[int]) -> list[float]:
    """Time one call of ``fn(a)`` for each ``a`` in ``args`` (seconds each, in order)."""
    out = []
    clock = time.perf_counter
    for a in args:
        start = clock()
        fn(a)
        out.append(clock() - start)
    return out


def interleaved_medians(fns: Sequence[Callable[[], object]], rounds: int, loops: int) -> list[float]:
    """Median seconds per call of each function, timed in alternating rounds of ``loops`` calls.

    Alternating the functions round by round spreads the machine's noise over all of them alike.
    """
    per_call: list[list[float]] = [[] for _ in fns]
    clock = time.perf_counter
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = clock()
            for _ in range(loops):
                fn()
            per_call[i].append((clock() - start) / loops)
    return [statistics.median(t) for t in per_call]


def format_table(results: Sequence[BenchResult]) -> str:
    """The results as a fixed-width table, then each benchmark's notes."""
    header = ("bench", "figure", "measured", "ratio", "ratio of", "target", "result")
    rows = [header]
    for r in results:
        for f in r.figures:
            rows.append((r.bench, f.name, f.measured, f"{f.ratio:.3g}", f.ratio_of, f.target, f.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        if r.notes:
            lines.append("")
            lines.append(f"{r.bench}:")
            lines.extend(f"  {note}" for note in r.notes)
    return "\n".join(lines)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def served(code: str, args: Sequence[str], ready_path: str) -> Iterator[int]:
    """Run ``python -c code *args PORT`` (a server) in a child process on a free port, wait until
    ``GET ready_path`` answers 200, and yield the port; on exit, SIGINT (uvicorn stops serving, then Python
    exits normally) and wait, killing it after 30 s."""
    import httpx

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args, str(port)], cwd=Path(__file__).resolve().parents[1]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with status {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.1)
        yield port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
