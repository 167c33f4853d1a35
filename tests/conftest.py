"""Shared fixtures: a fresh database per test, on SQLite and (when configured) on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "CARBONTRAIL_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL server tests use, or None when it is not configured."""
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """A freshly created PostgreSQL database, dropped afterwards; skips when none is configured."""
    base = postgres_url()
    if base is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"ct_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """A fresh SQLite database file."""
    return f"sqlite:///{tmp_path / 'log.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind the suite runs on."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_db"))
    return str(request.getfixturevalue("postgres_db"))
