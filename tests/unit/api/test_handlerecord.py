"""The Handle-style record's pure part (api/handlerecord.py): parsing the lookup and the selection, a
product's and a prefix's values from summaries and a registry state, the record JSON and
the response codes."""

from __future__ import annotations

from typing import Any

import pytest

from api import handlerecord as hr
from api.errors import NotFoundError
from api.resolver import ResolverRequestError
from identifiers.errors import HandleError, TextError
from identifiers.handle import parse_handle_prefix
from identifiers.multikey import did_key_from_public_key
from identifiers.registry import RegistryOperation, RegistryState
from tests.unit.identifiers.strategies import uscc_check

BASE = "https://ct.example.cn/"
REGISTRAR = b"registrar".ljust(32, b".")
K1, K2 = b"k1".ljust(32, b"."), b"k2".ljust(32, b".")
DIGEST = "sha256:" + "ab" * 32


def uscc(n: int) -> str:
    body = f"9132000{n:010d}"
    return body + uscc_check(body)


ORG = uscc(1)


def state() -> RegistryState:
    """An organisation registered at 0 with K1 and 88.118.8, given K2 at 3, K1 revoked at 5, 88.120.1 bound
    at 7."""
    s = RegistryState.genesis(REGISTRAR)
    s = s.apply(
        RegistryOperation.register_organisation(ORG, "Cells", ["manufacturer"], ["88.118.8"], [K1]),
        REGISTRAR,
        0,
    )
    s = s.apply(RegistryOperation.add_keys(ORG, [K2]), REGISTRAR, 3)
    s = s.apply(RegistryOperation.revoke_key(ORG, K1, "lost"), REGISTRAR, 5)
    return s.apply(RegistryOperation.bind_prefixes(ORG, ["88.120.1"]), REGISTRAR, 7)


def summary(index: int = 12, **changes: Any) -> dict[str, Any]:
    out = {
        "credential": DIGEST,
        "index": index,
        "issuer": ORG,
        "issuerKey": did_key_from_public_key(K1),
        "status": "valid",
    }
    out.update(changes)
    return out


def by_index(values: tuple[hr.HandleValue, ...]) -> dict[int, tuple[str, str, int]]:
    return {v.index: (v.type, v.value, v.source) for v in values}


def test_parse_lookup() -> None:
    product = hr.parse_lookup("88.118.8/LFP/280Ah")
    assert (product.name, product.prefix.canonical) == ("88.118.8/LFP/280Ah", "88.118.8")
    assert product.product is not None
    assert product.product.suffix == "LFP/280Ah"
    upper = hr.parse_lookup("88.118.ABC/x")
    assert upper.name == "88.118.abc/x"
    prefix = hr.parse_lookup("88.118.8")
    assert (prefix.name, prefix.product) == ("88.118.8", None)
    na = hr.parse_lookup("0.na/88.118.8")
    assert (na.name, na.prefix.canonical, na.product) == ("0.NA/88.118.8", "88.118.8", None)
    for text, code in (
        ("99.1.1/x", "identifiers.handle.prefix_root"),
        ("0.NA/88.118", "identifiers.handle.prefix_too_short"),
        ("88.118.8/a//b", "identifiers.handle.suffix_segment"),
        ("", "identifiers.handle.prefix_empty"),
    ):
        with pytest.raises(HandleError) as e:
            hr.parse_lookup(text)
        assert e.value.code == code, text
    with pytest.raises(TextError):
        hr.parse_lookup("88.118.8/a\u202eb")


def test_selection() -> None:
    sel = hr.parse_selection([("type", "url"), ("index", "300"), ("auth", "true"), ("type", "")])
    assert sel == hr.Selection(("URL",), (300,))
    url = hr.HandleValue(1, "URL", "u", 0)
    key = hr.HandleValue(300, "CT_PUBKEY", "k", 0)
    other = hr.HandleValue(2, "CT_PASSPORT", "p", 0)
    assert [sel.selects(v) for v in (url, key, other)] == [True, True, False]
    assert all(hr.Selection().selects(v) for v in (url, key, other))
    sub = hr.parse_selection([("type", "CT_PASSPORT.")])
    assert not sub.selects(other)
    assert sub.selects(hr.HandleValue(9, "ct_passport.v2", "x", 0))
    for bad in ("x", "-1", "1.0", "", "2147483648", "١"):
        with pytest.raises(hr.HandleQueryError) as e:
            hr.parse_selection([("index", bad)])
        assert e.value.code == "resolver.handle_index"
    assert hr.parse_selection([("index", "2147483647")]).indices == (2147483647,)


def test_product_values_from_a_passport() -> None:
    org = state().organisation(ORG)
    lookup = hr.parse_lookup("88.118.8/电池")
    values = hr.product_values(lookup, BASE, summary(), [], org)
    assert by_index(values) == {
        1: ("URL", "https://ct.example.cn/id/88.118.8/%E7%94%B5%E6%B1%A0", 12),
        2: ("CT_PASSPORT", f"https://ct.example.cn/credentials/{DIGEST}", 12),
        3: ("CT_PASSPORT_DIGEST", DIGEST, 12),
        4: ("CT_LOG_INDEX", "12", 12),
        5: ("CT_ISSUER", ORG, 12),
        6: ("CT_ISSUER_NAME", "Cells", 0),
        7: ("CT_SIGNER", did_key_from_public_key(K1), 12),
        # K1 was revoked: only K2 is given, dated by the entry that added it
        300: ("CT_PUBKEY", did_key_from_public_key(K2), 3),
    }
    # The passport wins over attestations; without a registry view the name and keys are left out.
    bare = hr.product_values(lookup, BASE, summary(), [summary(20, credential="sha256:" + "cd" * 32)], None)
    assert sorted(by_index(bare)) == [1, 2, 3, 4, 5, 7]
    assert by_index(bare)[3][1] == DIGEST


def test_product_values_from_attestations() -> None:
    lookup = hr.parse_lookup("88.118.8/X")
    newest = summary(30, credential="sha256:" + "01" * 32)
    older = summary(20)
    revoked = summary(40, status="revoked", credential="sha256:" + "02" * 32)
    values = by_index(hr.product_values(lookup, BASE, None, [newest, older, revoked], None))
    assert values[2] == ("CT_ATTESTATION", f"https://ct.example.cn/credentials/sha256:{'01' * 32}", 30)
    assert values[3] == ("CT_ATTESTATION_DIGEST", "sha256:" + "01" * 32, 30)
    assert values[4] == ("CT_LOG_INDEX", "30", 30)
    with pytest.raises(hr.HandleNotFoundError) as e:
        hr.product_values(lookup, BASE, None, [revoked], None)
    assert e.value.code == "api.not_found"
    assert isinstance(e.value, NotFoundError)
    with pytest.raises(hr.HandleNotFoundError):
        hr.product_values(lookup, BASE, None, [], None)


def test_prefix_values_and_holder() -> None:
    orgs = list(state().organisations())
    holder, held = hr.holder_of(orgs, parse_handle_prefix("88.118.8.5"))
    assert (holder.uscc, held.canonical) == (ORG, "88.118.8")
    assert hr.bound_at(holder, held) == 0
    late, late_held = hr.holder_of(orgs, parse_handle_prefix("88.120.1"))
    assert hr.bound_at(late, late_held) == 7
    for missing in ("88.118.80", "88.118", "88.120.2"):
        with pytest.raises((hr.HandleNotFoundError, HandleError)):
            hr.holder_of(orgs, parse_handle_prefix(missing))
    values = hr.prefix_values(hr.parse_lookup("0.NA/88.120.1.9"), BASE, late, late_held)
    assert by_index(values) == {
        1: ("URL", f"https://ct.example.cn/registry/orgs/{ORG}", 7),
        5: ("CT_PREFIX_HOLDER", ORG, 7),
        6: ("CT_PREFIX_HOLDER_NAME", "Cells", 0),
        300: ("CT_PUBKEY", did_key_from_public_key(K2), 3),
    }


def test_record_json() -> None:
    values = [hr.HandleValue(300, "CT_PUBKEY", "k", 3), hr.HandleValue(1, "URL", "u", 12)]
    record = hr.record_json("88.118.8/X", values, {12: "2026-11-24T10:00:00Z"})
    assert record == {
        "responseCode": 1,
        "handle": "88.118.8/X",
        "values": [
            {
                "index": 1,
                "type": "URL",
                "data": {"format": "string", "value": "u"},
                "ttl": hr.TTL_SECONDS,
                "timestamp": "2026-11-24T10:00:00Z",
            },
            {"index": 300, "type": "CT_PUBKEY", "data": {"format": "string", "value": "k"}, "ttl": 3600},
        ],
    }
    empty = hr.record_json("88.118.8/X", [], {})
    assert (empty["responseCode"], empty["values"]) == (200, [])


def test_response_codes() -> None:
    assert hr.response_code(HandleError("syntax", "x")) == 102
    assert hr.response_code(TextError("bidi", "x")) == 102
    assert hr.response_code(ResolverRequestError("x")) == 102
    assert hr.response_code(hr.HandleNotFoundError("x")) == 100
    assert hr.response_code(NotFoundError("x")) is None
    assert hr.response_code(hr.HandleQueryError("x")) is None
