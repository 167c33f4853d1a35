"""C2SP signed-note (c2sp.org/signed-note): text signed by one or more keys, with Ed25519 (type 0x01).

A note is a text ending in a newline, a blank line, and one or more signature lines
``— <key name> base64(key ID || signature)``. The text is separated from the signatures by the last blank
line. Parsing (:func:`parse_note`) is purely syntactic and keeps the exact text and every signature line in
order, so :meth:`Note.to_bytes` gives back the bytes parsed. :func:`open_note` checks the signatures against
the verifiers a caller trusts: signatures from unknown keys are kept but ignored, a bad signature from a
known key rejects the whole note, and a note no known key signed is rejected.

Verifiers and signers are small protocols (a name, a 4-byte key ID, ``verify``/``sign``), so other signature
types plug in: :mod:`ledger.cosignature` supplies the tlog-cosignature/v1 type (0x04). Verifier keys are
``<name>+<hex key ID>+<base64(type || public key)>`` and signer keys ``PRIVATE+KEY+<name>+<hex key ID>+
<base64(type || private key)>``, as golang.org/x/mod/sumdb/note writes them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import KeyFormatError, MalformedError, SignatureError, UnknownKeyError

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

SIG_TYPE_ED25519 = 0x01
"""Signature type byte of plain Ed25519 note signatures (signed-note, "Ed25519 signatures")."""

MAX_SIGNATURES = 100
"""Most signature lines a note may carry (the spec asks for at least 16; golang.org/x/mod uses 100)."""

MAX_NOTE_BYTES = 1 << 20
"""Longest note accepted, in bytes: room for 100 post-quantum signatures of nearly 5 kB each."""

_SIG_PREFIX = "— "  # em dash (U+2014), space
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_KEY_ID_SIZE = 4
_ED25519_KEY_SIZE = 32
_ED25519_SIG_SIZE = 64


def decode_b64(text: str, what: str) -> bytes:
    """Decode standard, padded base64 (RFC 4648 section 4) and insist it is the canonical encoding.

    Refusing non-canonical encodings (stray bits in the last character) keeps every parse-format round trip
    byte-exact.

    Raises:
        MalformedError: when ``text`` is not canonical base64.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise MalformedError(f"{what} is not base64") from e
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedError(f"{what} is not canonical base64")
    return raw


def validate_key_name(name: str) -> None:
    """Check a key name: non-empty, no Unicode space, no plus sign, no control character.

    Raises:
        KeyFormatError: when the name breaks one of those rules.
    """
    if not name:
        raise KeyFormatError("key name is empty")
    for ch in name:
        if ch == "+" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F:
            raise KeyFormatError(f"key name {name!r} contains {ch!r}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as e:
        raise KeyFormatError("key name is not valid UTF-8") from e


def key_id(name: str, typed_public_key: bytes) -> bytes:
    """Return SHA-256(name || 0x0A || type || public key)[:4], the recommended key ID.

    ``typed_public_key`` is the signature type byte followed by the public key, as a vkey carries it.
    """
    return hashlib.sha256(name.encode("utf-8") + b"\n" + typed_public_key).digest()[:_KEY_ID_SIZE]


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


def _split_key(encoded: str, parts: int, what: str) -> list[str]:
    # The base64 key material may itself contain '+', so split only the leading fields off.
    fields = encoded.split("+", parts - 1)
    if len(fields) != parts:
        raise KeyFormatError(f"{what} does not have {parts} '+'-separated fields")
    return fields


def _decode_key_fields(name: str, id_hex: str, key_b64: str, what: str) -> tuple[bytes, bytes]:
    validate_key_name(name)
    if len(id_hex) != 2 * _KEY_ID_SIZE or any(c not in "0123456789abcdefABCDEF" for c in id_hex):
        raise KeyFormatError(f"{what} key ID {id_hex!r} is not 8 hex digits")
    try:
        material = decode_b64(key_b64, f"{what} key material")
    except MalformedError as e:
        raise KeyFormatError(e.message) from e
    if not material:
        raise KeyFormatError(f"{what} has no key material")
    return bytes.fromhex(id_hex), material


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """Split a verifier key ``name+hash+base64(type || key)`` and check its key ID.

    Returns:
        (name, key ID, signature type byte, public key bytes without the type byte).

    Raises:
        KeyFormatError: when the string is malformed or the key ID does not match the key.
    """
    name, id_hex, key_b64 = _split_key(vkey, 3, "verifier key")
    kid, material = _decode_key_fields(name, id_hex, key_b64, "verifier key")
    if not hmac.compare_digest(kid, key_id(name, material)):
        raise KeyFormatError(f"verifier key {name}+{id_hex}: key ID does not match the key")
    return name, kid, material[0], material[1:]


def parse_skey(skey: str) -> tuple[str, bytes, int, bytes]:
    """Split a signer key ``PRIVATE+KEY+name+hash+base64(type || private key)``.

    The key ID is of the public key, so callers check it after deriving that key.

    Returns:
        (name, key ID, signature type byte, private key bytes without the type byte).

    Raises:
        KeyFormatError: when the string is malformed.
    """
    if not skey.startswith(_PRIVATE_PREFIX):
        raise KeyFormatError("signer key does not start with PRIVATE+KEY+")
    name, id_hex, key_b64 = _split_key(skey[len(_PRIVATE_PREFIX) :], 3, "signer key")
    kid, material = _decode_key_fields(name, id_hex, key_b64, "signer key")
    return name, kid, material[0], material[1:]


def encode_key(name: str, kid: bytes, typed_key: bytes) -> str:
    """Format ``name+<hex key ID>+<base64(type || key)>``, the shared shape of vkeys and skeys."""
    return f"{name}+{kid.hex()}+{base64.b64encode(typed_key).decode('ascii')}"


@dataclass(frozen=True)
class Ed25519Verifier:
    """An Ed25519 note verifier (signature type 0x01)."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        validate_key_name(self.name)
        if len(self.public_key) != _ED25519_KEY_SIZE:
            raise KeyFormatError(f"Ed25519 public key is {len(self.public_key)} bytes, want 32")

    @property
    def key_id(self) -> bytes:
        """SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
        return key_id(self.name, bytes([SIG_TYPE_ED25519]) + self.public_key)

    @property
    def vkey(self) -> str:
        """This key as a verifier key string."""
        return encode_key(self.name, self.key_id, bytes([SIG_TYPE_ED25519]) + self.public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        """Parse an Ed25519 verifier key.

        Raises:
            KeyFormatError: when the key is malformed, of another type, or its key ID is wrong.
        """
        name, _, sig_type, key = parse_vkey(vkey)
        if sig_type != SIG_TYPE_ED25519:
            raise KeyFormatError(f"verifier key {name} has type 0x{sig_type:02x}, want 0x01 (Ed25519)")
        return cls(name, key)

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check an Ed25519 signature over ``message``.

        Raises:
            SignatureError: when the signature is not 64 bytes or does not verify.
        """
        if len(signature) != _ED25519_SIG_SIZE:
            raise SignatureError(f"{self.name}: Ed25519 signature is {len(signature)} bytes, want 64")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature as e:
            raise SignatureError(f"{self.name}+{self.key_id.hex()}: signature does not verify") from e


@dataclass(frozen=True, repr=False)
class Ed25519Signer:
    """An Ed25519 note signer (signature type 0x01); ``seed`` is the 32-byte RFC 8032 private key."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        validate_key_name(self.name)
        if len(self.seed) != _ED25519_KEY_SIZE:
            raise KeyFormatError(f"Ed25519 private key is {len(self.seed)} bytes, want 32")

    def __repr__(self) -> str:
        return f"Ed25519Signer(name={self.name!r}, key_id={self.key_id.hex()})"

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        """The key ID of the matching verifier."""
        return self.verifier().key_id

    @property
    def skey(self) -> str:
        """This key as a signer key string (secret)."""
        return _PRIVATE_PREFIX + encode_key(self.name, self.key_id, bytes([SIG_TYPE_ED25519]) + self.seed)

    def verifier(self) -> Ed25519Verifier:
        """The verifier for this signer's public key."""
        return Ed25519Verifier(self.name, self.public_key)

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """Parse an Ed25519 signer key and check its key ID against the derived public key.

        Raises:
            KeyFormatError: when the key is malformed, of another type, or its key ID is wrong.
        """
        name, kid, sig_type, seed = parse_skey(skey)
        if sig_type != SIG_TYPE_ED25519:
            raise KeyFormatError(f"signer key {name} has type 0x{sig_type:02x}, want 0x01 (Ed25519)")
        signer = cls(name, seed)
        if not hmac.compare_digest(kid, signer.key_id):
            raise KeyFormatError(f"signer key {name}: key ID does not match the key")
        return signer

    def sign(self, message: bytes) -> bytes:
        """Return the deterministic Ed25519 signature over ``message``."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, and the signature bytes that follow the ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, ``— <name> <base64(key ID || signature)>`` and a newline."""
        b64 = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {b64}\n"


def _check_text(text: str, what: str) -> None:
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise MalformedError(f"{what} contains control character U+{ord(ch):04X}")


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
    if len(raw) <= _KEY_ID_SIZE:
        raise MalformedError("signature is too short to hold a key ID and a signature")
    return NoteSignature(name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:])


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
    _check_text(whole, "note")
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
