"""Per-log caches of answers that change only when the log grows (the resolver's items, the passport page's
verification reports): keyed by what the answer depends on, the log's size among it, so that a stale answer
is never served; at most a fixed number kept, the least recently used dropped first.

One cache per log and purpose (:func:`log_cache`), held as long as the log's store: sizes of different logs
say nothing of each other (one process may serve, or test, several).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class LogCache:
    """A thread-safe least-recently-used map of at most ``size`` answers (an answer may be None)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, key: Hashable) -> tuple[bool, Any]:
        """``(True, answer)`` if an answer is kept under ``key``, else ``(False, None)``."""
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key: Hashable, answer: Any) -> None:
        """Keep ``answer`` under ``key``."""
        with self._lock:
            self._items[key] = answer
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_CACHES: weakref.WeakKeyDictionary[object, dict[str, LogCache]] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def log_cache(store: object, purpose: str, size: int) -> LogCache:
    """The cache for ``purpose`` of the log whose store is ``store`` (made on first use, with ``size``)."""
    with _CACHES_LOCK:
        caches = _CACHES.setdefault(store, {})
        cache = caches.get(purpose)
        if cache is None:
            cache = caches[purpose] = LogCache(size)
        return cache
