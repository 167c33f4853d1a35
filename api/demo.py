"""``make demo``: the story so far, end to end, on the embedded default (a SQLite file under ./var/demo).

Each step runs the real CLI and prints the command a user would type, so the demo doubles as a tour: create a
log and a witness (served over HTTP on a local port, as ``carbontrail witness serve`` would); the registrar
registers a supplier and a database publisher; the publisher logs the background dataset; the supplier signs
and pushes a footprint attestation (and is refused for a product outside its prefix); the log's cosigned
checkpoint, a C2SP tlog-proof@v1 receipt for the attestation's record, verified offline under the log's
policy; consistency, the tlog-tiles export, the organisation's registry history, and fsck.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn

from api.cli import main as cli
from api.witness_app import WitnessConfig, create_witness_app

HOME = Path("var/demo")


def run(*argv: str, show: bool = True) -> str:
    """Run one CLI command, echo it and its output, and return its standard output; exit on failure."""
    print(f"\n$ carbontrail {shlex.join(argv)}")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(out):
        status = cli(list(argv))
    out.flush()
    text = raw.getvalue().decode("utf-8")
    if show:
        print(text, end="" if text.endswith("\n") or not text else "\n")
    if status != 0:
        print(f"demo: `carbontrail {shlex.join(argv)}` exited {status}", file=sys.stderr)
        sys.exit(status)
    return text


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


def main(argv: list[str] | None = None) -> int:
    """Run the demo from a fresh data directory (``--home DIR``, default ./var/demo)."""
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[args.index("--home") + 1]) if "--home" in args else HOME
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    home = ["--home", str(root)]
    print(f"carbontrail demo: a footprint transparency log on SQLite in {root}")
    vkey = run("init", *home, "--origin", "demo.carbontrail.local/log").strip().splitlines()[-1]

    witness_home = root / "witness"
    wkey = run("witness", "init", "--home", str(witness_home), "--name", "witness.demo.local")
    wkey = wkey.strip().splitlines()[-1]
    run("witness", "add-log", "--home", str(witness_home), vkey)
    server, url = start_witness(witness_home)
    policy = root / "policy"
    policy.write_text(f"log {vkey}\nwitness demo-witness {wkey} {url}\nquorum demo-witness\n")
    print(f"\nThe log's policy ({policy}) now names the witness serving at {url}:")
    print(policy.read_text(), end="")

    print("\n== The registrar registers a cell maker (prefix 88.118.8) and a database publisher")
    cells_key, publisher_key = root / "cells.key", root / "publisher.key"
    cells_did = run("keys", "new", "--out", str(cells_key)).split()[-1]
    publisher_did = run("keys", "new", "--out", str(publisher_key)).split()[-1]
    cells, publisher = uscc("91320500MA1N8XXX0"), uscc("12100000400012345")
    run(
        "org",
        "register",
        *home,
        "--uscc",
        cells,
        "--name",
        "Jiangsu Demo Cell Co., Ltd.",
        "--role",
        "supplier",
        "--prefix",
        "88.118.8",
        "--key",
        cells_did,
    )
    run(
        "org",
        "register",
        *home,
        "--uscc",
        publisher,
        "--name",
        "Demo Carbon Data Centre",
        "--role",
        "database-publisher",
        "--key",
        publisher_did,
    )

    print("\n== The publisher logs the background dataset and benchmarks (illustrative, see docs/)")
    run("factors", "publish", *home, "--key", str(publisher_key), "--publisher", publisher)

    print("\n== The cell maker signs a footprint attestation for its LFP cell and pushes it")
    attestation = root / "lfp-280ah.attestation.json"
    run(
        "attest",
        "--key",
        str(cells_key),
        "--subject",
        "88.118.8/LFP-280Ah",
        "--product-name",
        "LFP prismatic cell 280 Ah",
        "--declared-unit",
        "kilowatt hour",
        "--pcf",
        "62.4",
        "--stage",
        "rawMaterialAcquisition=40.1",
        "--stage",
        "manufacturing=19.3",
        "--stage",
        "distribution=3.0",
        "--boundary",
        "cradle-to-gate",
        "--period-start",
        "2025-01-01T00:00:00Z",
        "--period-end",
        "2026-01-01T00:00:00Z",
        "--geography",
        "CN-JS",
        "--primary-data-share",
        "70",
        "--out",
        str(attestation),
    )
    pushed = run("push", *home, str(attestation))
    logged = re.search(r"logged at index (\d+)", pushed)
    if logged is None:
        print("demo: the attestation was not logged", file=sys.stderr)
        return 1
    index = logged.group(1)

    print("\nA cell maker cannot speak for another enterprise's products (exit 2 expected):")
    foreign = root / "foreign.attestation.json"
    run(
        "attest",
        "--key",
        str(cells_key),
        "--subject",
        "88.230.5/PV-M10-550W",
        "--declared-unit",
        "kilogram",
        "--pcf",
        "1.0",
        "--stage",
        "manufacturing=1.0",
        "--boundary",
        "cradle-to-gate",
        "--period-start",
        "2025-01-01T00:00:00Z",
        "--period-end",
        "2026-01-01T00:00:00Z",
        "--geography",
        "CN-JS",
        "--out",
        str(foreign),
        show=False,
    )
    print(f"$ carbontrail push --home {root} {foreign}")
    if cli(["push", *home, str(foreign)]) != 2:
        print("demo: the foreign attestation should have been refused", file=sys.stderr)
        return 1

    print("\n== What the log holds, and an offline proof of it")
    run("log", "checkpoint", *home)
    record = root / f"record-{index}.json"
    record.write_text(run("log", "entry", *home, index))
    receipt_path = root / f"receipt-{index}.txt"
    receipt_path.write_text(run("log", "prove", *home, index))
    run("log", "verify-receipt", str(receipt_path), "--entry", str(record), "--policy", str(policy))

    print("\nA receipt for one entry does not verify for another (exit 1 expected):")
    other = root / "record-0.json"
    other.write_text(run("log", "entry", *home, "0", show=False))
    print(f"$ carbontrail log verify-receipt {receipt_path} --entry {other} --policy {policy}")
    if cli(["log", "verify-receipt", str(receipt_path), "--entry", str(other), "--policy", str(policy)]) != 1:
        print("demo: the mismatched receipt check should have failed", file=sys.stderr)
        return 1
    print("\nNor under a policy that wants a witness that did not cosign (exit 1 expected):")
    other_home = str(root / "other-witness")
    other_key = run("witness", "init", "--home", other_home, "--name", "other.local", show=False).split()[-1]
    print(f"$ carbontrail log verify-receipt {receipt_path} --entry {record} --vkey {vkey} \\")
    print(f"      --witness {other_key}")
    status = cli(
        [
            "log",
            "verify-receipt",
            str(receipt_path),
            "--entry",
            str(record),
            "--vkey",
            vkey,
            "--witness",
            other_key,
        ]
    )
    if status != 1:
        print("demo: a receipt without the required cosignature should have failed", file=sys.stderr)
        return 1

    size = int(run("log", "checkpoint", *home, show=False).splitlines()[1])
    run("log", "consistency", *home, "1", str(size))
    run("log", "export", *home, str(root / "static"))
    run("org", "show", *home, cells)
    run("log", "fsck", *home)
    server.should_exit = True
    print(f"\ndemo: done. All is in {root}; `carbontrail serve --home {root}` serves the log and the API.")
    return 0


def uscc(body: str) -> str:
    """A valid Unified Social Credit Code: ``body`` (17 characters) and its GB 32100-2015 check character."""
    from identifiers.uscc import uscc_check_character

    return body + uscc_check_character(body)


if __name__ == "__main__":
    sys.exit(main())
