"""The log's storage over SQLAlchemy 2.x: a SQLite file by default, PostgreSQL by URL.

Nothing in ``ledger/`` outside this package imports it, so the pure modules load without SQLAlchemy.
"""
