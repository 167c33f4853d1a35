"""W3C Controlled Identifiers "Multikey" for Ed25519 public keys, and the did:key method over them.

An Ed25519 public key as Multikey is the multicodec prefix ``0xed 0x01`` followed by the 32 raw key bytes,
base58btc encoded with the multibase prefix ``z`` (so it always starts ``z6Mk``). did:key (W3C CCG did:key
method) is ``did:key:`` + that value; its one verification method is ``did:key:<mk>#<mk>``.
"""

from __future__ import annotations

import base58

from identifiers.errors import DidError

ED25519_PUB_PREFIX = b"\xed\x01"
"""The multicodec varint of ``ed25519-pub``."""

ED25519_PRIV_PREFIX = b"\x80\x26"
"""The multicodec varint of ``ed25519-priv`` (as in W3C test vectors' ``privateKeyMultibase``)."""

_DID_KEY = "did:key:"


def _encode(prefix: bytes, raw: bytes) -> str:
    if len(raw) != 32:
        raise DidError(f"an Ed25519 key is 32 bytes, not {len(raw)}")
    return "z" + base58.b58encode(prefix + raw).decode("ascii")


def _decode(value: str, prefix: bytes, what: str) -> bytes:
    if not value.startswith("z"):
        raise DidError(f"{what} must be base58btc multibase (start with 'z')", value=value)
    try:
        data = base58.b58decode(value[1:])
    except ValueError as e:
        raise DidError(f"{what} is not valid base58btc", value=value) from e
    if len(data) != len(prefix) + 32 or not data.startswith(prefix):
        raise DidError(f"{what} is not an Ed25519 key of the expected multicodec type", value=value)
    return data[len(prefix) :]


def encode_public_multikey(raw: bytes) -> str:
    """Return the Multikey form (``z6Mk...``) of a raw 32-byte Ed25519 public key."""
    return _encode(ED25519_PUB_PREFIX, raw)


def decode_public_multikey(value: str) -> bytes:
    """Return the raw 32-byte Ed25519 public key of a Multikey value.

    Raises:
        DidError: the value is not base58btc multibase of an ``ed25519-pub`` multicodec key.
    """
    return _decode(value, ED25519_PUB_PREFIX, "publicKeyMultibase")


def encode_private_multikey(raw: bytes) -> str:
    """Return the multibase form of a raw 32-byte Ed25519 private key (seed)."""
    return _encode(ED25519_PRIV_PREFIX, raw)


def decode_private_multikey(value: str) -> bytes:
    """Return the raw 32-byte Ed25519 private key (seed) of a multibase ``ed25519-priv`` value.

    Raises:
        DidError: the value is not base58btc multibase of an ``ed25519-priv`` multicodec key.
    """
    return _decode(value, ED25519_PRIV_PREFIX, "privateKeyMultibase")


def did_key_from_public_key(raw: bytes) -> str:
    """Return ``did:key:z6Mk...`` for a raw Ed25519 public key."""
    return _DID_KEY + encode_public_multikey(raw)


def public_key_from_did_key(did_or_method: str) -> bytes:
    """Return the raw Ed25519 public key a did:key (or its ``#z6Mk...`` verification method) names.

    Raises:
        DidError: not a did:key, a fragment that differs from the key, or not an Ed25519 key.
    """
    if not did_or_method.startswith(_DID_KEY):
        raise DidError("not a did:key", value=did_or_method)
    body, _, fragment = did_or_method[len(_DID_KEY) :].partition("#")
    if fragment and fragment != body:
        raise DidError("a did:key verification method's fragment must repeat the key", value=did_or_method)
    return decode_public_multikey(body)


def did_key_verification_method(raw: bytes) -> str:
    """Return ``did:key:<mk>#<mk>``, the verification method id of a did:key."""
    mk = encode_public_multikey(raw)
    return f"{_DID_KEY}{mk}#{mk}"
