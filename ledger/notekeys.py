"""C2SP signed-note (c2sp.org/signed-note), "Verifier keys" and "Ed25519": key names, key IDs, key strings.

Verifier keys are ``<name>+<hex key ID>+<base64(type || public key)>`` and signer keys ``PRIVATE+KEY+<name>+
<hex key ID>+<base64(type || private key)>``, as golang.org/x/mod/sumdb/note writes them; the key ID is
SHA-256(name || 0x0A || type || public key)[:4]. :class:`Ed25519Verifier` and :class:`Ed25519Signer` are the
plain Ed25519 type (0x01), built on :class:`Ed25519VerifierBase` and :class:`Ed25519SignerBase`, which
:mod:`ledger.cosignature` shares. A verifier computes its key ID and loads its public key once, when it is
made, so checking many notes against one trusted key repeats neither the hash nor the key load.
:mod:`ledger.note` re-exports everything in ``__all__``.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import KeyFormatError, MalformedError, SignatureError

__all__ = [
    "KEY_ID_SIZE",
    "PRIVATE_PREFIX",
    "SIG_TYPE_ED25519",
    "Ed25519Signer",
    "Ed25519Verifier",
    "decode_b64",
    "encode_key",
    "key_id",
    "load_ed25519_public_key",
    "parse_skey",
    "parse_vkey",
    "validate_key_name",
]

SIG_TYPE_ED25519 = 0x01
"""Signature type byte of plain Ed25519 note signatures (signed-note, "Ed25519 signatures")."""

KEY_ID_SIZE = 4
"""Bytes in a key ID."""

PRIVATE_PREFIX = "PRIVATE+KEY+"
"""What every signer key string starts with."""

_ED25519_KEY_SIZE = 32
_ED25519_SIG_SIZE = 64

# A key name holds no '+', no Unicode space (re's \s on str patterns is exactly str.isspace; a test checks
# every code point) and no control character (C0 or DEL).
_BAD_NAME_CHAR = re.compile(r"[+\s\x00-\x1f\x7f]")
_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


def decode_b64(text: str | bytes, what: str) -> bytes:
    """Decode standard, padded base64 (RFC 4648 section 4) and insist it is the canonical encoding.

    Refusing non-canonical encodings (stray bits in the last character) keeps every parse-format round trip
    byte-exact. ``text`` may be a string or the ASCII bytes of one.

    Raises:
        MalformedError: when ``text`` is not canonical base64.
    """
    try:
        encoded = text.encode("ascii") if isinstance(text, str) else text
        # strict_mode refuses characters outside the alphabet, bad padding and data after padding, exactly
        # as base64.b64decode(validate=True) does (which calls it).
        raw = binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise MalformedError(f"{what} is not base64") from e
    if binascii.b2a_base64(raw, newline=False) != encoded:
        raise MalformedError(f"{what} is not canonical base64")
    return raw


def validate_key_name(name: str) -> None:
    """Check a key name: non-empty, no Unicode space, no plus sign, no control character.

    Raises:
        KeyFormatError: when the name breaks one of those rules.
    """
    if not name:
        raise KeyFormatError("key name is empty")
    bad = _BAD_NAME_CHAR.search(name)
    if bad is not None:
        raise KeyFormatError(f"key name {name!r} contains {bad.group()!r}")
    if not name.isascii():
        try:
            name.encode("utf-8")
        except UnicodeEncodeError as e:
            raise KeyFormatError("key name is not valid UTF-8") from e


def key_id(name: str, typed_public_key: bytes) -> bytes:
    """Return SHA-256(name || 0x0A || type || public key)[:4], the recommended key ID.

    ``typed_public_key`` is the signature type byte followed by the public key, as a vkey carries it.
    """
    return hashlib.sha256(name.encode("utf-8") + b"\n" + typed_public_key).digest()[:KEY_ID_SIZE]


def load_ed25519_public_key(name: str, public_key: bytes) -> Ed25519PublicKey:
    """Check the size of a raw Ed25519 public key and load it, once, for verifying.

    Raises:
        KeyFormatError: when the key is not 32 bytes or the library refuses it.
    """
    if len(public_key) != _ED25519_KEY_SIZE:
        raise KeyFormatError(f"Ed25519 public key is {len(public_key)} bytes, want 32")
    try:
        return Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError as e:
        raise KeyFormatError(f"{name}: Ed25519 public key does not load") from e


def _split_key(encoded: str, parts: int, what: str) -> list[str]:
    # The base64 key material may itself contain '+', so split only the leading fields off.
    fields = encoded.split("+", parts - 1)
    if len(fields) != parts:
        raise KeyFormatError(f"{what} does not have {parts} '+'-separated fields")
    return fields


def _decode_key_fields(name: str, id_hex: str, key_b64: str, what: str) -> tuple[bytes, bytes]:
    validate_key_name(name)
    if _HEX_KEY_ID.fullmatch(id_hex) is None:
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
    if not skey.startswith(PRIVATE_PREFIX):
        raise KeyFormatError("signer key does not start with PRIVATE+KEY+")
    name, id_hex, key_b64 = _split_key(skey[len(PRIVATE_PREFIX) :], 3, "signer key")
    kid, material = _decode_key_fields(name, id_hex, key_b64, "signer key")
    return name, kid, material[0], material[1:]


def encode_key(name: str, kid: bytes, typed_key: bytes) -> str:
    """Format ``name+<hex key ID>+<base64(type || key)>``, the shared shape of vkeys and skeys."""
    return f"{name}+{kid.hex()}+{binascii.b2a_base64(typed_key, newline=False).decode('ascii')}"


@dataclass(frozen=True)
class Ed25519VerifierBase:
    """What every Ed25519-based verifier shares, whatever its signature type (``_SIG_TYPE``): the name and
    public key, the key ID and loaded key derived once when the verifier is made, pickling, and the vkey.

    Equality and hashing use the name and public key only. Subclasses set ``_SIG_TYPE`` and ``_TYPE_NAME``
    (named in errors) and define ``verify``. Not re-exported by :mod:`ledger.note`.
    """

    _SIG_TYPE: ClassVar[int]
    _TYPE_NAME: ClassVar[str]

    name: str
    public_key: bytes
    _key_id: bytes = field(init=False, repr=False, compare=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_key_name(self.name)
        key = load_ed25519_public_key(self.name, self.public_key)
        object.__setattr__(self, "_key_id", key_id(self.name, bytes([self._SIG_TYPE]) + self.public_key))
        object.__setattr__(self, "_key", key)

    def __reduce__(self) -> tuple[Any, ...]:
        # The loaded key cannot be pickled; rebuild it from the name and the public key bytes.
        return (type(self), (self.name, self.public_key))

    @property
    def key_id(self) -> bytes:
        """SHA-256(name || 0x0A || signature type || public key)[:4]."""
        return self._key_id

    @property
    def vkey(self) -> str:
        """This key as a verifier key string with its signature type."""
        return encode_key(self.name, self.key_id, bytes([self._SIG_TYPE]) + self.public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Parse a verifier key of this class's signature type.

        Raises:
            KeyFormatError: when the key is malformed, of another type, or its key ID is wrong.
        """
        name, _, sig_type, key = parse_vkey(vkey)
        if sig_type != cls._SIG_TYPE:
            want = f"0x{cls._SIG_TYPE:02x} ({cls._TYPE_NAME})"
            raise KeyFormatError(f"verifier key {name} has type 0x{sig_type:02x}, want {want}")
        return cls(name, key)


@dataclass(frozen=True, repr=False)
class Ed25519SignerBase:
    """What every Ed25519-based signer shares, whatever its signature type (``_SIG_TYPE``): the name and the
    32-byte RFC 8032 private key ``seed``, the derived public key and key ID, and the skey.

    Subclasses set ``_SIG_TYPE`` and ``_TYPE_NAME`` (named in errors) and define ``sign`` and ``verifier``.
    Not re-exported by :mod:`ledger.note`.
    """

    _SIG_TYPE: ClassVar[int]
    _TYPE_NAME: ClassVar[str]

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        validate_key_name(self.name)
        if len(self.seed) != _ED25519_KEY_SIZE:
            raise KeyFormatError(f"Ed25519 private key is {len(self.seed)} bytes, want 32")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, key_id={self.key_id.hex()})"

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        """The key ID of the matching verifier."""
        return key_id(self.name, bytes([self._SIG_TYPE]) + self.public_key)

    @property
    def skey(self) -> str:
        """This key as a signer key string with its signature type (secret)."""
        return PRIVATE_PREFIX + encode_key(self.name, self.key_id, bytes([self._SIG_TYPE]) + self.seed)

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """Parse a signer key of this class's signature type and check its key ID against the derived
        public key.

        Raises:
            KeyFormatError: when the key is malformed, of another type, or its key ID is wrong.
        """
        return cls._from_skey(skey, cls)

    @classmethod
    def _from_skey(cls, skey: str, make: Callable[[str, bytes], Self]) -> Self:
        name, kid, sig_type, seed = parse_skey(skey)
        if sig_type != cls._SIG_TYPE:
            want = f"0x{cls._SIG_TYPE:02x} ({cls._TYPE_NAME})"
            raise KeyFormatError(f"signer key {name} has type 0x{sig_type:02x}, want {want}")
        signer = make(name, seed)
        if not hmac.compare_digest(kid, signer.key_id):
            raise KeyFormatError(f"signer key {name}: key ID does not match the key")
        return signer


@dataclass(frozen=True)
class Ed25519Verifier(Ed25519VerifierBase):
    """An Ed25519 note verifier (signature type 0x01).

    Equality and hashing use the name and public key only; the key ID and the loaded key are derived from
    them when the verifier is made.
    """

    _SIG_TYPE = SIG_TYPE_ED25519
    _TYPE_NAME = "Ed25519"

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check an Ed25519 signature over ``message``.

        Raises:
            SignatureError: when the signature is not 64 bytes or does not verify.
        """
        if len(signature) != _ED25519_SIG_SIZE:
            raise SignatureError(f"{self.name}: Ed25519 signature is {len(signature)} bytes, want 64")
        try:
            self._key.verify(signature, message)
        except InvalidSignature as e:
            raise SignatureError(f"{self.name}+{self.key_id.hex()}: signature does not verify") from e


@dataclass(frozen=True, repr=False)
class Ed25519Signer(Ed25519SignerBase):
    """An Ed25519 note signer (signature type 0x01); ``seed`` is the 32-byte RFC 8032 private key."""

    _SIG_TYPE = SIG_TYPE_ED25519
    _TYPE_NAME = "Ed25519"

    def verifier(self) -> Ed25519Verifier:
        """The verifier for this signer's public key."""
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """Return the deterministic Ed25519 signature over ``message``."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)
