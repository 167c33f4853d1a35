"""The log's tables (SQLAlchemy 2.0 declarative, ``Mapped[]``).

Layout (C2SP tlog-tiles, kept in the database):

* ``log_entry``: every sequenced entry's exact bytes and leaf hash (no index on it: see ``leaf_index``).
  The leaf hashes of the entries past the last full level-0 tile are that level's incomplete tile.
* ``leaf_index``: leaf hash -> index (unique) of the entries before the ``log_meta`` row
  ``leaf_index_size``; the sequencer merges the later ones in bulk (``ledger.storage.dedupe``).
* ``hash_tile``: full hash tiles (256 hashes, 8,192 bytes) and their 254 inner nodes (8,128 bytes; see
  ``ledger.tilebuild``), written once, when the tile completes.
* ``tile_tail``: the hashes of the incomplete tile at each level above 0, one row a hash, written once each;
  when the tile completes they move into ``hash_tile``. Together the tables write O(n) bytes for n entries.
* ``checkpoint``: every signed checkpoint (the log's note), by tree size; ``cosignature``: witness lines.
* ``pending``: submissions waiting for the sequencer, and the outcome it recorded for each.
* ``log_meta``: the origin and format version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the log's tables."""


class LogMeta(Base):
    """One row per setting: ``origin``, ``schema_version``, ``leaf_index_size``."""

    __tablename__ = "log_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LogEntry(Base):
    """A sequenced entry: its index, exact bytes and leaf hash."""

    __tablename__ = "log_entry"
    # On SQLite an INTEGER primary key is the rowid itself: one B-tree for the rows, not a second index.
    idx: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LeafIndex(Base):
    """The index of the entry with this leaf hash, for the entries before ``leaf_index_size`` (unique: the
    same bytes keep one index). On SQLite a table without rowid: the primary key's B-tree is the table."""

    __tablename__ = "leaf_index"
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = ({"sqlite_with_rowid": False},)


class HashTile(Base):
    """A full hash tile: level ``level`` stores node hashes at height 8 * level; 256 of them, concatenated.

    ``inner_nodes``: the 254 node hashes between them and the tile's own hash (``ledger.tilebuild``), so a
    proof through the tile reads them instead of recomputing them.
    """

    __tablename__ = "hash_tile"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    inner_nodes: Mapped[bytes] = mapped_column(LargeBinary)


class TileTail(Base):
    """One stored hash of a not-yet-full tile above level 0: node ``node`` at height 8 * ``level``."""

    __tablename__ = "tile_tail"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class Checkpoint(Base):
    """A signed checkpoint: the log's own signed note for tree size ``size``."""

    __tablename__ = "checkpoint"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[bytes] = mapped_column(LargeBinary)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Cosignature(Base):
    """A witness's signature line on a checkpoint (C2SP tlog-cosignature/v1), as the witness returned it."""

    __tablename__ = "cosignature"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key_name: Mapped[str] = mapped_column(String(256), primary_key=True)
    key_id: Mapped[bytes] = mapped_column(LargeBinary(4), primary_key=True)
    line: Mapped[str] = mapped_column(Text)


class Pending(Base):
    """A submission waiting for the sequencer; ``idx`` or ``refused_code`` is its recorded outcome."""

    __tablename__ = "pending"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    submitted: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done: Mapped[bool] = mapped_column(default=False)
    idx: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duplicate: Mapped[bool] = mapped_column(default=False)
    refused_code: Mapped[str | None] = mapped_column(String(128), nullable=True)
    refused_message: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("pending_todo", "done", "id"),)
