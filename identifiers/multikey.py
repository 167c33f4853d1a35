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

_P = 2**255 - 19
_SMALL_ORDER_Y = frozenset(
    bytes.fromhex(h)
    for h in (
        "0000000000000000000000000000000000000000000000000000000000000000",  # y = 0 (order 4)
        "0100000000000000000000000000000000000000000000000000000000000000",  # y = 1, the identity (order 1)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p - 1 (order 2)
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    )
)
"""The y coordinates (little-endian, sign bit clear) of the points of small order on edwards25519."""


def check_public_key(raw: bytes) -> bytes:
    """Check that 32 bytes can be an organisation's or an issuer's Ed25519 public key: not a point of small
    order (for the identity, a signature of ``R`` = identity and ``S`` = 0 verifies for every message, so
    anyone could sign as the key's holder and the holder could deny what it signed), and its y coordinate
    written canonically (below p: one key, one encoding). Return the key.

    Raises:
        DidError: a key of the wrong size, of small order, or not canonically encoded.
    """
    if len(raw) != 32:
        raise DidError(f"an Ed25519 key is 32 bytes, not {len(raw)}")
    y = raw[:31] + bytes([raw[31] & 0x7F])
    if int.from_bytes(y, "little") >= _P:
        raise DidError("the Ed25519 key's y coordinate is not canonically encoded (it is not below p)")
    if y in _SMALL_ORDER_Y:
        raise DidError("the Ed25519 key is a point of small order: anyone could sign as it")
    return raw


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
        DidError: the value is not base58btc multibase of an ``ed25519-pub`` multicodec key, or the key is
            one no one should hold (:func:`check_public_key`).
    """
    raw = _decode(value, ED25519_PUB_PREFIX, "publicKeyMultibase")
    try:
        return check_public_key(raw)
    except DidError as e:
        raise DidError(e.message, value=value) from e


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
