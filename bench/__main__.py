"""``python -m bench [--quick] [--dir DIR] [NAME ...]``: run the benchmarks and print one table.

Benchmarks run in the order appends, memory, proofs, receipts, credentials, pipeline, passports, labels,
audit, resolver, verify (the memory benchmark builds the 1,000,000-entry log that the proof benchmark then
reuses), in a temporary directory removed at the end. Exit status: 0 when every target is met, 1 when one is
not, 2 on an error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import (
    appends,
    audit,
    credentials,
    labels,
    memory,
    passports,
    pipeline,
    proofs,
    receipts,
    resolver,
    verify,
)
from bench.harness import BenchResult, Sizes, Workspace, format_table

BENCHES: dict[str, Callable[[Workspace], BenchResult]] = {
    appends.NAME: appends.run,
    memory.NAME: memory.run,
    proofs.NAME: proofs.run,
    receipts.NAME: receipts.run,
    credentials.NAME: credentials.run,
    pipeline.NAME: pipeline.run,
    passports.NAME: passports.run,
    labels.NAME: labels.run,
    audit.NAME: audit.run,
    resolver.NAME: resolver.run,
    verify.NAME: verify.run,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default), print the table, and return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of: {', '.join(BENCHES)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the code runs, no more")
    parser.add_argument("--dir", type=Path, default=None, help="where to make the temporary directory")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    chosen = [n for n in BENCHES if not args.names or n in args.names]
    sizes = Sizes.quick() if args.quick else Sizes.full()
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory(prefix="carbontrail-bench-", dir=args.dir) as tmp:
        ws = Workspace(Path(tmp), sizes, args.quick)
        for name in chosen:
            print(f"{name} ...", file=sys.stderr, flush=True)
            start = time.perf_counter()
            results.append(BENCHES[name](ws))
            print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    print(format_table(results))
    failed = [r.bench for r in results if not r.passed]
    print()
    print(f"FAIL: {', '.join(failed)}" if failed else "PASS: every target met")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # any crash is an error, told apart from a missed target by its status
        print(f"bench: error: {type(e).__name__}: {e}", file=sys.stderr)
        import traceback

        traceback.print_exc()
        sys.exit(2)
