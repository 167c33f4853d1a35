"""Durable batched appends of 1 KiB entries on SQLite, against pymerkle's ``SqliteTree``.

Both sides store the same entries, in the same batches, in fresh database files in the same directory, and
commit every batch durably before the next starts:

* ours: :meth:`Sequencer.append` per batch (sequencing with tiles and a signed checkpoint, and the same bytes
  kept at their first index through the bulk-merged leaf-hash index of ``ledger.storage.dedupe``, looked up
  only for the hashes its filter of merged hashes may hold), SQLite in
  WAL mode with ``synchronous=FULL`` and 16 KiB pages (``ledger.storage.engine.PAGE_SIZE``);
* pymerkle 7 (the reference the target names): ``SqliteTree.append_entries`` per batch, which hashes the
  batch and inserts it in one transaction (``with con:``); its connection keeps Python's and SQLite's
  defaults, read back and printed (a rollback journal, ``journal_mode=delete``, with ``synchronous=FULL``).
  It stores leaves only.

Each side's clock runs from its first append to the end of closing its database, so the time includes all
the I/O its appends cause: for ours, SQLite's automatic WAL checkpoints (every 1,000 WAL pages, on the
committing connection, in the batch that crosses the mark) and the last checkpoint, which closing the last
connection runs (the WAL's second write of every page is paid inside the window, none of it deferred past
it); for pymerkle, closing its connection.

The rounds alternate ours and theirs; the figure is the ratio of the median rates. A second, informational
figure runs pymerkle in WAL mode with ``synchronous=FULL``, the durability the log has, to separate what the
journal mode costs from what the log's own work (index, tiles, checkpoints) costs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from bench.harness import BenchResult, Figure, Workspace
from bench.logbuild import ENTRY_SIZE, ORIGIN, entries

NAME = "appends"


def _ours(path: str, batches: list[list[bytes]]) -> tuple[float, str]:
    from sqlalchemy import text

    from ledger import checkpoint as cp
    from ledger import keys
    from ledger.storage.sequencer import Sequencer
    from ledger.storage.store import LogStore

    skey, _ = keys.generate_log_key(ORIGIN)
    signer = keys.load_signer(skey)

    def sign(size: int, root: bytes) -> bytes:
        return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, root), [signer]).to_bytes()

    store = LogStore.create(path, ORIGIN)
    seq = Sequencer(store, sign)
    with store.engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = conn.execute(text("PRAGMA synchronous")).scalar()
        page = conn.execute(text("PRAGMA page_size")).scalar()
    start = time.perf_counter()
    for batch in batches:
        seq.append(batch)
    store.engine.dispose()  # closes the pooled connections: the last one checkpoints the WAL
    seconds = time.perf_counter() - start
    return seconds, f"journal_mode={mode}, synchronous={sync}, page_size={page}"


def _theirs(path: str, batches: list[list[bytes]], *, wal: bool = False) -> tuple[float, str]:
    from pymerkle import SqliteTree

    tree = SqliteTree(path)
    if wal:
        # The same durability as ours: WAL with a WAL sync at every commit.
        tree.con.execute("PRAGMA journal_mode=WAL")
        tree.con.execute("PRAGMA synchronous=FULL")
    mode = tree.con.execute("PRAGMA journal_mode").fetchone()
    sync = tree.con.execute("PRAGMA synchronous").fetchone()
    isolation = tree.con.isolation_level
    start = time.perf_counter()
    for batch in batches:
        tree.append_entries(batch)
    tree.close()
    seconds = time.perf_counter() - start
    return seconds, f"journal_mode={mode}, synchronous={sync}, sqlite3 isolation_level={isolation!r}"


def run(ws: Workspace) -> BenchResult:
    """Append the same batches to a fresh log and a fresh pymerkle tree, round by round."""
    n, size = ws.sizes.append_entries, ws.sizes.append_batch
    batches = [entries(i, min(n, i + size)) for i in range(0, n, size)]
    runners: list[tuple[str, Callable[[str, list[list[bytes]]], tuple[float, str]]]] = [
        ("ours", _ours),
        ("pymerkle", _theirs),
        ("pymerkle-wal", lambda path, b: _theirs(path, b, wal=True)),
    ]
    rates: dict[str, list[float]] = {"ours": [], "pymerkle": [], "pymerkle-wal": []}
    settings: dict[str, str] = {}
    for r in range(ws.sizes.append_rounds):
        for who, fn in runners:
            print(f"  appends round {r + 1}: {who} ...", file=sys.stderr, flush=True)
            seconds, settings[who] = fn(str(ws.root / f"appends-{who}-{r}.db"), batches)
            rates[who].append(n / seconds)
    ours, theirs = statistics.median(rates["ours"]), statistics.median(rates["pymerkle"])
    result = BenchResult(NAME)
    result.figures.append(
        Figure(
            name=f"durable appends/s, {n:,} x {ENTRY_SIZE} B in batches of {size:,}",
            measured=f"{ours:,.0f}/s vs {theirs:,.0f}/s",
            ratio=ours / theirs,
            ratio_of="ours / pymerkle SqliteTree",
            op=">=",
            bound=1.0,
        )
    )
    wal = statistics.median(rates["pymerkle-wal"])
    result.figures.append(
        Figure(
            name="durable appends/s against pymerkle in WAL mode (the durability ours has), for information",
            measured=f"{ours:,.0f}/s vs {wal:,.0f}/s",
            ratio=ours / wal,
            ratio_of="ours / pymerkle SqliteTree (WAL, synchronous=FULL)",
        )
    )
    result.notes += [
        f"ours:     {settings['ours']}; per round: " + ", ".join(f"{x:,.0f}/s" for x in rates["ours"]),
        f"pymerkle: {settings['pymerkle']}; per round: "
        + ", ".join(f"{x:,.0f}/s" for x in rates["pymerkle"]),
        f"pymerkle-wal: {settings['pymerkle-wal']}",
        "ours writes each entry once as a log entry (direct path: the appender holds the sequencer lock), "
        "with its tiles and a signed checkpoint per batch, and merges its leaf hashes into the unique "
        "leaf-hash index in bulk (every 16,384 entries at this size; a per-process Bloom filter of the "
        "merged hashes spares most batches the index lookup); pymerkle writes one leaf row per "
        "entry, with no index but its rowid; in WAL mode every page is written twice (log, then checkpoint), "
        "in a rollback journal new pages once",
    ]
    return result
