"""Worker processes for the verifier's independent, expensive steps: parsing credentials and verifying their
proofs (``passport.records.prepare``), for the audit (:mod:`verifier.records`) and for a large bundle
(:mod:`verifier.verify`).

Ed25519 releases the GIL, but parsing and the kinds' rules are Python, so threads would not help: the work
goes to processes started from a fork server with the modules named in ``preload`` already imported (as the
submission pipeline's are, ``api/preparation.py``), so a worker starts in milliseconds. A :class:`WorkerPool`
starts its workers on the first task, ends them when closed, and each worker ends itself when the process
that started the pool ends, however it ends.

A task runs a module-level function on picklable arguments and answers with what it returns; it also reports
the CPU time it took, which :attr:`WorkerPool.cpu_seconds` adds up (a process's own CPU clock does not count
its workers'). When a worker dies (killed, out of memory), the executor breaks: :meth:`WorkerPool.result`
raises ``BrokenProcessPool`` and the pool is *lost*, so the caller runs that task and every later one in its
own process, with the same outcomes (:meth:`WorkerPool.map` does so itself).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["Batch", "WorkerPool", "default_jobs"]

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _watch_parent() -> None:
    """Run in each worker as it starts: end it when the process that started the pool ends."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _timed(fn: Callable[..., T], *args: Any) -> tuple[float, T]:
    """Run ``fn(*args)`` in a worker; its CPU time there, and its result."""
    start = time.process_time()
    out = fn(*args)
    return time.process_time() - start, out


class WorkerPool:
    """Up to ``jobs`` worker processes, started on the first task (module docstring).

    Use it as a context manager, or call :meth:`close`. With ``jobs`` 1 (or once lost) :meth:`submit`
    answers None and the caller does the work itself.
    """

    def __init__(self, jobs: int | None = None, *, preload: Sequence[str] = (), share: bool = False) -> None:
        """``jobs`` processes at work (default: every core), forked from a server importing ``preload``; with
        ``share``, the calling process is one of them (``jobs - 1`` workers) and takes chunks in
        :meth:`Batch.results`."""
        self.jobs = default_jobs() if jobs is None else max(1, jobs)
        self.share = share
        self.preload = list(preload)
        self.cpu_seconds = 0.0
        """The CPU time the workers reported for the tasks whose results were taken."""
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the worker processes, cancelling tasks not started (idempotent)."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    def lose(self) -> None:
        """A worker died: end the others, and do every later task in this process."""
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None
        self.jobs = 1

    def _started(self) -> ProcessPoolExecutor | None:
        workers = self.jobs - 1 if self.share else self.jobs
        if self.jobs > 1 and workers >= 1 and self.executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self.preload)
            self.executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_watch_parent)
        return self.executor

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[tuple[float, T]] | None:
        """Hand ``fn(*args)`` to a worker (``fn`` a module-level function); None when this process must do it
        (one job, or the pool was lost)."""
        executor = self._started()
        if executor is None:
            return None
        try:
            return executor.submit(_timed, fn, *args)
        except (BrokenProcessPool, RuntimeError):
            self.lose()
            return None

    def result(self, future: Future[tuple[float, T]]) -> T:
        """What a submitted task returned (waiting for it); counts its CPU time.

        Raises:
            BrokenProcessPool: a worker died; the pool is lost, and the caller does this task itself.
        """
        try:
            seconds, out = future.result()
        except BrokenProcessPool:
            self.lose()
            raise
        except CancelledError:
            if self.executor is not None:
                raise
            # Cancelled as the pool was lost (or closed): this process does it.
            raise BrokenProcessPool("the worker pool was lost before this task ran") from None
        self.cpu_seconds += seconds
        return out

    def start(self, fn: Callable[[list[T]], list[R]], items: Sequence[T], chunk: int) -> Batch[T, R]:
        """Hand ``fn`` over ``items`` to the workers, in chunks of ``chunk``; :meth:`Batch.results` collects
        the answers (the caller may do other work meanwhile)."""
        chunks = [list(items[start : start + chunk]) for start in range(0, len(items), chunk)]
        return Batch(self, fn, chunks, [self.submit(fn, part) for part in chunks])

    def map(self, fn: Callable[[list[T]], list[R]], items: Sequence[T], chunk: int) -> list[R]:
        """``fn`` over ``items`` in chunks of ``chunk``, in workers, answered in order: the same list as
        ``fn(list(items))`` when ``fn`` maps each item on its own. A chunk a dead worker lost is done here."""
        return self.start(fn, items, chunk).results()


class Batch(Generic[T, R]):
    """Chunks handed to a :class:`WorkerPool`, answered in order by :meth:`results`."""

    def __init__(
        self,
        pool: WorkerPool,
        fn: Callable[[list[T]], list[R]],
        chunks: list[list[T]],
        futures: list[Future[tuple[float, list[R]]] | None],
    ) -> None:
        """The chunks and their futures (None: this process does that chunk)."""
        self.pool, self.fn, self.chunks, self.futures = pool, fn, chunks, futures

    def results(self) -> list[R]:
        """Every chunk's answers, in order. With a sharing pool this process takes the chunks no worker has
        started yet, from the last one back, while the workers take them from the first; a chunk a dead
        worker lost, or one no worker was given, is done here too."""
        done: list[list[R] | None] = [None] * len(self.chunks)
        stop = len(self.chunks)
        if self.pool.share:
            while stop > 0:
                future = self.futures[stop - 1]
                if future is not None and not future.cancel():
                    break  # a worker has it: it and every chunk before it are theirs
                stop -= 1
                done[stop] = self.fn(self.chunks[stop])
        for i in range(stop):
            future = self.futures[i]
            if future is not None:
                try:
                    done[i] = self.pool.result(future)
                    continue
                except BrokenProcessPool:
                    pass
            done[i] = self.fn(self.chunks[i])
        return [r for part in done for r in part or ()]
