"""Audit a whole log from its C2SP tlog-tiles: replay every entry, recompute every tile and the root.

Checks, in order (RFC 9162 section 2.1 for the hashes, C2SP tlog-tiles for the layout, C2SP
tlog-checkpoint and signed-note for the checkpoint):

1. the latest checkpoint opens with the log's key (a C2SP tlog-policy names it by origin);
2. with a state from an earlier run (``verifier.auditstate``): the new tree does not shrink, the nodes of the
   verified tree's right edge are the new tree's nodes at the same places (else ``audit.fork``, at the first
   entry of the first node that differs), and a consistency proof computed from the tiles leads from the old
   root to the new one; the replay then resumes where the state stopped;
3. every entry bundle is read, each entry hashed and handed to the optional record checker; every hash tile,
   full and partial, is recomputed (``ledger.tilereplay``) and compared byte for byte with the one served.
   A :class:`RecordReplay` (``verifier.records``: credentials and authority) takes the entries a bundle at a
   time and may work ahead; on a resumed audit it is first given the entries verified before, read again
   from the start and hashed to the state's root (``audit.fork`` at the first entry changed since), so that
   it rebuilds what it knows (the registry, the documents) from exactly the entries verified;
4. the recomputed root equals the checkpoint's;
5. optionally (``checkpoints``, what a database keeps): every older checkpoint opens with the log's key and is
   consistent with the one before it, by a proof computed from the verified tiles.

Problems are collected, not raised, each with its stable code (``verifier.errors``) and the log index of the
damage. A hash that differs in a level-0 tile is ``audit.entry`` when the entries do not give the signed root
(the entry was changed) and ``audit.tile`` when they do (the tile was); a difference in a higher tile over
entries already reported is a consequence and is not reported again.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ledger import tileproof
from ledger.bundle import decode_bundle
from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.compact import CompactRange, NodeID
from ledger.errors import LedgerError, TileError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash
from ledger.note import parse_note
from ledger.policy import Policy
from ledger.tilereplay import TileReplay
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileKey, tile_width
from ledger.verify import verify_consistency
from verifier.auditstate import AuditState
from verifier.errors import (
    AuditAuthorityError,
    AuditCheckpointError,
    AuditCredentialDigestError,
    AuditCredentialError,
    AuditCredentialMissingError,
    AuditEntryError,
    AuditError,
    AuditForkError,
    AuditMalformedError,
    AuditMissingError,
    AuditRecordError,
    AuditRootError,
    AuditStateError,
    AuditTileError,
)
from verifier.source import TileSource

__all__ = [
    "AuditProblem",
    "AuditReport",
    "RecordChecker",
    "RecordReplay",
    "audit_log",
    "open_checkpoint_note",
]


@dataclass(frozen=True)
class AuditProblem:
    """One thing wrong with the log: a stable code, the first log index concerned (if any), a message, and
    the underlying code where the problem wraps another (a credential's ``passport.*``, a rule's
    ``registry.*``)."""

    code: str
    index: int | None
    message: str
    cause: str | None = None

    @classmethod
    def of(cls, error: AuditError) -> AuditProblem:
        """The problem an audit error describes."""
        return cls(error.code, error.index, error.message)


RecordChecker = Callable[[int, bytes], Sequence[AuditProblem]]
"""Called with each entry's index and exact bytes; returns the problems it finds (none for a good record)."""


class RecordReplay(Protocol):
    """Checks the log's records a run of consecutive entries at a time, in log order; it may work ahead and
    answer for a run later (every problem carries its index)."""

    def known(self, first: int, entries: Sequence[bytes]) -> Sequence[AuditProblem]:
        """Entries ``first``, ``first + 1``, ... that an earlier audit verified (a resumed audit gives every
        one, from 0, before any new entry): rebuild what later entries are judged against."""
        ...

    def check(self, first: int, entries: Sequence[bytes]) -> Sequence[AuditProblem]:
        """New entries ``first``, ``first + 1``, ...; the problems found so far (of these or earlier ones)."""
        ...

    def finish(self) -> Sequence[AuditProblem]:
        """No more entries: the problems of every entry not answered for yet."""
        ...


@dataclass(frozen=True)
class AuditReport:
    """What an audit covered and found. ``state`` is what the next run resumes from (None after a problem
    with the tree: a later run then starts again from the last clean state)."""

    origin: str | None
    size: int
    root: bytes | None
    resumed_from: int
    entries: int
    tiles: int
    checkpoints: int
    problems: tuple[AuditProblem, ...]
    state: AuditState | None = field(default=None, repr=False)

    @property
    def clean(self) -> bool:
        """Whether no problem was found (a summary for people, not a verification)."""
        return not self.problems

    def raise_first(self) -> None:
        """Raise the first problem as its error.

        Raises:
            AuditError: the first problem found (a subclass with the problem's code where one exists).
        """
        if self.problems:
            p = self.problems[0]
            kind = _ERRORS.get(p.code)
            if kind is not None:
                raise kind(p.message, index=p.index)
            # A record checker's own code: keep it on a plain AuditError.
            err = AuditError(p.message, index=p.index)
            err.code = p.code
            raise err


_ERRORS: dict[str, type[AuditError]] = {
    cls.code: cls
    for cls in (
        AuditAuthorityError,
        AuditCheckpointError,
        AuditCredentialDigestError,
        AuditCredentialError,
        AuditCredentialMissingError,
        AuditEntryError,
        AuditForkError,
        AuditMalformedError,
        AuditMissingError,
        AuditRecordError,
        AuditRootError,
        AuditStateError,
        AuditTileError,
    )
}


def open_checkpoint_note(note_bytes: bytes, policy: Policy) -> Checkpoint:
    """Open a checkpoint note with the log's key from ``policy`` (chosen by the note's origin).

    Raises:
        AuditCheckpointError: the note does not parse, is not a checkpoint, or the log's key did not sign it.
    """
    try:
        note = parse_note(note_bytes)
        checkpoint = parse_checkpoint(note.text)
        policy.verify_log(note, checkpoint)
    except LedgerError as e:
        raise AuditCheckpointError(f"checkpoint: {e.message} ({e.code})") from e
    return checkpoint


class _LatestTiles:
    """A ``TileReader`` for ``ledger.tileproof`` over the source, always reading a tile at its width in the
    latest tree (a wider version is allowed: only the prefix asked for is used), so older partial tiles need
    not be served."""

    def __init__(self, source: TileSource, size: int) -> None:
        self.source = source
        self.size = size

    def read_tiles(self, keys: Sequence[TileKey]) -> list[bytes]:
        out = []
        for key in keys:
            latest = TileKey(key.level, key.index, tile_width(key.level, key.index, self.size))
            try:
                out.append(self.source.tile(latest))
            except AuditMissingError as e:
                raise TileError(e.message) from e
        return out


def _first_index(level: int, node: int) -> int:
    """The first entry under node ``node`` at tile level ``level`` (height 8 * level)."""
    return node << (TILE_HEIGHT * level)


def _first_difference(a: bytes, b: bytes) -> int:
    """The offset (in hashes) of the first hash that differs between two equal-length tiles."""
    for i in range(0, len(a), HASH_SIZE):
        if not hmac.compare_digest(a[i : i + HASH_SIZE], b[i : i + HASH_SIZE]):
            return i // HASH_SIZE
    return len(a) // HASH_SIZE


@dataclass
class _Run:
    """The mutable bookkeeping of one audit."""

    source: TileSource
    size: int
    problems: list[AuditProblem] = field(default_factory=list)
    mismatches: list[tuple[int, int, str]] = field(default_factory=list)  # (level, first entry, message)
    tiles: int = 0
    tree_problems: int = 0
    broken: bool = False

    def add(self, error: AuditError) -> None:
        """Report a problem with the tree (a record checker's problems are appended directly)."""
        self.problems.append(AuditProblem.of(error))
        self.tree_problems += 1

    def compare(self, level: int, index: int, hashes: bytes) -> None:
        """Compare a recomputed tile with the served one; note a difference for classification."""
        width = len(hashes) // HASH_SIZE
        key = TileKey(level, index, width)
        first = _first_index(level, index * TILE_WIDTH)
        try:
            served = self.source.tile(key)
        except AuditMissingError as e:
            self.add(AuditMissingError(f"tile {level}/{index} (width {width}): {e.message}", index=first))
            self.broken = True
            return
        self.tiles += 1
        if len(served) != len(hashes):
            self.add(
                AuditMalformedError(
                    f"tile {level}/{index} is {len(served)} bytes, want {len(hashes)}", index=first
                )
            )
            self.broken = True
            return
        if hmac.compare_digest(served, hashes):
            return
        offset = _first_difference(served, hashes)
        at = _first_index(level, index * TILE_WIDTH + offset)
        self.mismatches.append((level, at, f"tile {level}/{index} hash {offset}"))

    def classify(self, root_ok: bool) -> None:
        """Turn tile differences into problems (see the module docstring)."""
        reported: list[int] = []
        for level, at, where in sorted(self.mismatches):
            span = 1 << (TILE_HEIGHT * level)
            if any(at <= r < at + span for r in reported):
                continue
            reported.append(at)
            if level == 0 and not root_ok:
                self.add(AuditEntryError(f"entry {at} does not hash to {where}: the entry changed", index=at))
            else:
                self.add(AuditTileError(f"{where} (entry {at}) is not what the entries give", index=at))


def _check_history(run: _Run, state: AuditState, checkpoint: Checkpoint) -> bool:
    """Step 2: is the tree ``state`` verified a prefix of the new one? False after reporting a fork."""
    old, new = state.size, checkpoint.size
    if state.origin != checkpoint.origin:
        run.add(AuditStateError(f"the state is of log {state.origin!r}, not {checkpoint.origin!r}"))
        return False
    if new < old:
        run.add(AuditForkError(f"the log shrank from {old} to {new} entries", index=new))
        return False
    if old == 0:
        return True
    reader = _LatestTiles(run.source, new)
    # Compare the verified right edge with the new tree's nodes at the same places, leftmost first: the
    # highest level's incomplete tile covers the oldest entries.
    ids: list[NodeID] = []
    stored: list[bytes] = []
    for level in reversed(range(len(state.partial))):
        data = state.partial[level]
        count = len(data) // HASH_SIZE
        first = (old >> (TILE_HEIGHT * level)) - count
        ids += [NodeID(TILE_HEIGHT * level, first + i) for i in range(count)]
        stored += [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(count)]
    try:
        served = tileproof.node_hashes(reader, new, ids)
        proof = tileproof.consistency_proof(reader, old, new)
    except LedgerError as e:
        run.add(AuditMissingError(f"cannot read the tiles of the verified tree: {e.message}", index=0))
        return False
    for node, mine, theirs in zip(ids, stored, served, strict=True):
        if not hmac.compare_digest(mine, theirs):
            run.add(
                AuditForkError(
                    f"entries {node.begin}..{node.end - 1} differ from the tree verified at size {old}:"
                    " the log's history was rewritten",
                    index=node.begin,
                )
            )
            return False
    try:
        if old == new:
            if not hmac.compare_digest(state.root, checkpoint.root):
                raise AuditForkError(f"two checkpoints of size {old} sign different roots", index=old)
        else:
            verify_consistency(old, new, state.root, checkpoint.root, proof)
    except AuditForkError as e:
        run.add(e)
        return False
    except LedgerError:
        # The verified tree is a prefix of the served tiles, so the served tiles do not give the new root:
        # the replay names the tile or the root that is wrong.
        pass
    return True


def _read_bundle(run: _Run, bundle: int) -> list[bytes] | None:
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


def _first_changed(run: _Run, verified: int) -> int:
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


def _replay_known(run: _Run, start: int, root: bytes, records: RecordReplay) -> list[bytes] | None:
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


def _replay(
    run: _Run,
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


def _check_partials(run: _Run, replay: TileReplay) -> None:
    for level, data in enumerate(replay.partial_tiles()):
        if data:
            run.compare(level, (run.size >> (TILE_HEIGHT * level)) // TILE_WIDTH, data)


def _check_checkpoints(run: _Run, policy: Policy, notes: Iterable[bytes], latest: Checkpoint) -> int:
    """Step 5: every stored checkpoint opens and is consistent with the one before; returns how many."""
    reader = _LatestTiles(run.source, run.size)
    previous = Checkpoint(latest.origin, 0, EMPTY_ROOT)
    checked = 0
    for note in notes:
        try:
            cp = open_checkpoint_note(note, policy)
        except AuditCheckpointError as e:
            run.add(e)
            continue
        checked += 1
        if cp.origin != latest.origin or not previous.size <= cp.size <= run.size:
            run.add(
                AuditCheckpointError(
                    f"checkpoint {cp.origin} {cp.size} is out of place after size {previous.size}"
                    f" in a log of {run.size}",
                    index=cp.size,
                )
            )
            continue
        try:
            if cp.size == 0 or previous.size == cp.size:
                want = EMPTY_ROOT if cp.size == 0 else previous.root
                if not hmac.compare_digest(want, cp.root):
                    raise AuditForkError(f"checkpoint {cp.size} signs another root", index=cp.size)
            elif previous.size:
                proof = tileproof.consistency_proof(reader, previous.size, cp.size)
                verify_consistency(previous.size, cp.size, previous.root, cp.root, proof)
        except AuditForkError as e:
            run.add(e)
        except LedgerError as e:
            run.add(
                AuditForkError(
                    f"checkpoint {cp.size} is not consistent with checkpoint {previous.size} ({e.code})",
                    index=previous.size,
                )
            )
        previous = cp
    if previous.size != latest.size or not hmac.compare_digest(previous.root, latest.root):
        run.add(AuditForkError(f"the latest stored checkpoint is not {latest.size}", index=latest.size))
    return checked


def audit_log(
    source: TileSource,
    policy: Policy,
    *,
    state: AuditState | None = None,
    record_checker: RecordChecker | None = None,
    record_replay: RecordReplay | None = None,
    checkpoints: Iterable[bytes] | None = None,
) -> AuditReport:
    """Replay the log ``source`` serves and report every problem found (see the module docstring).

    Args:
        source: the log's checkpoint, tiles and bundles.
        policy: names the log's key for its origin (its witnesses are not consulted).
        state: what an earlier clean run verified; the audit checks the new checkpoint against it and resumes.
        record_checker: called with every entry not verified before, in order.
        record_replay: given every entry a run at a time (the entries verified before too, on a resumed
            audit, through ``known``), and asked to ``finish`` at the end of the replay.
        checkpoints: every checkpoint note the log keeps, in ascending size, the latest included.

    Returns:
        The report; its ``state`` is set when the tree checks found nothing wrong.
    """
    try:
        note = source.checkpoint()
        checkpoint = open_checkpoint_note(note, policy)
    except AuditError as e:
        return AuditReport(None, 0, None, 0, 0, 0, 0, (AuditProblem.of(e),))
    run = _Run(source, checkpoint.size)
    start = 0
    replay = TileReplay()
    if state is not None:
        try:
            fresh = _check_history(run, state, checkpoint)
            replay = state.replay()
        except AuditStateError as e:
            run.add(e)
            fresh = False
        if not fresh:
            return _report(checkpoint, state.size, 0, run, None)
        start = state.size
    _replay(run, replay, start, record_checker, record_replay, None if state is None else state.root)
    if not run.broken:
        _check_partials(run, replay)
    root_ok = not run.broken and hmac.compare_digest(replay.root(), checkpoint.root)
    if not run.broken and not root_ok:
        run.add(
            AuditRootError(f"the entries do not give the root checkpoint {checkpoint.size} signs", index=None)
        )
    run.classify(root_ok)
    counted = 0
    if checkpoints is not None and root_ok and not run.tree_problems:
        counted = _check_checkpoints(run, policy, checkpoints, checkpoint)
    new_state = None
    if not run.tree_problems:
        partial = tuple(replay.partial_tiles())
        new_state = AuditState(checkpoint.origin, checkpoint.size, checkpoint.root, note, partial)
    return _report(checkpoint, start, 0 if run.broken else checkpoint.size - start, run, new_state, counted)


def _report(
    checkpoint: Checkpoint,
    start: int,
    entries: int,
    run: _Run,
    state: AuditState | None,
    checkpoints: int = 0,
) -> AuditReport:
    return AuditReport(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.root,
        resumed_from=start,
        entries=entries,
        tiles=run.tiles,
        checkpoints=checkpoints,
        problems=tuple(run.problems),
        state=state,
    )
