"""The live campaigns a web worker blocks, kept in memory and re-read within a second.

Every answer a phone system or a person gets (lookup, cid, check, number page, block
list, CardDAV book) asks ``find(e164)`` for the published campaign that holds the
number; that is a few dictionary lookups in the worker's ``store.running.Running``, one
read of the running campaigns (few, and all kept).
Before answering, ``fresh()`` asks the store when any campaign last changed
(``Store.campaigns_changed_at``, one indexed query) at most every ``poll_seconds``; when
it moved, the campaigns are read again, and when the numbers and ranges they block
changed, every answer cache built on them is dropped (``on_change``). So a campaign
published by the live detector, or released by an analyst, reaches every worker's
answers within ``poll_seconds`` (1 s) plus one query, whatever the answer caches would
keep, with no message between workers. New counts of a campaign already blocked (the
detector re-publishes every few seconds) keep the answers: their evidence words may be
as old as the answer caches allow.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Protocol

import anyio.to_thread

from ringcheck.errors import RingcheckError
from ringcheck.store.running import CampaignView, Running

log = logging.getLogger("ringcheck.web")
POLL_SECONDS = 1.0


class CampaignSource(Protocol):
    """What this needs from the store."""

    def campaigns_changed_at(self) -> dt.datetime | None: ...

    def campaigns(
        self, *, now: dt.datetime | None = None, ended: bool = False
    ) -> list[CampaignView]: ...


class LiveCampaigns:
    """``find(e164)``: the campaign blocking calls from ``e164`` now, or None."""

    def __init__(
        self,
        store: CampaignSource,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._clock = clock
        self._checked = float("-inf")
        self._stamp: object = object()  # equal to no stamp the store gives
        self._running = Running()
        # Called when the campaigns changed: the answer caches built on them.
        self.on_change: list[Callable[[], None]] = []

    @property
    def stamp(self) -> str:
        """When the campaigns this worker knows last changed ('' for never), for ETags."""
        return self._stamp.isoformat() if isinstance(self._stamp, dt.datetime) else ""

    def find(self, e164: str | None, now: dt.datetime | None = None) -> CampaignView | None:
        """The narrowest campaign holding ``e164`` that blocks at ``now``."""
        return self._running.find(e164, now)

    def blocking(self, now: dt.datetime | None = None) -> list[CampaignView]:
        """Every campaign blocking at ``now``, newest first."""
        return self._running.blocking(now)

    def expect_change(self) -> None:
        """Ask the store at the next ``fresh()``: this worker just changed a campaign."""
        self._checked = float("-inf")

    async def fresh(self) -> None:
        """Re-read the campaigns if they changed, asking at most every ``poll_seconds``.
        The request that asks waits for the answer; others meanwhile use what is kept.
        A store that can't answer leaves the kept campaigns in place."""
        now = self._clock()
        if now - self._checked < self.poll_seconds:
            return
        self._checked = now
        try:
            changed = await anyio.to_thread.run_sync(self.refresh)
        except RingcheckError as exc:
            log.warning("live campaigns not read: %s", exc.code)
            return
        if changed:
            for listener in self.on_change:
                listener()

    def refresh(self) -> bool:
        """Read the campaigns again if they changed since last read; whether the numbers
        and ranges they block did (new counts alone keep the kept answers: a detector
        re-publishes every few seconds). The stamp is read first, so a change made while
        reading is seen next time."""
        stamp = self.store.campaigns_changed_at()
        if stamp == self._stamp:
            return False
        before = set(self._running.by_key)
        self._running = Running(self.store.campaigns(ended=False))
        self._stamp = stamp
        return set(self._running.by_key) != before
