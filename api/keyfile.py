"""Signing-key files for organisations and the registrar: a W3C Multikey key pair as JSON, mode 0600.

``{"type": "Multikey", "id": "did:key:z6Mk...#z6Mk...", "controller": "did:key:z6Mk...",
"publicKeyMultibase": "z6Mk...", "secretKeyMultibase": "z3u2..."}``: the shape of the W3C Controlled
Identifiers Multikey, with the secret key as multibase ``ed25519-priv`` (as the W3C test vectors write it).
The server never holds an organisation's key: these files stay with whoever signs.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identifiers.errors import DidError
from identifiers.multikey import (
    decode_private_multikey,
    did_key_from_public_key,
    did_key_verification_method,
    encode_private_multikey,
    encode_public_multikey,
)
from ledger.errors import KeyFileError


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of a private key."""
    return key.public_key().public_bytes_raw()


def write_key_file(path: Path, key: Ed25519PrivateKey) -> str:
    """Write ``key`` to a new file at ``path`` (mode 0600, never overwriting); return its did:key.

    Raises:
        KeyFileError: the file exists or cannot be written.
    """
    pub = public_bytes(key)
    did = did_key_from_public_key(pub)
    body = {
        "type": "Multikey",
        "id": did_key_verification_method(pub),
        "controller": did,
        "publicKeyMultibase": encode_public_multikey(pub),
        "secretKeyMultibase": encode_private_multikey(key.private_bytes_raw()),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise KeyFileError(f"{path} exists: a key file is never overwritten") from e
    except OSError as e:
        raise KeyFileError(f"cannot create {path}: {e.strerror}") from e
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(body, indent=2) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return did


def read_key_file(path: Path) -> Ed25519PrivateKey:
    """Read a key file written by :func:`write_key_file`.

    Raises:
        KeyFileError: missing, readable by others, not a key file, or its public key does not match.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as e:
        raise KeyFileError(f"cannot read the key file {path}: {e.strerror}") from e
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path} is readable by others: chmod 600 it")
    try:
        body = json.loads(text)
        key = Ed25519PrivateKey.from_private_bytes(decode_private_multikey(body["secretKeyMultibase"]))
    except (ValueError, KeyError, TypeError, DidError) as e:
        raise KeyFileError(f"{path} is not a carbontrail key file") from e
    if body.get("publicKeyMultibase") != encode_public_multikey(public_bytes(key)):
        raise KeyFileError(f"{path}: its public key does not match its secret key")
    return key
