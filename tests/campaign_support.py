"""A live campaign published to the reports database, for the tests of the faces that
must show it (check, triage, callblocker): one way to make one."""

from __future__ import annotations

import datetime as dt

from ringcheck.settings import Settings
from ringcheck.store import Sighting, Store

RANGE = "+336123456xx"  # +33 6 12 34 56 77 is inside it


def sighting(
    key: str = RANGE, *, subscribers: int = 412, calls: int = 412, reasons: tuple = ()
) -> Sighting:
    """A high campaign seen over the last 5 minutes, rings of 1-2 s."""
    now = dt.datetime.now(dt.UTC)
    return Sighting(
        key=key, level="high", score=80, reasons=reasons, subscribers=subscribers,
        calls=calls, first_seen=now - dt.timedelta(minutes=5), last_seen=now,
        ring_low=1.0, ring_high=2.0,
    )  # fmt: skip


def publish(settings: Settings, seen: Sighting | None = None) -> None:
    """Publish ``seen`` (by default ``sighting()``), quiet after 30 minutes."""
    with Store.open(settings) as store:
        store.publish_campaign(seen or sighting(), quiet=dt.timedelta(minutes=30))
