"""Log and witness keys: generation, vkey/skey round trips, type dispatch, private key files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.cosignature import CosignatureSigner, CosignatureVerifier
from ledger.errors import KeyFileError, KeyFormatError
from ledger.keys import (
    generate_log_key,
    generate_witness_key,
    load_signer,
    load_verifier,
    read_private_key,
    write_private_key,
)
from ledger.note import Ed25519Signer, Ed25519Verifier, open_note, sign_note


def test_log_key_signs_and_verifies() -> None:
    skey, vkey = generate_log_key("log.example/carbon")
    signer, verifier = load_signer(skey), load_verifier(vkey)
    assert isinstance(signer, Ed25519Signer)
    assert isinstance(verifier, Ed25519Verifier)
    assert signer.key_id == verifier.key_id
    assert signer.skey == skey
    open_note(sign_note("hi\n", [signer]).to_bytes(), [verifier])


def test_witness_key_is_type_4() -> None:
    skey, vkey = generate_witness_key("witness.example/w1")
    signer, verifier = load_signer(skey), load_verifier(vkey)
    assert isinstance(signer, CosignatureSigner)
    assert isinstance(verifier, CosignatureVerifier)
    assert signer.verifier() == verifier
    assert signer.skey == skey
    with pytest.raises(KeyFormatError):
        Ed25519Verifier.from_vkey(vkey)


def test_skey_with_wrong_key_id() -> None:
    skey, _ = generate_log_key("a.example")
    name, kid, rest = skey[len("PRIVATE+KEY+") :].split("+", 2)
    bad = f"PRIVATE+KEY+{name}+{'0' * 8 if kid != '0' * 8 else '1' * 8}+{rest}"
    with pytest.raises(KeyFormatError) as e:
        load_signer(bad)
    assert e.value.code == "ledger.key_format"


@pytest.mark.parametrize("skey", ["", "PRIVATE+KEY+a", "PRIVATE+a+b+c", "PRIVATE+KEY+a+zzzzzzzz+AQ=="])
def test_malformed_skeys(skey: str) -> None:
    with pytest.raises(KeyFormatError):
        load_signer(skey)


def test_unsupported_type() -> None:
    # Type 0x02 (ECDSA) is assigned but not supported here.
    from ledger.note import encode_key, key_id

    typed = b"\x02" + b"\x00" * 32
    with pytest.raises(KeyFormatError):
        load_verifier(encode_key("a.example", key_id("a.example", typed), typed))


def test_private_key_file(tmp_path: Path) -> None:
    skey, _ = generate_witness_key("w.example")
    path = tmp_path / "witness.key"
    write_private_key(path, skey)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_private_key(path) == skey
    with pytest.raises(KeyFileError) as e:
        write_private_key(path, skey)
    assert e.value.code == "ledger.key_file"


def test_private_key_file_readable_by_others_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    write_private_key(path, generate_log_key("a.example")[0])
    path.chmod(0o644)
    with pytest.raises(KeyFileError):
        read_private_key(path)
