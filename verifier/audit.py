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
from collections.abc import Iterable
from dataclasses import dataclass, field

from ledger import tileproof
from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.compact import NodeID
from ledger.errors import LedgerError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.note import parse_note
from ledger.policy import Policy
from ledger.tilereplay import TileReplay
from ledger.tiles import TILE_HEIGHT
from ledger.verify import verify_consistency
from verifier.auditreplay import check_partials, replay_entries
from verifier.auditrun import AuditProblem, LatestTiles, RecordChecker, RecordReplay, Run
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


def _check_history(run: Run, state: AuditState, checkpoint: Checkpoint) -> bool:
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
    reader = LatestTiles(run.source, new)
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


def _check_checkpoints(run: Run, policy: Policy, notes: Iterable[bytes], latest: Checkpoint) -> int:
    """Step 5: every stored checkpoint opens and is consistent with the one before; returns how many."""
    reader = LatestTiles(run.source, run.size)
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
    run = Run(source, checkpoint.size)
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
    replay_entries(run, replay, start, record_checker, record_replay, None if state is None else state.root)
    if not run.broken:
        check_partials(run, replay)
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
    run: Run,
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
