"""Database engines for the log: SQLite (WAL, durable commits) by default, PostgreSQL (psycopg 3) by URL.

The sequencer's exclusive lock is ``BEGIN IMMEDIATE`` on SQLite and a transaction-scoped advisory lock on
PostgreSQL: both are released by commit or rollback, so a killed sequencer never leaves the log locked. Either
can be tried without waiting (``TRY_IMMEDIATE`` and :func:`try_lock_sequencer`): a submitter that finds the
lock free sequences its entries at once.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from ledger.errors import StorageError

SEQUENCER_LOCK_ID = 0x63617262_6F6E7472  # "carbontr": the PostgreSQL advisory lock key of the sequencer
"""Advisory lock key held by the sequencer on PostgreSQL for the length of one batch."""

POOL_SIZE = 16
"""SQLite connections a process keeps open between uses: enough for the concurrent requests one API process
serves (a connection beyond the pool is opened and closed per use, which cost the resolver a fifth of its
throughput with 8 concurrent clients, bench/resolver.py)."""

IMMEDIATE = "carbontrail_immediate"
"""Execution option: on SQLite, begin this connection's transaction with ``BEGIN IMMEDIATE``."""

TRY_IMMEDIATE = "carbontrail_try_immediate"
"""Execution option: on SQLite, try ``BEGIN IMMEDIATE`` without waiting; if another connection holds the write
lock, begin a deferred transaction instead (:func:`try_lock_sequencer` then says the lock was not taken)."""

BUSY_TIMEOUT_MS = 600_000
"""How long a SQLite connection waits for a lock before failing (ten minutes: a batch is never that long)."""

PAGE_SIZE = 16_384
"""SQLite page size of a new log database. Fifteen 1 KiB entries fill a 16 KiB page where three fill a 4 KiB
one (a quarter of each 4 KiB page is left over), so the entries take about a fifth less space and WAL
traffic; larger pages cost more for the pages each commit rewrites only partly (``make bench``, appends)."""

_LOCKED = "carbontrail_locked"


def normalise_url(url: str) -> str:
    """Return the SQLAlchemy URL to use: ``postgresql://`` gets the psycopg 3 driver; a bare path is SQLite.

    Raises:
        StorageError: the URL names a database this log does not support.
    """
    if "://" not in url:
        return "sqlite:///" + str(Path(url).resolve())
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StorageError(f"not a database URL: {url!r}") from e
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite").render_as_string(hide_password=False)
    raise StorageError(f"unsupported database {backend!r}: use a SQLite path or a postgresql:// URL")


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take over transaction control from the driver so that "begin" below decides DEFERRED or IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Takes effect only in a new, empty database (before WAL mode fixes the page size); see PAGE_SIZE.
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with synchronous=FULL syncs the WAL at every commit: a commit that returned survives a power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _remember_pid(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    # Which process opened the connection; _fresh_in_child compares it with the one checking it out.
    record.info["pid"] = os.getpid()


def _fresh_in_child(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
    # A connection inherited through fork() belongs to the parent: drop it without closing it (closing would
    # release the parent's SQLite locks) and make the pool open a new one (SQLAlchemy's recipe for pools
    # across processes). The record and proxy are typed Any: their public protocols declare
    # dbapi_connection read-only, while the recipe clears it.
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise DisconnectionError(f"connection opened in process {record.info.get('pid')}, not this one")


def _sqlite_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get(TRY_IMMEDIATE, False):
        conn.info[_LOCKED] = _sqlite_try_immediate(conn.connection.dbapi_connection)
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE, False) else "BEGIN")


def _sqlite_try_immediate(dbapi: Any) -> bool:
    # Straight on the driver's connection: a refused BEGIN is an expected answer here, not an error for
    # SQLAlchemy to handle. With no busy timeout SQLite answers SQLITE_BUSY at once if anyone holds the lock.
    dbapi.execute("PRAGMA busy_timeout=0")
    try:
        dbapi.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        # The primary result code is the low byte of an extended one (SQLITE_BUSY_SNAPSHOT is 517).
        if getattr(e, "sqlite_errorcode", 0) & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise
        dbapi.execute("BEGIN")
        return False
    finally:
        dbapi.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return True


def make_engine(url: str) -> Engine:
    """Create the engine for a log database URL (or a SQLite file path).

    Raises:
        StorageError: the URL is not supported.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Pooled connections: opening one and reading the schema costs more than a whole inclusion proof, and
        # the last connection's close checkpoints the WAL. No upper bound (overflow connections are closed
        # on return), so a busy process never waits for a connection; a forked child never reuses its
        # parent's connections (see _fresh_in_child).
        engine = create_engine(url, poolclass=QueuePool, pool_size=POOL_SIZE, max_overflow=-1)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "connect", _remember_pid)
        event.listen(engine, "checkout", _fresh_in_child)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def lock_sequencer(conn: Connection) -> None:
    """Take the sequencer's exclusive lock for the current transaction (waits for the holder to finish).

    On SQLite the lock is the write lock ``BEGIN IMMEDIATE`` already took (the connection must have been
    opened with the ``IMMEDIATE`` execution option); on PostgreSQL it is an advisory transaction lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK_ID})
    elif not conn.get_execution_options().get(IMMEDIATE, False):
        raise StorageError("the SQLite sequencer must run in a BEGIN IMMEDIATE transaction")


def try_lock_sequencer(conn: Connection) -> bool:
    """Take the sequencer's lock for the current transaction if it is free now; return whether it was taken.

    On SQLite the connection must have been opened with the ``TRY_IMMEDIATE`` execution option (its
    transaction then holds the write lock, or is a deferred one that must write nothing); on PostgreSQL it is
    ``pg_try_advisory_xact_lock``.

    Raises:
        StorageError: a SQLite connection without the ``TRY_IMMEDIATE`` option.
    """
    if conn.dialect.name == "postgresql":
        return bool(
            conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK_ID}).scalar()
        )
    if not conn.get_execution_options().get(TRY_IMMEDIATE, False):
        raise StorageError("trying the SQLite sequencer lock needs a TRY_IMMEDIATE connection")
    return bool(conn.info.get(_LOCKED, False))
