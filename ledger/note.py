"""C2SP signed-note (c2sp.org/signed-note): text signed by one or more keys, with Ed25519 (type 0x01).

A note is a text ending in a newline, a blank line, and one or more signature lines
``— <key name> base64(key ID || signature)``. The text is separated from the signatures by the last blank
line. Parsing (:func:`parse_note`) is purely syntactic and keeps the exact text and every signature line in
order, so :meth:`Note.to_bytes` gives back the bytes parsed. :func:`open_note` checks the signatures against
the verifiers a caller trusts: signatures from unknown keys are kept but ignored, a bad signature from a
known key rejects the whole note, and a note no known key signed is rejected.

Verifiers and signers are small protocols (a name, a 4-byte key ID, ``verify``/``sign``), so other signature
types plug in: :mod:`ledger.cosignature` supplies the tlog-cosignature/v1 type (0x04). Key names, key IDs,
the ``vkey``/``skey`` strings and the Ed25519 classes live in :mod:`ledger.notekeys` and are re-exported here.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ledger.errors import KeyFormatError, MalformedError, UnknownKeyError
from ledger.notekeys import (
    KEY_ID_SIZE,
    SIG_TYPE_ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    decode_b64,
    encode_key,
    key_id,
    parse_skey,
    parse_vkey,
    validate_key_name,
)

__all__ = [
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "SIG_TYPE_ED25519",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "NoteSignature",
    "Signer",
    "VerifiedNote",
    "Verifier",
    "decode_b64",
    "encode_key",
    "key_id",
    "open_note",
    "parse_note",
    "parse_skey",
    "parse_vkey",
    "sign_note",
    "validate_key_name",
    "verify_note",
]

MAX_SIGNATURES = 100
"""Most signature lines a note may carry (the spec asks for at least 16; golang.org/x/mod uses 100)."""

MAX_NOTE_BYTES = 1 << 20
"""Longest note accepted, in bytes: room for 100 post-quantum signatures of nearly 5 kB each."""

_SIG_PREFIX = "— "  # em dash (U+2014), space
# Every C0 control character but newline, as a pattern over text and as the bytes that encode them.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_CONTROL_BYTES = bytes(range(0x20)).replace(b"\n", b"")


class Verifier(Protocol):
    """One trusted key: its name and key ID select its signatures, ``verify`` checks one."""

    @property
    def name(self) -> str:
        """The key name signature lines carry."""
        ...

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID signature lines carry."""
        ...

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check ``signature`` (without its key ID) over the note text ``message``; raise SignatureError."""
        ...


class Signer(Protocol):
    """One private key that signs note texts."""

    @property
    def name(self) -> str:
        """The key name written on signature lines."""
        ...

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID written before each signature."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Return the signature (without key ID) over the note text ``message``."""
        ...


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, and the signature bytes that follow the ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, ``— <name> <base64(key ID || signature)>`` and a newline."""
        b64 = binascii.b2a_base64(self.key_id + self.signature, newline=False).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {b64}\n"


def _check_text(text: str, what: str) -> None:
    bad = _CONTROL.search(text)
    if bad is not None:
        raise MalformedError(f"{what} contains control character U+{ord(bad.group()):04X}")


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise MalformedError("signature line does not start with an em dash and a space")
    name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep or not b64:
        raise MalformedError("signature line has no signature")
    try:
        validate_key_name(name)
    except KeyFormatError as e:
        raise MalformedError(f"signature line: {e.message}") from e
    raw = decode_b64(b64, "signature")
    if len(raw) <= KEY_ID_SIZE:
        raise MalformedError("signature is too short to hold a key ID and a signature")
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


@dataclass(frozen=True)
class Note:
    """A signed note as parsed: the exact text (with its final newline) and every signature, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        """The note on the wire: text, blank line, signature lines."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")

    def with_signatures(self, signatures: Iterable[NoteSignature]) -> Note:
        """Return this note with ``signatures`` appended (for example, a witness's cosignature lines)."""
        return Note(self.text, self.signatures + tuple(signatures))


def parse_note(data: bytes) -> Note:
    """Parse a signed note's syntax, verifying nothing.

    Raises:
        MalformedError: when the note is too long, not UTF-8, holds a control character other than newline,
            has no blank line before its signatures, a malformed signature line, or too many signatures.
    """
    if len(data) > MAX_NOTE_BYTES:
        raise MalformedError(f"note is {len(data)} bytes, the limit is {MAX_NOTE_BYTES}")
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedError("note is not valid UTF-8") from e
    # UTF-8 encodes each character below U+0080 as that byte, and no other character uses bytes below 0x80,
    # so the text holds a control character exactly when its bytes hold a control byte: one C-level pass
    # over the bytes finds out, and the slower search over the text then names the character.
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        _check_text(whole, "note")
        raise MalformedError("note contains a control character")
    split = whole.rfind("\n\n")
    if split < 0:
        raise MalformedError("note has no blank line before its signatures")
    text, block = whole[: split + 1], whole[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedError("note has no signatures, or its last line does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedError(f"note has {len(lines)} signatures, the limit is {MAX_SIGNATURES}")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


@dataclass(frozen=True)
class VerifiedNote:
    """A note at least one trusted key signed: ``verified`` were checked, ``unverified`` came from unknown
    keys and were ignored."""

    note: Note
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    @property
    def text(self) -> str:
        """The note's text, which its verified signatures cover."""
        return self.note.text

    def signed_by(self, verifier: Verifier) -> bool:
        """Whether a verified signature was made by ``verifier``'s key."""
        return any(s.name == verifier.name and s.key_id == verifier.key_id for s in self.verified)


def _index_verifiers(verifiers: Iterable[Verifier]) -> dict[tuple[str, bytes], Verifier]:
    index: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        k = (v.name, bytes(v.key_id))
        if k in index and index[k] != v:
            raise KeyFormatError(f"two trusted keys share name {v.name!r} and key ID {v.key_id.hex()}")
        index[k] = v
    return index


def open_note(data: bytes, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Parse a signed note and check its signatures against the trusted ``verifiers``.

    A signature is matched to a verifier by both key name and key ID; others are ignored. Every signature
    from a known key must verify, and at least one must exist.

    Raises:
        MalformedError: when the note does not parse (see :func:`parse_note`).
        KeyFormatError: when two verifiers share a name and key ID.
        SignatureError: when a signature from a known key does not verify.
        UnknownKeyError: when no known key signed the note.
    """
    note = parse_note(data)
    return verify_note(note, verifiers)


def verify_note(note: Note, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Check a parsed note's signatures against ``verifiers``; see :func:`open_note`.

    Raises:
        KeyFormatError: when two verifiers share a name and key ID.
        SignatureError: when a signature from a known key does not verify.
        UnknownKeyError: when no known key signed the note.
    """
    index = _index_verifiers(verifiers)
    message = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for sig in note.signatures:
        verifier = index.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.append(sig)
            continue
        verifier.verify(message, sig.signature)
        verified.append(sig)
    if not verified:
        raise UnknownKeyError("no signature on the note is from a trusted key")
    return VerifiedNote(note, tuple(verified), tuple(unverified))


def sign_note(text: str, signers: Sequence[Signer]) -> Note:
    """Sign ``text`` with each signer, in order, and return the note.

    Raises:
        MalformedError: when the text does not end in a newline or holds a control character.
        KeyFormatError: when a signer's name is not a valid key name.
    """
    if not text.endswith("\n"):
        raise MalformedError("note text does not end in a newline")
    _check_text(text, "note text")
    if not signers:
        raise MalformedError("a note needs at least one signature")
    message = text.encode("utf-8")
    sigs = []
    for s in signers:
        validate_key_name(s.name)
        sigs.append(NoteSignature(s.name, bytes(s.key_id), s.sign(message)))
    return Note(text, tuple(sigs))
