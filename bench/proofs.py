"""Inclusion proofs from a stored log of 1,000,000 entries: absolute speed, scaling, and against pymerkle.

Ours is :meth:`LogStore.inclusion_proof(index, size)` on a log built through the sequencer (shared with the
memory benchmark within a run), at the same random 0-based indices for both sizes, after a few warm-up
proofs; each call checks a connection out of the store's pool, as a server's request does. The reference
for the absolute target is one SHA-256 of 1 KiB, timed in the same run, so the median is also given in
those units.

pymerkle 7's ``SqliteTree.prove_inclusion(index + 1, size)`` (its indices count from one) runs on a tree of
the same entries, with its default subroot cache (up to 1 GiB): the first proof on a fresh tree object reads
and hashes every leaf and is reported apart ("cold"); the median is taken over the same indices after it.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import sys
import time

from bench.harness import BenchResult, Figure, Workspace, time_each
from bench.logbuild import BuiltLog, built_log, entries, entry

NAME = "proofs"
WARMUP = 10
PYMERKLE_CHUNK = 10_000


def _sha256_1k_seconds() -> float:
    """Median seconds of one SHA-256 over 1 KiB (the absolute target's reference operation)."""
    data = bytes(1024)
    runs = []
    for _ in range(9):
        start = time.perf_counter()
        for _ in range(2_000):
            hashlib.sha256(data).digest()
        runs.append((time.perf_counter() - start) / 2_000)
    return statistics.median(runs)


def _ours(log: BuiltLog, indices: list[int]) -> list[float]:
    from ledger import verify
    from ledger.hashing import leaf_hash
    from ledger.storage.store import LogStore

    store = LogStore.open(str(log.path))
    size = log.size
    first = indices[0]
    verify.verify_inclusion(
        leaf_hash(entry(first)), first, size, store.inclusion_proof(first, size), store.root(size)
    )
    for i in indices[:WARMUP]:
        store.inclusion_proof(i, size)
    times = time_each(lambda i: store.inclusion_proof(i, size), indices)
    store.engine.dispose()
    return times


def _theirs(ws: Workspace, log: BuiltLog, indices: list[int]) -> tuple[float, float, list[float]]:
    """Build pymerkle's tree of the same entries; return (build seconds, cold first proof, timed proofs)."""
    from pymerkle import SqliteTree

    from ledger.storage.store import LogStore

    path = ws.root / f"pymerkle-{log.size}.db"
    print(f"  building pymerkle's {log.size:,}-entry tree ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    with SqliteTree(str(path)) as tree:
        for first in range(0, log.size, PYMERKLE_CHUNK):
            tree.append_entries(entries(first, min(log.size, first + PYMERKLE_CHUNK)))
    build = time.perf_counter() - start
    tree = SqliteTree(str(path))
    size = log.size
    cold = time_each(lambda i: tree.prove_inclusion(i + 1, size), indices[:1])[0]
    times = time_each(lambda i: tree.prove_inclusion(i + 1, size), indices)
    # The same entries make the same RFC 9162 tree: both roots must agree.
    store = LogStore.open(str(log.path))
    if tree.get_root(size) != store.root(size):
        raise RuntimeError("pymerkle's root differs from ours: the trees are not the same")
    store.engine.dispose()
    tree.close()
    return build, cold, times


def run(ws: Workspace) -> BenchResult:
    """Time inclusion proofs at the small and the big size, and pymerkle's at the big size."""
    sz = ws.sizes
    small = built_log(ws, sz.proof_small)
    big = built_log(ws, sz.proof_big)
    rng = random.Random(9162)
    idx_small = [rng.randrange(small.size) for _ in range(sz.proof_samples)]
    idx_big = [rng.randrange(big.size) for _ in range(sz.proof_samples)]
    print("  timing our proofs ...", file=sys.stderr, flush=True)
    ours_small = statistics.median(_ours(small, idx_small))
    ours_big = statistics.median(_ours(big, idx_big))
    sha = _sha256_1k_seconds()
    build, cold, theirs_times = _theirs(ws, big, idx_big)
    theirs = statistics.median(theirs_times)

    result = BenchResult(NAME)
    result.figures += [
        Figure(
            name=f"median inclusion proof at {big.size:,}, absolute",
            measured=f"{ours_big * 1e3:.3f} ms = {ours_big / sha:,.0f} x SHA-256(1 KiB)",
            ratio=ours_big / 1e-3,
            ratio_of="median / 1 ms",
            op="<=",
            bound=1.0,
        ),
        Figure(
            name=f"median inclusion proof at {big.size:,} vs {small.size:,}",
            measured=f"{ours_big * 1e3:.3f} ms vs {ours_small * 1e3:.3f} ms",
            ratio=ours_big / ours_small,
            ratio_of=f"median at {big.size:,} / at {small.size:,}",
            op="<=",
            bound=2.0,
        ),
        Figure(
            name=f"median inclusion proof at {big.size:,} vs pymerkle",
            measured=f"{theirs * 1e3:.3f} ms vs {ours_big * 1e3:.3f} ms",
            ratio=theirs / ours_big,
            ratio_of="pymerkle SqliteTree / ours",
            op=">=",
            bound=20.0,
        ),
    ]
    result.notes += [
        f"{sz.proof_samples} random indices per size, {WARMUP} warm-up proofs first; "
        f"SHA-256(1 KiB) took {sha * 1e9:,.0f} ns here, so 1 ms = {1e-3 / sha:,.0f} of them",
        f"our logs were built through the sequencer in batches of {big.batch:,}: "
        f"{small.size:,} entries in {small.seconds:.1f} s, {big.size:,} in {big.seconds:.1f} s "
        f"({big.size / big.seconds:,.0f} entries/s)",
        f"pymerkle: tree built in {build:.1f} s (append_entries, {PYMERKLE_CHUNK:,} a call); "
        f"cold first proof {cold * 1e3:,.1f} ms; default subroot cache; roots agree with ours",
    ]
    return result
