"""fsck on SQLite and PostgreSQL: a clean log passes; each corruption, made in SQL on a copy, is caught.

One clean log of 868 entries (three full level-0 tiles, a partial level-0 tile of 100 hashes and a partial
level-1 tile of 3; nine checkpoints) is built per database and copied for every test (a SQLite backup, a
PostgreSQL ``CREATE DATABASE ... TEMPLATE``); each test then damages its copy with an UPDATE, DELETE or INSERT
and asserts the error's code, its kind and where it points.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Select, create_engine, delete, event, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.sql import Executable

from ledger import checkpoint as cp
from ledger import keys
from ledger.errors import FsckError
from ledger.hashing import leaf_hash
from ledger.note import Signer, Verifier, parse_note
from ledger.storage.fsck import FsckReport, fsck
from ledger.storage.orm import Checkpoint, HashTile, LogEntry, TileTail
from ledger.storage.store import LogStore
from tests.conftest import postgres_url
from tests.integration.ledger import workers

BATCHES = [97] * 8 + [92]
SIZE = sum(BATCHES)  # 868: checkpoints at 97, 194, ..., 776 and 868


@dataclass(frozen=True)
class CleanLog:
    """A built log to copy: its database, and the log's keys."""

    kind: str
    url: str
    skey: str
    vkey: str


@dataclass(frozen=True)
class LogCopy:
    """A copy of the clean log, free to damage."""

    store: LogStore
    skey: str
    verifier: Verifier
    signer: Signer

    def sql(self, statement: Executable) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(statement)

    def read(self, statement: Select[bytes]) -> bytes:
        with self.store.engine.connect() as conn:
            value = conn.execute(statement).scalar_one()
        assert isinstance(value, bytes)
        return value

    def signed(self, origin: str, size: int, root: bytes, signer: Signer | None = None) -> bytes:
        """A checkpoint note for (origin, size, root), signed with the log's key unless told otherwise."""
        return cp.sign_checkpoint(cp.Checkpoint(origin, size, root), [signer or self.signer]).to_bytes()


def _build(url: str) -> tuple[str, str]:
    skey, vkey = keys.generate_log_key(workers.ORIGIN)
    # Close every connection to the clean log: PostgreSQL copies a template database only when nobody uses it.
    LogStore.create(url, workers.ORIGIN).engine.dispose()
    store, seq = workers.open_log(url, skey)
    k = 0
    for n in BATCHES:
        seq.append([workers.entry_bytes("f", i) for i in range(k, k + n)])
        k += n
    store.engine.dispose()
    return skey, vkey


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def clean_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanLog]:
    """The clean log, built once per database kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fsck') / 'clean.db'}"
        skey, vkey = _build(url)
        yield CleanLog("sqlite", url, skey, vkey)
        return
    base = postgres_url()
    if base is None:
        pytest.skip("CARBONTRAIL_TEST_POSTGRES_URL is not set")
    admin_url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"ct_fsck_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        skey, vkey = _build(url)
        yield CleanLog("postgres", url, skey, vkey)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def log_copy(clean_log: CleanLog, tmp_path: Path) -> Iterator[LogCopy]:
    """A fresh copy of the clean log for one test."""
    if clean_log.kind == "sqlite":
        target = tmp_path / "copy.db"
        src = sqlite3.connect(make_url(clean_log.url).database or "")
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        store = LogStore.open(f"sqlite:///{target}")
        yield LogCopy(
            store, clean_log.skey, keys.load_verifier(clean_log.vkey), keys.load_signer(clean_log.skey)
        )
        store.engine.dispose()
        return
    source = make_url(clean_log.url)
    name = f"ct_fsck_{uuid.uuid4().hex[:12]}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
    store = LogStore.open(source.set(database=name).render_as_string(hide_password=False))
    try:
        yield LogCopy(
            store, clean_log.skey, keys.load_verifier(clean_log.vkey), keys.load_signer(clean_log.skey)
        )
    finally:
        store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def flip(data: bytes, at: int = 0) -> bytes:
    """``data`` with one bit of byte ``at`` flipped."""
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_clean_log_passes(log_copy: LogCopy) -> None:
    report = fsck(log_copy.store, [log_copy.verifier])
    # Tiles: 0/0, 0/1, 0/2 full (with their inner nodes); 0/3 (100 hashes, the entries') and 1/0 (3 hashes,
    # tail rows) partial.
    assert report == FsckReport(entries=SIZE, tiles=5, checkpoints=len(BATCHES))


@pytest.mark.parametrize("chunk", [1, 96, 97, 256, 867])
def test_chunk_size_does_not_matter(log_copy: LogCopy, chunk: int) -> None:
    assert fsck(log_copy.store, [log_copy.verifier], chunk=chunk) == FsckReport(SIZE, 5, len(BATCHES))


def test_wrong_log_key_fails(log_copy: LogCopy) -> None:
    _, other = keys.generate_log_key(workers.ORIGIN)
    with pytest.raises(FsckError) as info:
        fsck(log_copy.store, [keys.load_verifier(other)])
    assert (info.value.code, info.value.kind, info.value.location) == (
        "ledger.fsck",
        "checkpoint_signature",
        "checkpoint 97",
    )


def test_empty_log_passes(sqlite_db: str) -> None:
    _, vkey = keys.generate_log_key(workers.ORIGIN)
    store = LogStore.create(sqlite_db, workers.ORIGIN)
    assert fsck(store, [keys.load_verifier(vkey)]) == FsckReport(0, 0, 0)


Corruption = Callable[[LogCopy], None]


def _entry(idx: int) -> Select[bytes]:
    return select(LogEntry.data).where(LogEntry.idx == idx)


def flip_entry(log: LogCopy) -> None:
    data = log.read(_entry(300))
    log.sql(update(LogEntry).where(LogEntry.idx == 300).values(data=flip(data, 3)))


def rewrite_entry(log: LogCopy) -> None:
    # The entry and its leaf hash both changed, consistently: only the tree above them can tell.
    log.sql(
        update(LogEntry).where(LogEntry.idx == 300).values(data=b"forged", leaf_hash=leaf_hash(b"forged"))
    )


def rewrite_tail_entry(log: LogCopy) -> None:
    log.sql(
        update(LogEntry).where(LogEntry.idx == 850).values(data=b"forged", leaf_hash=leaf_hash(b"forged"))
    )


def flip_leaf_hash(log: LogCopy) -> None:
    lh = log.read(select(LogEntry.leaf_hash).where(LogEntry.idx == 5))
    log.sql(update(LogEntry).where(LogEntry.idx == 5).values(leaf_hash=flip(lh, 31)))


def delete_entry(log: LogCopy) -> None:
    log.sql(delete(LogEntry).where(LogEntry.idx == 300))


def delete_last_entry(log: LogCopy) -> None:
    log.sql(delete(LogEntry).where(LogEntry.idx == SIZE - 1))


def _tile(level: int, idx: int) -> Select[bytes]:
    return select(HashTile.data).where(HashTile.level == level, HashTile.idx == idx)


def flip_tile(log: LogCopy) -> None:
    data = log.read(_tile(0, 1))
    log.sql(update(HashTile).where(HashTile.level == 0, HashTile.idx == 1).values(data=flip(data, 4000)))


def truncate_tile(log: LogCopy) -> None:
    data = log.read(_tile(0, 2))
    log.sql(update(HashTile).where(HashTile.level == 0, HashTile.idx == 2).values(data=data[:-32]))


def delete_tile(log: LogCopy) -> None:
    log.sql(delete(HashTile).where(HashTile.level == 0, HashTile.idx == 2))


def add_partial_tile_as_full(log: LogCopy) -> None:
    log.sql(insert(HashTile).values(level=0, idx=3, data=b"\x00" * 8192, inner_nodes=b"\x00" * 8128))


def _tail(level: int, node: int) -> Select[bytes]:
    return select(TileTail.hash).where(TileTail.level == level, TileTail.node == node)


def flip_tail(level: int, node: int) -> Corruption:
    def corrupt(log: LogCopy) -> None:
        h = log.read(_tail(level, node))
        assert isinstance(h, bytes)
        log.sql(
            update(TileTail).where(TileTail.level == level, TileTail.node == node).values(hash=flip(h, 0))
        )

    return corrupt


def delete_tail(log: LogCopy) -> None:
    log.sql(delete(TileTail).where(TileTail.level == 1, TileTail.node == 1))


def _inner(level: int, idx: int) -> Select[bytes]:
    return select(HashTile.inner_nodes).where(HashTile.level == level, HashTile.idx == idx)


def flip_inner(at: int) -> Corruption:
    def corrupt(log: LogCopy) -> None:
        inner = log.read(_inner(0, 1))
        log.sql(
            update(HashTile).where(HashTile.level == 0, HashTile.idx == 1).values(inner_nodes=flip(inner, at))
        )

    return corrupt


def truncate_inner(log: LogCopy) -> None:
    inner = log.read(_inner(0, 2))
    log.sql(update(HashTile).where(HashTile.level == 0, HashTile.idx == 2).values(inner_nodes=inner[:-32]))


def add_tail(level: int, node: int) -> Corruption:
    def corrupt(log: LogCopy) -> None:
        log.sql(insert(TileTail).values(level=level, node=node, hash=b"\x00" * 32))

    return corrupt


def _note(size: int) -> Select[bytes]:
    return select(Checkpoint.note).where(Checkpoint.size == size)


def flip_checkpoint_root(log: LogCopy) -> None:
    root = log.read(select(Checkpoint.root).where(Checkpoint.size == 388))
    log.sql(update(Checkpoint).where(Checkpoint.size == 388).values(root=flip(root, 7)))


def resign_wrong_root(log: LogCopy) -> None:
    # Whoever holds the log's key signs a root the entries do not give, and stores it in both places.
    root = b"\x42" * 32
    note = log.signed(workers.ORIGIN, 388, root)
    log.sql(update(Checkpoint).where(Checkpoint.size == 388).values(root=root, note=note))


def forge_signature(log: LogCopy) -> None:
    note = log.read(_note(388))
    parsed = parse_note(note)
    sig = parsed.signatures[0]
    bad = type(sig)(sig.name, sig.key_id, flip(sig.signature, 10))
    log.sql(
        update(Checkpoint)
        .where(Checkpoint.size == 388)
        .values(note=type(parsed)(parsed.text, (bad,)).to_bytes())
    )


def sign_with_other_key(log: LogCopy) -> None:
    root = log.read(select(Checkpoint.root).where(Checkpoint.size == 388))
    other = keys.load_signer(keys.generate_log_key(workers.ORIGIN)[0])
    log.sql(
        update(Checkpoint)
        .where(Checkpoint.size == 388)
        .values(note=log.signed(workers.ORIGIN, 388, root, other))
    )


def sign_other_origin(log: LogCopy) -> None:
    root = log.read(select(Checkpoint.root).where(Checkpoint.size == 388))
    log.sql(
        update(Checkpoint).where(Checkpoint.size == 388).values(note=log.signed("other.test/log", 388, root))
    )


def sign_other_size(log: LogCopy) -> None:
    # A genuine note of the log, for size 291, stored as the checkpoint of 388.
    log.sql(update(Checkpoint).where(Checkpoint.size == 388).values(note=log.read(_note(291))))


def delete_latest_checkpoint(log: LogCopy) -> None:
    log.sql(delete(Checkpoint).where(Checkpoint.size == SIZE))


def add_checkpoint_past_the_log(log: LogCopy) -> None:
    root = b"\x42" * 32
    log.sql(
        insert(Checkpoint).values(
            size=SIZE + 1,
            root=root,
            note=log.signed(workers.ORIGIN, SIZE + 1, root),
            created=datetime.now(UTC),
        )
    )


CASES: list[tuple[str, Corruption, str, str]] = [
    ("flipped-entry-byte", flip_entry, "leaf_hash", "entry 300"),
    ("flipped-leaf-hash", flip_leaf_hash, "leaf_hash", "entry 5"),
    ("rewritten-entry", rewrite_entry, "checkpoint_root", "checkpoint 388"),
    (
        "rewritten-entry-after-last-checkpoint-but-one",
        rewrite_tail_entry,
        "checkpoint_root",
        "checkpoint 868",
    ),
    ("deleted-entry", delete_entry, "gap", "entry 300"),
    ("deleted-last-entry", delete_last_entry, "checkpoint_extra", "checkpoint 868"),
    ("flipped-tile-byte", flip_tile, "tile", "tile 0/1"),
    ("truncated-tile", truncate_tile, "tile", "tile 0/2"),
    ("deleted-tile", delete_tile, "tile_missing", "tile 0/2"),
    ("partial-tile-stored-as-full", add_partial_tile_as_full, "tile_extra", "tile 0/3"),
    ("flipped-inner-node-height-1", flip_inner(0), "tile_inner", "tile 0/1"),
    ("flipped-inner-node-height-7", flip_inner(253 * 32 + 5), "tile_inner", "tile 0/1"),
    ("truncated-inner-nodes", truncate_inner, "tile_inner", "tile 0/2"),
    ("flipped-level-1-tail-hash", flip_tail(1, 2), "tail", "tail 1/2"),
    ("flipped-first-level-1-tail-hash", flip_tail(1, 0), "tail", "tail 1/0"),
    ("deleted-tail-hash", delete_tail, "tail", "tail 1/1"),
    ("tail-row-for-full-tile", add_tail(0, 10), "tail_full", "tail 0/10"),
    ("level-0-tail-row-in-the-incomplete-tile", add_tail(0, 800), "tail_extra", "tail 0/800"),
    ("tail-row-past-the-tree", add_tail(0, SIZE), "tail_extra", f"tail 0/{SIZE}"),
    ("level-1-tail-row-past-the-tree", add_tail(1, 3), "tail_extra", "tail 1/3"),
    ("tail-row-at-empty-level", add_tail(2, 0), "tail_extra", "tail 2/0"),
    ("flipped-checkpoint-root", flip_checkpoint_root, "checkpoint_note", "checkpoint 388"),
    ("re-signed-wrong-root", resign_wrong_root, "checkpoint_root", "checkpoint 388"),
    ("forged-checkpoint-signature", forge_signature, "checkpoint_signature", "checkpoint 388"),
    ("checkpoint-signed-by-another-key", sign_with_other_key, "checkpoint_signature", "checkpoint 388"),
    ("checkpoint-of-another-origin", sign_other_origin, "checkpoint_note", "checkpoint 388"),
    ("checkpoint-note-of-another-size", sign_other_size, "checkpoint_note", "checkpoint 388"),
    ("deleted-latest-checkpoint", delete_latest_checkpoint, "checkpoint_missing", f"checkpoint {SIZE}"),
    ("checkpoint-past-the-log", add_checkpoint_past_the_log, "checkpoint_extra", f"checkpoint {SIZE + 1}"),
]


@pytest.mark.parametrize(("corrupt", "kind", "location"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_corruption_is_caught(log_copy: LogCopy, corrupt: Corruption, kind: str, location: str) -> None:
    corrupt(log_copy)
    with pytest.raises(FsckError) as info:
        fsck(log_copy.store, [log_copy.verifier])
    assert info.value.code == "ledger.fsck"
    assert (info.value.kind, info.value.location) == (kind, location)


def test_forged_signature_keeps_the_signature_error(log_copy: LogCopy) -> None:
    forge_signature(log_copy)
    with pytest.raises(FsckError) as info:
        fsck(log_copy.store, [log_copy.verifier])
    assert isinstance(info.value.__cause__, Exception)
    assert getattr(info.value.__cause__, "code", None) == "ledger.signature"
    sign_with_other_key(log_copy)
    with pytest.raises(FsckError) as info:
        fsck(log_copy.store, [log_copy.verifier])
    assert getattr(info.value.__cause__, "code", None) == "ledger.unknown_key"


def test_fsck_reads_one_snapshot(log_copy: LogCopy) -> None:
    # Entries, tiles and a checkpoint committed while fsck runs are not seen, half or whole.
    url = log_copy.store.engine.url.render_as_string(hide_password=False)
    other, seq = workers.open_log(url, log_copy.skey)
    appended: list[int | None] = []

    def after(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("SELECT log_entry.idx, log_entry.data") and not appended:
            appended.extend(r.index for r in seq.append([b"late 1", b"late 2"]))

    event.listen(log_copy.store.engine, "after_cursor_execute", after)
    try:
        report = fsck(log_copy.store, [log_copy.verifier], chunk=100)
    finally:
        event.remove(log_copy.store.engine, "after_cursor_execute", after)
        other.engine.dispose()
    assert appended == [SIZE, SIZE + 1]
    assert report == FsckReport(SIZE, 5, len(BATCHES))
    assert fsck(log_copy.store, [log_copy.verifier]) == FsckReport(SIZE + 2, 5, len(BATCHES) + 1)
