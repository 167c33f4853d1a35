"""tlog-proof@v1 receipts: exact round trips, strict parsing, verification order, real external receipts."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.cosignature import CosignatureSigner, cosign
from ledger.errors import (
    MalformedError,
    ProofError,
    QuorumError,
    RootMismatchError,
    UnknownKeyError,
)
from ledger.hashing import leaf_hash, node_hash
from ledger.note import Ed25519Signer, Note
from ledger.policy import Policy, parse_policy
from ledger.receipt import Receipt, format_receipt, parse_receipt, verify_receipt

EXTERNAL = Path(__file__).parents[2] / "vectors" / "external"
LOG = Ed25519Signer("log.example/r", b"\x11" * 32)
W = CosignatureSigner("w.example", b"\x12" * 32)
ENTRIES = [b"zero", b"one", b"two"]


def _receipt(index: int, *, cosigned: bool = True) -> Receipt:
    # A three-leaf tree: root = H(H(l0, l1), l2).
    leaves = [leaf_hash(e) for e in ENTRIES]
    root = node_hash(node_hash(leaves[0], leaves[1]), leaves[2])
    proofs = {0: (leaves[1], leaves[2]), 1: (leaves[0], leaves[2]), 2: (node_hash(leaves[0], leaves[1]),)}
    cp = Checkpoint("log.example/r", 3, root)
    note = sign_checkpoint(cp, [LOG])
    if cosigned:
        note = note.with_signatures([cosign(cp.text(), W, 1700000000)])
    return Receipt(index, proofs[index], note.to_bytes())


POLICY = Policy.from_keys(LOG.verifier().vkey, [W.verifier().vkey], 1)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_verifies(index: int) -> None:
    r = parse_receipt(format_receipt(_receipt(index)))
    got = verify_receipt(r, ENTRIES[index], None, POLICY)
    assert (got.index, got.log, got.witnesses) == (index, "log.example/r", frozenset({"w.example"}))
    verify_receipt(r, None, leaf_hash(ENTRIES[index]), POLICY)


def test_spec_shaped_example_parses() -> None:
    text = (
        "c2sp.org/tlog-proof@v1\nextra YWdl\nindex 2\n"
        + "".join(f"{h}\n" for h in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="] * 2)
        + "\n"
    ).encode() + _receipt(0).checkpoint
    r = parse_receipt(text)
    assert (r.extra, r.index, len(r.proof)) == (b"age", 2, 2)
    assert format_receipt(r) == text


def test_wrong_entry_fails_with_root_mismatch() -> None:
    with pytest.raises(RootMismatchError) as e:
        verify_receipt(_receipt(1), b"not one", None, POLICY)
    assert e.value.code == "ledger.root_mismatch"


def test_quorum_checked_before_inclusion() -> None:
    with pytest.raises(QuorumError):
        verify_receipt(_receipt(1, cosigned=False), b"not even the entry", None, POLICY)


def test_log_signature_checked_before_quorum() -> None:
    other = Policy.from_keys(Ed25519Signer("log.example/r", b"\x13" * 32).verifier().vkey, [], 0)
    with pytest.raises(UnknownKeyError):
        verify_receipt(_receipt(1), ENTRIES[1], None, other)


@pytest.mark.parametrize(
    ("entry", "leaf"),
    [(None, None), (b"one", b"\x00" * 32), (None, b"\x00" * 31)],
)
def test_entry_and_leaf_hash_shapes(entry: bytes | None, leaf: bytes | None) -> None:
    with pytest.raises(ProofError):
        verify_receipt(_receipt(1), entry, leaf, POLICY)


def test_proof_shape_and_index() -> None:
    r = _receipt(2)
    with pytest.raises(ProofError):
        verify_receipt(Receipt(3, r.proof, r.checkpoint), ENTRIES[2], None, POLICY)
    with pytest.raises(ProofError):
        verify_receipt(Receipt(2, r.proof * 2, r.checkpoint), ENTRIES[2], None, POLICY)


GOOD = format_receipt(_receipt(0))
H = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@pytest.mark.parametrize(
    "data",
    [
        GOOD.replace(b"c2sp.org/tlog-proof@v1", b"c2sp.org/tlog-proof@v2"),
        GOOD.replace(b"index 0", b"index 00"),
        GOOD.replace(b"index 0", b"index -0"),
        GOOD.replace(b"index 0", b"idx 0"),
        GOOD.replace(b"index 0\n", b"index 0\nextra AA==\n"),  # extra after index
        GOOD.replace(b"index 0\n", b"extra !!\nindex 0\n"),
        GOOD.replace(b"index 0\n", b"index 0\nAAAA\n"),  # hash too short
        GOOD.replace(b"index 0\n", b"index 0\n" + (H + "\n").encode() * 64),  # too many hashes
        GOOD.split(b"\n\n")[0],  # no checkpoint
        GOOD.replace(b"\xe2\x80\x94", b"--"),  # checkpoint not a note
        b"c2sp.org/tlog-proof@v1\nindex 0\n\nnot\na\ncheckpoint\n\n\xe2\x80\x94 k AAAAAQ==\n",
        b"c2sp.org/tlog-proof@v1",
    ],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(MalformedError) as e:
        parse_receipt(data)
    assert e.value.code in ("ledger.malformed", "ledger.key_format")


@settings(max_examples=50)
@given(
    index=st.integers(0, 2**63 - 2),
    proof=st.lists(st.binary(min_size=32, max_size=32), max_size=63),
    extra=st.none() | st.binary(max_size=40),
)
def test_round_trip(index: int, proof: list[bytes], extra: bytes | None) -> None:
    r = Receipt(index, tuple(proof), _receipt(0).checkpoint, extra)
    data = format_receipt(r)
    assert parse_receipt(data) == r
    assert format_receipt(parse_receipt(data)) == data


def test_external_files_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(EXTERNAL / "transcode.py"), "--check"], capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()


@pytest.mark.parametrize(("name", "witnesses"), [("sigsum-hello", {"w1"}), ("rekor-staging-645", set())])
def test_external_receipts_verify(name: str, witnesses: set[str]) -> None:
    data = (EXTERNAL / f"{name}.tlog-proof").read_bytes()
    receipt = parse_receipt(data)
    assert format_receipt(receipt) == data
    policy = parse_policy((EXTERNAL / f"{name}.policy").read_bytes())
    entry = (EXTERNAL / f"{name}.entry").read_bytes()
    got = verify_receipt(receipt, entry, None, policy)
    assert got.witnesses == witnesses
    with pytest.raises(RootMismatchError):
        verify_receipt(receipt, entry + b"\x00", None, policy)


def test_checkpoint_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import ledger.checkpoint
    import ledger.note
    import ledger.policy
    import ledger.receipt

    calls = {"note": 0, "checkpoint": 0}
    real_note, real_checkpoint = ledger.note.parse_note, ledger.checkpoint.parse_checkpoint

    def counting_note(data: bytes) -> Note:
        calls["note"] += 1
        return real_note(data)

    def counting_checkpoint(text: str) -> Checkpoint:
        calls["checkpoint"] += 1
        return real_checkpoint(text)

    monkeypatch.setattr(ledger.receipt, "parse_note", counting_note)
    monkeypatch.setattr(ledger.receipt, "parse_checkpoint", counting_checkpoint)
    monkeypatch.setattr(ledger.policy, "parse_checkpoint", counting_checkpoint)
    r = parse_receipt(format_receipt(_receipt(1)))
    assert calls == {"note": 1, "checkpoint": 1}
    verify_receipt(r, ENTRIES[1], None, POLICY)
    verify_receipt(r, ENTRIES[1], None, POLICY)
    assert r.note().to_bytes() == r.checkpoint
    assert r.tree_head().size == 3
    assert calls == {"note": 1, "checkpoint": 1}


def test_kept_parse_does_not_change_equality() -> None:
    data = format_receipt(_receipt(2))
    parsed = parse_receipt(data)
    fresh = Receipt(parsed.index, parsed.proof, parsed.checkpoint, parsed.extra)
    assert parsed == fresh
    assert hash(parsed) == hash(fresh)
    assert repr(parsed) == repr(fresh)
    verify_receipt(fresh, ENTRIES[2], None, POLICY)  # a receipt made directly parses on first use


@pytest.mark.parametrize(
    "checkpoint",
    [
        b"not a note",
        _receipt(0).checkpoint.replace(b"\n3\n", b"\n03\n"),  # a signed note, not a checkpoint
        _receipt(0).checkpoint.replace(b"log.example/r\n", b"log.example/r\x01\n", 1),
    ],
)
def test_directly_made_receipt_with_bad_checkpoint_refused_every_time(checkpoint: bytes) -> None:
    r = Receipt(0, _receipt(0).proof, checkpoint)
    for _ in range(2):
        with pytest.raises(MalformedError) as e:
            verify_receipt(r, ENTRIES[0], None, POLICY)
        assert e.value.code == "ledger.malformed"
    with pytest.raises(MalformedError):
        r.note()
    with pytest.raises(MalformedError):
        r.tree_head()


def test_proof_length_checked_before_signatures() -> None:
    r = _receipt(2)
    stranger = Policy.from_keys(Ed25519Signer("log.example/r", b"\x13" * 32).verifier().vkey, [], 0)
    for proof in ((), r.proof * 2, (r.proof[0][:31],)):
        with pytest.raises(ProofError) as e:
            verify_receipt(Receipt(2, proof, r.checkpoint), ENTRIES[2], None, stranger)
        assert e.value.code == "ledger.proof_shape"


def test_one_leaf_tree_has_an_empty_proof() -> None:
    cp = Checkpoint("log.example/r", 1, leaf_hash(b"only"))
    note = sign_checkpoint(cp, [LOG]).with_signatures([cosign(cp.text(), W, 1700000000)])
    data = format_receipt(Receipt(0, (), note.to_bytes()))
    assert b"index 0\n\n" in data
    r = parse_receipt(data)
    assert r.proof == ()
    assert verify_receipt(r, b"only", None, POLICY).index == 0


H2 = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@pytest.mark.parametrize(
    "line",
    [
        H2[:-2] + b"B=",  # stray bits in the last character: not canonical
        b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # 33 bytes
        b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  # 31 bytes
        H2 + b" ",
        H2 + b"\r",
        b" " + H2,
        H2[:-1] + b"\xc3\xa9",
        H2[:-1],  # no padding
        H2 + b"AAAA",  # data after the padding
    ],
)
def test_malformed_proof_lines(line: bytes) -> None:
    for position in range(3):
        lines = [H2, H2]
        lines.insert(position, line)
        data = GOOD.replace(b"index 0\n", b"index 0\n" + b"".join(x + b"\n" for x in lines), 1)
        with pytest.raises(MalformedError) as e:
            parse_receipt(data)
        assert e.value.code == "ledger.malformed"


def test_receipt_ending_inside_its_proof() -> None:
    with pytest.raises(MalformedError) as e:
        parse_receipt(b"c2sp.org/tlog-proof@v1\nindex 0\n" + H2 + b"\n")
    assert e.value.code == "ledger.malformed"


def _canonical_hash(line: bytes) -> bool:
    try:
        raw = base64.b64decode(line, validate=True)
    except ValueError:
        return False
    return len(raw) == 32 and base64.b64encode(raw) == line


_proof_line = st.one_of(
    st.binary(min_size=32, max_size=32).map(base64.b64encode),
    st.binary(min_size=0, max_size=40).map(base64.b64encode),
    st.binary(min_size=1, max_size=46).filter(lambda b: b"\n" not in b),
    st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b)[:-2] + b"R="),
)


NO_PROOF = format_receipt(Receipt(0, (), _receipt(0).checkpoint))


@settings(max_examples=200)
@given(st.lists(_proof_line, min_size=1, max_size=5))
def test_proof_lines_accepted_exactly_when_canonical(lines: list[bytes]) -> None:
    data = NO_PROOF.replace(b"index 0\n", b"index 0\n" + b"".join(x + b"\n" for x in lines), 1)
    if all(_canonical_hash(x) for x in lines):
        assert parse_receipt(data).proof == tuple(base64.b64decode(x) for x in lines)
    else:
        with pytest.raises(MalformedError) as e:
            parse_receipt(data)
        assert e.value.code == "ledger.malformed"
