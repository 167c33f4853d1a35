"""A persistent (immutable, structure-sharing) hash map, so registry states are cheap values.

The registry state is a value: ``apply`` returns a new state and the old one stays valid (the sequencer keeps
the state before a batch while it judges the batch). Copying dictionaries on every operation would make a
replay quadratic, so the state keeps its tables in this map: a hash array mapped trie (Bagwell, "Ideal Hash
Trees", 2001) of 32-way nodes without bitmap compression. ``set`` copies only the nodes on one path (about
log32(n) lists of 32 slots) and shares the rest, so any number of earlier states can be kept at once and
applying one entry costs O(log n). An ``Edit`` session (a "transient") lets the sets of one registry entry,
or of a whole replay, copy each node once only.

Keys are hashed with Python's ``hash``, which is randomised per process for ``str`` and ``bytes``: the trie's
shape is not observable, and nothing iterates it (callers keep their own ordered indexes where order matters),
so results never depend on the hash seed.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_BITS = 5
_WIDTH = 1 << _BITS
_MASK = _WIDTH - 1
_HASH_MASK = (1 << 64) - 1


_Leaf = tuple[int, tuple[tuple[object, object], ...]]
"""The 64-bit hash shared by some entries, and those entries (more than one only on a full hash collision)."""

_Node = list[object]
"""32 slots, each None, a ``_Leaf`` (a tuple) or a child ``_Node`` (a list). A node is never changed once a
map refers to it: ``set`` copies the nodes on its path (a list copy is one C call) and fills in the copies."""

_EMPTY_NODE: _Node = [None] * _WIDTH


class Edit:
    """An edit session: nodes copied under it are owned by it, and later sets under it change them in place.

    This is what Clojure calls a transient. Within one session a ``set`` copies only nodes it does not own
    yet, so many sets (one registry entry's, or a whole replay's) copy each node at most once. The price: maps
    made under a session share owned nodes and change with later sets under it, so only the last map made
    under a session may be kept, and the session must be dropped once that map is published. Nodes the
    session did not copy (every earlier map's) are never changed. Owned nodes stay referenced for the whole
    session (an owned node is changed in place, never replaced), so their ``id`` values are never reused.
    """

    __slots__ = ("_owned",)

    def __init__(self) -> None:
        self._owned: set[int] = set()

    def own(self, node: _Node) -> _Node:
        """Return ``node`` if this session owns it, else an owned copy."""
        if id(node) in self._owned:
            return node
        copy = node.copy()
        self._owned.add(id(copy))
        return copy


def _set(root: _Node, key: object, value: object, edit: Edit | None) -> tuple[_Node, bool]:
    """Return the new root with ``key`` bound to ``value``, and whether the key is new."""
    h = hash(key) & _HASH_MASK
    new_root = root.copy() if edit is None else edit.own(root)
    node = new_root
    shift = 0
    while True:
        i = (h >> shift) & _MASK
        slot = node[i]
        if slot is None:
            node[i] = (h, ((key, value),))
            return new_root, True
        if type(slot) is tuple:
            if slot[0] == h:
                items = tuple(item for item in slot[1] if item[0] != key)
                node[i] = (h, (*items, (key, value)))
                return new_root, len(items) == len(slot[1])
            # Two hashes differ in some 5-bit group below bit 64, so pushing the old leaf down terminates.
            child = _EMPTY_NODE.copy() if edit is None else edit.own(_EMPTY_NODE)
            child[(slot[0] >> (shift + _BITS)) & _MASK] = slot
        else:
            assert type(slot) is list
            child = slot.copy() if edit is None else edit.own(slot)
        node[i] = child
        node = child
        shift += _BITS


class PersistentMap(Generic[K, V]):
    """An immutable map; :meth:`set` returns a new map sharing all but one path with this one.

    It offers lookups only (``get``, ``in``, ``len``); it is not iterable, on purpose (see the module
    docstring).
    """

    __slots__ = ("_root", "_size")

    def __init__(self) -> None:
        self._root: _Node = _EMPTY_NODE
        self._size = 0

    def _find(self, key: object) -> tuple[bool, object]:
        h = hash(key) & _HASH_MASK
        node = self._root
        shift = 0
        while True:
            slot = node[(h >> shift) & _MASK]
            if slot is None:
                return False, None
            if type(slot) is tuple:
                if slot[0] == h:
                    for item_key, item_value in slot[1]:
                        if item_key == key:
                            return True, item_value
                return False, None
            assert type(slot) is list
            node = slot
            shift += _BITS

    def get(self, key: K) -> V | None:
        """Return the value of ``key``, or None if it has none."""
        found, value = self._find(key)
        return value if found else None  # type: ignore[return-value]  # values stored under K are V

    def __contains__(self, key: object) -> bool:
        return self._find(key)[0]

    def __len__(self) -> int:
        return self._size

    def set(self, key: K, value: V, edit: Edit | None = None) -> PersistentMap[K, V]:
        """Return a map with ``key`` bound to ``value`` (replacing any earlier one).

        Without ``edit`` this map is unchanged. Under an edit session, this map changes too if it was made
        under the same session (see ``Edit``); maps made before the session never change.
        """
        result: PersistentMap[K, V] = PersistentMap()
        result._root, added = _set(self._root, key, value, edit)
        result._size = self._size + added
        return result
