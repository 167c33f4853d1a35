"""verifier/bundle.py: the carbontrail-bundle/v1 format parsed strictly and written back exactly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.verifier.bundles import supplier_bundle
from verifier.bundle import bundle_from_json, bundle_to_json, dump_bundle, parse_bundle
from verifier.errors import BundleError


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return supplier_bundle()[0].bundle


def test_a_bundle_round_trips_exactly(bundle: dict[str, Any]) -> None:
    data = dump_bundle(bundle_from_json(bundle))
    parsed = parse_bundle(data)
    assert dump_bundle(parsed) == data
    assert bundle_to_json(parsed) == bundle
    assert parsed.full
    assert [r.index for r in parsed.records] == [0, 1]
    assert parsed.records[1].fields().kind == "attestation"
    assert parsed.records[1].parsed_receipt().index == 1
    assert parsed.note()[1].size == 2


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(b: dict[str, Any]) -> None:
        target: Any = b
        keys = path.split("/")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _drop(member: str) -> Callable[[dict[str, Any]], None]:
    return lambda b: b.pop(member)


def _swap_records(b: dict[str, Any]) -> None:
    b["records"].reverse()


def _stray_credential(b: dict[str, Any]) -> None:
    b["credentials"]["sha256:" + "0" * 64] = "{}"


def _receipt_of_another_index(b: dict[str, Any]) -> None:
    b["records"][0]["receipt"] = b["records"][1]["receipt"]


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("an unknown member", _set("signedBy", "me"), ""),
    ("a missing member", _drop("consistency"), ""),
    ("another type", _set("type", "carbontrail-bundle/v2"), "/type"),
    ("another scope", _set("scope", "partial"), "/scope"),
    ("a digest that is not one", _set("passport", "sha256:XYZ"), "/passport"),
    ("an unknown member of a record", _set("records/0/extra", 1), "/records/0"),
    ("a negative index", _set("records/0/index", -1), "/records/0/index"),
    ("a record that is not a leaf record", _set("records/0/record", '{"v":1}'), "/records/0/record"),
    ("a receipt that does not parse", _set("records/0/receipt", "hello"), "/records/0"),
    ("a receipt of another index", _receipt_of_another_index, "/records/0/receipt"),
    ("records out of log order", _swap_records, "/records/1/index"),
    ("a credential no record names", _stray_credential, "/credentials/sha256:" + "0" * 64),
    ("a credential that is not a string", _set("credentials", {"x": 1}), "/credentials/x"),
    ("a checkpoint that is not a note", _set("checkpoint", "not a note"), "/checkpoint"),
    ("a consistency proof hash that is not one", _set("consistency", [{"size": 1, "proof": ["AA=="]}]),
     "/consistency/0/proof/0"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "change", "pointer"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_bundle_is_refused(
    bundle: dict[str, Any], what: str, change: Callable[[dict[str, Any]], None], pointer: str
) -> None:
    broken = copy.deepcopy(bundle)
    change(broken)
    with pytest.raises(BundleError) as caught:
        bundle_from_json(broken)
    assert caught.value.code == "verify.bundle"
    assert caught.value.field == pointer, what


def test_bytes_that_are_not_json_are_refused() -> None:
    for data in (b"{", b"[]", b'{"a": 1, "a": 2}', json.dumps("x").encode()):
        with pytest.raises(BundleError):
            parse_bundle(data)
