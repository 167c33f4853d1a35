"""The witness as a program: C2SP tlog-witness (c2sp.org/tlog-witness, "HTTP Interface", "add-checkpoint").

A separate FastAPI app in front of the pure state machine :mod:`ledger.witness`. The witness keeps its own
key, configuration and state under its own home directory, apart from any log's:

* ``witness.key``: its cosignature/v1 signer key (C2SP tlog-cosignature, ``PRIVATE+KEY+...``), mode 0600;
* ``logs``: the logs it witnesses, as a C2SP tlog-policy file of ``log <vkey>`` lines (a log's origin is its
  key's name) and ``quorum none``; re-read when it changes, so ``add-log`` needs no restart;
* ``state/``: the size and root it last cosigned per origin (:class:`ledger.witness_state.FileWitnessState`).

``POST /add-checkpoint`` answers 200 with the cosignature lines (``text/plain; charset=utf-8``), 409 with the
recorded size as ``text/x.tlog.size`` (the spec's body, not problem+json), and the spec's other refusals
(400, 403, 404, 422) and a body over the size limit (413) as RFC 9457 problem+json. ``GET /`` gives the
witness's verifier key and the logs it knows.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api import problems
from api.errors import error_code, http_status
from ledger import keys
from ledger.cosignature import CosignatureSigner
from ledger.errors import KeyFileError, LedgerError, PolicyError, StorageError, WitnessConflictError
from ledger.note import Ed25519Verifier, Verifier
from ledger.policy import NONE, Policy, PolicyLog, format_policy, parse_policy
from ledger.witness import Witness
from ledger.witness_state import FileWitnessState

__all__ = [
    "COSIGNATURE_MEDIA_TYPE",
    "DEFAULT_MAX_BODY_BYTES",
    "KnownLog",
    "LogsFile",
    "WitnessConfig",
    "WitnessInfo",
    "add_log",
    "create_witness_app",
    "init_witness",
    "open_witness",
]

DEFAULT_MAX_BODY_BYTES = 64 * 1024
"""Largest add-checkpoint body accepted: an old size line, at most 63 proof lines (45 bytes each), and a
checkpoint with room for many signatures and extension lines; anything larger is refused with 413."""

COSIGNATURE_MEDIA_TYPE = "text/plain; charset=utf-8"
"""Content-Type of a 200 add-checkpoint answer: note signature lines."""

_LOGS_HEADER = (
    "# The logs this witness cosigns for (C2SP tlog-policy syntax; a log's origin is its key name).\n"
    "# Add one with `carbontrail witness add-log --home DIR VKEY`.\n"
)

log = logging.getLogger("carbontrail.witness")


def _now() -> int:
    return int(time.time())


@dataclass(frozen=True)
class WitnessConfig:
    """One witness installation: its home directory, request size limit and clock (POSIX seconds)."""

    home: Path
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Callable[[], int] = field(default=_now, compare=False)

    @property
    def key_path(self) -> Path:
        """The witness's cosignature/v1 signer key, mode 0600."""
        return self.home / "witness.key"

    @property
    def logs_path(self) -> Path:
        """The tlog-policy file naming the logs the witness cosigns for."""
        return self.home / "logs"

    @property
    def state_dir(self) -> Path:
        """Where the last cosigned (size, root) of each origin is kept."""
        return self.home / "state"


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror}") from e


def init_witness(config: WitnessConfig, name: str) -> str:
    """Create the witness's home (0700), key (0600), empty log list and state; return its verifier key.

    Idempotent for the same name: an existing key and log list are kept.

    Raises:
        KeyFormatError: ``name`` is not a valid key name.
        KeyFileError: the home already holds the key of a witness with another name, or it cannot be written.
    """
    config.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if config.key_path.exists():
        signer = CosignatureSigner.from_skey(keys.read_private_key(config.key_path))
        if signer.name != name:
            raise KeyFileError(f"{config.key_path} is the key of witness {signer.name!r}, not {name!r}")
    else:
        skey, _ = keys.generate_witness_key(name)
        keys.write_private_key(config.key_path, skey)
        signer = CosignatureSigner.from_skey(skey)
    if not config.logs_path.exists():
        _write_atomically(config.logs_path, (_LOGS_HEADER + f"quorum {NONE}\n").encode("utf-8"))
    FileWitnessState(config.state_dir)
    return signer.verifier().vkey


def _read_logs(path: Path) -> Policy:
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise StorageError(f"no witness log list at {path}: run `carbontrail witness init`") from e
    except OSError as e:
        raise StorageError(f"cannot read {path}: {e.strerror}") from e
    try:
        return parse_policy(data)
    except PolicyError as e:
        raise StorageError(f"{path}: {e.message}") from e


def add_log(config: WitnessConfig, vkey: str) -> bool:
    """Trust the log whose Ed25519 verifier key is ``vkey`` (its origin is the key's name).

    Returns:
        True if the log was added, False if this key was already trusted.

    Raises:
        KeyFormatError: ``vkey`` is not an Ed25519 (type 0x01) verifier key.
        StorageError: the witness is not initialised, or its log list is unreadable or cannot be written.
    """
    verifier = Ed25519Verifier.from_vkey(vkey.strip())
    policy = _read_logs(config.logs_path)
    if any(entry.verifier == verifier for entry in policy.logs):
        return False
    updated = Policy((*policy.logs, PolicyLog(verifier)), policy.witnesses, policy.groups, policy.quorum)
    data = _LOGS_HEADER.encode("utf-8") + format_policy(updated)
    parse_policy(data)  # the file we write must be one we can read back
    _write_atomically(config.logs_path, data)
    return True


class LogsFile(Mapping[str, Sequence[Verifier]]):
    """The witness's trusted log keys by origin, re-read whenever the ``logs`` file changes on disk."""

    def __init__(self, path: Path) -> None:
        """Read ``path`` now, so a broken file stops the witness from starting.

        Raises:
            StorageError: the file is missing or does not parse.
        """
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._policy = self._reload()

    def _reload(self) -> Policy:
        try:
            st = self.path.stat()
        except OSError as e:
            raise StorageError(f"cannot read {self.path}: {e.strerror}") from e
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if stamp != self._stamp:
                self._policy = _read_logs(self.path)
                self._stamp = stamp
            return self._policy

    def policy(self) -> Policy:
        """The current log list (re-read if the file changed).

        Raises:
            StorageError: the file became unreadable or no longer parses: the witness then refuses to work.
        """
        return self._reload()

    def __getitem__(self, origin: str) -> Sequence[Verifier]:
        verifiers = self.policy().log_verifiers(origin)
        if not verifiers:
            raise KeyError(origin)
        return verifiers

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(entry.verifier.name for entry in self.policy().logs))

    def __len__(self) -> int:
        return len({entry.verifier.name for entry in self.policy().logs})


def open_witness(config: WitnessConfig) -> Witness:
    """Load the witness of this home: its signer, its log list (kept live) and its state.

    Raises:
        KeyFileError: the key is missing, unreadable or readable by others.
        KeyFormatError: the key file does not hold a cosignature/v1 signer key.
        StorageError: the log list is missing or does not parse.
    """
    if not config.key_path.exists():
        raise KeyFileError(f"no witness key at {config.key_path}: run `carbontrail witness init` first")
    signer = CosignatureSigner.from_skey(keys.read_private_key(config.key_path), config.clock)
    return Witness((signer,), LogsFile(config.logs_path), FileWitnessState(config.state_dir))


class KnownLog(BaseModel):
    """A log the witness cosigns for: its origin, trusted keys, and the latest tree it cosigned (if any)."""

    origin: str
    vkeys: list[str]
    size: int | None
    root: str | None


class WitnessInfo(BaseModel):
    """The witness's identity (its cosignature/v1 verifier keys) and the logs it knows."""

    name: str
    vkeys: list[str]
    logs: list[KnownLog]


class _BodyTooLargeError(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """Read the request body, giving up once it passes ``limit`` bytes (whatever Content-Length says)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLargeError
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise _BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def create_witness_app(config: WitnessConfig) -> FastAPI:
    """Build the witness's HTTP app for one home directory.

    Raises:
        KeyFileError, KeyFormatError, StorageError: the home holds no usable witness (see
            :func:`open_witness`).
    """
    witness = open_witness(config)
    logs = witness.logs
    assert isinstance(logs, LogsFile)  # open_witness builds it; the assert narrows the type for mypy
    app = FastAPI(
        title="carbontrail witness",
        version="0.1.0",
        summary="A C2SP tlog-witness: cosigns checkpoints of the logs it knows, after checking consistency",
        description=(
            "`POST /add-checkpoint` implements C2SP tlog-witness. Refusals are RFC 9457 problem+json with a "
            "stable `code`, except 409, whose body is the recorded tree size (`text/x.tlog.size`)."
        ),
    )
    app.state.witness = witness
    app.state.config = config
    problems.install(app)

    @app.exception_handler(WitnessConflictError)
    async def conflict(_request: Request, exc: WitnessConflictError) -> Response:
        log.info("add-checkpoint refused (409): %s", exc.message)  # usually a client catching up
        # Set the header directly: a media_type starting with text/ would get "; charset=utf-8" appended.
        return Response(exc.body, status_code=409, headers={"Content-Type": exc.content_type})

    @app.exception_handler(LedgerError)
    async def refused(_request: Request, exc: LedgerError) -> Response:
        status, code = http_status(exc), error_code(exc)
        if status is None or code is None:
            status, code = 500, "api.internal"
        if status == 422:
            # A valid log signature on a tree that is not consistent with what we cosigned: possible evidence
            # of log misbehaviour (tlog-witness allows logging it).
            log.warning("add-checkpoint refused (422): %s", exc.message)
        return problems.problem(status, code, type(exc).__name__, " ".join(exc.message.split()))

    @app.post(
        "/add-checkpoint",
        response_class=Response,
        tags=["witness"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"text/plain": {"schema": {"type": "string"}}},
                "description": "`old <size>`, up to 63 base64 consistency proof lines, an empty line, and a "
                "signed checkpoint",
            }
        },
        responses={
            200: {"content": {"text/plain": {}}, "description": "cosignature lines, one per witness key"},
            400: {"description": "malformed request, or old size above the checkpoint size"},
            403: {"description": "no trusted key of the log signed the checkpoint"},
            404: {"description": "the checkpoint's origin is not a log this witness knows"},
            409: {
                "content": {"text/x.tlog.size": {}},
                "description": "old size is not the recorded size, or same size with another root; the body "
                "is the recorded size and a newline",
            },
            413: {"description": "request body over the size limit"},
            422: {"description": "the consistency proof does not verify"},
        },
    )
    async def add_checkpoint(request: Request) -> Response:
        """Cosign a checkpoint that is consistent with the last one this witness cosigned for its log."""
        try:
            body = await _read_body(request, config.max_body_bytes)
        except _BodyTooLargeError:
            return problems.problem(
                413,
                "api.body_too_large",
                "Request body too large",
                f"an add-checkpoint body is at most {config.max_body_bytes} bytes",
            )
        # The state update takes a file lock and fsyncs: keep it off the event loop.
        result = await run_in_threadpool(witness.add_checkpoint, body, config.clock())
        return Response(result.body, media_type=COSIGNATURE_MEDIA_TYPE)

    @app.get("/", response_model=WitnessInfo, tags=["witness"])
    def info() -> WitnessInfo:
        """The witness's name and verifier keys, and each known log with the tree it last cosigned."""
        by_origin: dict[str, list[str]] = {}
        for entry in logs.policy().logs:
            by_origin.setdefault(entry.verifier.name, []).append(entry.verifier.vkey)
        known = []
        for origin, vkeys in by_origin.items():
            recorded = witness.state.load(origin)
            known.append(
                KnownLog(
                    origin=origin,
                    vkeys=vkeys,
                    size=recorded[0] if recorded else None,
                    root=base64.b64encode(recorded[1]).decode("ascii") if recorded else None,
                )
            )
        return WitnessInfo(
            name=witness.signers[0].name,
            vkeys=[s.verifier().vkey for s in witness.signers],
            logs=known,
        )

    return app
