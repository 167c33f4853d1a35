"""Log and witness keys in the C2SP signed-note text formats (c2sp.org/signed-note, tlog-cosignature).

A log signs checkpoints with an Ed25519 note key (type 0x01); a witness cosigns with an Ed25519
cosignature/v1 key (type 0x04). Both are written as a verifier key (``vkey``, public) and a signer key
(``skey``, ``PRIVATE+KEY+...``, secret). A type-0x04 skey follows the same layout as golang.org/x/mod's
Ed25519 skeys with the type byte changed, so one parser serves both. Private key files are created with mode
0600 and never overwritten, and are refused on reading when group or others may read them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.cosignature import SIG_TYPE_COSIGNATURE_V1, CosignatureSigner, CosignatureVerifier
from ledger.errors import KeyFileError, KeyFormatError
from ledger.note import (
    SIG_TYPE_ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    Signer,
    Verifier,
    parse_skey,
    parse_vkey,
)

__all__ = [
    "generate_log_key",
    "generate_witness_key",
    "load_signer",
    "load_verifier",
    "read_private_key",
    "write_private_key",
]


def _seed() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def generate_log_key(name: str) -> tuple[str, str]:
    """Generate a log's Ed25519 note key named ``name`` (the log's origin).

    Returns:
        (skey, vkey).

    Raises:
        KeyFormatError: when ``name`` is not a valid key name.
    """
    signer = Ed25519Signer(name, _seed())
    return signer.skey, signer.verifier().vkey


def generate_witness_key(name: str) -> tuple[str, str]:
    """Generate a witness's cosignature/v1 key named ``name``.

    Returns:
        (skey, vkey), both with signature type 0x04.

    Raises:
        KeyFormatError: when ``name`` is not a valid key name.
    """
    signer = CosignatureSigner(name, _seed())
    return signer.skey, signer.verifier().vkey


def load_verifier(vkey: str) -> Verifier:
    """Parse a verifier key of type 0x01 (Ed25519) or 0x04 (cosignature/v1).

    Raises:
        KeyFormatError: when the key is malformed, its key ID is wrong, or its type is another.
    """
    name, _, sig_type, _ = parse_vkey(vkey.strip())
    if sig_type == SIG_TYPE_ED25519:
        return Ed25519Verifier.from_vkey(vkey.strip())
    if sig_type == SIG_TYPE_COSIGNATURE_V1:
        return CosignatureVerifier.from_vkey(vkey.strip())
    raise KeyFormatError(f"verifier key {name} has unsupported signature type 0x{sig_type:02x}")


def load_signer(skey: str) -> Signer:
    """Parse a signer key of type 0x01 (Ed25519) or 0x04 (cosignature/v1).

    Raises:
        KeyFormatError: when the key is malformed, its key ID is wrong, or its type is another.
    """
    name, _, sig_type, _ = parse_skey(skey.strip())
    if sig_type == SIG_TYPE_ED25519:
        return Ed25519Signer.from_skey(skey.strip())
    if sig_type == SIG_TYPE_COSIGNATURE_V1:
        return CosignatureSigner.from_skey(skey.strip())
    raise KeyFormatError(f"signer key {name} has unsupported signature type 0x{sig_type:02x}")


def write_private_key(path: Path, skey: str) -> None:
    """Write ``skey`` and a newline to a new file readable only by its owner (mode 0600), durably.

    Raises:
        KeyFileError: when the file exists already or cannot be written.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise KeyFileError(f"cannot create private key file {path}: {e.strerror}") from e
    try:
        os.fchmod(fd, 0o600)  # the umask may have removed bits, never added them; be explicit anyway
        os.write(fd, (skey + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_private_key(path: Path) -> str:
    """Read a private key file written by :func:`write_private_key`.

    Raises:
        KeyFileError: when the file cannot be read or group or others have any access to it.
    """
    try:
        st = path.stat()
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            mode = st.st_mode & 0o777
            raise KeyFileError(f"private key file {path} is accessible to others (mode {mode:o})")
        return path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise KeyFileError(f"cannot read private key file {path}: {e.strerror}") from e
