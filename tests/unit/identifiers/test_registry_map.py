"""The persistent map behind registry states: it agrees with a dict, every earlier version stays as it was,
full hash collisions and deep pushes work, and an edit session never changes maps made before it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers.registry_map import Edit, PersistentMap


class Collider:
    """A key whose hash we choose, to force shared 5-bit groups and full 64-bit collisions."""

    def __init__(self, name: int, hash_value: int) -> None:
        self.name = name
        self.hash_value = hash_value

    def __hash__(self) -> int:
        return self.hash_value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Collider) and other.name == self.name

    def __repr__(self) -> str:
        return f"Collider({self.name}, {self.hash_value:#x})"


# Hashes that agree on many low 5-bit groups, differ only high up, or collide outright.
HASHES = [0, 1, 32, 1 << 60, (1 << 60) | 1, (1 << 63) - 1, -1, -2, 12345]
keys = st.one_of(
    st.integers(-50, 50),
    st.binary(min_size=0, max_size=3),
    st.builds(Collider, st.integers(0, 6), st.sampled_from(HASHES)),
)
operations = st.lists(st.tuples(keys, st.integers()), max_size=120)


def check(pmap: PersistentMap[object, int], expected: dict[object, int], absent: list[object]) -> None:
    assert len(pmap) == len(expected)
    for k, v in expected.items():
        assert k in pmap
        assert pmap.get(k) == v
    for k in absent:
        if k not in expected:
            assert k not in pmap
            assert pmap.get(k) is None


@settings(max_examples=200, deadline=None)
@given(operations)
def test_agrees_with_a_dict_and_keeps_every_version(ops: list[tuple[object, int]]) -> None:
    pmap: PersistentMap[object, int] = PersistentMap()
    versions: list[tuple[PersistentMap[object, int], dict[object, int]]] = [(pmap, {})]
    expected: dict[object, int] = {}
    for k, v in ops:
        pmap = pmap.set(k, v)
        expected = {**expected, k: v}
        versions.append((pmap, expected))
    probes = [k for k, _ in ops]
    for version, contents in versions:
        check(version, contents, probes)


@settings(max_examples=200, deadline=None)
@given(operations, operations)
def test_an_edit_session_changes_only_its_own_maps(
    before: list[tuple[object, int]], during: list[tuple[object, int]]
) -> None:
    pmap: PersistentMap[object, int] = PersistentMap()
    expected: dict[object, int] = {}
    for k, v in before:
        pmap = pmap.set(k, v)
        expected[k] = v
    published, published_contents = pmap, dict(expected)
    edit = Edit()
    for k, v in during:
        pmap = pmap.set(k, v, edit)
        expected[k] = v
    probes = [k for k, _ in before + during]
    check(pmap, expected, probes)
    check(published, published_contents, probes)
    # A new session (or none) on the published map leaves the session's result alone too.
    other = published.set(("fresh",), 1, Edit())
    check(pmap, expected, probes)
    assert other.get(("fresh",)) == 1
    assert ("fresh",) not in pmap


def test_many_keys() -> None:
    pmap: PersistentMap[int, int] = PersistentMap()
    edit = Edit()
    for n in range(5000):
        pmap = pmap.set(n, n * n, edit if n % 2 else None)
    assert len(pmap) == 5000
    assert all(pmap.get(n) == n * n for n in range(5000))
    assert pmap.get(5000) is None
