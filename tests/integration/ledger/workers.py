"""Child processes for the concurrency and crash tests: each opens its own store and sequencer from a URL.

They are started with the multiprocessing "spawn" context, so everything they take is picklable (the database
URL, the log's private key as text, a pipe end) and nothing is inherited from the test process: no engine, no
connection, no lock. Each reports over its pipe only what its ``Sequencer.append`` returned, i.e. what was
acknowledged to it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event

from ledger import checkpoint as cp
from ledger import keys
from ledger.storage.sequencer import Admission, Candidate, Decision, LogState, Sequencer, admit_all
from ledger.storage.store import LogStore

ORIGIN = "example.test/log"


def entry_bytes(tag: str, k: int) -> bytes:
    """The deterministic entry number ``k`` of the process tagged ``tag`` (distinct across tags and k)."""
    return f"{tag}/{k}:".encode() + bytes([k % 251]) * (k % 97)


def open_log(
    url: str, skey: str, admission: Admission = admit_all, *, direct: bool = True
) -> tuple[LogStore, Sequencer]:
    """Open the log at ``url`` with a sequencer that signs with ``skey`` (``direct``: see ``Sequencer``)."""
    signer = keys.load_signer(skey)
    store = LogStore.open(url)

    def sign(size: int, root: bytes) -> bytes:
        return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, root), [signer]).to_bytes()

    return store, Sequencer(store, sign, admission, direct=direct)


def append_concurrently(
    url: str, skey: str, tag: str, count: int, seed: int, start: Event, pipe: Connection
) -> None:
    """Append ``count`` entries in calls of 1 to 50 entries once ``start`` is set; send back their indices."""
    store, seq = open_log(url, skey)
    rng = random.Random(seed)
    pipe.send("ready")
    start.wait()
    began = time.perf_counter()
    indices: list[int] = []
    while len(indices) < count:
        n = min(rng.randint(1, 50), count - len(indices))
        batch = [entry_bytes(tag, k) for k in range(len(indices), len(indices) + n)]
        for result in seq.append(batch):
            assert result.index is not None
            assert not result.duplicate
            indices.append(result.index)
    pipe.send((indices, time.perf_counter() - began))
    pipe.close()
    store.engine.dispose()


def append_until_killed(url: str, skey: str, tag: str, seed: int, direct: bool, pipe: Connection) -> None:
    """Append large batches for ever, sending ``(first k, indices)`` after each append returns."""
    _store, seq = open_log(url, skey, direct=direct)
    rng = random.Random(seed)
    pipe.send("ready")
    k = 0
    while True:
        n = rng.randint(200, 800)
        results = seq.append([entry_bytes(tag, i) for i in range(k, k + n)])
        pipe.send((k, [r.index for r in results]))
        k += n


def _blocking_admission(pipe: Connection) -> Admission:
    def admit(entries: Sequence[Candidate], state: LogState) -> Sequence[Decision]:
        pipe.send(("admitting", state.size, len(entries)))
        time.sleep(3600)
        raise AssertionError("the test should have killed this process")

    return admit


def append_then_block(
    url: str, skey: str, tag: str, first: int, then: int, where: str, direct: bool, pipe: Connection
) -> None:
    """Append ``first`` entries (acknowledged), then ``then`` more whose batch blocks inside the sequencer's
    transaction: in the admission function (``where="admission"``, before anything is written) or in the
    checkpoint signer (``where="sign"``, after the batch's entries and tiles are written, before commit).
    ``direct``: the sequencer's path (its own transaction when the lock is free, or the pending rows)."""
    _store, seq = open_log(url, skey, direct=direct)
    results = seq.append([entry_bytes(tag, k) for k in range(first)])
    pipe.send((0, [r.index for r in results]))
    if where == "admission":
        seq.admission = _blocking_admission(pipe)
    else:
        real_sign = seq.sign

        def sign(size: int, root: bytes) -> bytes:
            pipe.send(("signing", size, real_sign(size, root)))
            time.sleep(3600)
            raise AssertionError("the test should have killed this process")

        seq.sign = sign
    seq.append([entry_bytes(tag, k) for k in range(first, first + then)])
    raise AssertionError("the test should have killed this process")
