"""Property tests over random registry histories: replay is deterministic and equals applying entries one by
one; a state's answers never change when later entries are applied; the state a document at index i is judged
by depends on the entries before i only."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers import parse_identifier
from identifiers.errors import RegistryError
from identifiers.registry import RegistryOperation, RegistryState, Role, replay
from tests.unit.identifiers.strategies import gtin_check, uscc_check


def uscc(n: int) -> str:
    body = f"9111010{n:010d}"
    return body + uscc_check(body)


def key(name: str) -> bytes:
    return name.encode().ljust(32, b"~")


USCCS = [uscc(n) for n in range(1, 4)]
ORG_KEYS = [key(f"k{n}") for n in range(8)]
REGISTRAR_KEYS = [key(f"r{n}") for n in range(3)]
PREFIXES = ["88.118.8", "88.118.80", "88.118.8.1", "gs1:4712345", "gs1:47123456", "gs1:4712346"]
IDENTIFIERS = [
    parse_identifier(text)
    for text in (
        "88.118.8/X",
        "88.118.80/X",
        "88.118.8.1/X",
        "471234500001" + gtin_check("471234500001"),
        "471234560007" + gtin_check("471234560007"),
        "471234600003" + gtin_check("471234600003"),
    )
]
Entry = tuple[int, RegistryOperation, bytes]
Candidate = tuple[int, RegistryOperation, bytes | None]
"""A candidate entry; a None signer stands for "the registrar's key at that point"."""
PROBES = list(itertools.product(ORG_KEYS + REGISTRAR_KEYS[:1], IDENTIFIERS, list(Role)))

usccs = st.sampled_from(USCCS)
org_keys = st.sampled_from(ORG_KEYS)
reasons = st.none() | st.just("because")


def _op(draw: st.DrawFn) -> RegistryOperation:
    action = draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9]))
    u = draw(usccs)
    if action == 0:
        return RegistryOperation.register_organisation(
            u,
            "Org",
            draw(st.lists(st.sampled_from(list(Role)), min_size=1, max_size=4, unique=True)),
            draw(st.lists(st.sampled_from(PREFIXES), max_size=2, unique=True)),
            draw(st.lists(org_keys, max_size=2, unique=True)),
        )
    if action in (1, 2):
        prefixes = draw(st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=2, unique=True))
        return (RegistryOperation.bind_prefixes if action == 1 else RegistryOperation.unbind_prefixes)(
            u, prefixes
        )
    if action == 3:
        return RegistryOperation.add_keys(u, draw(st.lists(org_keys, min_size=1, max_size=2, unique=True)))
    if action == 4:
        old, new = draw(st.lists(org_keys, min_size=2, max_size=2, unique=True))
        return RegistryOperation.rotate_key(u, new, old)
    if action == 5:
        return RegistryOperation.revoke_key(u, draw(org_keys), draw(reasons))
    if action == 6:
        return RegistryOperation.suspend(u, draw(reasons))
    if action == 7:
        return RegistryOperation.reinstate(u)
    if action == 8:
        return RegistryOperation.blacklist(u)
    return RegistryOperation.rotate_registrar_key(draw(st.sampled_from(REGISTRAR_KEYS)))


@st.composite
def histories(draw: st.DrawFn) -> list[Candidate]:
    """Candidate entries with growing indices (gaps stand for documents logged in between)."""
    entries: list[Candidate] = []
    index = 0
    for _ in range(draw(st.integers(0, 40))):
        index += draw(st.integers(1, 3))
        signer = draw(st.none() | st.none() | st.sampled_from(REGISTRAR_KEYS + ORG_KEYS))
        entries.append((index, _op(draw), signer))
    return entries


def answers(state: RegistryState) -> list[str]:
    result = []
    for k, identifier, role in PROBES:
        try:
            result.append(state.authorise(k, identifier, role).uscc)
        except RegistryError as e:
            result.append(e.code)
    return result


def fold_from(state: RegistryState, candidates: list[Candidate]) -> tuple[list[Entry], list[RegistryState]]:
    """Apply candidates one by one as the sequencer would: refused ones are not logged."""
    accepted: list[Entry] = []
    states = [state]
    for index, op, signer in candidates:
        entry = (index, op, state.registrar_key() if signer is None else signer)
        try:
            state = state.apply(entry[1], entry[2], entry[0])
        except RegistryError:
            continue
        accepted.append(entry)
        states.append(state)
    return accepted, states


def fold(candidates: list[Candidate]) -> tuple[list[Entry], list[RegistryState]]:
    return fold_from(RegistryState.genesis(REGISTRAR_KEYS[0]), candidates)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_replay_is_deterministic_and_equals_one_by_one(candidates: list[Candidate]) -> None:
    accepted, states = fold(candidates)
    replayed = replay(REGISTRAR_KEYS[0], accepted)
    assert replayed == states[-1]
    assert replay(REGISTRAR_KEYS[0], accepted) == replayed
    assert answers(replayed) == answers(states[-1])
    assert replayed.applied == len(accepted)


@settings(max_examples=100, deadline=None)
@given(histories(), st.data())
def test_authorise_at_i_depends_only_on_entries_before_i(
    candidates: list[Candidate], data: st.DataObject
) -> None:
    accepted, states = fold(candidates)
    # The answers of every state kept during the fold, now that all later entries have been applied ...
    final_answers = answers(states[-1])
    assert final_answers == answers(replay(REGISTRAR_KEYS[0], accepted))
    position = data.draw(st.integers(0, len(accepted)))
    index = accepted[position][0] if position < len(accepted) else (accepted[-1][0] + 1 if accepted else 0)
    kept = states[position]
    # ... equal those of a fresh replay of the entries below the document's index, and nothing later.
    before = replay(REGISTRAR_KEYS[0], [e for e in accepted if e[0] < index])
    assert kept == before
    assert answers(kept) == answers(before)
    # Another future (the remaining entries dropped, or others in their place) does not change them.
    other_future = [(index + 1 + e[0], e[1], e[2]) for e in candidates]
    fold_from(before, other_future)
    fold_from(kept, other_future)
    assert answers(kept) == answers(before)
    assert answers(states[-1]) == final_answers


@settings(max_examples=100, deadline=None)
@given(histories())
def test_a_refused_entry_changes_nothing(candidates: list[Candidate]) -> None:
    state = RegistryState.genesis(REGISTRAR_KEYS[0])
    accepted: list[Entry] = []
    refusals = 0
    for index, op, signer in candidates:
        entry = (index, op, state.registrar_key() if signer is None else signer)
        before = answers(state)
        try:
            state = state.apply(entry[1], entry[2], entry[0])
        except RegistryError:
            refusals += 1
            assert answers(state) == before
            assert state == replay(REGISTRAR_KEYS[0], accepted)
            continue
        accepted.append(entry)
    assert refusals + len(accepted) == len(candidates)
