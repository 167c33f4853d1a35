"""The witness's HTTP app (C2SP tlog-witness add-checkpoint) and its ``witness`` commands."""

from __future__ import annotations

import argparse
import base64
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.commands import witness as witness_commands
from api.witness_app import WitnessConfig, add_log, create_witness_app, init_witness, open_witness
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.cosignature import CosignatureVerifier, signature_timestamp
from ledger.errors import KeyFileError, KeyFormatError, StorageError
from ledger.hashing import leaf_hash, node_hash
from ledger.note import Ed25519Signer, open_note

ORIGIN = "log.example/app"
LOG = Ed25519Signer(ORIGIN, b"\x31" * 32)
WITNESS_NAME = "witness.example/app"
LEAVES = [leaf_hash(bytes([i])) for i in range(4)]
ROOT2 = node_hash(LEAVES[0], LEAVES[1])
ROOT3 = node_hash(ROOT2, LEAVES[2])
NOW = 1700000123
PROBLEM = "application/problem+json"


def _checkpoint(size: int, root: bytes, signer: Ed25519Signer = LOG) -> bytes:
    return sign_checkpoint(Checkpoint(signer.name, size, root), [signer]).to_bytes()


def _body(old: int, proof: list[bytes], size: int, root: bytes, signer: Ed25519Signer = LOG) -> bytes:
    lines = b"".join(base64.b64encode(h) + b"\n" for h in proof)
    return f"old {old}\n".encode() + lines + b"\n" + _checkpoint(size, root, signer)


@pytest.fixture
def config(tmp_path: Path) -> WitnessConfig:
    cfg = WitnessConfig(tmp_path / "witness", max_body_bytes=4096, clock=lambda: NOW)
    init_witness(cfg, WITNESS_NAME)
    assert add_log(cfg, LOG.verifier().vkey)
    return cfg


@pytest.fixture
def client(config: WitnessConfig) -> Iterator[TestClient]:
    # Exceptions that escape the app's handlers would be raised here: every refusal must be handled.
    with TestClient(create_witness_app(config)) as c:
        yield c


def _vkey(config: WitnessConfig) -> CosignatureVerifier:
    signer = open_witness(config).signers[0]
    return signer.verifier()


def _problem(response: object, status: int, code: str) -> None:
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code


def test_200_returns_cosignature_lines(client: TestClient, config: WitnessConfig) -> None:
    r = client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.content.startswith("— ".encode())
    assert r.content.endswith(b"\n")
    # Concatenated to the checkpoint, the lines open as a note under the witness's key, stamped NOW.
    opened = open_note(_checkpoint(2, ROOT2) + r.content, [_vkey(config)])
    assert [s.name for s in opened.verified] == [WITNESS_NAME]
    assert signature_timestamp(opened.verified[0].signature) == NOW
    # An extension with its consistency proof (one leaf hash from 2 to 3) is cosigned too.
    r = client.post("/add-checkpoint", content=_body(2, [LEAVES[2]], 3, ROOT3))
    assert r.status_code == 200
    assert open_witness(config).state.load(ORIGIN) == (3, ROOT3)


def test_409_stale_old_size_carries_recorded_size(client: TestClient) -> None:
    assert client.post("/add-checkpoint", content=_body(0, [], 3, ROOT3)).status_code == 200
    r = client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2))
    assert r.status_code == 409
    assert r.headers["content-type"] == "text/x.tlog.size"  # exactly, with no charset parameter
    assert r.content == b"3\n"


def test_409_fork_at_recorded_size_is_never_cosigned(client: TestClient, config: WitnessConfig) -> None:
    assert client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2)).status_code == 200
    r = client.post("/add-checkpoint", content=_body(2, [], 2, b"\x0f" * 32))
    assert (r.status_code, r.content, r.headers["content-type"]) == (409, b"2\n", "text/x.tlog.size")
    assert open_witness(config).state.load(ORIGIN) == (2, ROOT2)


@pytest.mark.parametrize(
    "body",
    [b"", b"old 01\n\n", b"new 1\n\n", b"old 1\nAAAA\n\n", b"old 1\n\nnot a checkpoint\n"],
    ids=["empty", "leading-zero", "keyword", "short-hash", "no-checkpoint"],
)
def test_400_malformed(client: TestClient, body: bytes) -> None:
    _problem(client.post("/add-checkpoint", content=body), 400, "ledger.witness")


def test_400_old_size_past_checkpoint(client: TestClient) -> None:
    _problem(client.post("/add-checkpoint", content=_body(3, [], 2, ROOT2)), 400, "ledger.witness")


def test_403_not_signed_by_trusted_key(client: TestClient, config: WitnessConfig) -> None:
    impostor = Ed25519Signer(ORIGIN, b"\x32" * 32)
    _problem(client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2, impostor)), 403, "ledger.witness")
    assert open_witness(config).state.load(ORIGIN) is None


def test_404_unknown_origin(client: TestClient) -> None:
    other = Ed25519Signer("other.example/log", b"\x33" * 32)
    _problem(client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2, other)), 404, "ledger.witness")


def test_422_bad_consistency_proof(client: TestClient, config: WitnessConfig) -> None:
    assert client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2)).status_code == 200
    _problem(client.post("/add-checkpoint", content=_body(2, [LEAVES[3]], 3, ROOT3)), 422, "ledger.witness")
    assert open_witness(config).state.load(ORIGIN) == (2, ROOT2)


def test_422_old_zero_with_a_proof(client: TestClient, config: WitnessConfig) -> None:
    _problem(client.post("/add-checkpoint", content=_body(0, [LEAVES[0]], 2, ROOT2)), 422, "ledger.witness")
    assert open_witness(config).state.load(ORIGIN) is None


def test_413_body_over_limit(client: TestClient, config: WitnessConfig) -> None:
    big = _body(0, [], 2, ROOT2) + b"x" * config.max_body_bytes
    _problem(client.post("/add-checkpoint", content=big), 413, "api.body_too_large")

    # Without a Content-Length (chunked), the limit holds while the body streams in.
    def chunks() -> Iterator[bytes]:
        yield _body(0, [], 2, ROOT2)
        for _ in range(8):
            yield b"y" * 1024

    _problem(client.post("/add-checkpoint", content=chunks()), 413, "api.body_too_large")
    assert open_witness(config).state.load(ORIGIN) is None


def test_405_get_add_checkpoint(client: TestClient) -> None:
    _problem(client.get("/add-checkpoint"), 405, "api.http_405")


def test_500_corrupt_state_is_problem_json(client: TestClient, config: WitnessConfig) -> None:
    assert client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2)).status_code == 200
    for record in config.state_dir.glob("*.json"):
        record.write_text("{not json")
    _problem(client.post("/add-checkpoint", content=_body(2, [], 2, ROOT2)), 500, "ledger.storage")


def test_info_lists_key_and_logs(client: TestClient, config: WitnessConfig) -> None:
    info = client.get("/").json()
    assert info["name"] == WITNESS_NAME
    assert info["vkeys"] == [_vkey(config).vkey]
    assert info["logs"] == [{"origin": ORIGIN, "vkeys": [LOG.verifier().vkey], "size": None, "root": None}]
    client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2))
    [known] = client.get("/").json()["logs"]
    assert (known["size"], known["root"]) == (2, base64.b64encode(ROOT2).decode())


def test_add_log_takes_effect_without_restart(client: TestClient, config: WitnessConfig) -> None:
    other = Ed25519Signer("other.example/log", b"\x34" * 32)
    assert client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2, other)).status_code == 404
    assert add_log(config, other.verifier().vkey)
    assert not add_log(config, other.verifier().vkey)  # already trusted: unchanged
    assert client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2, other)).status_code == 200
    assert {log["origin"] for log in client.get("/").json()["logs"]} == {ORIGIN, other.name}


def test_broken_log_list_refuses_work(client: TestClient, config: WitnessConfig) -> None:
    config.logs_path.write_text("log not-a-key\nquorum none\n")
    _problem(client.post("/add-checkpoint", content=_body(0, [], 2, ROOT2)), 500, "ledger.storage")


def test_init_key_is_private_and_init_is_idempotent(config: WitnessConfig) -> None:
    assert stat.S_IMODE(config.key_path.stat().st_mode) == 0o600
    vkey = _vkey(config).vkey
    assert init_witness(config, WITNESS_NAME) == vkey
    with pytest.raises(KeyFileError) as e:
        init_witness(config, "another.example/w")
    assert e.value.code == "ledger.key_file"


def test_add_log_refuses_a_witness_key_and_an_uninitialised_home(
    config: WitnessConfig, tmp_path: Path
) -> None:
    with pytest.raises(KeyFormatError) as e:
        add_log(config, _vkey(config).vkey)  # a cosignature/v1 key cannot sign checkpoints
    assert e.value.code == "ledger.key_format"
    with pytest.raises(StorageError) as s:
        add_log(WitnessConfig(tmp_path / "nowhere"), LOG.verifier().vkey)
    assert s.value.code == "ledger.storage"


def test_app_refuses_a_home_without_a_witness(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as e:
        create_witness_app(WitnessConfig(tmp_path / "empty"))
    assert e.value.code == "ledger.key_file"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carbontrail")
    witness_commands.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    status: int = args.run(args)
    return status


def test_commands_init_and_add_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "w")
    assert _run(["witness", "init", "--home", home, "--name", "witness.example/cli"]) == 0
    vkey = capsys.readouterr().out.splitlines()[-1]
    assert CosignatureVerifier.from_vkey(vkey).name == "witness.example/cli"
    assert stat.S_IMODE((tmp_path / "w" / "witness.key").stat().st_mode) == 0o600
    assert _run(["witness", "add-log", "--home", home, LOG.verifier().vkey]) == 0
    assert capsys.readouterr().out == f"added: {ORIGIN}\n"
    assert _run(["witness", "add-log", "--home", home, LOG.verifier().vkey]) == 0
    assert capsys.readouterr().out == f"already trusted: {ORIGIN}\n"
    witness = open_witness(WitnessConfig(tmp_path / "w"))
    assert list(witness.logs) == [ORIGIN]


def test_commands_need_a_home(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.errors import CliError

    monkeypatch.delenv(witness_commands.HOME_ENV, raising=False)
    with pytest.raises(CliError) as e:
        _run(["witness", "add-log", LOG.verifier().vkey])
    assert e.value.code == "cli.usage"


def test_serve_parses_host_and_port() -> None:
    args = _parser().parse_args(["witness", "serve", "--home", "h", "--port", "9001"])
    assert (args.host, args.port, args.run) == ("127.0.0.1", 9001, witness_commands.run_serve)
