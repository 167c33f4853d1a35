"""Registry operations are checked on construction: required and forbidden fields per action, canonical
identifiers, raw keys, no repeats."""

from __future__ import annotations

from typing import Any

import pytest

from identifiers import parse_prefix
from identifiers.errors import RegistryError
from identifiers.registry import RegistryOperation, Role
from identifiers.registry_ops import Action, allowed_fields
from tests.unit.identifiers.strategies import uscc_check

BODY = "91320000MA1234567"
USCC = BODY + uscc_check(BODY)
K1, K2 = b"\x01" * 32, b"\x02" * 32
BAD_CHECK = BODY + ("1" if uscc_check(BODY) == "0" else "0")


def test_constructors_build_typed_values() -> None:
    op = RegistryOperation.register_organisation(
        USCC,
        "Jiangsu Example Cell Co., Ltd.",
        ["supplier", Role.MANUFACTURER],
        ["88.118.8", "gs1:4712345"],
        [K1],
    )
    assert op.action is Action.REGISTER_ORGANISATION
    assert op.roles == (Role.SUPPLIER, Role.MANUFACTURER)
    assert op.prefixes == (parse_prefix("88.118.8"), parse_prefix("gs1:4712345"))
    assert op.keys == (K1,)
    assert RegistryOperation.rotate_key(USCC, K2, K1) == RegistryOperation(
        Action.ROTATE_KEY, uscc=USCC, keys=(K2,), revoked_key=K1
    )
    assert RegistryOperation.rotate_registrar_key(K1).uscc is None
    assert "did:key:z6Mk" in RegistryOperation.add_keys(USCC, [K1]).describe()


def test_every_action_has_its_field_table() -> None:
    assert set(Action) == {a for a in Action if allowed_fields(a)[0]}
    assert Role.SUPPLIER.bound_to_prefix
    assert Role.MANUFACTURER.bound_to_prefix
    assert not Role.CERTIFICATION_BODY.bound_to_prefix
    assert not Role.DATABASE_PUBLISHER.bound_to_prefix


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "add-key", "uscc": USCC, "keys": (K1,)},  # a string, not an Action
        {"action": Action.ADD_KEY, "uscc": USCC},  # keys missing
        {"action": Action.ADD_KEY, "keys": (K1,)},  # uscc missing
        {"action": Action.ADD_KEY, "uscc": USCC, "keys": (K1,), "reason": "x"},  # reason not taken
        {"action": Action.SUSPEND_ORGANISATION, "uscc": USCC, "prefixes": (parse_prefix("88.118.8"),)},
        {"action": Action.ROTATE_REGISTRAR_KEY, "keys": (K1,), "uscc": USCC},
        {"action": Action.ROTATE_REGISTRAR_KEY, "keys": (K1, K2)},  # exactly one new key
        {"action": Action.ROTATE_KEY, "uscc": USCC, "keys": (K1, K2), "revoked_key": b"\x03" * 32},
        {"action": Action.ROTATE_KEY, "uscc": USCC, "keys": (K1,), "revoked_key": K1},
        {"action": Action.ADD_KEY, "uscc": USCC.lower(), "keys": (K1,)},  # not canonical
        {"action": Action.ADD_KEY, "uscc": BAD_CHECK, "keys": (K1,)},
        {"action": Action.ADD_KEY, "uscc": USCC, "keys": (b"\x01" * 31,)},
        {"action": Action.ADD_KEY, "uscc": USCC, "keys": ("did:key:z6Mk",)},
        {"action": Action.ADD_KEY, "uscc": USCC, "keys": (K1, K1)},
        {"action": Action.ADD_KEY, "uscc": USCC, "keys": [K1]},
        {"action": Action.BIND_PREFIX, "uscc": USCC, "prefixes": ("88.118.8",)},  # text, not parsed
        {"action": Action.BIND_PREFIX, "uscc": USCC, "prefixes": (parse_prefix("88.118.8"),) * 2},
        {"action": Action.REGISTER_ORGANISATION, "uscc": USCC, "legal_name": "X", "roles": ("supplier",)},
        {
            "action": Action.REGISTER_ORGANISATION,
            "uscc": USCC,
            "legal_name": "X",
            "roles": (Role.SUPPLIER,) * 2,
        },
        {"action": Action.REGISTER_ORGANISATION, "uscc": USCC, "legal_name": " X", "roles": (Role.SUPPLIER,)},
        {
            "action": Action.REGISTER_ORGANISATION,
            "uscc": USCC,
            "legal_name": "X\u200b",
            "roles": (Role.SUPPLIER,),
        },
        {
            "action": Action.REGISTER_ORGANISATION,
            "uscc": USCC,
            "legal_name": "X\n",
            "roles": (Role.SUPPLIER,),
        },
        {
            "action": Action.REGISTER_ORGANISATION,
            "uscc": USCC,
            "legal_name": "e\u0301",
            "roles": (Role.SUPPLIER,),
        },
        {
            "action": Action.REGISTER_ORGANISATION,
            "uscc": USCC,
            "legal_name": "x" * 257,
            "roles": (Role.SUPPLIER,),
        },
        {
            "action": Action.REGISTER_ORGANISATION,
            "uscc": USCC,
            "legal_name": "X",
            "roles": (Role.SUPPLIER,),
            "did_web": "did:web:EXAMPLE.com",
        },
        {"action": Action.REVOKE_KEY, "uscc": USCC, "revoked_key": K1, "reason": ""},
        {
            "action": Action.BIND_PREFIX,
            "uscc": USCC,
            "prefixes": tuple(parse_prefix(f"88.1.{n}") for n in range(65)),
        },
    ],
)
def test_malformed_operations(fields: dict[str, Any]) -> None:
    with pytest.raises(RegistryError) as e:
        RegistryOperation(**fields)
    assert e.value.code == "registry.malformed"


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (RegistryOperation.register_organisation, (USCC, "X", ["auditor"])),
        (RegistryOperation.register_organisation, (USCC, "X", [])),
        (RegistryOperation.bind_prefixes, (USCC, ["88.118.8/x"])),
        (RegistryOperation.bind_prefixes, (USCC, ["88.118.8."])),
        (RegistryOperation.bind_prefixes, (USCC, ["88.118.A"])),  # not canonical (lower case)
        (RegistryOperation.bind_prefixes, (USCC, ["4712345"])),  # a GS1 prefix needs its gs1: tag
        (RegistryOperation.bind_prefixes, (USCC, [])),
    ],
)
def test_constructors_refuse_bad_text(call: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(RegistryError) as e:
        call(*args)
    assert e.value.code == "registry.malformed"


@pytest.mark.parametrize(
    "key",
    [
        bytes.fromhex("0100000000000000000000000000000000000000000000000000000000000000"),  # the identity
        bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # order 8
        bytes.fromhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  # y = p
    ],
)
def test_a_key_anyone_could_sign_as_is_never_registered(key: bytes) -> None:
    with pytest.raises(RegistryError) as e:
        RegistryOperation.register_organisation(USCC, "X", ["supplier"], keys=[key])
    assert e.value.code == "registry.malformed"
    with pytest.raises(RegistryError) as e:
        RegistryOperation.add_keys(USCC, [key])
    assert e.value.code == "registry.malformed"
