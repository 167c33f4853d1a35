"""tlog-cosignature/v1: key IDs of type 0x04, the signed message, timestamps, verification."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.cosignature import (
    MAX_TIMESTAMP,
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    cosigned_message,
    signature_timestamp,
)
from ledger.errors import MalformedError, SignatureError
from ledger.note import Ed25519Signer, open_note, sign_note

TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
WITNESS = CosignatureSigner("witness.example.com/w1", b"\x05" * 32)


def test_key_id_uses_type_4() -> None:
    v = WITNESS.verifier()
    want = hashlib.sha256(b"witness.example.com/w1\n\x04" + v.public_key).digest()[:4]
    assert v.key_id == want
    assert WITNESS.key_id == want
    assert CosignatureVerifier.from_vkey(v.vkey) == v
    assert CosignatureVerifier.from_vkey(v.vkey).key_id == want


def test_message_is_the_spec_example() -> None:
    want = (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    assert cosigned_message(TEXT.encode(), 1679315147) == want


def test_signature_layout() -> None:
    sig = cosign(TEXT, WITNESS, 1679315147)
    assert len(sig.signature) == 72
    assert sig.signature[:8] == (1679315147).to_bytes(8, "big")
    assert signature_timestamp(sig.signature) == 1679315147
    WITNESS.verifier().verify(TEXT.encode(), sig.signature)


def test_cosigned_note_opens_with_log_and_witness() -> None:
    log = Ed25519Signer("example.com/behind-the-sofa", b"\x01" * 32)
    note = sign_note(TEXT, [log]).with_signatures([cosign(TEXT, WITNESS, 1)])
    got = open_note(note.to_bytes(), [log.verifier(), WITNESS.verifier()])
    assert len(got.verified) == 2


def test_tampered_timestamp_fails() -> None:
    sig = cosign(TEXT, WITNESS, 1000).signature
    forged = (1001).to_bytes(8, "big") + sig[8:]
    with pytest.raises(SignatureError) as e:
        WITNESS.verifier().verify(TEXT.encode(), forged)
    assert e.value.code == "ledger.signature"


def test_log_signature_is_not_a_cosignature() -> None:
    # The same Ed25519 key signing the bare text does not make a valid cosignature (domain separation).
    plain = Ed25519Signer("w", b"\x05" * 32).sign(TEXT.encode())
    with pytest.raises(SignatureError):
        WITNESS.verifier().verify(TEXT.encode(), (0).to_bytes(8, "big") + plain)


@pytest.mark.parametrize("sig", [b"", b"\x00" * 71, b"\x00" * 73, b"\xff" * 72])
def test_malformed_cosignatures(sig: bytes) -> None:
    with pytest.raises(SignatureError):
        WITNESS.verifier().verify(TEXT.encode(), sig)


@pytest.mark.parametrize("t", [-1, MAX_TIMESTAMP + 1])
def test_timestamp_range(t: int) -> None:
    with pytest.raises(MalformedError):
        cosigned_message(TEXT.encode(), t)


@given(st.integers(0, MAX_TIMESTAMP))
def test_any_timestamp_round_trips(t: int) -> None:
    sig = WITNESS.sign_at(TEXT.encode(), t)
    assert signature_timestamp(sig) == t
    WITNESS.verifier().verify(TEXT.encode(), sig)
