"""A per-worker cache of community summaries, so busy number pages skip the database.

Each web worker keeps, for a few seconds (``community_cache_seconds``), what the store
said about a number: its ``Community`` or ``None`` (nobody reported it or its
neighbours). A report sent through this worker drops the number's entry and those of its
neighbours at once; other workers see it when their entries expire. ``ttl_seconds=0``
turns the cache off (every call asks the store).

Most numbers people check were never reported, nor were their neighbours. So the cache
also keeps, for the same time, the set of ranges (numbers less their last two digits)
that hold any visible report (``store.reported_ranges()``, one query): a number outside
them has no community data and needs no query of its own. A report through this worker
adds its range at once.

The entries are a ``TimedCache`` (``web/cache.py``), safe to use from several threads: a
miss asks the store outside the cache's lock, so a slow query never blocks other lookups.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import anyio.to_thread

from ringcheck.community import Community
from ringcheck.errors import RingcheckError
from ringcheck.web.cache import MISS, Missing, TimedCache

log = logging.getLogger("ringcheck.web")

MAX_ENTRIES = 10_000
# A number's community block counts reports on the numbers equal to it but for the last
# one or two digits, so a report on X changes the blocks of every number sharing X[:-2].
_NEIGHBOUR_DIGITS = 2


class CommunitySource(Protocol):
    """What the cache needs from the store."""

    def community(self, e164: str) -> Community | None: ...

    def reported_ranges(self) -> frozenset[str]: ...


class CommunityCache:
    """``get(e164)``: the store's ``community(e164)``, reused for ``ttl_seconds``.

    >>> class Empty:
    ...     def community(self, e164): return None
    ...     def reported_ranges(self): return frozenset()
    >>> CommunityCache(Empty(), ttl_seconds=5).get("+447400123456") is None
    True
    """

    def __init__(
        self,
        store: CommunitySource,
        ttl_seconds: float,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl = float(ttl_seconds)
        self._clock = clock
        self._entries: TimedCache[str, Community | None] = TimedCache(
            ttl_seconds, max_entries, clock
        )
        self._ranges: frozenset[str] = frozenset()
        self._ranges_until = float("-inf")  # not read yet
        self._ranges_lock = threading.Lock()
        # Called after every invalidate: caches built on this one (kept API answers).
        self.on_invalidate: list[Callable[[], None]] = []

    def peek(self, e164: str) -> Community | Missing | None:
        """The cached value, or ``MISS`` when it must come from the store.

        Lets an async caller answer a hit without a thread hop and send only misses to a
        worker thread (the store blocks).
        """
        entry = self._entries.get(e164)
        if entry is not MISS:
            return entry
        if self._ranges_until > self._clock() and e164[:-_NEIGHBOUR_DIGITS] not in self._ranges:
            return None  # nobody reported this number or a neighbour
        return MISS

    def get(self, e164: str) -> Community | None:
        """What people reported about ``e164`` (and its neighbours), or None."""
        found = self.peek(e164)
        if found is MISS and self.ttl > 0 and self._ranges_until <= self._clock():
            self._read_ranges()
            found = self.peek(e164)
        if found is not MISS:
            return found
        community = self.store.community(e164)
        self._entries.put(e164, community)
        return community

    def _read_ranges(self) -> None:
        with self._ranges_lock:  # one thread reads; the others then find them fresh
            if self._ranges_until > self._clock():
                return
            ranges = self.store.reported_ranges()
            self._ranges, self._ranges_until = ranges, self._clock() + self.ttl

    async def find(self, e164: str) -> Community | None:
        """``get`` for async code: a hit answers at once, a miss asks the store in a worker
        thread. If the database can't answer, the result is None (no reports), so a page
        or a check still gets the checker's own verdict."""
        found = self.peek(e164)
        if found is not MISS:
            return found
        try:
            return await anyio.to_thread.run_sync(self.get, e164)
        except RingcheckError as exc:
            log.warning("community reports unavailable: %s", exc.code)
            return None

    def invalidate(self, e164: str) -> None:
        """Forget ``e164`` and every number whose neighbour counts include it."""
        prefix = e164[:-_NEIGHBOUR_DIGITS]
        with self._ranges_lock:
            self._ranges = self._ranges | {prefix}
        for n in range(10**_NEIGHBOUR_DIGITS):
            self._entries.pop(f"{prefix}{n:0{_NEIGHBOUR_DIGITS}d}")
        self._entries.pop(e164)
        for listener in self.on_invalidate:
            listener()

    def refresh(self, e164: str) -> None:
        """Read ``e164`` from the store at its next lookup (its range included)."""
        with self._ranges_lock:
            self._ranges = self._ranges | {e164[:-_NEIGHBOUR_DIGITS]}
        self._entries.pop(e164)

    def clear(self) -> None:
        self._entries.clear()
        with self._ranges_lock:
            self._ranges_until = float("-inf")

    def __len__(self) -> int:
        return len(self._entries)
