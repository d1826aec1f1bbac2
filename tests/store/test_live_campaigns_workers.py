"""Several web workers, each with its own connection to one database (SQLite and
PostgreSQL), each keeping the blocking campaigns in memory (``web.livecampaigns``): a
campaign published, released or published again reaches every worker at its next poll,
at most a second later, and drops the answers they kept; a worker whose database goes
away keeps what it had."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from ringcheck.store import Sighting, Store, StoreError
from ringcheck.web.livecampaigns import LiveCampaigns

QUIET = dt.timedelta(minutes=30)
CALLER = "+33612345677"


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def sighting(key: str = "+336123456xx") -> Sighting:
    now = dt.datetime.now(dt.UTC)
    return Sighting(
        key=key, level="high", score=80, reasons=(), subscribers=40, calls=40,
        first_seen=now - dt.timedelta(minutes=2), last_seen=now, ring_low=1.0, ring_high=2.0,
    )  # fmt: skip


def test_every_worker_sees_a_campaign_and_its_release_at_its_next_poll(
    open_store: Callable[..., Store],
) -> None:
    detector, analyst = open_store(), open_store()
    clock = Clock()
    workers = [LiveCampaigns(open_store(), clock=clock) for _ in range(3)]
    dropped: list[int] = []
    for number, worker in enumerate(workers):
        worker.on_change.append(lambda n=number: dropped.append(n))

    async def poll_all() -> list[str | None]:
        found = []
        for worker in workers:
            await worker.fresh()
            campaign = worker.find(CALLER)
            found.append(campaign.key if campaign else None)
        return found

    assert asyncio.run(poll_all()) == [None, None, None]
    published = detector.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 0.5
    assert asyncio.run(poll_all()) == [None, None, None]  # not asked yet: within the second
    clock.now += 0.5
    assert asyncio.run(poll_all()) == ["+336123456xx"] * 3
    assert sorted(dropped) == [0, 1, 2]
    analyst.set_campaign_status(published.id, "false_alarm", actor="ana", reason="verification")
    clock.now += 1
    assert asyncio.run(poll_all()) == [None, None, None]
    detector.publish_campaign(sighting(), quiet=QUIET)  # the detector sees it again
    clock.now += 1
    assert asyncio.run(poll_all()) == [None, None, None]  # a false alarm is remembered


def test_a_worker_whose_database_is_away_keeps_what_it_had(store: Store) -> None:
    class Away:
        def campaigns_changed_at(self) -> None:
            raise StoreError("database_unavailable", "The database can't be reached.")

    clock = Clock()
    worker = LiveCampaigns(store, clock=clock)
    store.publish_campaign(sighting(), quiet=QUIET)
    asyncio.run(worker.fresh())
    assert worker.find(CALLER) is not None
    worker.store = Away()  # type: ignore[assignment]
    clock.now += 1
    asyncio.run(worker.fresh())  # logged, not raised
    assert worker.find(CALLER) is not None
