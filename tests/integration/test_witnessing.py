"""Log and witnesses together, over real sockets (C2SP tlog-witness add-checkpoint, tlog-policy quorums).

A log (api.logservice) and two carbontrail witnesses (api.witness_app, each under uvicorn in a thread, with
its own home), the log's policy naming both with a quorum of two: appends are cosigned by both, receipts
verify under the policy, a witness that was down or that is ahead of what the log knows catches up, a fork
of the log is refused and never cosigned, and an unreachable witness costs cosignatures, not appends.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from api import logservice
from api.settings import Settings
from api.witness_app import WitnessConfig, add_log, create_witness_app, init_witness, open_witness
from api.witnessing import cosign_latest
from ledger import keys
from ledger.errors import QuorumError
from ledger.note import parse_note
from ledger.policy import Policy, parse_policy
from ledger.receipt import parse_receipt, verify_receipt

ORIGIN = "log.example/carbontrail"


def _bind(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@dataclass
class RunningWitness:
    """A witness app served by uvicorn in a background thread; stop and start it again on the same port."""

    config: WitnessConfig
    vkey: str
    port: int = 0
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock = _bind(self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_witness_app(self.config), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive(), "the witness server died while starting"
            assert time.monotonic() < deadline, "the witness server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        assert self.server is not None
        assert self.thread is not None
        self.server.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        self.server = self.thread = None

    def recorded(self) -> tuple[int, bytes] | None:
        return open_witness(self.config).state.load(ORIGIN)


@dataclass
class World:
    tmp: Path
    settings: Settings
    log_vkey: str
    a: RunningWitness
    b: RunningWitness

    def write_policy(self, settings: Settings, b_url: str | None = None) -> Policy:
        text = (
            f"log {self.log_vkey}\n"
            f"witness a {self.a.vkey} {self.a.url}\n"
            f"witness b {self.b.vkey} {b_url or self.b.url}\n"
            "group both 2 a b\n"
            "quorum both\n"
        )
        settings.policy_path.write_text(text)
        return parse_policy(text.encode())

    def open(self, settings: Settings | None = None) -> logservice.Log:
        return logservice.open_log(settings or self.settings)


def _settings(home: Path) -> Settings:
    return Settings(home=home, db_url=f"sqlite:///{home / 'carbontrail.db'}")


def _witness(home: Path, name: str, log_vkey: str) -> RunningWitness:
    config = WitnessConfig(home)
    vkey = init_witness(config, name)
    add_log(config, log_vkey)
    running = RunningWitness(config, vkey)
    running.start()
    return running


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = _settings(tmp_path / "log")
    log_vkey = logservice.init_log(settings, ORIGIN)
    a = _witness(tmp_path / "witness-a", "witness.example/a", log_vkey)
    b = _witness(tmp_path / "witness-b", "witness.example/b", log_vkey)
    w = World(tmp_path, settings, log_vkey, a, b)
    w.write_policy(settings)
    try:
        yield w
    finally:
        for running in (a, b):
            if running.server is not None:
                running.stop()


@dataclass
class PostSpy:
    """Records (url, status) of every add-checkpoint the log sends, passing each to the real httpx.post."""

    calls: list[tuple[str, int]] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = httpx.post

        def post(url: str, **kwargs: object) -> httpx.Response:
            response = real(url, **kwargs)  # type: ignore[arg-type]  # forwards the log's own keyword args
            self.calls.append((url, response.status_code))
            return response

        monkeypatch.setattr(httpx, "post", post)

    def statuses(self, witness: RunningWitness) -> list[int]:
        return [status for url, status in self.calls if url.startswith(witness.url)]


def _append(log: logservice.Log, *entries: bytes) -> list[int]:
    results = logservice.append(log, list(entries))
    indexes = [r.index for r in results]
    assert None not in indexes
    return [i for i in indexes if i is not None]


def _cosigners(log: logservice.Log, policy: Policy, size: int | None = None) -> frozenset[str]:
    stored = log.store.checkpoint(size) if size is not None else log.store.latest_checkpoint()
    assert stored is not None
    return policy.cosigners(parse_note(stored.cosigned_note))


def test_both_witnesses_cosign_and_receipts_verify(world: World) -> None:
    policy = parse_policy(world.settings.policy_path.read_bytes())
    log = world.open()
    entries = [f"entry {i}".encode() for i in range(7)]
    assert _append(log, *entries[:3]) == [0, 1, 2]
    assert _append(log, *entries[3:]) == [3, 4, 5, 6]
    latest = log.store.latest_checkpoint()
    assert latest is not None
    assert latest.size == 7
    assert len(latest.cosignatures) == 2
    assert policy.require_quorum(parse_note(latest.cosigned_note)) == {"a", "b"}
    for index, entry in enumerate(entries):
        verified = verify_receipt(parse_receipt(logservice.receipt(log, index)), entry, None, policy)
        assert verified.index == index
        assert verified.witnesses == {"a", "b"}
        assert verified.checkpoint.size == 7
    # The earlier checkpoint was cosigned too, and each witness now records the latest tree.
    assert _cosigners(log, policy, 3) == {"a", "b"}
    assert world.a.recorded() == world.b.recorded() == (7, latest.root)
    # The witness's GET / tells the same story.
    info = httpx.get(world.a.url + "/").json()
    assert info["logs"] == [
        {
            "origin": ORIGIN,
            "vkeys": [world.log_vkey],
            "size": 7,
            "root": base64.b64encode(latest.root).decode(),
        }
    ]


def test_witness_down_for_some_appends_catches_up(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = parse_policy(world.settings.policy_path.read_bytes())
    log = world.open()
    _append(log, b"a", b"b")
    world.b.stop()
    _append(log, b"c")
    _append(log, b"d", b"e")
    # While b was down only a cosigned: the quorum of two is not met for those checkpoints.
    assert _cosigners(log, policy) == {"a"}
    assert _cosigners(log, policy, 3) == {"a"}
    with pytest.raises(QuorumError) as e:
        verify_receipt(parse_receipt(logservice.receipt(log, 4)), b"e", None, policy)
    assert e.value.code == "ledger.quorum"
    assert world.b.recorded() == (2, log.store.root(2))
    # Back up on the same URL, b is asked from the size it last cosigned (2) with a proof to the new size.
    world.b.start()
    spy = PostSpy()
    spy.install(monkeypatch)
    _append(log, b"f")
    assert spy.statuses(world.b) == [200]
    assert _cosigners(log, policy) == {"a", "b"}
    verified = verify_receipt(parse_receipt(logservice.receipt(log, 4)), b"e", None, policy)
    assert verified.witnesses == {"a", "b"}
    assert world.b.recorded() == world.a.recorded() == (6, log.store.root(6))


def test_witness_ahead_of_the_log_answers_409_and_the_log_retries(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = parse_policy(world.settings.policy_path.read_bytes())
    log = world.open()
    _append(log, b"1", b"2", b"3")
    world.b.stop()
    _append(log, b"4", b"5")  # size 5: only a cosigned; the log believes b last cosigned size 3
    world.b.start()
    # Someone else (a monitor, or the log in a request whose answer was lost) brings b to size 5.
    proof = log.store.consistency_proof(3, 5)
    body = (
        b"old 3\n"
        + b"".join(base64.b64encode(h) + b"\n" for h in proof)
        + b"\n"
        + log.store.checkpoint(5).note
    )
    assert httpx.post(world.b.url + "/add-checkpoint", content=body).status_code == 200
    assert _cosigners(log, policy, 5) == {"a"}  # that cosignature never reached the log
    # The log asks b from size 3; b answers 409 with its recorded size 5, and the log retries from there.
    stale = httpx.post(world.b.url + "/add-checkpoint", content=body)
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "text/x.tlog.size"
    assert stale.content == b"5\n"
    spy = PostSpy()
    spy.install(monkeypatch)
    _append(log, b"6")
    assert spy.statuses(world.b) == [409, 200]
    assert spy.statuses(world.a) == [200]
    assert _cosigners(log, policy) == {"a", "b"}
    assert world.b.recorded() == (6, log.store.root(6))


def _fork(world: World, name: str) -> logservice.Log:
    """A second database for the same origin and key, with the same policy: a split view of the log."""
    settings = _settings(world.tmp / name)
    settings.home.mkdir()
    keys.write_private_key(settings.log_key_path, keys.read_private_key(world.settings.log_key_path))
    world.write_policy(settings)
    assert logservice.init_log(settings, ORIGIN) == world.log_vkey
    return world.open(settings)


def test_fork_of_the_same_size_is_refused_with_409(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = parse_policy(world.settings.policy_path.read_bytes())
    log = world.open()
    _append(log, b"genuine 0", b"genuine 1", b"genuine 2")
    genuine = (3, log.store.root(3))
    fork = _fork(world, "fork")
    spy = PostSpy()
    spy.install(monkeypatch)
    _append(fork, b"forged 0", b"forged 1", b"forged 2")
    forged = fork.store.latest_checkpoint()
    assert forged is not None
    assert forged.size == 3
    assert forged.root != genuine[1]
    # Each witness: 409 to old 0 (it recorded 3), then 409 again at its own size (same size, other root).
    assert spy.statuses(world.a) == [409, 409]
    assert spy.statuses(world.b) == [409, 409]
    assert "witness a: the witness cosigned another tree of size 3: a fork" in capsys.readouterr().err
    assert forged.cosignatures == ()
    assert world.a.recorded() == world.b.recorded() == genuine
    # Asked directly, the answer is the spec's: 409, the recorded size, text/x.tlog.size.
    r = httpx.post(world.a.url + "/add-checkpoint", content=b"old 3\n\n" + forged.note)
    assert (r.status_code, r.headers["content-type"], r.content) == (409, "text/x.tlog.size", b"3\n")
    # The forged checkpoint fails the policy; the genuine log goes on being cosigned.
    with pytest.raises(QuorumError):
        verify_receipt(parse_receipt(logservice.receipt(fork, 0)), b"forged 0", None, policy)
    _append(log, b"genuine 3")
    assert _cosigners(log, policy) == {"a", "b"}


def test_fork_that_grows_past_the_witness_is_refused_with_422(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = world.open()
    _append(log, b"genuine 0", b"genuine 1")
    genuine = (2, log.store.root(2))
    fork = _fork(world, "fork-long")
    spy = PostSpy()
    spy.install(monkeypatch)
    _append(fork, b"forged 0", b"forged 1", b"forged 2", b"forged 3", b"forged 4")
    # 409 to old 0 (recorded 2), then the fork's own proof from 2 does not reach the witness's root: 422.
    assert spy.statuses(world.a) == [409, 422]
    assert spy.statuses(world.b) == [409, 422]
    forged = fork.store.latest_checkpoint()
    assert forged is not None
    assert forged.cosignatures == ()
    assert world.a.recorded() == world.b.recorded() == genuine


def test_unreachable_witness_costs_cosignatures_not_appends(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with _bind() as sock:
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed when the block ends: nothing listens
    policy = world.write_policy(world.settings, b_url=dead)
    log = world.open()
    assert _append(log, b"x", b"y") == [0, 1]
    assert "witness b: unreachable" in capsys.readouterr().err
    latest = log.store.latest_checkpoint()
    assert latest is not None
    assert latest.size == 2
    assert _cosigners(log, policy) == {"a"}
    receipt = parse_receipt(logservice.receipt(log, 1))
    with pytest.raises(QuorumError) as e:
        verify_receipt(receipt, b"y", None, policy)
    assert e.value.code == "ledger.quorum"
    # Under a policy that asks for any one of the two, the same receipt verifies.
    one_of_two = Policy.from_keys(world.log_vkey, [world.a.vkey, world.b.vkey], 1)
    assert verify_receipt(receipt, b"y", None, one_of_two).witnesses == {"witness.example/a"}


def test_bad_witness_url_costs_cosignatures_not_appends(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = world.write_policy(world.settings, b_url="http://127.0.0.1:port")  # httpx: InvalidURL
    log = world.open()
    assert _append(log, b"x") == [0]
    assert "witness b: unreachable" in capsys.readouterr().err
    assert _cosigners(log, policy) == {"a"}


def test_rekeyed_witness_is_asked_again(world: World) -> None:
    # A witness that keeps its name but changes its key must be asked again: an old line is not a cosignature.
    log = world.open()
    _append(log, b"p", b"q")
    rekeyed = _witness(world.tmp / "witness-a2", "witness.example/a", world.log_vkey)
    try:
        world.a.stop()
        world.a = rekeyed
        policy = world.write_policy(world.settings)
        log = world.open()
        [a_outcome, b_outcome] = cosign_latest(log)
        assert (a_outcome.name, a_outcome.cosigned, a_outcome.detail) == ("a", True, "cosigned")
        assert (b_outcome.cosigned, b_outcome.detail) == (True, "already cosigned")
        assert _cosigners(log, policy) == {"a", "b"}
        latest = log.store.latest_checkpoint()
        assert latest is not None
        assert len(latest.cosignatures) == 3  # the old key's line is kept; the policy ignores it
    finally:
        rekeyed.stop()
