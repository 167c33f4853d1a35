"""Signed notes: the C2SP and golang.org/x/mod vectors, limits, unknown keys, and round trips."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import KeyFormatError, MalformedError, SignatureError, UnknownKeyError
from ledger.note import (
    MAX_SIGNATURES,
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    NoteSignature,
    open_note,
    parse_note,
    sign_note,
)

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[2] / "vectors" / "signed-note-vectors.json").read_text(encoding="utf-8")
)["vectors"]


def _signer(name: str, n: int) -> Ed25519Signer:
    return Ed25519Signer(name, bytes([n]) * 32)


def test_spec_example_verifies() -> None:
    v = VECTORS[0]
    verified = open_note(v["note"].encode(), [Ed25519Verifier.from_vkey(v["vkey"])])
    assert verified.text == "This is an example message.\n"
    assert verified.note.to_bytes() == v["note"].encode()


def test_go_vector_signs_byte_for_byte() -> None:
    v = VECTORS[1]
    signer = Ed25519Signer.from_skey(v["skey"])
    assert signer.skey == v["skey"]
    assert signer.verifier().vkey == v["vkey"]
    assert sign_note(v["text"], [signer]).to_bytes() == v["signed_note"].encode()
    verified = open_note(v["signed_note"].encode(), [Ed25519Verifier.from_vkey(v["vkey"])])
    assert verified.text == v["text"]


def test_two_signers_either_or_both() -> None:
    peter, enoch = VECTORS[1], VECTORS[2]
    data = (peter["signed_note"] + enoch["signature_line"]).encode()
    pv, ev = Ed25519Verifier.from_vkey(peter["vkey"]), Ed25519Verifier.from_vkey(enoch["vkey"])
    for keys, verified, ignored in (([pv], 1, 1), ([ev], 1, 1), ([pv, ev], 2, 0)):
        got = open_note(data, keys)
        assert (len(got.verified), len(got.unverified)) == (verified, ignored)


@pytest.mark.parametrize("vkey", VECTORS[3]["bad_vkeys"])
def test_bad_vkeys_rejected(vkey: str) -> None:
    with pytest.raises(KeyFormatError) as e:
        Ed25519Verifier.from_vkey(vkey)
    assert e.value.code == "ledger.key_format"


def test_tessera_checkpoints_verify() -> None:
    v = VECTORS[4]
    signer = Ed25519Signer.from_skey(v["skey"])
    assert signer.verifier().vkey == v["vkey"]
    log = Path(__file__).parents[2] / "vectors" / "tessera-log" / "log"
    for i in range(16):
        data = (log / f"checkpoint.{i}").read_bytes()
        verified = open_note(data, [Ed25519Verifier.from_vkey(v["vkey"])])
        assert sign_note(verified.text, [signer]).to_bytes() == data


@pytest.mark.parametrize("vkey", VECTORS[5]["vkeys"])
def test_sigstore_vkeys_parse(vkey: str) -> None:
    assert Ed25519Verifier.from_vkey(vkey).vkey == vkey


def test_wrong_key_id_in_vkey() -> None:
    good = VECTORS[1]["vkey"]
    with pytest.raises(KeyFormatError):
        Ed25519Verifier.from_vkey(good.replace("c74f20a3", "c74f20a4"))


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\tb"])
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(KeyFormatError):
        Ed25519Signer(name, b"\x01" * 32)


def test_bad_signature_from_known_key_rejects() -> None:
    v = VECTORS[1]
    data = v["signed_note"].replace("your problem,", "your problem;").encode()
    with pytest.raises(SignatureError) as e:
        open_note(data, [Ed25519Verifier.from_vkey(v["vkey"])])
    assert e.value.code == "ledger.signature"


def test_no_known_key() -> None:
    v = VECTORS[1]
    with pytest.raises(UnknownKeyError) as e:
        open_note(v["signed_note"].encode(), [_signer("PeterNeumann", 9).verifier()])
    assert e.value.code == "ledger.unknown_key"


def test_same_name_other_id_and_same_id_other_name_ignored() -> None:
    real = _signer("log.example", 1)
    note = sign_note("hello\n", [real])
    other_key = _signer("log.example", 2)
    same_id = NoteSignature("other.example", real.key_id, b"\x00" * 64)
    same_name = NoteSignature("log.example", other_key.key_id, b"\x00" * 64)
    data = note.with_signatures([same_id, same_name]).to_bytes()
    got = open_note(data, [real.verifier()])
    assert len(got.verified) == 1
    assert len(got.unverified) == 2


def test_twenty_signatures_sixteen_known() -> None:
    signers = [_signer(f"w{i}.example", i + 1) for i in range(20)]
    data = sign_note("many\nsigners\n", signers).to_bytes()
    got = open_note(data, [s.verifier() for s in signers[:16]])
    assert len(got.verified) == 16
    assert len(got.unverified) == 4


def test_too_many_signatures() -> None:
    signer = _signer("a.example", 1)
    sig = sign_note("x\n", [signer]).signatures[0]
    note = Note("x\n", (sig,) * (MAX_SIGNATURES + 1))
    with pytest.raises(MalformedError):
        parse_note(note.to_bytes())
    assert len(parse_note(Note("x\n", (sig,) * MAX_SIGNATURES).to_bytes()).signatures) == MAX_SIGNATURES


GOOD = VECTORS[1]["signed_note"]


@pytest.mark.parametrize(
    "data",
    [
        GOOD.replace("\n\n", "\n").encode(),  # no blank line
        GOOD[:-1].encode(),  # last line without newline
        GOOD.replace("x08go", "x08g*").encode(),  # bad base64
        GOOD.replace("\u2014 ", "- ").encode(),  # not an em dash
        GOOD.replace("PeterNeumann ", "PeterNeumann").encode(),  # no space before the signature
        (GOOD + "\n").encode(),  # a blank line after the signatures
        GOOD.replace("problem,", "problem\t,").encode(),  # control character
        b"\xff" + GOOD.encode(),  # not UTF-8
        b"\n\n\xe2\x80\x94 a AAAA\n",  # signature too short for key ID and signature
        GOOD.encode() + b"x" * (1 << 20),  # too long
        "text\n\n\u2014 a QUJDRA==\n".replace("QUJDRA==", "QUJDRB==").encode(),  # non-canonical base64
    ],
)
def test_malformed_notes(data: bytes) -> None:
    with pytest.raises(MalformedError) as e:
        parse_note(data)
    assert e.value.code == "ledger.malformed"


def test_sign_refuses_text_without_newline() -> None:
    with pytest.raises(MalformedError):
        sign_note("no newline", [_signer("a.example", 1)])


_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n"), max_size=30
)
_name = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="+"),
    min_size=1,
    max_size=20,
).filter(lambda s: not any(c.isspace() for c in s))


@given(lines=st.lists(_line, min_size=1, max_size=5), names=st.lists(_name, min_size=1, max_size=4))
def test_round_trip(lines: list[str], names: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    signers = [Ed25519Signer(n, bytes([i + 1]) * 32) for i, n in enumerate(names)]
    note = sign_note(text, signers)
    data = note.to_bytes()
    assert parse_note(data) == note
    assert open_note(data, [s.verifier() for s in signers]).text == text


@given(st.binary(min_size=1, max_size=200))
def test_signature_bytes_round_trip(raw: bytes) -> None:
    b64 = base64.b64encode(b"\x01\x02\x03\x04" + raw).decode()
    data = f"t\n\n\u2014 k.example {b64}\n".encode()
    assert parse_note(data).to_bytes() == data


_SIG_LINE = sign_note("x\n", [_signer("k.example", 1)]).signatures[0].line()


def _old_has_control(text: str) -> bool:
    # The rule as it was written before the byte-level check: one test per character.
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


@given(st.text(max_size=40).map(lambda s: s.replace("\n", "")))
def test_control_characters_refused_as_before(line: str) -> None:
    data = (line + "\n\n" + _SIG_LINE).encode("utf-8")
    if _old_has_control(line):
        with pytest.raises(MalformedError) as e:
            parse_note(data)
        assert e.value.code == "ledger.malformed"
    else:
        assert parse_note(data).text == line + "\n"


@pytest.mark.parametrize("cp", [c for c in range(0x20) if c != 0x0A])
def test_each_control_character_refused_in_text_and_signature_lines(cp: int) -> None:
    ch = chr(cp)
    for data in (
        ("a" + ch + "b\n\n" + _SIG_LINE).encode(),
        ("ab\n\n" + _SIG_LINE.replace("k.example", "k" + ch + "example")).encode(),
        ("ab\n\n" + _SIG_LINE[:-1] + ch + "\n").encode(),
    ):
        with pytest.raises(MalformedError) as e:
            parse_note(data)
        assert e.value.code == "ledger.malformed"


@pytest.mark.parametrize("ch", ["\x7f", "\x85", "\u2028", "\u00e9"])
def test_other_characters_allowed_in_text(ch: str) -> None:
    assert parse_note(("a" + ch + "\n\n" + _SIG_LINE).encode()).text == "a" + ch + "\n"
