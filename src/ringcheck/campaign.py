"""A live campaign in plain words: the ``live_campaign`` reason every face shows.

The live detector publishes what it saw of a running campaign (``store.campaigns``);
``check()`` and ``lookup()`` take the campaign that holds a caller and turn it into one
reason, built here from its evidence with the sentences in ``data/wording.toml``
(``[campaign]``): "A scam campaign is running now: this number rang 412 people for 1–2
seconds each in the last 6 minutes." Pure: no store, no clock of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from ringcheck.datatables import Tables

if TYPE_CHECKING:
    from ringcheck.risk import Reason

CODE = "live_campaign"


class Evidence(Protocol):
    """What a published campaign says about itself (``store.CampaignView`` has it)."""

    @property
    def key(self) -> str: ...
    @property
    def subscribers(self) -> int: ...
    @property
    def ring_low(self) -> float | None: ...
    @property
    def ring_high(self) -> float | None: ...
    @property
    def callbacks(self) -> int: ...
    @property
    def first_seen(self) -> dt.datetime: ...


def reason(campaign: Evidence, now: dt.datetime, data: Tables) -> Reason:
    """The ``live_campaign`` reason for a caller inside ``campaign``, as of ``now``."""
    from ringcheck.risk import Reason

    text = data.wording.reason[CODE].format(evidence=evidence(campaign, now, data))
    return Reason(CODE, data.points[CODE], text)


def evidence(campaign: Evidence, now: dt.datetime, data: Tables) -> str:
    """What the detector saw, in words: 'this number rang 412 people for 1–2 seconds
    each in the last 6 minutes'.

    >>> from types import SimpleNamespace as C
    >>> from ringcheck.datatables import tables
    >>> t0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    >>> seen = C(key="+22507123456xx", subscribers=412, ring_low=1.0, ring_high=2.4,
    ...          callbacks=0, first_seen=t0)
    >>> evidence(seen, t0 + dt.timedelta(minutes=5, seconds=10), tables())
    'numbers starting +22507123456 rang 412 people for 1–2 seconds each in the last 6 minutes'
    """
    words = data.wording.campaign
    prefix = campaign.key.rstrip("x")
    who = words["number"] if prefix == campaign.key else words["range"].format(prefix=prefix)
    people = words["people_one"] if campaign.subscribers == 1 else words["people"]
    ring = ring_words(campaign.ring_low, campaign.ring_high)
    text = words["evidence" if ring else "evidence_no_ring"].format(
        who=who,
        people=people.format(count=f"{campaign.subscribers:,}"),
        ring=ring,
        span=span_words(now - campaign.first_seen),
    )
    if campaign.callbacks > 0:
        text += words["callbacks"].format(count=f"{campaign.callbacks:,}")
    return text


def ring_words(low: float | None, high: float | None) -> str:
    """How long the calls rang: '1–2 seconds', '2 seconds', '' when not known.

    >>> ring_words(1.0, 2.4), ring_words(1.6, 1.6), ring_words(None, None)
    ('1–2 seconds', '2 seconds', '')
    """
    if low is None and high is None:
        return ""
    first, last = round(low if low is not None else high or 0), round(high or low or 0)
    if first == last:
        return "1 second" if first == 1 else f"{first} seconds"
    return f"{first}–{last} seconds"


def span_words(span: dt.timedelta) -> str:
    """A span as a person says it, rounded up: 'minute', '6 minutes', '3 hours', '2 days'.

    >>> [span_words(dt.timedelta(seconds=s)) for s in (20, 61, 10_000, 200_000)]
    ['minute', '2 minutes', '3 hours', '3 days']
    """
    minutes = max(1, -(-int(span.total_seconds()) // 60))
    if minutes == 1:
        return "minute"
    if minutes <= 120:
        return f"{minutes} minutes"
    hours = -(-minutes // 60)
    return f"{hours} hours" if hours <= 48 else f"{-(-hours // 24)} days"
