"""C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint), "Note text": a log's signed tree head.

The note text is the origin line, the tree size in decimal (no sign, no leading zeros), the base64 root hash,
and optional non-empty extension lines, each ending in a newline. :func:`parse_checkpoint` and
:meth:`Checkpoint.text` are exact inverses; signing and opening go through :mod:`ledger.note`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ledger.errors import MalformedError
from ledger.hashing import HASH_SIZE
from ledger.note import Note, Signer, VerifiedNote, Verifier, decode_b64, open_note, sign_note

__all__ = [
    "MAX_TREE_SIZE",
    "Checkpoint",
    "SignedCheckpoint",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_decimal",
    "sign_checkpoint",
]

MAX_TREE_SIZE = (1 << 63) - 1
"""Largest tree size accepted: sizes and indexes fit a signed 64-bit integer, as in Go implementations."""

_CONTROL = re.compile(r"[\x00-\x1f]")


def parse_decimal(text: str, what: str) -> int:
    """Parse an ASCII decimal with no sign and no leading zeros (``0`` itself allowed), at most 2^63 - 1.

    Raises:
        MalformedError: when ``text`` is not such a decimal.
    """
    if not text or not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise MalformedError(f"{what} {text!r} is not a decimal without leading zeros")
    value = int(text)
    if value > MAX_TREE_SIZE:
        raise MalformedError(f"{what} {text} exceeds 2^63 - 1")
    return value


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint's note text, parsed: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise MalformedError("checkpoint origin is empty or spans lines")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedError(f"checkpoint size {self.size} is outside 0..2^63-1")
        if len(self.root) != HASH_SIZE:
            raise MalformedError(f"checkpoint root is {len(self.root)} bytes, want {HASH_SIZE}")
        for line in self.extensions:
            if not line or "\n" in line:
                raise MalformedError("checkpoint extension lines must be non-empty single lines")
        for line in (self.origin, *self.extensions):
            if _CONTROL.search(line) is not None:
                raise MalformedError("checkpoint line holds a control character")

    def text(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint's note text (the part the signatures cover).

    Raises:
        MalformedError: when a line is missing or empty, the size is not canonical decimal, or the root is
            not the base64 of 32 bytes.
    """
    if not text.endswith("\n"):
        raise MalformedError("checkpoint text does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedError(f"checkpoint has {len(lines)} lines, want at least 3")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise MalformedError("checkpoint origin line is empty")
    size = parse_decimal(size_text, "checkpoint size")
    root = decode_b64(root_text, "checkpoint root")
    if len(root) != HASH_SIZE:
        raise MalformedError(f"checkpoint root is {len(root)} bytes, want {HASH_SIZE}")
    if any(not line for line in extensions):
        raise MalformedError("checkpoint has an empty extension line")
    return Checkpoint(origin, size, root, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint together with the note it came in, whose log signature was verified."""

    checkpoint: Checkpoint
    note: VerifiedNote

    def to_bytes(self) -> bytes:
        """The exact signed note."""
        return self.note.note.to_bytes()


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> Note:
    """Sign a checkpoint's note text with the log's key(s).

    Raises:
        KeyFormatError: when a signer's name is not a valid key name.
    """
    return sign_note(checkpoint.text(), signers)


def open_checkpoint(data: bytes, verifiers: Iterable[Verifier]) -> SignedCheckpoint:
    """Open a signed checkpoint with the log's verifier key(s) and parse its text.

    Pass only log keys: any verified signature opens the note, so a witness key here would let a
    cosignature stand in for the log's signature.

    Raises:
        MalformedError: when the note or its checkpoint text does not parse.
        SignatureError: when a signature from a given key does not verify.
        UnknownKeyError: when none of the given keys signed the checkpoint.
    """
    verified = open_note(data, verifiers)
    return SignedCheckpoint(parse_checkpoint(verified.text), verified)
