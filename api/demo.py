"""``make demo``: the whole story on the embedded default (SQLite), from nothing to a scanned label.

Each step runs the real CLI and prints the command a user would type, so the demo doubles as a tour. A log and
a witness (served over HTTP on a local port, as ``carbontrail witness serve`` would); the registrar registers
the enterprises of a battery, a PV and a steel chain (api/demo_chains.py) and a database publisher, who logs
the background dataset and benchmarks; each supplier signs and pushes its attestation (a certification body
endorses one; an attestation outside the supplier's prefix is refused); each manufacturer composes its
passport from the log, tier by tier, signs and pushes it; every passport gets its QR label and its full
bundle, and every bundle is verified offline under the witness policy and the registrar's key; an audit
replays the whole log. Then it prints what to open and serves the API and the passport pages on 127.0.0.1
until stopped (``--no-serve``, or ``make demo ARGS=--no-serve``, to finish instead).

Everything lands under ``var/demo/`` (``--home DIR`` for another place): ``<name>.passport.json``,
``<name>.bundle.json``, ``<name>.label.png`` and ``.svg`` per passport, ``log.vkey``, ``witness.policy`` (the
C2SP tlog-policy a verifier needs), ``registrar.key`` (the registrar's public did:key); the ledger's own data
directory (database, private keys) is ``var/demo/ledger``, the enterprises' keys ``var/demo/keys``.
"""

from __future__ import annotations

import contextlib
import io
import shlex
import shutil
import socket
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import uvicorn

from api.cli import main as cli
from api.demo_chains import CERTIFIER, FINAL, ORGS, PUBLISHER, SUPPLIED, TIERS, Org
from api.witness_app import WitnessConfig, create_witness_app
from passport.document import SignedDocument

HOME = Path("var/demo")
ORIGIN = "demo.carbontrail.local/log"
PERIOD = ("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z")


class DemoError(Exception):
    """A step that did not end as the story says it must."""


def run(*argv: str, show: bool = True, expect: int = 0) -> str:
    """Run one CLI command, echo it (and its output when ``show``), and return its standard output.

    Raises:
        DemoError: the command exited with another status than ``expect``.
    """
    if show:
        print(f"\n$ carbontrail {shlex.join(argv)}")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(out):
        status = cli(list(argv))
    out.flush()
    text = raw.getvalue().decode("utf-8")
    if show and text:
        print(text, end="" if text.endswith("\n") else "\n")
    if status != expect:
        raise DemoError(f"`carbontrail {shlex.join(argv)}` exited {status}, not {expect}")
    return text


class Progress:
    """A one-line progress bar for a step of many commands (a line per item when not on a terminal)."""

    def __init__(self, title: str, total: int) -> None:
        self.title, self.total, self.done = title, total, 0
        self.tty = sys.stdout.isatty()
        print(f"\n== {title}")

    def step(self, label: str) -> None:
        """Count one item done."""
        self.done += 1
        width = 24
        filled = width * self.done // self.total
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label}"
        if self.tty:
            end = "\n" if self.done == self.total else ""
            print(f"\r{bar[:110]:<110}", end=end, flush=True)
        else:
            print(bar)


def serve(app: object, port: int | None = None) -> tuple[uvicorn.Server, int]:
    """Serve an ASGI app on 127.0.0.1 (``port``, or a free one) in a background thread."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.02)
    return server, bound


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else (or for 0) any free port."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _register(home: list[str], keys: Path, orgs: Sequence[Org]) -> None:
    title = f"The registrar registers {len(orgs)} organisations (USCC, role, prefix, key)"
    progress = Progress(title, len(orgs))
    for org in orgs:
        did = run("keys", "new", "--out", str(keys / f"{org.name}.key"), show=False).split()[-1]
        prefix = ["--prefix", org.prefix] if org.prefix else []
        argv = ["org", "register", *home, "--uscc", org.uscc, "--name", org.legal_name, "--role", org.role]
        run(*argv, *prefix, "--key", did, show=False)
        progress.step(f"{org.uscc} {org.legal_name} ({org.role}{', ' + org.prefix if org.prefix else ''})")
    print(f"$ carbontrail org register {shlex.join(home)} --uscc .. --name .. --role .. --prefix .. --key ..")


def _attest(root: Path, home: list[str], keys: Path) -> str:
    print("\n== Suppliers sign their footprint attestations and push them")
    lithium_digest = ""
    for s in SUPPLIED:
        out = root / "attestations" / f"{s.product.replace('/', '_')}.json"
        stages = [arg for name, value in s.stages for arg in ("--stage", f"{name}={value}")]
        run(
            "attest", "--key", str(keys / f"{s.org}.key"), "--subject", s.product, "--product-name",
            s.product_name, "--declared-unit", s.unit, "--amount", s.amount, "--pcf", s.pcf, *stages,
            "--period-start", PERIOD[0], "--period-end", PERIOD[1], "--geography", s.geography,
            "--primary-data-share", s.primary_data_share, "--out", str(out),
        )  # fmt: skip
        run("push", *home, str(out))
        if s.org == "lithium":
            lithium_digest = SignedDocument.from_bytes(out.read_bytes()).digest
    print("\nA supplier cannot speak for another enterprise's products (refused, exit 2):")
    foreign = root / "attestations" / "foreign.json"
    run(
        "attest", "--key", str(keys / "lithium.key"), "--subject", "88.118.8/LFP-280Ah", "--declared-unit",
        "kilowatt hour", "--pcf", "1.0", "--stage", "manufacturing=1.0", "--period-start", PERIOD[0],
        "--period-end", PERIOD[1], "--geography", "CN-QH", "--out", str(foreign), show=False,
    )  # fmt: skip
    run("push", *home, str(foreign), expect=2)
    return lithium_digest


def _compose(root: Path, home: list[str], keys: Path, base: str) -> None:
    title = f"Manufacturers compose their passports from the log, tier by tier ({len(TIERS)})"
    progress = Progress(title, len(TIERS))
    specs = root / "specs"
    specs.mkdir()
    for tier in TIERS:
        spec = specs / f"{tier.name}.yaml"
        spec.write_text(tier.spec, encoding="utf-8")
        argv = ["passport", "compose", str(spec), "--key", str(keys / f"{tier.org}.key"), "--push"]
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            signed = run(*argv, "--resolver", base, *home, show=False)
        (root / f"{tier.name}.passport.json").write_text(signed, encoding="utf-8")
        progress.step(f"{tier.product}: {stderr.getvalue().strip().splitlines()[-1]}")
    print(
        f"$ carbontrail passport compose {specs}/<name>.yaml --key {keys}/<org>.key --push {shlex.join(home)}"
    )
    print("  (each line's share by stage was printed by compose; the pack's passport as the log holds it:)")
    pack = next(t for t in TIERS if t.name == "lfp-pack")
    run("passport", "show", pack.product, *home)


def main(argv: list[str] | None = None) -> int:
    """Run the demo from a fresh directory (``--home DIR``, default ./var/demo); ``--no-serve`` to finish
    instead of serving; ``--port N`` (default 8000, or a free port if it is taken)."""
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[args.index("--home") + 1]) if "--home" in args else HOME
    port = free_port(int(args[args.index("--port") + 1]) if "--port" in args else 8000)
    try:
        return _story(root, port, serve_after="--no-serve" not in args)
    except DemoError as e:
        print(f"demo: {e}", file=sys.stderr)
        return 1


def _story(root: Path, port: int, *, serve_after: bool) -> int:
    shutil.rmtree(root, ignore_errors=True)
    ledger, keys = root / "ledger", root / "keys"
    for d in (root, keys, root / "attestations"):
        d.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    home = ["--home", str(ledger)]
    print(f"carbontrail demo: a footprint transparency ledger on SQLite in {root}")

    print("\n== A log and a witness")
    vkey = run("init", *home, "--origin", ORIGIN).strip().splitlines()[-1]
    (root / "log.vkey").write_text(vkey + "\n")
    witness_home = root / "witness"
    wkey = run("witness", "init", "--home", str(witness_home), "--name", "witness.demo.local")
    wkey = wkey.strip().splitlines()[-1]
    run("witness", "add-log", "--home", str(witness_home), vkey)
    witness, witness_port = serve(create_witness_app(WitnessConfig(witness_home)))
    url = f"http://127.0.0.1:{witness_port}"
    policy = f"log {vkey}\nwitness demo-witness {wkey} {url}\nquorum demo-witness\n"
    (ledger / "policy").write_text(policy)
    (root / "witness.policy").write_text(policy)
    print(
        f"The log's policy names the witness serving at {url} (a copy for verifiers: {root}/witness.policy)"
    )
    from api.logservice import open_log, registrar_did
    from api.settings import Settings

    settings = Settings.from_env(home=str(ledger))
    (root / "registrar.key").write_text(registrar_did(open_log(settings)) + "\n")

    _register(home, keys, [*ORGS, PUBLISHER, CERTIFIER])
    print("\n== The database publisher logs the background dataset and benchmarks (illustrative, docs/)")
    run("factors", "publish", *home, "--key", str(keys / "publisher.key"), "--publisher", PUBLISHER.uscc)
    lithium = _attest(root, home, keys)
    print("\n== A certification body endorses the lithium supplier's attestation")
    run("endorse", *home, lithium, "--key", str(keys / "certifier.key"), "--level", "reasonable")
    _compose(root, home, keys, base)

    progress = Progress("Labels, bundles, and an offline verification of every passport", len(TIERS))
    for tier in TIERS:
        stem = root / tier.name
        for suffix in ("png", "svg"):
            run(
                "label",
                tier.product,
                "--out",
                f"{stem}.label.{suffix}",
                "--base-url",
                base,
                *home,
                show=False,
            )
        run("bundle", tier.product, "--full", "--out", f"{stem}.bundle.json", *home, show=False)
        checks = ["--policy", str(root / "witness.policy"), "--registrar", str(root / "registrar.key")]
        run("verify", f"{stem}.bundle.json", *checks, show=False)
        progress.step(f"{tier.product}: label, bundle, verified")
    final = next(t for t in TIERS if t.name == "lfp-pack")
    checks = ["--policy", str(root / "witness.policy"), "--registrar", str(root / "registrar.key")]
    run("verify", str(root / f"{final.name}.bundle.json"), *checks)

    print("\n== An auditor replays the whole log: every tile, root, checkpoint, credential and signer")
    run("audit", "--db", settings.db_url, "--vkey", vkey, "--registrar", str(root / "registrar.key"))
    run("log", "checkpoint", *home)

    print(f"\ndemo: every passport verified. Everything is in {root}/:")
    for tier in TIERS:
        print(f"  {tier.name}.passport.json  .bundle.json  .label.png  .label.svg   ({tier.product})")
    print("  log.vkey  witness.policy  registrar.key   (what a verifier needs)")
    print("\nVerify a bundle yourself, offline:")
    print(f"  .venv/bin/carbontrail verify {root}/lfp-pack.bundle.json --policy {root}/witness.policy \\")
    print(f"      --registrar {root}/registrar.key")
    if not serve_after:
        witness.should_exit = True
        return 0
    from api.app import create_app

    server, _ = serve(create_app(settings), port)
    print("\nOpen (the API and the passport pages are served until you press Ctrl-C):")
    for name in FINAL:
        tier = next(t for t in TIERS if t.name == name)
        print(f"  {base}/products/{quote(tier.product, safe='')}/page   ({tier.product})")
    print(f"  {base}/id/{final.product}   (what the pack's QR label holds: the resolver)")
    print(f"  {base}/docs   (the API, OpenAPI)")
    try:
        while not server.should_exit:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\ndemo: stopped")
    server.should_exit = witness.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
