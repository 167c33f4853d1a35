"""Peak memory of a process appending 1,000,000 entries through the sequencer.

A child process (:mod:`bench.logbuild`) imports everything, notes its RSS, then appends the entries in
batches of 1,000, notes its peak RSS (the kernel's high-water mark of its own address space, ``VmHWM``) and
exits. The figure is that peak against the 200 MB target (MB = 10^6 bytes), and, for information, against
the child's RSS right after its imports. ``ru_maxrss`` is shown in the notes only: on Linux it carries the
parent's RSS over ``fork`` and ``exec`` (see :mod:`bench.logbuild`). The log built is the one the proof
benchmark reuses.
"""

from __future__ import annotations

from bench.harness import BenchResult, Figure, Workspace
from bench.logbuild import ENTRY_SIZE, built_log

NAME = "memory"
TARGET_BYTES = 200 * 10**6


def run(ws: Workspace) -> BenchResult:
    """Build (or reuse, if this run built it already) the log and report its builder's peak RSS."""
    log = built_log(ws, ws.sizes.memory_entries)
    peak = log.peak_rss_kib * 1024
    base = log.rss_after_import_kib * 1024
    result = BenchResult(NAME)
    result.figures += [
        Figure(
            name=f"peak RSS appending {log.size:,} x {ENTRY_SIZE} B",
            measured=f"{peak / 1e6:.1f} MB",
            ratio=peak / TARGET_BYTES,
            ratio_of="peak / 200 MB",
            op="<=",
            bound=1.0,
        ),
        Figure(
            name="peak RSS against RSS after imports",
            measured=f"{peak / 1e6:.1f} MB vs {base / 1e6:.1f} MB",
            ratio=peak / base,
            ratio_of="peak / after imports",
        ),
    ]
    result.notes.append(
        f"child appended in batches of {log.batch:,} in {log.seconds:.1f} s "
        f"({log.size / log.seconds:,.0f} entries/s); peak = VmHWM of the child; its ru_maxrss from wait4 "
        f"says {log.ru_maxrss_kib * 1024 / 1e6:.1f} MB, which on Linux includes the parent's RSS at fork"
    )
    return result
