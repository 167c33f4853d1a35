"""Registry replay: rotation, revocation at adjacent indices, self-revocation, suspension, blacklisting, the
registrar's own rotation, the consistency rules, index order, and the organisation view with its history."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from identifiers import parse_identifier, parse_prefix
from identifiers.errors import AuthorityError, RegistryConflictError, RegistryError
from identifiers.registry import Authority, RegistryOperation, RegistryState, Role, replay
from identifiers.registry_ops import Action
from tests.unit.identifiers.strategies import gtin_check, uscc_check

Entry = tuple[int, RegistryOperation, bytes]


def uscc(n: int) -> str:
    """A valid USCC, its check character computed by the tests' own GB 32100-2015 table."""
    body = f"9132000{n:010d}"
    return body + uscc_check(body)


def gtin13(payload12: str) -> str:
    return payload12 + gtin_check(payload12)


def key(name: str) -> bytes:
    """A distinct raw 32-byte "public key" per name (the pure core never checks signatures)."""
    return name.encode().ljust(32, b".")


REGISTRAR = key("registrar")
A, B = uscc(1), uscc(2)
KA1, KA2, KB = key("a1"), key("a2"), key("b")
DOC = parse_identifier("88.118.8/LFP-280Ah")


def code(error: pytest.ExceptionInfo[RegistryError]) -> str:
    return error.value.code


def refused(state: RegistryState, k: bytes, identifier: str | None, role: Role) -> str:
    with pytest.raises(RegistryError) as e:
        state.authorise(k, None if identifier is None else parse_identifier(identifier), role)
    return code(e)


def at(entries: Sequence[Entry], index: int) -> RegistryState:
    """The state a document at log index ``index`` is judged by: every registry entry before it."""
    return replay(REGISTRAR, [e for e in entries if e[0] < index])


def register_a(index: int = 0, keys: tuple[bytes, ...] = (KA1, KA2)) -> Entry:
    op = RegistryOperation.register_organisation(
        A, "Jiangsu Example Cell Co., Ltd.", ["supplier", "manufacturer"], ["88.118.8", "gs1:4712345"], keys
    )
    return (index, op, REGISTRAR)


def test_error_classes_split_authority_from_conflicts() -> None:
    state = replay(REGISTRAR, [register_a()])
    with pytest.raises(AuthorityError) as authority:
        state.authorise(key("nobody"), DOC, Role.SUPPLIER)
    assert authority.value.code == "registry.unknown_key"
    with pytest.raises(AuthorityError) as signer:
        state.apply(RegistryOperation.suspend(A), KA1, 1)
    assert signer.value.code == "registry.not_registrar"
    with pytest.raises(RegistryConflictError) as conflict:
        state.apply(register_a()[1], REGISTRAR, 1)
    assert conflict.value.code == "registry.org_exists"
    with pytest.raises(AssertionError):
        AuthorityError("org_exists", "a conflict is not an authority error")


def test_genesis() -> None:
    state = RegistryState.genesis(REGISTRAR)
    assert (state.registrar_key(), state.size, state.last_index, state.applied) == (REGISTRAR, 0, -1, 0)
    assert state.registrar_keys() == ((-1, REGISTRAR),)
    with pytest.raises(RegistryError) as e:
        RegistryState.genesis(b"short")
    assert code(e) == "registry.malformed"


def test_register_then_authorise() -> None:
    state = replay(REGISTRAR, [register_a()])
    authority = state.authorise(KA1, DOC, Role.SUPPLIER)
    assert authority == Authority(
        A, "Jiangsu Example Cell Co., Ltd.", Role.SUPPLIER, KA1, parse_prefix("88.118.8"), 0, 0
    )
    gtin = gtin13("471234500001")
    assert state.authorise(KA2, parse_identifier(gtin), Role.MANUFACTURER).prefix == parse_prefix(
        "gs1:4712345"
    )
    link = f"https://id.gs1.org/01/0{gtin}/10/LOT-7"
    assert state.authorise(KA2, parse_identifier(link), Role.SUPPLIER).uscc == A
    assert state.authorise(KA1, parse_identifier(A), Role.SUPPLIER).prefix is None
    assert state.size == 1
    assert state.holder_of_key(KA1) == A
    assert state.holder_of_key(REGISTRAR) is None


def test_revocation_refuses_from_its_index_and_not_before() -> None:
    revoke_at = 5
    entries = [register_a(0), (revoke_at, RegistryOperation.revoke_key(A, KA1, "laptop stolen"), REGISTRAR)]
    # A document logged right before the revocation was signed with a valid key; right after, not.
    assert at(entries, revoke_at - 1).authorise(KA1, DOC, Role.SUPPLIER).uscc == A
    assert refused(at(entries, revoke_at + 1), KA1, DOC.canonical, Role.SUPPLIER) == "registry.key_revoked"
    # The other key is untouched.
    assert at(entries, revoke_at + 1).authorise(KA2, DOC, Role.SUPPLIER).uscc == A
    key_view = at(entries, 99).organisation(A).keys[0]
    assert (key_view.key, key_view.added_at, key_view.revoked_at, key_view.reason) == (
        KA1,
        0,
        5,
        "laptop stolen",
    )


def test_revocation_in_the_same_batch_as_the_document() -> None:
    # What the sequencer's admission function does: judge each pending entry against the state so far.
    log: list[tuple[int, str]] = []
    state = RegistryState.genesis(REGISTRAR)
    pending: list[tuple[str, object]] = [
        ("registry", register_a()[1]),
        ("document", KA1),
        ("registry", RegistryOperation.revoke_key(A, KA1)),
        ("document", KA1),
        ("document", KA2),
    ]
    for index, (kind, payload) in enumerate(pending):
        if kind == "registry":
            assert isinstance(payload, RegistryOperation)
            state = state.apply(payload, REGISTRAR, index)
            log.append((index, "applied"))
        else:
            assert isinstance(payload, bytes)
            try:
                state.authorise(payload, DOC, Role.SUPPLIER)
                log.append((index, "accepted"))
            except RegistryError as e:
                log.append((index, e.code))
    assert log == [
        (0, "applied"),
        (1, "accepted"),
        (2, "applied"),
        (3, "registry.key_revoked"),
        (4, "accepted"),
    ]


def test_key_rotation() -> None:
    new = key("a3")
    entries = [register_a(0), (3, RegistryOperation.rotate_key(A, new, KA1), REGISTRAR)]
    before, after = at(entries, 3), at(entries, 4)
    assert before.authorise(KA1, DOC, Role.SUPPLIER).uscc == A
    assert refused(before, new, DOC.canonical, Role.SUPPLIER) == "registry.unknown_key"
    assert refused(after, KA1, DOC.canonical, Role.SUPPLIER) == "registry.key_revoked"
    assert after.authorise(new, DOC, Role.SUPPLIER).key_added_at == 3
    assert after.organisation(A).active_keys == (KA2, new)
    # A rotated key cannot come back, and a rotation must name an active key of the organisation.
    for op in (
        RegistryOperation.add_keys(A, [KA1]),
        RegistryOperation.rotate_key(A, key("a4"), KA1),
        RegistryOperation.rotate_key(A, key("a4"), KB),
    ):
        with pytest.raises(RegistryError) as e:
            after.apply(op, REGISTRAR, 10)
        assert code(e) in {"registry.key_in_use", "registry.key_not_active"}


def test_self_revocation_by_another_key_of_the_organisation() -> None:
    b_op = RegistryOperation.register_organisation(B, "B Steel", ["supplier"], ["88.118.80"], [KB])
    state = replay(REGISTRAR, [register_a(0), (1, b_op, REGISTRAR)])
    revoke_a1 = RegistryOperation.revoke_key(A, KA1, "compromised")
    # Another organisation's key, or a stranger's, may not revoke A's key.
    for signer in (KB, key("stranger")):
        with pytest.raises(RegistryError) as e:
            state.apply(revoke_a1, signer, 2)
        assert code(e) == "registry.not_authorised"
    after = state.apply(revoke_a1, KA2, 2)
    assert after.organisation(A).history[-1].signer == KA2
    assert refused(after, KA1, DOC.canonical, Role.SUPPLIER) == "registry.key_revoked"
    assert after.authorise(KA2, DOC, Role.SUPPLIER).uscc == A
    # The revoked key can no longer revoke anything, and an organisation key may only revoke.
    with pytest.raises(RegistryError) as e:
        after.apply(RegistryOperation.revoke_key(A, KA2), KA1, 3)
    assert code(e) == "registry.not_authorised"
    with pytest.raises(RegistryError) as e:
        after.apply(RegistryOperation.add_keys(A, [key("a9")]), KA2, 3)
    assert code(e) == "registry.not_registrar"
    # A key may also revoke itself (the holder of a compromised key declaring it so).
    last = after.apply(RegistryOperation.revoke_key(A, KA2), KA2, 3)
    assert last.organisation(A).active_keys == ()


def test_suspension_and_reinstatement() -> None:
    entries = [
        register_a(0),
        (1, RegistryOperation.suspend(A, "audit"), REGISTRAR),
        (2, RegistryOperation.add_keys(A, [key("a3")]), REGISTRAR),
        (3, RegistryOperation.reinstate(A), REGISTRAR),
    ]
    assert at(entries, 1).authorise(KA1, DOC, Role.SUPPLIER).uscc == A
    for k in (KA1, KA2, key("a3")):
        assert refused(at(entries, 3), k, DOC.canonical, Role.SUPPLIER) == "registry.org_suspended"
    assert at(entries, 4).authorise(key("a3"), DOC, Role.SUPPLIER).uscc == A
    state = at(entries, 99)
    with pytest.raises(RegistryError) as e:
        state.apply(RegistryOperation.reinstate(A), REGISTRAR, 4)
    assert code(e) == "registry.not_suspended"
    suspended = state.apply(RegistryOperation.suspend(A), REGISTRAR, 4)
    with pytest.raises(RegistryError) as e:
        suspended.apply(RegistryOperation.suspend(A), REGISTRAR, 5)
    assert code(e) == "registry.already_suspended"
    assert [event.index for event in suspended.organisation(A).history] == [0, 1, 2, 3, 4]


def test_blacklisting_a_certification_body() -> None:
    cb, kc = uscc(3), key("cb")
    entries = [
        register_a(0),
        (
            1,
            RegistryOperation.register_organisation(cb, "CQC Mark", ["certification-body"], keys=[kc]),
            REGISTRAR,
        ),
        (4, RegistryOperation.blacklist(cb, "false certificates"), REGISTRAR),
    ]
    assert at(entries, 4).authorise(kc, None, Role.CERTIFICATION_BODY).uscc == cb
    assert at(entries, 4).authorise(kc, DOC, Role.CERTIFICATION_BODY).prefix is None
    assert refused(at(entries, 5), kc, None, Role.CERTIFICATION_BODY) == "registry.blacklisted"
    assert at(entries, 5).organisation(cb).blacklisted_at == 4
    state = at(entries, 99)
    for op, expected in (
        (RegistryOperation.blacklist(cb), "registry.already_blacklisted"),
        (RegistryOperation.blacklist(A), "registry.not_certification_body"),
        (RegistryOperation.blacklist(uscc(9)), "registry.unknown_org"),
    ):
        with pytest.raises(RegistryError) as e:
            state.apply(op, REGISTRAR, 5)
        assert code(e) == expected


def test_registrar_rotation() -> None:
    new_registrar = key("registrar-2")
    rotate = RegistryOperation.rotate_registrar_key(new_registrar)
    add_b = RegistryOperation.register_organisation(B, "B Steel", ["supplier"], ["88.118.80"], [KB])
    state = replay(REGISTRAR, [register_a(0)])
    with pytest.raises(RegistryError) as e:
        state.apply(rotate, new_registrar, 1)  # the rotation itself is signed by the current key
    assert code(e) == "registry.not_registrar"
    rotated = state.apply(rotate, REGISTRAR, 1)
    assert rotated.registrar_key() == new_registrar
    assert rotated.registrar_keys() == ((-1, REGISTRAR), (2, new_registrar))
    with pytest.raises(RegistryError) as e:
        rotated.apply(add_b, REGISTRAR, 2)
    assert code(e) == "registry.not_registrar"
    assert rotated.apply(add_b, new_registrar, 2).size == 2
    # Registrar keys, past and present, are nobody's signing keys and can never become one.
    for k in (REGISTRAR, new_registrar):
        assert refused(rotated, k, DOC.canonical, Role.SUPPLIER) == "registry.unknown_key"
        with pytest.raises(RegistryError) as e:
            rotated.apply(RegistryOperation.add_keys(A, [k]), new_registrar, 2)
        assert code(e) == "registry.key_in_use"
    with pytest.raises(RegistryError) as e:
        rotated.apply(RegistryOperation.rotate_registrar_key(KA1), new_registrar, 2)
    assert code(e) == "registry.key_in_use"
    # replay agrees with applying one by one.
    assert replay(REGISTRAR, [register_a(0), (1, rotate, REGISTRAR), (2, add_b, new_registrar)]) == (
        rotated.apply(add_b, new_registrar, 2)
    )


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (RegistryOperation.register_organisation(A, "Again", ["supplier"]), "registry.org_exists"),
        (RegistryOperation.register_organisation(B, "B", ["supplier"], keys=[KA1]), "registry.key_in_use"),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], ["88.118.8"]),
            "registry.prefix_conflict",
        ),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], ["88.118.8.1"]),
            "registry.prefix_conflict",
        ),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], ["88.118.8.1.2"]),
            "registry.prefix_conflict",
        ),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], ["gs1:47123456"]),
            "registry.prefix_conflict",
        ),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], ["gs1:4712"]),
            "registry.prefix_conflict",
        ),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], ["88.119.1", "88.119.1.7"]),
            "registry.prefix_conflict",
        ),
        (
            RegistryOperation.register_organisation(B, "B", ["supplier"], did_web="did:web:a.example.com"),
            "registry.did_web_in_use",
        ),
        (RegistryOperation.bind_prefixes(A, ["88.118.8.5"]), "registry.prefix_conflict"),
        (RegistryOperation.bind_prefixes(B, ["88.118.9"]), "registry.unknown_org"),
        (RegistryOperation.unbind_prefixes(A, ["88.118.8.5"]), "registry.prefix_not_bound"),
        (RegistryOperation.unbind_prefixes(A, ["88.118.9"]), "registry.prefix_not_bound"),
        (RegistryOperation.add_keys(B, [key("b2")]), "registry.unknown_org"),
        (RegistryOperation.add_keys(A, [KA1]), "registry.key_in_use"),
        (RegistryOperation.revoke_key(A, key("nobody")), "registry.key_not_active"),
        (RegistryOperation.suspend(B), "registry.unknown_org"),
        (RegistryOperation.reinstate(A), "registry.not_suspended"),
    ],
)
def test_consistency_refusals(op: RegistryOperation, expected: str) -> None:
    first = RegistryOperation.register_organisation(
        A, "A", ["supplier"], ["88.118.8", "gs1:4712345"], [KA1, KA2], did_web="did:web:a.example.com"
    )
    state = replay(REGISTRAR, [(0, first, REGISTRAR)])
    with pytest.raises(RegistryError) as e:
        state.apply(op, REGISTRAR, 1)
    assert code(e) == expected


def test_a_refused_entry_leaves_the_state_as_it_was() -> None:
    state = replay(REGISTRAR, [register_a(0)])
    before = state.organisation(A)
    # B's first prefix is free, its second is A's: nothing of the entry may stick.
    op = RegistryOperation.register_organisation(B, "B", ["supplier"], ["88.118.9", "88.118.8.2"], [KB])
    with pytest.raises(RegistryError) as e:
        state.apply(op, REGISTRAR, 1)
    assert code(e) == "registry.prefix_conflict"
    assert state.organisation(A) == before
    assert (state.size, state.last_index, state.holder_of_key(KB)) == (1, 0, None)
    fine = RegistryOperation.register_organisation(B, "B", ["supplier"], ["88.118.9"], [KB])
    assert (
        state.apply(fine, REGISTRAR, 1).authorise(KB, parse_identifier("88.118.9/x"), Role.SUPPLIER).uscc == B
    )


def test_unbinding_frees_a_prefix_and_its_range() -> None:
    c = uscc(3)
    entries = [
        register_a(0),
        (1, RegistryOperation.unbind_prefixes(A, ["88.118.8"]), REGISTRAR),
        (
            2,
            RegistryOperation.register_organisation(c, "C", ["supplier"], ["88.118.8.1"], [key("c")]),
            REGISTRAR,
        ),
    ]
    state = replay(REGISTRAR, entries)
    assert refused(state, KA1, "88.118.8/X", Role.SUPPLIER) == "registry.prefix_not_held"
    assert refused(state, KA1, "88.118.8.1/X", Role.SUPPLIER) == "registry.prefix_not_held"
    assert state.authorise(key("c"), parse_identifier("88.118.8.1/X"), Role.SUPPLIER).uscc == c
    assert state.organisation(A).prefixes == (parse_prefix("gs1:4712345"),)
    # Now A cannot take the wider prefix back while C holds a part of it.
    with pytest.raises(RegistryError) as e:
        state.apply(RegistryOperation.bind_prefixes(A, ["88.118.8"]), REGISTRAR, 3)
    assert code(e) == "registry.prefix_conflict"
    assert state.apply(RegistryOperation.bind_prefixes(A, ["88.118.8.2"]), REGISTRAR, 3).size == 2


@pytest.mark.parametrize("index", [0, -1, -5])
def test_index_must_grow(index: int) -> None:
    state = replay(REGISTRAR, [register_a(0)])
    with pytest.raises(RegistryError) as e:
        state.apply(RegistryOperation.suspend(A), REGISTRAR, index)
    assert code(e) == "registry.index_order"
    with pytest.raises(RegistryError) as e:
        replay(REGISTRAR, [register_a(3), (3, RegistryOperation.suspend(A), REGISTRAR)])
    assert code(e) == "registry.index_order"
    assert state.apply(RegistryOperation.suspend(A), REGISTRAR, 1000).last_index == 1000


def test_malformed_arguments_to_apply() -> None:
    state = RegistryState.genesis(REGISTRAR)
    with pytest.raises(RegistryError) as e:
        state.apply(register_a()[1], b"short", 0)
    assert code(e) == "registry.malformed"
    with pytest.raises(RegistryError) as e:
        state.apply(register_a()[1], REGISTRAR, True)
    assert code(e) == "registry.index_order"


def test_authorise_refusals() -> None:
    state = replay(
        REGISTRAR,
        [
            register_a(0),
            (
                1,
                RegistryOperation.register_organisation(B, "B", ["database-publisher"], keys=[KB]),
                REGISTRAR,
            ),
        ],
    )
    assert refused(state, key("nobody"), DOC.canonical, Role.SUPPLIER) == "registry.unknown_key"
    assert refused(state, KA1, DOC.canonical, Role.CERTIFICATION_BODY) == "registry.wrong_role"
    assert refused(state, KA1, "88.118.80/LFP-280Ah", Role.SUPPLIER) == "registry.prefix_not_held"
    assert refused(state, KA1, None, Role.SUPPLIER) == "registry.prefix_not_held"
    assert refused(state, KA1, B, Role.SUPPLIER) == "registry.prefix_not_held"
    assert refused(state, KB, DOC.canonical, Role.SUPPLIER) == "registry.wrong_role"
    assert state.authorise(KB, None, Role.DATABASE_PUBLISHER).uscc == B


def test_organisation_view_and_history() -> None:
    entries = [
        register_a(0),
        (2, RegistryOperation.bind_prefixes(A, ["88.118.81"]), REGISTRAR),
        (5, RegistryOperation.rotate_key(A, key("a3"), KA2), REGISTRAR),
        (7, RegistryOperation.revoke_key(A, KA1, "lost"), KA1),
    ]
    view = replay(REGISTRAR, entries).organisation(A)
    assert (view.uscc, view.roles, view.registered_at, view.suspended) == (
        A,
        (Role.SUPPLIER, Role.MANUFACTURER),
        0,
        False,
    )
    assert [p.canonical for p in view.prefixes] == ["88.118.8", "gs1:4712345", "88.118.81"]
    assert [(k.key, k.added_at, k.revoked_at) for k in view.keys] == [
        (KA1, 0, 7),
        (KA2, 0, 5),
        (key("a3"), 5, None),
    ]
    assert [(e.index, e.operation.action, e.signer) for e in view.history] == [
        (0, Action.REGISTER_ORGANISATION, REGISTRAR),
        (2, Action.BIND_PREFIX, REGISTRAR),
        (5, Action.ROTATE_KEY, REGISTRAR),
        (7, Action.REVOKE_KEY, KA1),
    ]
    assert view.keys[2].did_key.startswith("did:key:z6Mk")
    with pytest.raises(RegistryError) as e:
        replay(REGISTRAR, entries).organisation(B)
    assert code(e) == "registry.unknown_org"
    assert [o.uscc for o in replay(REGISTRAR, entries).organisations()] == [A]
