"""Preparing a batch of documents on every core (docs/attestations-api.md; issue 4: "the pipeline may use
every core").

``prepare`` (parse the exact bytes, check every rule of the document's kind, verify its proof, make its leaf
record) needs nothing but the document's bytes, so the documents of a large batch are prepared in worker
processes, a chunk at a time, while the submitting process sequences the chunks already prepared. A batch
smaller than :data:`PARALLEL_FROM` is prepared in the submitting process: handing work to another process
costs more than it saves there.

The workers are processes, not threads: Ed25519 verification releases the GIL, but parsing and the rules are
Python and would not run in parallel. They are started from a fork server with the passport modules
preloaded, never forked from the submitting process itself, which may hold database connections and
threads. One pool serves the whole process (every pipeline in it), made on first use; if it cannot be made or
breaks, the batch is prepared in the submitting process instead, with the same outcomes.

A worker answers each document with its :class:`~passport.records.Prepared` or its refusal
(:class:`Submitted`, with the stable code): exceptions never cross the process boundary.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from api.errors import error_code, http_status
from passport.records import Prepared, prepare

PARALLEL_FROM = 128
"""Documents from which a batch is prepared in worker processes (if the machine has more than one core)."""

CHUNK = 64
"""Documents per task sent to a worker: large enough that the hand-over costs little per document, small
enough that the first chunks are sequenced while the workers prepare the next."""


@dataclass(frozen=True)
class Submitted:
    """One document's outcome: its index and digest, or the stable code and message of its refusal."""

    index: int | None
    digest: str | None
    kind: str | None
    duplicate: bool = False
    code: str | None = None
    message: str | None = None
    status: int | None = None
    """The HTTP status of a refusal decided in this process (None: derive it from the code)."""

    @property
    def accepted(self) -> bool:
        """Whether the document is in the log."""
        return self.index is not None


def refused(e: Exception, digest: str | None = None, kind: str | None = None) -> Submitted:
    """The refusal outcome of a domain error (one with a stable ``code``); any other error is raised again."""
    code = error_code(e) or getattr(e, "code", None)
    if not isinstance(code, str):
        raise e
    return Submitted(None, digest, kind, code=code, message=" ".join(str(e).split()), status=http_status(e))


def prepare_outcome(raw: bytes) -> Prepared | Submitted:
    """:func:`~passport.records.prepare` one document; its refusal if it has one (a bug still raises)."""
    try:
        return prepare(raw)
    except Exception as e:
        return refused(e)


def prepare_chunk(raws: list[bytes]) -> list[Prepared | Submitted]:
    """The task a worker runs: each document's outcome, in order."""
    return [prepare_outcome(raw) for raw in raws]


def _watch_submitter() -> None:
    """Run in each worker as it starts: end the worker when the process that submits work to it ends.

    A pool's workers are told to stop when the submitting process exits normally; one ended by a signal
    (uvicorn re-raises SIGTERM after its own shutdown) tells them nothing, and a fork server's workers would
    then wait for work forever, keeping the fork server (and whatever output it inherited) alive.
    """
    submitter = multiprocessing.parent_process()
    if submitter is None:
        return

    def watch() -> None:
        submitter.join()
        os._exit(0)

    threading.Thread(target=watch, name="watch-submitter", daemon=True).start()


_POOL_LOCK = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _the_pool() -> ProcessPoolExecutor | None:
    """The process's pool of preparing workers, made on first use; None on a single core or if none can be
    made."""
    global _pool
    with _POOL_LOCK:
        if _pool is None and _workers() > 1:
            try:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["passport.records"])
                _pool = ProcessPoolExecutor(_workers(), mp_context=context, initializer=_watch_submitter)
            except (OSError, ValueError):
                _pool = None
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    """Forget a broken pool (the next large batch makes a new one)."""
    global _pool
    with _POOL_LOCK:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def prepared_chunks(raws: Sequence[bytes]) -> Iterator[list[Prepared | Submitted]]:
    """Each document's outcome, in order, in runs of consecutive documents: in worker processes when the
    batch is large enough (module docstring), each run being every chunk prepared by the time it is asked
    for (at least one), so that a caller sequencing each run as it comes gets larger runs while the workers
    are ahead and never waits for work it could already do."""
    pool = _the_pool() if len(raws) >= PARALLEL_FROM else None
    if pool is None:
        yield prepare_chunk(list(raws))
        return
    chunks = [list(raws[start : start + CHUNK]) for start in range(0, len(raws), CHUNK)]
    futures: list[Future[list[Prepared | Submitted]]] = []
    try:
        for chunk in chunks:
            futures.append(pool.submit(prepare_chunk, chunk))
    except (BrokenProcessPool, RuntimeError):
        # A pool shut down or broken between batches: what it did not take is prepared here.
        _discard(pool)
    try:
        i = 0
        while i < len(chunks):
            run = _outcomes(pool, futures, chunks, i)
            i += 1
            while i < len(futures) and futures[i].done():
                run += _outcomes(pool, futures, chunks, i)
                i += 1
            yield run
    finally:
        for future in futures:
            future.cancel()


def _outcomes(
    pool: ProcessPoolExecutor,
    futures: list[Future[list[Prepared | Submitted]]],
    chunks: list[list[bytes]],
    i: int,
) -> list[Prepared | Submitted]:
    """Chunk ``i``'s outcomes: its worker's answer, or prepared here if the pool broke or never took it."""
    try:
        if i < len(futures):
            return futures[i].result()
    except BrokenProcessPool:
        _discard(pool)
    return prepare_chunk(chunks[i])
