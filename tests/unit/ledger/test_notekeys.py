"""Note keys: key names, canonical base64, verifiers that load their key once, and the re-exports."""

from __future__ import annotations

import base64
import binascii
import pickle
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ledger.note
import ledger.notekeys
from ledger.cosignature import CosignatureSigner, CosignatureVerifier
from ledger.errors import KeyFormatError, MalformedError, SignatureError
from ledger.notekeys import (
    SIG_TYPE_ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    decode_b64,
    key_id,
    load_ed25519_public_key,
    validate_key_name,
)


def _old_name_ok(name: str) -> bool:
    # The rule as it was written before the regular expression: one test per character.
    if not name:
        return False
    for ch in name:
        if ch == "+" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F:
            return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _name_ok(name: str) -> bool:
    try:
        validate_key_name(name)
    except KeyFormatError as e:
        return e.code != "ledger.key_format"  # a refusal must carry the key-format code
    return True


def test_key_name_rule_unchanged_for_every_code_point() -> None:
    # Every code point alone and after a letter: the regular expression refuses exactly what the old
    # per-character loop refused (re's \s is str.isspace, surrogates fail the UTF-8 check).
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        assert _name_ok(ch) == _old_name_ok(ch), hex(cp)
        assert _name_ok("a" + ch) == _old_name_ok("a" + ch), hex(cp)


@given(st.text(max_size=12))
def test_key_name_rule_unchanged(name: str) -> None:
    assert _name_ok(name) == _old_name_ok(name)


def _old_decode(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


@given(st.binary(max_size=80))
def test_decode_b64_round_trips_str_and_bytes(raw: bytes) -> None:
    text = base64.b64encode(raw).decode("ascii")
    assert decode_b64(text, "x") == raw
    assert decode_b64(text.encode("ascii"), "x") == raw


@given(st.text(alphabet="ABCDEFGHIQRSTUVWXYZabcdwxyz0189+/= \n\u00e9", max_size=12))
def test_decode_b64_accepts_exactly_canonical_base64(text: str) -> None:
    want = _old_decode(text)
    if want is None:
        with pytest.raises(MalformedError) as e:
            decode_b64(text, "x")
        assert e.value.code == "ledger.malformed"
    else:
        assert decode_b64(text, "x") == want


@pytest.mark.parametrize("text", ["QR==", "QUI=x", "QUJ", "=", "QU I=", "QUI=\n", "\u00e9AAA", "AA==AA=="])
def test_decode_b64_refuses(text: str) -> None:
    for value in (text, text.encode("utf-8")):
        with pytest.raises(MalformedError) as e:
            decode_b64(value, "x")
        assert e.value.code == "ledger.malformed"


def test_empty_base64_is_empty_bytes() -> None:
    assert decode_b64("", "x") == b""


def test_note_reexports_the_key_module() -> None:
    for name in ledger.notekeys.__all__:
        if name in ledger.note.__all__:
            assert getattr(ledger.note, name) is getattr(ledger.notekeys, name)
    for name in ("Ed25519Signer", "Ed25519Verifier", "decode_b64", "parse_vkey", "parse_skey", "key_id"):
        assert name in ledger.note.__all__


def test_verifier_derives_key_id_once_and_compares_by_name_and_key() -> None:
    signer = Ed25519Signer("log.example", b"\x03" * 32)
    v = signer.verifier()
    assert v.key_id == key_id("log.example", bytes([SIG_TYPE_ED25519]) + v.public_key)
    assert v.key_id == signer.key_id
    twin = Ed25519Verifier("log.example", v.public_key)
    assert v == twin
    assert hash(v) == hash(twin)
    assert v != Ed25519Verifier("log.example2", v.public_key)
    assert repr(v) == f"Ed25519Verifier(name={v.name!r}, public_key={v.public_key!r})"


@pytest.mark.parametrize(
    "verifier",
    [
        Ed25519Signer("log.example", b"\x03" * 32).verifier(),
        CosignatureSigner("w.example", b"\x04" * 32).verifier(),
    ],
)
def test_verifiers_pickle_and_still_verify(verifier: Ed25519Verifier | CosignatureVerifier) -> None:
    copy = pickle.loads(pickle.dumps(verifier))
    assert copy == verifier
    assert copy.key_id == verifier.key_id
    with pytest.raises(SignatureError) as e:
        copy.verify(b"text\n", b"\x00" * (64 if isinstance(copy, Ed25519Verifier) else 72))
    assert e.value.code == "ledger.signature"


def test_signature_checked_by_the_loaded_key() -> None:
    signer = Ed25519Signer("log.example", b"\x05" * 32)
    v = signer.verifier()
    v.verify(b"hello\n", signer.sign(b"hello\n"))
    other = Ed25519Signer("log.example", b"\x06" * 32)
    with pytest.raises(SignatureError) as e:
        v.verify(b"hello\n", other.sign(b"hello\n"))
    assert e.value.code == "ledger.signature"


@pytest.mark.parametrize("size", [0, 31, 33])
def test_public_key_size_checked(size: int) -> None:
    for make in (Ed25519Verifier, CosignatureVerifier):
        with pytest.raises(KeyFormatError) as e:
            make("a.example", b"\x01" * size)
        assert e.value.code == "ledger.key_format"
    with pytest.raises(KeyFormatError):
        load_ed25519_public_key("a.example", b"\x01" * size)
