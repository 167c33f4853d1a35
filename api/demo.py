"""``make demo``: the log, end to end, on the embedded default (a SQLite file under ./var/demo).

Each step runs the real CLI and prints the command a user would type, so the demo doubles as a tour: create a
log, append entries, print the signed checkpoint, prove an entry with a C2SP tlog-proof@v1 receipt, verify the
receipt offline against the log's key, check consistency, export the tiles, and fsck the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sys
from pathlib import Path

import rfc8785

from api.cli import main as cli

HOME = Path("var/demo")


def run(*argv: str, show: bool = True) -> str:
    """Run one CLI command, echo it and its output, and return its standard output; exit on failure."""
    print(f"\n$ carbontrail {' '.join(argv)}")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(out):
        status = cli(list(argv))
    out.flush()
    text = raw.getvalue().decode("utf-8")
    if show:
        print(text, end="" if text.endswith("\n") or not text else "\n")
    if status != 0:
        print(f"demo: `carbontrail {' '.join(argv)}` exited {status}", file=sys.stderr)
        sys.exit(status)
    return text


def leaf_record(kind: str, subject: str, issuer: str, credential: dict[str, str | int]) -> bytes:
    """The small canonical (JCS) record a leaf holds: it commits to a credential by digest (DESIGN.md)."""
    digest = hashlib.sha256(rfc8785.dumps(credential)).hexdigest()
    record: dict[str, str | int] = {
        "v": 1,
        "kind": kind,
        "credential": f"sha256:{digest}",
        "subject": subject,
        "issuer": issuer,
        "time": "2026-11-24T10:00:00Z",
    }
    return rfc8785.dumps(record)


def main() -> int:
    """Run the demo from a fresh data directory."""
    shutil.rmtree(HOME, ignore_errors=True)
    entries_dir = HOME / "entries"
    entries_dir.mkdir(parents=True)
    home = ["--home", str(HOME)]
    print("carbontrail demo: a transparency log of footprint records (SQLite in ./var/demo)")
    vkey = run("init", *home, "--origin", "demo.carbontrail.local/log").strip().splitlines()[-1]

    products = ["88.118.8/LFP-280Ah", "88.118.8/LFP-100Ah", "88.230.5/PV-M10-550W", "88.145.2/HRC-Q235"]
    files = []
    for i, product in enumerate(products * 3):
        credential: dict[str, str | int] = {"product": product, "version": i, "pcf": str(50 + i)}
        path = entries_dir / f"entry-{i:02d}.json"
        path.write_bytes(leaf_record("attestation", product, "did:key:z6MkDemoSupplier", credential))
        files.append(str(path))
    run("log", "append", *home, *files[:5])
    run("log", "append", *home, *files[5:])
    run("log", "checkpoint", *home)
    run("log", "entry", *home, "6")
    print()

    receipt = run("log", "prove", *home, "6")
    receipt_path = HOME / "receipt-6.txt"
    receipt_path.write_text(receipt)
    run("log", "verify-receipt", str(receipt_path), "--entry", files[6], "--vkey", vkey)

    print("\nA receipt for one entry does not verify for another (exit 1 expected):")
    print(f"$ carbontrail log verify-receipt {receipt_path} --entry {files[7]} --vkey {vkey}")
    status = cli(["log", "verify-receipt", str(receipt_path), "--entry", files[7], "--vkey", vkey])
    if status != 1:
        print("demo: the tampered receipt check should have failed", file=sys.stderr)
        return 1

    run("log", "consistency", *home, "5", "12")
    run("log", "export", *home, str(HOME / "static"))
    tiles = sorted(str(p.relative_to(HOME / "static")) for p in (HOME / "static").rglob("*") if p.is_file())
    print(json.dumps(tiles, indent=1))
    run("log", "fsck", *home)
    print("\ndemo: done. The log is in ./var/demo; `carbontrail serve --home var/demo` serves it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
