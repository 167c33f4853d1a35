"""The authorisation matrix: every (key, identifier, role) against an expectation written out by hand.

Organisations hold prefixes that look alike (``88.118.8`` / ``88.118.80`` / ``88.118.8.1``, ``gs1:4712345`` /
``gs1:4712346`` / ``gs1:47123456``). Who owns which identifier is typed in below, not computed with the code
under test; the rule that turns ownership, key status and roles into an answer is the documented precedence
(docs/registry.md, "Authority"). Phase 1 is the registry as first built; phase 2 after A gives up
``88.118.8`` and ``gs1:4712345`` and C takes the narrower ``88.118.8.1`` and ``gs1:47123456``.
"""

from __future__ import annotations

import itertools

import pytest

from identifiers import parse_identifier
from identifiers.errors import RegistryError
from identifiers.registry import RegistryOperation, RegistryState, Role, replay
from tests.unit.identifiers.strategies import gtin_check, uscc_check


def uscc(n: int) -> str:
    body = f"9144030{n:010d}"
    return body + uscc_check(body)


def gtin(payload12: str) -> str:
    return payload12 + gtin_check(payload12)


def key(name: str) -> bytes:
    return name.encode().ljust(32, b"#")


ORG = {name: uscc(n) for n, name in enumerate("ABCDEFG", start=1)}
REGISTRAR = key("registrar")

GTIN_A = gtin("471234500001")  # under gs1:4712345 (and not gs1:47123456: digit 8 is 0)
GTIN_AC = gtin("471234560007")  # under gs1:4712345 and under gs1:47123456
GTIN_B = gtin("471234600003")  # under gs1:4712346
GTIN_NONE = gtin("471234700009")  # under nobody's prefix

IDENTIFIERS = [
    "88.118.8/LFP-280Ah",
    "88.118.80/LFP-280Ah",
    "88.118.8.1/Cell-1",
    "88.118.800/X",
    "88.118.9/Module",
    GTIN_A,
    GTIN_AC,
    GTIN_B,
    GTIN_NONE,
    f"https://id.gs1.org/01/0{GTIN_AC}/10/LOT-1",
    f"(01)0{GTIN_B}(21)SN-9",
    ORG["A"],
    None,
]

ROLES = {
    "A": {Role.SUPPLIER, Role.MANUFACTURER},
    "B": {Role.SUPPLIER},
    "C": {Role.MANUFACTURER},
    "D": {Role.CERTIFICATION_BODY},
    "E": {Role.DATABASE_PUBLISHER},
    "F": {Role.SUPPLIER, Role.CERTIFICATION_BODY},
    "G": {Role.SUPPLIER},
}

# key name -> (organisation or None, status); written out by hand.
KEYS = {
    "ka": ("A", "active"),
    "kb": ("B", "active"),
    "kc": ("C", "active"),
    "kd": ("D", "active"),
    "ke": ("E", "active"),
    "kf": ("F", "suspended"),
    "kg-old": ("G", "revoked"),
    "kg-new": ("G", "active"),
    "stranger": (None, "unknown"),
    "registrar": (None, "unknown"),
}
BLACKLISTED = {"D"}

# identifier -> owning organisation, per phase; written out by hand.
OWNER_1 = {
    "88.118.8/LFP-280Ah": "A",
    "88.118.80/LFP-280Ah": "B",
    "88.118.8.1/Cell-1": "A",
    "88.118.800/X": None,
    "88.118.9/Module": "G",
    GTIN_A: "A",
    GTIN_AC: "A",
    GTIN_B: "B",
    GTIN_NONE: None,
    f"https://id.gs1.org/01/0{GTIN_AC}/10/LOT-1": "A",
    f"(01)0{GTIN_B}(21)SN-9": "B",
    ORG["A"]: "A",
    None: None,
}
OWNER_2 = {
    **OWNER_1,
    "88.118.8/LFP-280Ah": None,
    "88.118.8.1/Cell-1": "C",
    GTIN_A: None,
    GTIN_AC: "C",
    f"https://id.gs1.org/01/0{GTIN_AC}/10/LOT-1": "C",
}


def expected(key_name: str, identifier: str | None, role: Role, owner: dict[str | None, str | None]) -> str:
    """The documented answer: an organisation letter, or the refusal's code."""
    org, status = KEYS[key_name]
    if org is None:
        return "registry.unknown_key"
    if status == "revoked":
        return "registry.key_revoked"
    if status == "suspended":
        return "registry.org_suspended"
    if role is Role.CERTIFICATION_BODY and org in BLACKLISTED:
        return "registry.blacklisted"
    if role not in ROLES[org]:
        return "registry.wrong_role"
    if role in (Role.SUPPLIER, Role.MANUFACTURER) and owner[identifier] != org:
        return "registry.prefix_not_held"
    return org


def register(name: str, prefixes: list[str], keys: list[str]) -> RegistryOperation:
    return RegistryOperation.register_organisation(
        ORG[name], f"Organisation {name}", sorted(ROLES[name]), prefixes, [key(k) for k in keys]
    )


def phase_1() -> RegistryState:
    ops = [
        register("A", ["88.118.8", "gs1:4712345"], ["ka"]),
        register("B", ["88.118.80", "gs1:4712346"], ["kb"]),
        register("C", [], ["kc"]),
        register("D", [], ["kd"]),
        register("E", [], ["ke"]),
        register("F", ["88.118.81"], ["kf"]),
        register("G", ["88.118.9"], ["kg-old"]),
        RegistryOperation.rotate_key(ORG["G"], key("kg-new"), key("kg-old")),
        RegistryOperation.suspend(ORG["F"]),
        RegistryOperation.blacklist(ORG["D"]),
    ]
    return replay(REGISTRAR, [(i, op, REGISTRAR) for i, op in enumerate(ops)])


def phase_2(state: RegistryState) -> RegistryState:
    ops = [
        RegistryOperation.unbind_prefixes(ORG["A"], ["88.118.8", "gs1:4712345"]),
        RegistryOperation.bind_prefixes(ORG["C"], ["88.118.8.1", "gs1:47123456"]),
    ]
    for i, op in enumerate(ops, start=state.last_index + 1):
        state = state.apply(op, REGISTRAR, i)
    return state


def outcome(state: RegistryState, key_name: str, identifier: str | None, role: Role) -> str:
    parsed = None if identifier is None else parse_identifier(identifier)
    try:
        authority = state.authorise(key(key_name), parsed, role)
    except RegistryError as e:
        return e.code
    return next(name for name, code in ORG.items() if code == authority.uscc)


CASES = list(itertools.product(KEYS, IDENTIFIERS, list(Role)))


@pytest.mark.parametrize(("phase", "owner"), [(1, OWNER_1), (2, OWNER_2)])
def test_every_combination(phase: int, owner: dict[str | None, str | None]) -> None:
    state = phase_1() if phase == 1 else phase_2(phase_1())
    mismatches = [
        (k, i, r.value, got, want)
        for k, i, r in CASES
        if (got := outcome(state, k, i, r)) != (want := expected(k, i, r, owner))
    ]
    assert mismatches == []
    assert len(CASES) == 10 * 13 * 4


@pytest.mark.parametrize(("phase", "owner"), [(1, OWNER_1), (2, OWNER_2)])
def test_no_organisation_signs_for_another_prefix(phase: int, owner: dict[str | None, str | None]) -> None:
    state = phase_1() if phase == 1 else phase_2(phase_1())
    for k, identifier, role in CASES:
        got = outcome(state, k, identifier, role)
        if role.bound_to_prefix and not got.startswith("registry."):
            assert got == owner[identifier] == KEYS[k][0]


def test_overlapping_prefixes_are_refused_while_held() -> None:
    state = phase_1()
    for prefixes in (["88.118.8.1"], ["gs1:47123456"], ["88.118.8"], ["gs1:4712"]):
        with pytest.raises(RegistryError) as e:
            state.apply(RegistryOperation.bind_prefixes(ORG["C"], prefixes), REGISTRAR, 100)
        assert e.value.code == "registry.prefix_conflict"
    # Look-alikes that do not overlap are fine.
    for prefixes in (["88.118.800"], ["gs1:4712347"], ["88.118.8a"]):
        assert state.apply(RegistryOperation.bind_prefixes(ORG["C"], prefixes), REGISTRAR, 100).size == 7
