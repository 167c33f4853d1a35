"""C2SP tlog-cosignature (c2sp.org/tlog-cosignature), the Ed25519 ``cosignature/v1`` type (0x04).

A cosignature is a note signature on a checkpoint whose key ID is SHA-256(name || 0x0A || 0x04 || public
key)[:4] and whose signature is a ``timestamped_signature``: the 8-byte big-endian POSIX timestamp, then the
Ed25519 signature over ``"cosignature/v1\\ntime <timestamp>\\n"`` followed by the checkpoint's whole note
text. :class:`CosignatureVerifier` and :class:`CosignatureSigner` satisfy :mod:`ledger.note`'s protocols,
so cosignatures are opened like any other note signature.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import MalformedError, SignatureError
from ledger.note import NoteSignature
from ledger.notekeys import Ed25519SignerBase, Ed25519VerifierBase

__all__ = [
    "MAX_TIMESTAMP",
    "SIG_TYPE_COSIGNATURE_V1",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosign",
    "cosigned_message",
    "signature_timestamp",
]

SIG_TYPE_COSIGNATURE_V1 = 0x04
"""Signature type byte of timestamped Ed25519 cosignatures (signed-note, "Signature types")."""

MAX_TIMESTAMP = (1 << 63) - 1
"""Largest timestamp a cosignature may carry (tlog-cosignature, "Format")."""

_HEADER = b"cosignature/v1\n"
_TIMESTAMP_SIZE = 8
_ED25519_SIG_SIZE = 64


def cosigned_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    """Return the message an Ed25519 v1 cosignature signs: header, time line, checkpoint note text.

    Raises:
        MalformedError: when the timestamp is negative or above 2^63 - 1, or the text does not end in a
            newline.
    """
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedError(f"cosignature timestamp {timestamp} is outside 0..2^63-1")
    if not checkpoint_text.endswith(b"\n"):
        raise MalformedError("checkpoint text does not end in a newline")
    return _HEADER + b"time %d\n" % timestamp + checkpoint_text


def signature_timestamp(signature: bytes) -> int:
    """Return the timestamp of a ``timestamped_signature`` (the note signature after its key ID).

    Raises:
        MalformedError: when the signature is not 8 + 64 bytes or its timestamp exceeds 2^63 - 1.
    """
    if len(signature) != _TIMESTAMP_SIZE + _ED25519_SIG_SIZE:
        raise MalformedError(f"cosignature is {len(signature)} bytes, want 72")
    (timestamp,) = struct.unpack(">Q", signature[:_TIMESTAMP_SIZE])
    if timestamp > MAX_TIMESTAMP:
        raise MalformedError("cosignature timestamp exceeds 2^63 - 1")
    return int(timestamp)


@dataclass(frozen=True)
class CosignatureVerifier(Ed25519VerifierBase):
    """A witness's Ed25519 cosignature/v1 public key (type 0x04), under the witness's key name.

    Equality and hashing use the name and public key only; the key ID and the loaded key are derived from
    them when the verifier is made, so a policy loaded once checks every cosignature without redoing either.
    """

    _SIG_TYPE = SIG_TYPE_COSIGNATURE_V1
    _TYPE_NAME = "cosignature"

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check a timestamped cosignature over the checkpoint note text ``message``.

        Raises:
            SignatureError: when the signature is malformed or does not verify.
        """
        try:
            timestamp = signature_timestamp(signature)
            signed = cosigned_message(message, timestamp)
        except MalformedError as e:
            raise SignatureError(f"{self.name}: {e.message}") from e
        try:
            self._key.verify(signature[_TIMESTAMP_SIZE:], signed)
        except InvalidSignature as e:
            raise SignatureError(f"{self.name}+{self.key_id.hex()}: cosignature does not verify") from e


def _now() -> int:
    return int(time.time())


@dataclass(frozen=True, repr=False)
class CosignatureSigner(Ed25519SignerBase):
    """A witness's cosigning key (type 0x04). ``clock`` gives the POSIX time each signature is stamped
    with."""

    _SIG_TYPE = SIG_TYPE_COSIGNATURE_V1
    _TYPE_NAME = "cosignature"

    clock: Callable[[], int] = field(default=_now, compare=False)

    def verifier(self) -> CosignatureVerifier:
        """The verifier for this signer's public key."""
        return CosignatureVerifier(self.name, self.public_key)

    @classmethod
    def from_skey(cls, skey: str, clock: Callable[[], int] = _now) -> CosignatureSigner:
        """Parse a type-0x04 signer key and check its key ID against the derived public key.

        Raises:
            KeyFormatError: when the key is malformed, of another type, or its key ID is wrong.
        """
        return cls._from_skey(skey, lambda name, seed: cls(name, seed, clock))

    def sign_at(self, message: bytes, timestamp: int) -> bytes:
        """Return the timestamped cosignature over the checkpoint note text ``message`` at ``timestamp``."""
        signed = cosigned_message(message, timestamp)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(signed)
        return struct.pack(">Q", timestamp) + signature

    def sign(self, message: bytes) -> bytes:
        """Return the timestamped cosignature over ``message``, stamped with the clock's time."""
        return self.sign_at(message, self.clock())


def cosign(checkpoint_text: str, signer: CosignatureSigner, timestamp: int) -> NoteSignature:
    """Cosign a checkpoint's note text at ``timestamp`` and return the signature line's contents.

    Raises:
        MalformedError: when the timestamp is out of range or the text does not end in a newline.
    """
    return NoteSignature(signer.name, signer.key_id, signer.sign_at(checkpoint_text.encode(), timestamp))
