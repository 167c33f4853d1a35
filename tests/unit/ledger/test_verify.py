"""Proof verification against the transparency-dev/merkle vectors and the RFC 6962 reference tree."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import LedgerError, ProofError, RootMismatchError
from ledger.hashing import EMPTY_ROOT, leaf_hash
from ledger.verify import (
    inclusion_proof_size,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from tests.unit.ledger import naive

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
MERKLE = VECTORS / "merkle"


def _cases(kind: str) -> list[Any]:
    files = sorted((MERKLE / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(MERKLE / kind))) for f in files]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(values: list[str] | None) -> list[bytes]:
    return [_b64(v) for v in values or []]


def test_vector_folders_all_present() -> None:
    incl = {p.parent.name for p in (MERKLE / "inclusion").rglob("*.json")}
    cons = {p.parent.name for p in (MERKLE / "consistency").rglob("*.json")}
    assert {"0", "1", "2", "3", "4", "single-entry"} <= incl
    assert {"0", "1", "2", "3", "4", "additional"} <= cons
    assert len(list((MERKLE / "inclusion" / "additional").rglob("*.json"))) >= 4


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case["proof"]),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises((ProofError, RootMismatchError)) as info:
            verify_inclusion(*args)
        assert info.value.code in {"ledger.proof_shape", "ledger.root_mismatch"}
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case["proof"]))
    if case["wantErr"]:
        with pytest.raises((ProofError, RootMismatchError)) as info:
            verify_consistency(*args)
        assert info.value.code in {"ledger.proof_shape", "ledger.root_mismatch"}
    else:
        verify_consistency(*args)


def _verify_case(kind: str, case: dict[str, Any]) -> None:
    if kind == "inclusion":
        verify_inclusion(
            _b64(case["leafHash"]),
            case["leafIdx"],
            case["treeSize"],
            _proof(case["proof"]),
            _b64(case["root"]),
        )
    else:
        verify_consistency(
            case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case["proof"])
        )


def _by_desc(kind: str, folder: str, stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MERKLE / kind / folder / f"{stem}.json").read_text())
    return data


# Mutations that break the proof's shape must be caught before hashing; mutations that keep the shape must
# reach the root comparison. Named after the vector files' mutation names.
SHAPE_MUTATIONS = (
    "truncated-proof",
    "removed-component",
    "inserted-component",
    "trailing-garbage",
    "preceding-garbage",
    "empty-proof",
    "treeSize-mul",
    "size2-mul",
    "size1-plus",
)
HASH_MUTATIONS = ("modified-proof", "swapped-roots", "random-root")


def _expected_error(stem: str) -> type[LedgerError] | None:
    if stem.startswith(SHAPE_MUTATIONS):
        return ProofError
    if stem.startswith(HASH_MUTATIONS):
        return RootMismatchError
    return None


@pytest.mark.parametrize("kind", ["inclusion", "consistency"])
def test_vector_error_kinds(kind: str) -> None:
    """Shape problems and wrong roots are told apart by type and code, not just "some error"."""
    checked = 0
    for path in sorted((MERKLE / kind).glob("[0-9]/*.json")):
        error = _expected_error(path.stem)
        if error is None:
            continue
        case = json.loads(path.read_text())
        assert case["wantErr"] is True
        with pytest.raises(error) as info:
            _verify_case(kind, case)
        assert info.value.code == error.code
        checked += 1
    assert checked >= 20


def test_root_mismatch_carries_both_roots() -> None:
    case = _by_desc("consistency", "1", "swapped-roots")
    with pytest.raises(RootMismatchError) as info:
        verify_consistency(
            case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case["proof"])
        )
    assert info.value.expected == _b64(case["root2"])
    assert len(info.value.computed) == 32
    assert info.value.computed != info.value.expected


# The RFC 6962 reference tree: eight leaves, the roots of every prefix, and every proof among them.

REF = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())
LEAVES = [bytes.fromhex(h) for h in REF["leaf_hashes_hex"]]
ROOTS = [bytes.fromhex(h) for h in REF["root_hashes_hex"]]


def test_reference_leaves_and_roots() -> None:
    inputs = [bytes.fromhex(h) for h in REF["leaf_inputs_hex"]]
    assert [leaf_hash(e) for e in inputs] == LEAVES
    assert [naive.mth(LEAVES[:n]) for n in range(9)] == ROOTS


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_inclusion(size: int) -> None:
    for index in range(size):
        proof = naive.path(index, LEAVES[:size])
        assert len(proof) == inclusion_proof_size(index, size)
        verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])
        assert root_from_inclusion_proof(LEAVES[index], index, size, proof) == ROOTS[size]
        with pytest.raises(RootMismatchError) as info:
            verify_inclusion(LEAVES[(index + 1) % 8], index, size, proof, ROOTS[size])
        assert info.value.code == "ledger.root_mismatch"


@pytest.mark.parametrize("size2", range(1, 9))
def test_reference_consistency(size2: int) -> None:
    for size1 in range(1, size2 + 1):
        proof = naive.subproof(size1, LEAVES[:size2], True)
        verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)
        assert root_from_consistency_proof(size1, size2, ROOTS[size1], proof) == ROOTS[size2]
        if size1 < size2:
            with pytest.raises(RootMismatchError) as info:
                verify_consistency(size1, size2, ROOTS[size1], ROOTS[size1 - 1] or EMPTY_ROOT, proof)
            assert info.value.code == "ledger.root_mismatch"


def test_consistency_from_zero_is_a_shape_error() -> None:
    with pytest.raises(ProofError) as info:
        verify_consistency(0, 3, EMPTY_ROOT, ROOTS[3], [])
    assert info.value.code == "ledger.proof_shape"
    with pytest.raises(ProofError):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])


@pytest.mark.parametrize(
    "call",
    [
        lambda: verify_inclusion(LEAVES[0], 8, 8, naive.path(0, LEAVES), ROOTS[8]),
        lambda: verify_inclusion(LEAVES[0], -1, 8, naive.path(0, LEAVES), ROOTS[8]),
        lambda: verify_inclusion(LEAVES[0][:31], 0, 8, naive.path(0, LEAVES), ROOTS[8]),
        lambda: verify_inclusion(LEAVES[0], 0, 8, naive.path(0, LEAVES), ROOTS[8] + b"\0"),
        lambda: verify_inclusion(LEAVES[0], 0, 8, [*naive.path(0, LEAVES)[:2], b"\0" * 33], ROOTS[8]),
        lambda: verify_inclusion(LEAVES[0], 0, 8, [*naive.path(0, LEAVES), ROOTS[1]], ROOTS[8]),
        lambda: verify_consistency(5, 4, ROOTS[5], ROOTS[4], []),
        lambda: verify_consistency(3, 7, ROOTS[3], ROOTS[7], []),
        lambda: verify_consistency(3, 7, ROOTS[3][:16], ROOTS[7], naive.subproof(3, LEAVES[:7], True)),
        lambda: verify_consistency(3, 7, ROOTS[3], ROOTS[7][:16], naive.subproof(3, LEAVES[:7], True)),
        lambda: verify_consistency(4, 4, ROOTS[4], ROOTS[4], [ROOTS[4]]),
        lambda: inclusion_proof_size(3, 3),
    ],
)
def test_shape_errors_raise_before_hashing(call: Any) -> None:
    with pytest.raises(ProofError) as info:
        call()
    assert info.value.code == "ledger.proof_shape"


def test_equal_sizes_compare_roots() -> None:
    verify_consistency(4, 4, ROOTS[4], ROOTS[4], [])
    with pytest.raises(RootMismatchError) as info:
        verify_consistency(4, 4, ROOTS[4], ROOTS[5], [])
    assert (info.value.expected, info.value.computed) == (ROOTS[5], ROOTS[4])
