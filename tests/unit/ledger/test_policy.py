"""tlog-policy files: strict parsing with line numbers, round trips, quorum evaluation."""

from __future__ import annotations

import pickle
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.cosignature import CosignatureSigner, CosignatureVerifier, cosign
from ledger.errors import MalformedError, PolicyError, QuorumError, SignatureError, UnknownKeyError
from ledger.note import Ed25519Signer, Note, NoteSignature
from ledger.policy import NONE, Group, Policy, PolicyWitness, format_policy, parse_policy

LOG = Ed25519Signer("log.example/a", b"\x01" * 32)
WITNESSES = [CosignatureSigner(f"w{i}.example", bytes([i + 10]) * 32) for i in range(6)]
VK = [w.verifier().vkey for w in WITNESSES]

EXAMPLE = f"""# the spec's two-level example
log {LOG.verifier().vkey}

witness X1 {VK[0]}
witness X2 {VK[1]}
witness X3 {VK[2]}
group X-witnesses 2 X1 X2 X3

witness Y1 {VK[3]}
witness Y2 {VK[4]}\thttps://y2.example/
witness Y3 {VK[5]}
  group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
""".encode()


def _checkpoint(*witnesses: int) -> Note:
    cp = Checkpoint("log.example/a", 10, b"\x02" * 32)
    note = sign_checkpoint(cp, [LOG])
    return note.with_signatures(cosign(cp.text(), WITNESSES[i], 1700000000) for i in witnesses)


def test_example_parses() -> None:
    p = parse_policy(EXAMPLE)
    assert len(p.logs) == 1
    assert len(p.witnesses) == 6
    assert p.quorum == "X-and-Y"
    assert p.witnesses[4].url == "https://y2.example/"
    assert parse_policy(format_policy(p)) == p


@pytest.mark.parametrize(
    ("cosigners", "ok"),
    [((0, 1, 3), True), ((0, 2, 5), True), ((0, 1), False), ((0, 3, 4, 5), False), ((), False)],
)
def test_two_level_quorum(cosigners: tuple[int, ...], ok: bool) -> None:
    p = parse_policy(EXAMPLE)
    note = _checkpoint(*cosigners)
    p.verify_log(note)
    if ok:
        p.check(note)
    else:
        with pytest.raises(QuorumError) as e:
            p.check(note)
        assert e.value.code == "ledger.quorum"


def test_unknown_cosigners_ignored_and_bad_trusted_cosignature_rejected() -> None:
    p = Policy.from_keys(LOG.verifier().vkey, VK[:2], 1)
    stranger = CosignatureSigner("w0.example", b"\x63" * 32)  # same name, other key
    cp_text = _checkpoint().text
    note = _checkpoint().with_signatures([cosign(cp_text, stranger, 5)])
    with pytest.raises(QuorumError):
        p.check(note)
    good = cosign(cp_text, WITNESSES[0], 5)
    bad = NoteSignature(good.name, good.key_id, good.signature[:-1] + bytes([good.signature[-1] ^ 1]))
    with pytest.raises(SignatureError):
        p.check(_checkpoint().with_signatures([bad]))


def test_from_keys() -> None:
    p = Policy.from_keys(LOG.verifier().vkey, VK[:3], 2)
    p.check(_checkpoint(0, 2))
    with pytest.raises(QuorumError):
        p.check(_checkpoint(1))
    assert Policy.from_keys(LOG.verifier().vkey, [], 0).quorum == NONE
    with pytest.raises(PolicyError):
        Policy.from_keys(LOG.verifier().vkey, VK[:1], 2)


def test_verify_log() -> None:
    p = parse_policy(f"log {LOG.verifier().vkey}\nquorum none\n".encode())
    p.check(_checkpoint())
    other = Policy.from_keys(Ed25519Signer("log.example/a", b"\x09" * 32).verifier().vkey, [], 0)
    with pytest.raises(UnknownKeyError):
        other.verify_log(_checkpoint())
    wrong_origin = Policy.from_keys(Ed25519Signer("log.example/b", b"\x01" * 32).verifier().vkey, [], 0)
    with pytest.raises(PolicyError):
        wrong_origin.verify_log(_checkpoint())


LV = LOG.verifier().vkey


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"log {LV}\n", None),  # no quorum
        ("quorum none\nquorum none\n", 2),
        ("quorum X\n", 1),  # undefined
        (f"witness A {VK[0]}\ngroup G 2 A\nquorum G\n", 2),  # k > n
        (f"witness A {VK[0]}\ngroup G 0 A\nquorum G\n", 2),
        (f"witness A {VK[0]}\ngroup G 01 A\nquorum G\n", 2),
        (f"witness A {VK[0]}\ngroup G any A A\nquorum G\n", 2),  # member twice
        (f"witness A {VK[0]}\ngroup G any B\nquorum G\n", 2),  # used before defined
        (f"witness A {VK[0]}\ngroup G any none\nquorum G\n", 2),
        (f"witness A {VK[0]}\nwitness A {VK[1]}\nquorum A\n", 2),  # name twice
        (f"witness A {VK[0]}\nwitness B {VK[0]}\nquorum A\n", 2),  # key twice
        (f"log {LV}\nlog {LV}\nquorum none\n", 2),
        (f"log {VK[0]}\nquorum none\n", 1),  # a witness key as a log key
        (f"witness A {LV}\nquorum A\n", 1),  # a log key as a witness key
        (f"witness none {VK[0]}\nquorum none\n", 1),
        ("frobnicate\nquorum none\n", 1),
        ("log\nquorum none\n", 1),
        ("quorum none\x0b\n", 1),  # control character
        ("# c\n\nquorum none\x00\n", 3),
        ("quorum none", None),  # no final newline
    ],
)
def test_malformed_policies(text: str, line: int | None) -> None:
    with pytest.raises(PolicyError) as e:
        parse_policy(text.encode())
    assert e.value.code == "ledger.policy"
    if line is not None:
        assert f"line {line}:" in e.value.message


@given(
    n=st.integers(0, 6),
    data=st.data(),
)
def test_round_trip(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    url = data.draw(st.sampled_from([None, "https://log.example/"]))
    text = f"log {LV}{' ' + url if url else ''}\n"
    text += "".join(f"witness n{i} {VK[i]}\n" for i in range(n))
    if k:
        word = data.draw(st.sampled_from(["all" if k == n else str(k), str(k), "any" if k == 1 else str(k)]))
        text += f"group g {word} {' '.join(f'n{i}' for i in range(n))}\nquorum g\n"
    else:
        text += "quorum none\n"
    p = parse_policy(text.encode())
    assert format_policy(p) == text.encode()
    assert parse_policy(format_policy(p)) == p


class _CountingVerifier(CosignatureVerifier):
    calls: ClassVar[list[str]] = []

    def verify(self, message: bytes, signature: bytes) -> None:
        _CountingVerifier.calls.append(self.name)
        super().verify(message, signature)


def test_every_trusted_cosignature_verified_once_and_strangers_ignored() -> None:
    witnesses = tuple(
        PolicyWitness(f"n{i}", _CountingVerifier(w.name, w.verifier().public_key))
        for i, w in enumerate(WITNESSES[:4])
    )
    p = Policy(parse_policy(EXAMPLE).logs, witnesses, (Group("g", 3, ("n0", "n1", "n2", "n3")),), "g")
    stranger = CosignatureSigner("w0.example", b"\x63" * 32)  # a trusted name with another key
    note = _checkpoint(0, 1, 5, 3).with_signatures([cosign(_checkpoint().text, stranger, 5)])
    _CountingVerifier.calls = []
    assert p.require_quorum(note) == {"n0", "n1", "n3"}
    assert sorted(_CountingVerifier.calls) == ["w0.example", "w1.example", "w3.example"]


def test_witnesses_sharing_a_key_each_get_their_own_check() -> None:
    v = WITNESSES[0].verifier()
    p = Policy(parse_policy(EXAMPLE).logs, (PolicyWitness("a", v), PolicyWitness("b", v)), (), NONE)
    assert p.cosigners(_checkpoint(0)) == {"a", "b"}
    assert p.cosigners(_checkpoint(1)) == frozenset()


def test_repeated_cosignature_line_verified_each_time() -> None:
    p = Policy.from_keys(LOG.verifier().vkey, VK[:1], 1)
    good = cosign(_checkpoint().text, WITNESSES[0], 5)
    bad = NoteSignature(good.name, good.key_id, good.signature[:-1] + bytes([good.signature[-1] ^ 1]))
    assert p.require_quorum(_checkpoint().with_signatures([good, good])) == {"w0.example"}
    for sigs in ([good, bad], [bad, good]):
        with pytest.raises(SignatureError) as e:
            p.check(_checkpoint().with_signatures(sigs))
        assert e.value.code == "ledger.signature"


def test_verify_log_with_the_checkpoint_already_parsed() -> None:
    p = Policy.from_keys(LOG.verifier().vkey, [], 0)
    note = _checkpoint()
    cp = Checkpoint("log.example/a", 10, b"\x02" * 32)
    assert p.verify_log(note, cp).verified[0].name == "log.example/a"
    for wrong in (Checkpoint("log.example/b", 10, b"\x02" * 32), Checkpoint("log.example", 10, b"\x02" * 32)):
        with pytest.raises(MalformedError) as e:
            p.verify_log(note, wrong)
        assert e.value.code == "ledger.malformed"


def test_policy_equality_pickling_and_direct_construction() -> None:
    p = parse_policy(EXAMPLE)
    copy = pickle.loads(pickle.dumps(p))
    assert copy == p
    assert hash(copy) == hash(p)
    copy.check(_checkpoint(0, 1, 3))
    direct = Policy(p.logs, p.witnesses, p.groups, p.quorum)
    assert direct == p
    direct.check(_checkpoint(0, 2, 5))
    with pytest.raises(QuorumError):
        direct.check(_checkpoint(0, 1))


def test_log_keys_looked_up_by_origin() -> None:
    other = Ed25519Signer("log.example/a", b"\x07" * 32).verifier()
    third = Ed25519Signer("log.example/b", b"\x08" * 32).verifier()
    text = f"log {LV}\nlog {other.vkey}\nlog {third.vkey}\n"
    p = parse_policy((text + "quorum none\n").encode())
    assert p.log_verifiers("log.example/a") == (LOG.verifier(), other)
    assert p.log_verifiers("log.example/c") == ()
    assert p.verify_log(_checkpoint()).verified[0].key_id == LOG.key_id
