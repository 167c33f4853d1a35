"""The state an audit keeps between runs, so it can resume: a small JSON file.

It holds what the last clean run verified: the log's origin, the tree size and root, the checkpoint note it
judged by (kept verbatim: with a later, inconsistent note signed by the same key it is evidence of a fork),
and the tree's right edge as the incomplete hash tile of each level (``ledger.tilereplay``): at most 255
hashes a level, from which the replay resumes at the size verified without re-reading earlier entries, and
against which a later tree is compared node by node to locate a rewrite of history.

Format (``"v": 1``)::

    {"v": 1, "origin": "...", "size": 1000, "root": "<base64>", "checkpoint": "<the note>",
     "partial": ["<base64 of level 0's incomplete tile>", ...]}
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import LedgerError
from ledger.hashing import HASH_SIZE
from ledger.tilereplay import TileReplay
from verifier.errors import AuditStateError

__all__ = ["AuditState", "load_state", "parse_state", "save_state"]

STATE_VERSION = 1


@dataclass(frozen=True)
class AuditState:
    """What a clean audit verified (see the module docstring)."""

    origin: str
    size: int
    root: bytes
    checkpoint: bytes
    partial: tuple[bytes, ...]

    def to_bytes(self) -> bytes:
        """The state file's bytes."""
        doc = {
            "v": STATE_VERSION,
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode("ascii"),
            "checkpoint": self.checkpoint.decode("utf-8"),
            "partial": [base64.b64encode(p).decode("ascii") for p in self.partial],
        }
        return (json.dumps(doc, indent=1) + "\n").encode("utf-8")

    def replay(self) -> TileReplay:
        """The tile replay of the verified tree, ready to take the entries after it.

        Raises:
            AuditStateError: the incomplete tiles do not have the shape the size gives.
        """
        try:
            return TileReplay.resume(self.size, self.partial)
        except LedgerError as e:
            raise AuditStateError(f"audit state: {e.message}") from e


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise AuditStateError(f"audit state: {what} is not a string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise AuditStateError(f"audit state: {what} is not base64") from e


def parse_state(data: bytes) -> AuditState:
    """Parse a state file.

    Raises:
        AuditStateError: it is not the JSON this module writes, or a field has the wrong shape.
    """
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AuditStateError(f"audit state is not JSON: {e}") from e
    if not isinstance(doc, dict) or doc.get("v") != STATE_VERSION:
        raise AuditStateError(f"audit state is not a version {STATE_VERSION} object")
    origin, size, note, partial = (
        doc.get("origin"),
        doc.get("size"),
        doc.get("checkpoint"),
        doc.get("partial"),
    )
    if not isinstance(origin, str) or not origin:
        raise AuditStateError("audit state: origin is missing")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise AuditStateError("audit state: size is not a non-negative integer")
    if not isinstance(note, str) or not isinstance(partial, list):
        raise AuditStateError("audit state: checkpoint or partial is missing")
    root = _b64(doc.get("root"), "root")
    if len(root) != HASH_SIZE:
        raise AuditStateError(f"audit state: root is {len(root)} bytes")
    state = AuditState(origin, size, root, note.encode("utf-8"), tuple(_b64(p, "partial") for p in partial))
    state.replay()  # checks the incomplete tiles' shape now, not halfway through an audit
    return state


def load_state(path: Path) -> AuditState | None:
    """Read the state file at ``path``; None when there is none yet.

    Raises:
        AuditStateError: it cannot be read or does not parse.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AuditStateError(f"cannot read audit state {path}: {e.strerror}") from e
    return parse_state(data)


def save_state(path: Path, state: AuditState) -> None:
    """Write the state file atomically (a reader sees the old file or the new one, never half of one).

    Raises:
        AuditStateError: it cannot be written.
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(state.to_bytes())
        os.replace(tmp, path)
    except OSError as e:
        raise AuditStateError(f"cannot write audit state {path}: {e.strerror}") from e
