"""``make demo``: the log, end to end, on the embedded default (a SQLite file under ./var/demo).

Each step runs the real CLI and prints the command a user would type, so the demo doubles as a tour: create a
log and a witness (served over HTTP on a local port, as ``carbontrail witness serve`` would), append entries,
print the cosigned checkpoint, prove an entry with a C2SP tlog-proof@v1 receipt, verify the receipt offline
under the log's policy (the witness must have cosigned), check consistency, export the tiles, and fsck.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import rfc8785
import uvicorn

from api.cli import main as cli
from api.witness_app import WitnessConfig, create_witness_app

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


def start_witness(home: Path) -> tuple[uvicorn.Server, str]:
    """Serve the witness in ``home`` on a free local port, in a background thread; return it and its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_witness_app(WitnessConfig(home)), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def main() -> int:
    """Run the demo from a fresh data directory."""
    shutil.rmtree(HOME, ignore_errors=True)
    entries_dir = HOME / "entries"
    entries_dir.mkdir(parents=True)
    home = ["--home", str(HOME)]
    print("carbontrail demo: a transparency log of footprint records (SQLite in ./var/demo)")
    vkey = run("init", *home, "--origin", "demo.carbontrail.local/log").strip().splitlines()[-1]

    witness_home = HOME / "witness"
    wkey = run("witness", "init", "--home", str(witness_home), "--name", "witness.demo.local")
    wkey = wkey.strip().splitlines()[-1]
    run("witness", "add-log", "--home", str(witness_home), vkey)
    server, url = start_witness(witness_home)
    policy = HOME / "policy"
    policy.write_text(f"log {vkey}\nwitness demo-witness {wkey} {url}\nquorum demo-witness\n")
    print(f"\nThe log's policy ({policy}) now names the witness serving at {url}:")
    print(policy.read_text(), end="")

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
    run("log", "verify-receipt", str(receipt_path), "--entry", files[6], "--policy", str(policy))

    print("\nA receipt for one entry does not verify for another (exit 1 expected):")
    print(f"$ carbontrail log verify-receipt {receipt_path} --entry {files[7]} --policy {policy}")
    status = cli(["log", "verify-receipt", str(receipt_path), "--entry", files[7], "--policy", str(policy)])
    if status != 1:
        print("demo: the tampered receipt check should have failed", file=sys.stderr)
        return 1
    print("\nNor does it verify under a policy that wants a witness that did not cosign (exit 1 expected):")
    other_home = str(HOME / "other-witness")
    other_key = run("witness", "init", "--home", other_home, "--name", "other.local", show=False).split()[-1]
    print(f"$ carbontrail log verify-receipt {receipt_path} --entry {files[6]} --vkey {vkey} \\")
    print(f"      --witness {other_key}")
    status = cli(
        [
            "log",
            "verify-receipt",
            str(receipt_path),
            "--entry",
            files[6],
            "--vkey",
            vkey,
            "--witness",
            other_key,
        ]
    )
    if status != 1:
        print("demo: a receipt without the required cosignature should have failed", file=sys.stderr)
        return 1

    run("log", "consistency", *home, "5", "12")
    run("log", "export", *home, str(HOME / "static"))
    tiles = sorted(str(p.relative_to(HOME / "static")) for p in (HOME / "static").rglob("*") if p.is_file())
    print(json.dumps(tiles, indent=1))
    run("log", "fsck", *home)
    server.should_exit = True
    print("\ndemo: done. The log is in ./var/demo; `carbontrail serve --home var/demo` serves it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
