"""A ``verifier.source.TileSource`` over a log in the database, for ``carbontrail audit --db``, and a
``verifier.credentials.CredentialSource`` over its credential store (the ``credential`` table).

It reads what the HTTP API serves, through ``ledger.storage.LogStore`` (the latest checkpoint with its
cosignatures, tiles at any width up to the log's size, entry bundles), and also lists every stored checkpoint
so the audit can check each against the one before. A bundle the database cannot fill (a dropped entry row)
is reported at the index of the first entry missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select

from api.orm import Credential
from ledger.errors import RangeError, TileError
from ledger.storage.store import LogStore
from ledger.tiles import TILE_WIDTH, TileKey
from verifier.errors import AuditMissingError


class StoreTileSource:
    """The log in ``store`` as a tile source (see the module docstring)."""

    def __init__(self, store: LogStore) -> None:
        """Read the log in ``store``."""
        self.store = store

    def checkpoint(self) -> bytes:
        """The latest checkpoint with its cosignatures.

        Raises:
            AuditMissingError: the log has no checkpoint.
        """
        latest = self.store.latest_checkpoint()
        if latest is None:
            raise AuditMissingError("the log has no checkpoint yet")
        return latest.cosigned_note

    def tile(self, key: TileKey) -> bytes:
        """Hash tile ``key``.

        Raises:
            AuditMissingError: the database cannot give it.
        """
        try:
            return self.store.read_tile(key.level, key.index, key.width)
        except TileError as e:
            raise AuditMissingError(e.message) from e

    def bundle(self, index: int, width: int) -> bytes:
        """Entry bundle ``index`` at ``width``.

        Raises:
            AuditMissingError: an entry of the bundle is not stored (``index`` is the first missing).
        """
        try:
            return self.store.read_bundle(index, width)
        except TileError as e:
            first = index * TILE_WIDTH
            for i in range(first, first + width):
                try:
                    self.store.entry(i)
                except RangeError:
                    raise AuditMissingError(f"entry {i} is not stored", index=i) from e
            raise AuditMissingError(e.message, index=first) from e

    def checkpoint_notes(self) -> Iterator[bytes]:
        """Every stored checkpoint's note (the log's signature only), in ascending size."""
        for size in self.store.checkpoint_sizes():
            yield self.store.checkpoint(size).note


class StoreCredentials:
    """The credentials stored beside the log in ``store``'s database, read as stored (a rewritten body is
    read as it is now: the audit hashes it)."""

    BATCH = 500
    """Digests asked for in one query."""

    def __init__(self, store: LogStore) -> None:
        """Read the credential table of ``store``'s database."""
        self.store = store

    def credentials(self, digests: Sequence[str]) -> dict[str, bytes]:
        """The stored bodies of those of ``digests`` the table holds."""
        found: dict[str, bytes] = {}
        unique = sorted(set(digests))
        with self.store.engine.connect() as conn:
            for start in range(0, len(unique), self.BATCH):
                chunk = unique[start : start + self.BATCH]
                rows = conn.execute(
                    select(Credential.digest, Credential.body).where(Credential.digest.in_(chunk))
                )
                for digest, body in rows:
                    found[digest] = bytes(body)
        return found
