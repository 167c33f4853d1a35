"""Step 3 of an audit (``verifier.audit``): every entry bundle read, each entry hashed and handed to the
record checks, every hash tile, full and partial, recomputed (``ledger.tilereplay``) and compared with the one
served; on a resumed audit with a record replay, the entries verified before read again first and hashed to
the verified root, so the record checks rebuild their state from exactly those entries.
"""

from __future__ import annotations

import hmac

from ledger.bundle import decode_bundle
from ledger.compact import CompactRange
from ledger.errors import TileError
from ledger.hashing import HASH_SIZE, leaf_hash
from ledger.tilereplay import TileReplay
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileKey, tile_width
from verifier.auditrun import AuditProblem, RecordChecker, RecordReplay, Run
from verifier.errors import AuditForkError, AuditMalformedError, AuditMissingError

__all__ = ["check_partials", "replay_entries"]


def _read_bundle(run: Run, bundle: int) -> list[bytes] | None:
    """The entries of bundle ``bundle`` at its width in the audited tree; None after reporting why not."""
    width = tile_width(0, bundle, run.size)
    first = bundle * TILE_WIDTH
    try:
        return decode_bundle(run.source.bundle(bundle, width), width)
    except AuditMissingError as e:
        index = first if e.index is None else e.index
        run.add(AuditMissingError(f"entry bundle {bundle} (width {width}): {e.message}", index=index))
    except TileError as e:
        run.add(AuditMalformedError(f"entry bundle {bundle}: {e.message}", index=first))
    run.broken = True
    return None


def _first_changed(run: Run, verified: int) -> int:
    """The first entry below ``verified`` whose hash is not the one its level-0 tile holds (0 if none is:
    then the tiles were changed with the entries). Read again only once a changed entry is known to exist."""
    for bundle in range(-(-verified // TILE_WIDTH)):
        entries = _read_bundle(run, bundle)
        width = tile_width(0, bundle, run.size)
        try:
            tile = run.source.tile(TileKey(0, bundle, width))
        except AuditMissingError:
            continue
        for offset, entry in enumerate(entries or ()):
            at = bundle * TILE_WIDTH + offset
            if at < verified and tile[offset * HASH_SIZE : (offset + 1) * HASH_SIZE] != leaf_hash(entry):
                return at
    return 0


def _replay_known(run: Run, start: int, root: bytes, records: RecordReplay) -> list[bytes] | None:
    """Hand the entries below ``start`` (verified by an earlier audit, of root ``root``) to the record replay,
    having hashed them to that root. Returns the entries of the bundle holding ``start`` when it holds new
    entries too (an empty list when none does), None after a problem."""
    edge = CompactRange.empty()
    found: list[AuditProblem] = []
    entries: list[bytes] = []
    for bundle in range(-(-start // TILE_WIDTH)):
        first = bundle * TILE_WIDTH
        read = _read_bundle(run, bundle)
        if read is None:
            return None
        entries = read
        known = entries[: start - first]
        for entry in known:
            edge.append(leaf_hash(entry))
        found.extend(records.known(first, known))
    if not hmac.compare_digest(edge.root(), root):
        at = _first_changed(run, start)
        run.add(
            AuditForkError(
                f"the entries below {start} no longer give the root verified at size {start}:"
                f" entry {at} changed since",
                index=at,
            )
        )
        run.broken = True
        return None
    run.problems.extend(found)
    return entries if start % TILE_WIDTH else []


def replay_entries(
    run: Run,
    replay: TileReplay,
    start: int,
    checker: RecordChecker | None,
    records: RecordReplay | None = None,
    verified_root: bytes | None = None,
) -> None:
    """Step 3: read every bundle from the one holding ``start``, hash, check records, compare full tiles.

    A record replay on a resumed audit is first given every entry below ``start`` (``_replay_known``)."""
    size = run.size
    held: list[bytes] | None = None
    if records is not None and start > 0 and verified_root is not None:
        held = _replay_known(run, start, verified_root, records)
        if held is None:
            # The records' state could not be rebuilt from the entries verified: nothing new is judged.
            return
    for bundle in range(start // TILE_WIDTH, -(-size // TILE_WIDTH)):
        width = tile_width(0, bundle, size)
        first = bundle * TILE_WIDTH
        entries = held if held else _read_bundle(run, bundle)
        held = None
        if entries is None:
            break
        begin = max(0, start - first)
        for offset in range(begin, width):
            entry = entries[offset]
            replay.append(leaf_hash(entry))
            if checker is not None:
                run.problems.extend(checker(first + offset, entry))
        if records is not None and begin < width:
            run.problems.extend(records.check(first + begin, entries[begin:]))
        for tile in replay.take_complete():
            run.compare(tile.level, tile.index, tile.hashes)
    if records is not None:
        run.problems.extend(records.finish())


def check_partials(run: Run, replay: TileReplay) -> None:
    for level, data in enumerate(replay.partial_tiles()):
        if data:
            run.compare(level, (run.size >> (TILE_HEIGHT * level)) // TILE_WIDTH, data)
