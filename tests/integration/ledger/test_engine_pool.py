"""SQLite engines pool their connections within a process and never hand a parent's connection to a child."""

from __future__ import annotations

import multiprocessing
import sqlite3
from typing import Any

from sqlalchemy import Engine, event

from ledger.storage.engine import make_engine


def _track(engine: Engine) -> list[int]:
    opened: list[int] = []

    def connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        opened.append(id(dbapi_connection))

    event.listen(engine, "connect", connect)
    return opened


def test_connections_are_reused_in_a_process(sqlite_db: str) -> None:
    engine = make_engine(sqlite_db)
    opened = _track(engine)
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert len(opened) == 1


def _child(engine: Engine, parent_connection: int, out: Any) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        conn.commit()
        out.put(id(raw) != parent_connection)


def test_forked_child_opens_its_own_connection(sqlite_db: str) -> None:
    engine = make_engine(sqlite_db)
    with engine.connect() as conn:
        parent_connection = id(conn.connection.driver_connection)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_child, args=(engine, parent_connection, out))
    proc.start()
    fresh = out.get(timeout=60)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert fresh
    # The parent's pooled connection still works after the child has gone.
    with engine.connect() as conn:
        assert id(conn.connection.driver_connection) == parent_connection
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
