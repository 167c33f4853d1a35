"""File-backed witness state for C2SP tlog-witness: one JSON file per origin, updated atomically.

The spec requires the check of the old size and the write of the new checkpoint to be atomic (tlog-witness,
"add-checkpoint"), or two concurrent requests can roll the recorded size back. Each origin's record lives in
``<sha256(origin) hex>.json``; a compare-and-swap takes an exclusive ``fcntl`` lock on the origin's lock file,
re-reads the record, and only if it is the expected one writes a temporary file, fsyncs it, renames it over
the record and fsyncs the directory. Readers see either the old or the new record, never a torn one.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from pathlib import Path

from ledger.errors import StorageError
from ledger.hashing import HASH_SIZE

__all__ = ["FileWitnessState"]


class FileWitnessState:
    """A :class:`ledger.witness.WitnessState` kept in a directory, safe across processes."""

    def __init__(self, directory: Path) -> None:
        """Use (and create, mode 0700) ``directory`` for the records."""
        self.directory = directory
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _paths(self, origin: str) -> tuple[Path, Path]:
        stem = hashlib.sha256(origin.encode("utf-8")).hexdigest()
        return self.directory / f"{stem}.json", self.directory / f"{stem}.lock"

    def _read(self, path: Path, origin: str) -> tuple[int, bytes] | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StorageError(f"cannot read witness state {path}: {e.strerror}") from e
        try:
            record = json.loads(raw)
            size, root = record["size"], base64.b64decode(record["root"], validate=True)
            ok = record["origin"] == origin and isinstance(size, int) and size >= 0 and len(root) == HASH_SIZE
        except (ValueError, KeyError, TypeError) as e:
            raise StorageError(f"witness state {path} is corrupt") from e
        if not ok:
            raise StorageError(f"witness state {path} is corrupt or belongs to another origin")
        return size, root

    def load(self, origin: str) -> tuple[int, bytes] | None:
        """Return the recorded (size, root) for ``origin``, or None.

        Raises:
            StorageError: when the record cannot be read or is corrupt.
        """
        return self._read(self._paths(origin)[0], origin)

    def compare_and_swap(self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]) -> bool:
        """Durably replace record ``old`` by ``new``; return False, changing nothing, if it was not ``old``.

        Raises:
            StorageError: when the record cannot be read or written.
        """
        path, lock_path = self._paths(origin)
        try:
            lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise StorageError(f"cannot open witness lock {lock_path}: {e.strerror}") from e
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            if self._read(path, origin) != old:
                return False
            record = {"origin": origin, "size": new[0], "root": base64.b64encode(new[1]).decode("ascii")}
            tmp = path.with_suffix(".tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                try:
                    os.write(fd, json.dumps(record, sort_keys=True).encode("utf-8") + b"\n")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, path)
                dir_fd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            except OSError as e:
                raise StorageError(f"cannot write witness state {path}: {e.strerror}") from e
            return True
        finally:
            os.close(lock_fd)  # closing the descriptor releases the flock
