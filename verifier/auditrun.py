"""The bookkeeping one audit shares between its steps (``verifier.audit``): the problems found, the tiles
compared and their differences, the reading of bundles and tiles, and what a record check is given.

Split from ``verifier.audit`` (which re-exports :class:`AuditProblem`, :data:`RecordChecker` and
:class:`RecordReplay`) so that the replay of entries (``verifier.auditreplay``) and the checks of the tree's
history share it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ledger.errors import TileError
from ledger.hashing import HASH_SIZE
from ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileKey, tile_width
from verifier.errors import (
    AuditEntryError,
    AuditError,
    AuditMalformedError,
    AuditMissingError,
    AuditTileError,
)
from verifier.source import TileSource

__all__ = ["AuditProblem", "LatestTiles", "RecordChecker", "RecordReplay", "Run"]


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


class LatestTiles:
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
class Run:
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
