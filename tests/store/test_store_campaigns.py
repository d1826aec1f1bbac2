"""Campaigns the live detector publishes: found by number or range, blocking until they go
quiet, released at once by a false alarm that is remembered, every decision audited.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from ringcheck.store import CampaignError, Sighting, Store

T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
QUIET = dt.timedelta(minutes=30)


def seen(key: str = "+22507123456xx", at: dt.datetime = T0, subscribers: int = 40) -> Sighting:
    return Sighting(
        key=key,
        level="high",
        score=68,
        reasons=(("one_ring_fanout", "rang 40 subscribers for 1-2 s"),),
        subscribers=subscribers,
        calls=subscribers,
        first_seen=at,
        last_seen=at + dt.timedelta(minutes=2),
        ring_low=1.0,
        ring_high=2.0,
        source="follow:Master.csv",
    )


def test_a_number_in_a_published_range_is_blocked_and_one_outside_is_not(store: Store) -> None:
    store.publish_campaign(seen(), quiet=QUIET, now=T0)
    found = store.blocking_campaign("+2250712345677", now=T0 + dt.timedelta(minutes=5))
    assert found is not None and found.key == "+22507123456xx" and found.subscribers == 40
    assert store.blocking_campaign("+2250712345777", now=T0) is None
    assert store.blocking_campaign("+22507123456777", now=T0) is None  # longer: not in it


def test_the_narrowest_campaign_holding_a_number_answers(store: Store) -> None:
    store.publish_campaign(seen("+2250712345xxx"), quiet=QUIET, now=T0)
    store.publish_campaign(seen("+2250712345677", subscribers=9), quiet=QUIET, now=T0)
    found = store.blocking_campaign("+2250712345677", now=T0)
    assert found is not None and found.key == "+2250712345677"


def test_a_campaign_stops_blocking_after_its_quiet_period_and_restarts_when_seen_again(
    store: Store,
) -> None:
    store.publish_campaign(seen(), quiet=QUIET, now=T0)
    late = T0 + dt.timedelta(minutes=2) + QUIET + dt.timedelta(seconds=1)
    assert store.blocking_campaign("+2250712345601", now=late) is None
    assert store.campaigns(now=late) == []
    assert len(store.campaigns(now=late, ended=True)) == 1
    again = store.publish_campaign(seen(at=late), quiet=QUIET, now=late)
    assert again.first_seen == late and again.status == "active"
    assert store.blocking_campaign("+2250712345601", now=late) is not None


def test_newer_counts_update_the_campaign_and_extend_it(store: Store) -> None:
    first = store.publish_campaign(seen(), quiet=QUIET, now=T0)
    later = T0 + dt.timedelta(minutes=10)
    grown = store.publish_campaign(seen(at=later, subscribers=412), quiet=QUIET, now=later)
    assert grown.id == first.id and grown.subscribers == 412
    assert grown.first_seen == T0 and grown.expires_at == later + dt.timedelta(minutes=2) + QUIET


def test_a_false_alarm_releases_at_once_and_is_remembered_with_who_and_why(store: Store) -> None:
    made = store.publish_campaign(seen(), quiet=QUIET, now=T0)
    store.set_campaign_status(
        made.id, "false_alarm", actor="Sam", reason="our SMS verification provider", now=T0
    )
    assert store.blocking_campaign("+2250712345601", now=T0) is None
    store.publish_campaign(seen(subscribers=80), quiet=QUIET, now=T0 + dt.timedelta(minutes=1))
    assert store.blocking_campaign("+2250712345601", now=T0 + dt.timedelta(minutes=1)) is None
    history = store.campaign(made.id).history
    assert [h["action"] for h in history] == ["published", "false_alarm"]
    assert history[1]["actor"] == "Sam" and "verification" in history[1]["reason"]


def test_handled_still_blocks(store: Store) -> None:
    made = store.publish_campaign(seen(), quiet=QUIET, now=T0)
    store.set_campaign_status(made.id, "handled", actor="Sam", reason="barred at the gateway")
    assert store.blocking_campaign("+2250712345601", now=T0) is not None


@pytest.mark.parametrize(
    ("key", "code"),
    [("2250712345601", "bad_key"), ("+22507xxxxx", "bad_key"), ("+225x7", "bad_key")],
)
def test_a_bad_key_is_refused_and_nothing_is_kept(store: Store, key: str, code: str) -> None:
    with pytest.raises(CampaignError) as caught:
        store.publish_campaign(seen(key), quiet=QUIET, now=T0)
    assert caught.value.code == code
    assert store.campaigns(now=T0, ended=True) == []


def test_a_decision_needs_a_known_campaign_a_known_status_and_a_reason(store: Store) -> None:
    made = store.publish_campaign(seen(), quiet=QUIET, now=T0)
    for campaign_id, status, reason, code in [
        (made.id + 99, "handled", "x", "no_campaign"),
        (made.id, "deleted", "x", "bad_status"),
        (made.id, "handled", "   ", "bad_reason"),
    ]:
        with pytest.raises(CampaignError) as caught:
            store.set_campaign_status(campaign_id, status, actor="Sam", reason=reason)
        assert caught.value.code == code
    assert store.campaign(made.id).status == "active"


def test_workers_see_when_campaigns_last_changed(store: Store) -> None:
    assert store.campaigns_changed_at() is None
    store.publish_campaign(seen(), quiet=QUIET, now=T0)
    assert store.campaigns_changed_at() == T0
