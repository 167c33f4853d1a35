"""Replay cost: a registry of 10,000 organisations (each with two prefixes and a key) replays in well under a
second, and one more entry on a large state costs about as much as on a small one (O(log n), no copying).

CPU time (``time.process_time``) is measured, so a busy machine slows the test less than wall time would; the
bounds are loose (about 4x what a laptop measures: replay about 0.3-0.5 s, one apply about 30-60 us) so that
only a change of complexity class fails them.
"""

from __future__ import annotations

import time

from identifiers import parse_identifier
from identifiers.registry import RegistryOperation, RegistryState, Role, replay
from tests.unit.identifiers.strategies import uscc_check

N = 10_000
REGISTRAR = b"R" * 32


def uscc(n: int) -> str:
    body = f"91320000{n:09d}"
    return body + uscc_check(body)


def org_key(n: int) -> bytes:
    return n.to_bytes(4, "big").rjust(32, b"k")


def entries() -> list[tuple[int, RegistryOperation, bytes]]:
    return [
        (
            n,
            RegistryOperation.register_organisation(
                uscc(n), f"Org {n}", ["supplier"], [f"88.118.{n}", f"gs1:{4700000 + n}"], [org_key(n)]
            ),
            REGISTRAR,
        )
        for n in range(N)
    ]


def test_ten_thousand_organisations_replay_in_well_under_a_second() -> None:
    log = entries()
    start = time.process_time()
    state = replay(REGISTRAR, log)
    elapsed = time.process_time() - start
    print(f"replay of {N} organisations: {elapsed:.3f} s CPU")
    assert elapsed < 2.0
    assert state.size == N
    assert state.authorise(org_key(4321), parse_identifier("88.118.4321/X"), Role.SUPPLIER).uscc == uscc(4321)


def test_one_apply_on_a_large_state_is_cheap() -> None:
    large = replay(REGISTRAR, entries())
    small = RegistryState.genesis(REGISTRAR)

    def cost(state: RegistryState) -> float:
        ops = [RegistryOperation.suspend(uscc(n)) for n in range(200)]
        if state.size == 0:
            ops = [RegistryOperation.register_organisation(uscc(n), "O", ["supplier"]) for n in range(200)]
        start = time.process_time()
        for i, op in enumerate(ops):
            state.apply(op, REGISTRAR, N + i)
        return (time.process_time() - start) / len(ops)

    per_op_large, per_op_small = cost(large), cost(small)
    print(f"one apply: {per_op_large * 1e6:.0f} us on {N} organisations, {per_op_small * 1e6:.0f} us on none")
    assert per_op_large < 0.001
