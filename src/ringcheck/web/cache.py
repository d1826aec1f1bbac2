"""The one time-limited cache of the web face (``cachetools.TTLCache`` behind a lock).

Each worker keeps a few things for a short time: what people reported about a number,
whole answers to the busiest routes, each CardDAV device's cards, checked passwords. All
of them are a ``TimedCache``: an entry lives ``seconds`` at most, the cache holds
``max_entries`` at most (the least recently used go first), and whoever changes what an
entry was made from drops it at once (``pop``, ``clear``): a report drops the answers
about its number, for example. ``seconds = 0`` keeps nothing.

Safe to use from the event loop and from worker threads alike; a miss is computed by
the caller outside the lock, so a slow database read never blocks other lookups.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Hashable
from typing import Final, Generic, Literal, TypeVar

from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Miss(enum.Enum):
    MISS = "miss"


MISS: Final = _Miss.MISS  # what ``get`` returns for a key that isn't kept (None may be kept)
Missing = Literal[_Miss.MISS]


class TimedCache(Generic[K, V]):
    """Values kept for ``seconds``, ``max_entries`` at most.

    >>> cache: TimedCache[str, int] = TimedCache(seconds=60, max_entries=2)
    >>> cache.put("a", 1); cache.get("a"), cache.get("b") is MISS
    (1, True)
    """

    def __init__(
        self,
        seconds: float,
        max_entries: int,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = max(0.0, float(seconds))
        self._kept: TTLCache[K, V] = TTLCache(
            maxsize=max(1, max_entries), ttl=self.seconds or 1.0, timer=timer
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | Missing:
        """The kept value, or ``MISS``."""
        with self._lock:
            found: V | Missing = self._kept.get(key, MISS)
        if found is MISS:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: K, value: V) -> None:
        if self.seconds > 0:
            with self._lock:
                self._kept[key] = value

    def pop(self, key: K) -> None:
        """Drop ``key`` now (what it was made from has changed)."""
        with self._lock:
            self._kept.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        with self._lock:
            self._kept.expire()
            return len(self._kept)
