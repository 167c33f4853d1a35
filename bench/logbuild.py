"""Building benchmark logs through the real sequencer, in a child process that does nothing else.

``python -m bench.logbuild DB SKEY SIZE BATCH`` creates a log in the SQLite file DB, signs its checkpoints
with the key it writes to SKEY, appends SIZE entries of :data:`ENTRY_SIZE` bytes in batches of BATCH through
:class:`ledger.storage.sequencer.Sequencer`, and prints one JSON line: the build's seconds, its RSS right
after importing everything, and its peak RSS at the end.

The peak is the kernel's high-water mark of the child's own address space (``VmHWM`` in
``/proc/self/status``, reset by ``exec``). Not ``ru_maxrss``: on Linux a child's ``ru_maxrss`` (and so the
parent's ``RUSAGE_CHILDREN``) starts from the parent's RSS at ``fork`` and survives ``exec``, so a child of a
large parent reports the parent's size. The parent (:func:`built_log`) still reads the child's ``ru_maxrss``
through ``wait4`` and reports it alongside.

Entry ``i`` is its 8-byte big-endian index followed by fixed padding: unique, cheap to make, the same for
every log and for pymerkle's tree, and never all held in memory at once.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.harness import Workspace

ENTRY_SIZE = 1024
"""Bytes per benchmark entry (1 KiB, as the targets state)."""

ORIGIN = "bench.carbontrail.example/log"
"""The benchmark logs' origin."""

_PAD = bytes(range(256)) * (ENTRY_SIZE // 256)


def entry(i: int) -> bytes:
    """Benchmark entry ``i``: 1 KiB, unique by its index prefix."""
    return i.to_bytes(8, "big") + _PAD[: ENTRY_SIZE - 8]


def entries(start: int, stop: int) -> list[bytes]:
    """Benchmark entries ``start`` .. ``stop - 1``."""
    return [entry(i) for i in range(start, stop)]


@dataclass(frozen=True)
class BuiltLog:
    """A log built by the child: where it is, its log key, and what building it cost."""

    path: Path
    skey_path: Path
    size: int
    batch: int
    seconds: float
    rss_after_import_kib: int
    peak_rss_kib: int
    ru_maxrss_kib: int


def built_log(ws: Workspace, size: int, batch: int = 1_000) -> BuiltLog:
    """Return the workspace's log of ``size`` entries, building it in a child process the first time.

    Raises:
        RuntimeError: the child failed.
    """
    cached = ws.logs.get(size)
    if cached is not None:
        return cached
    path = ws.root / f"log-{size}.db"
    skey_path = ws.root / f"log-{size}.skey"
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "bench.logbuild", str(path), str(skey_path), str(size), str(batch)]
    print(f"  building a {size:,}-entry log in a child process ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    # wait4 gives this one child's resource usage (RUSAGE_CHILDREN is the maximum over all children).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"building the {size}-entry log failed (exit {proc.returncode})")
    report = json.loads(out)
    log = BuiltLog(
        path=path,
        skey_path=skey_path,
        size=size,
        batch=batch,
        seconds=float(report["seconds"]),
        rss_after_import_kib=int(report["rss_after_import_kib"]),
        peak_rss_kib=int(report["peak_rss_kib"]),
        ru_maxrss_kib=int(usage.ru_maxrss),
    )
    print(f"  built in {log.seconds:.1f} s of appends ({wall:.1f} s with start-up)", file=sys.stderr)
    ws.logs[size] = log
    return log


def _status_kib(field: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` (Linux); elsewhere the process's ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _child(db: str, skey_path: str, size: int, batch: int) -> None:
    # Import everything the appends use before taking the baseline.
    from ledger import checkpoint as cp
    from ledger import keys
    from ledger.storage.sequencer import Sequencer
    from ledger.storage.store import LogStore

    after_import = _status_kib("VmRSS")
    skey, _ = keys.generate_log_key(ORIGIN)
    keys.write_private_key(Path(skey_path), skey)
    signer = keys.load_signer(skey)

    def sign(tree_size: int, root: bytes) -> bytes:
        return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, tree_size, root), [signer]).to_bytes()

    store = LogStore.create(db, ORIGIN)
    seq = Sequencer(store, sign)
    start = time.perf_counter()
    for first in range(0, size, batch):
        results = seq.append(entries(first, min(size, first + batch)))
        if results[-1].index != min(size, first + batch) - 1:
            raise RuntimeError(f"batch at {first} was sequenced out of order")
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM")
    store.engine.dispose()
    print(json.dumps({"seconds": seconds, "rss_after_import_kib": after_import, "peak_rss_kib": peak}))


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
