"""Proof plans (which nodes a proof needs) against RFC 9162's PATH and SUBPROOF, written out naively."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.compact import NodeID
from ledger.errors import ProofError, RangeError
from ledger.proof import Nodes, consistency, inclusion
from tests.unit.ledger import naive


def _proof(plan: Nodes) -> list[bytes]:
    return plan.rehash([naive.node(i) for i in plan.ids])


def _check_plan(plan: Nodes, size: int) -> None:
    # Every node to fetch is complete in the tree (a store has it), and the ephemeral run is well formed.
    for i in plan.ids:
        assert i.end <= size, (i, size)
    assert 0 <= plan.begin <= plan.end <= len(plan.ids)
    if plan.begin == plan.end:
        assert plan.ephem is None
        assert plan.begin == 0
    else:
        assert plan.ephem is not None
        run = plan.ids[plan.begin : plan.end]
        # The run covers exactly the part of the ephemeral node that exists in the tree.
        assert min(i.begin for i in run) == plan.ephem.begin
        assert max(i.end for i in run) == size < plan.ephem.end
        assert sum(i.end - i.begin for i in run) == size - plan.ephem.begin


@pytest.mark.parametrize("size", range(1, 70))
def test_inclusion_matches_rfc_path(size: int) -> None:
    leaves = naive.leaves(size)
    for index in range(size):
        plan = inclusion(index, size)
        _check_plan(plan, size)
        assert _proof(plan) == naive.path(index, leaves)


@pytest.mark.parametrize("size2", range(1, 40))
def test_consistency_matches_rfc_proof(size2: int) -> None:
    leaves = naive.leaves(size2)
    for size1 in range(1, size2 + 1):
        plan = consistency(size1, size2)
        _check_plan(plan, size2)
        assert _proof(plan) == naive.subproof(size1, leaves)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_inclusion_sampled_sizes(case: tuple[int, int]) -> None:
    index, size = case
    plan = inclusion(index, size)
    _check_plan(plan, size)
    assert _proof(plan) == naive.path(index, naive.leaves(size))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_sampled_sizes(case: tuple[int, int]) -> None:
    size1, size2 = case
    plan = consistency(size1, size2)
    _check_plan(plan, size2)
    assert _proof(plan) == naive.subproof(size1, naive.leaves(size2))


@given(st.integers(1, 2**62).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_huge_trees_plan_logarithmic_proofs(case: tuple[int, int]) -> None:
    index, size = case
    plan = inclusion(index, size)
    _check_plan(plan, size)
    # Complete siblings up to the fork, at most one run per level on each side of it.
    assert len(plan.ids) <= 2 * size.bit_length()
    size1 = index + 1
    cplan = consistency(size1, size)
    _check_plan(cplan, size)
    assert len(cplan.ids) <= 2 * size.bit_length() + 1


def test_empty_plans() -> None:
    assert consistency(0, 5) == Nodes((), 0, 0, None)
    assert consistency(5, 5) == Nodes((), 0, 0, None)
    assert inclusion(0, 1) == Nodes((), 0, 0, None)
    assert consistency(0, 5).rehash([]) == []


def test_known_plan_with_ephemeral_node() -> None:
    # Leaf 0 of a tree of 7: siblings (0,1) and (1,1), then the ephemeral node (2,1) over [4, 7) made of
    # (1,2) and (0,6), lowest first.
    plan = inclusion(0, 7)
    assert plan.ids == (NodeID(0, 1), NodeID(1, 1), NodeID(0, 6), NodeID(1, 2))
    assert (plan.begin, plan.end, plan.ephem) == (2, 4, NodeID(2, 1))


@pytest.mark.parametrize(("index", "size"), [(5, 5), (-1, 5), (0, 0)])
def test_inclusion_out_of_range(index: int, size: int) -> None:
    with pytest.raises(RangeError) as info:
        inclusion(index, size)
    assert info.value.code == "ledger.range"


@pytest.mark.parametrize(("size1", "size2"), [(3, 2), (-1, 2), (1, 0)])
def test_consistency_out_of_range(size1: int, size2: int) -> None:
    with pytest.raises(RangeError) as info:
        consistency(size1, size2)
    assert info.value.code == "ledger.range"


def test_rehash_checks_its_input() -> None:
    plan = inclusion(3, 7)
    hashes = [naive.node(i) for i in plan.ids]
    with pytest.raises(ProofError) as info:
        plan.rehash(hashes[:-1])
    assert info.value.code == "ledger.proof_shape"
    with pytest.raises(ProofError):
        plan.rehash([*hashes[:-1], hashes[-1][:31]])
