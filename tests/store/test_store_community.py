"""What people see: the community summary, neighbours, cleaned comments, pages of
reports and the most reported numbers of the week."""

from __future__ import annotations

import datetime as dt

import pytest

from ringcheck.community import Community, Neighbours, Vote
from ringcheck.store import BadReport, Store

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
NUMBER = "+442079460000"


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_number_nobody_reported_has_no_community(store: Store):
    assert store.community(NUMBER) is None


def test_the_summary_counts_visible_reports_by_category_and_reporter(store: Store):
    store.add_report(number=NUMBER, category="one_ring_callback", client="a", now=at(0))
    store.add_report(number=NUMBER, category="one_ring_callback", client="b", now=at(1))
    store.add_report(number=NUMBER, category="legitimate", client="c", now=at(2))
    hidden = store.add_report(number=NUMBER, category="sales", client="d", now=at(3))
    store.hide(hidden.report_id, moderator="mod", reason="spam")
    community = store.community(NUMBER)
    assert isinstance(community, Community)
    assert community.total == 3 and community.reporters == 3
    assert dict(community.by_category) == {"one_ring_callback": 2, "legitimate": 1}
    assert (community.first_seen, community.last_seen) == (at(0), at(2))
    assert sorted(v.category for v in community.votes) == [
        "legitimate",
        "one_ring_callback",
        "one_ring_callback",
    ]
    assert all(isinstance(v, Vote) and v.reported_at.tzinfo for v in community.votes)
    assert community.to_dict()["by_category"]["one_ring_callback"] == 2


def test_neighbours_are_numbers_differing_in_the_last_one_or_two_digits(store: Store):
    store.add_report(number="+442079460001", category="one_ring_callback", client="a", now=at(0))
    store.add_report(number="+442079460002", category="one_ring_callback", client="a", now=at(0))
    store.add_report(number="+442079460099", category="silent", client="b", now=at(0))
    store.add_report(number="+442079460100", category="silent", client="c", now=at(0))  # far
    community = store.community(NUMBER)
    assert community is not None
    assert community.total == 0 and not community.votes
    one, two = community.neighbours
    assert one == Neighbours(1, "+44207946000", numbers=2, reports=2, reporters=1)
    assert two == Neighbours(2, "+4420794600", numbers=3, reports=3, reporters=2)
    assert len(community.neighbour_votes) == 3


def test_own_reports_do_not_count_as_neighbours(store: Store):
    store.add_report(number=NUMBER, category="silent", client="a", now=at(0))
    community = store.community(NUMBER)
    assert community is not None
    assert [n.reports for n in community.neighbours] == [0, 0]
    assert community.neighbour_votes == ()


def test_comments_are_the_latest_visible_ones_cleaned_of_other_numbers_and_emails(
    store: Store,
):
    store.add_report(
        number=NUMBER,
        category="one_ring_callback",
        client="a",
        comment="They rang from 020 7946 0000 and said call 07700 900123 or mail x@y.com",
        now=at(0),
    )
    store.add_report(number=NUMBER, category="silent", client="b", comment="second", now=at(1))
    store.add_report(number=NUMBER, category="silent", client="c", now=at(2))  # no comment
    community = store.community(NUMBER, comments=5)
    assert community is not None
    texts = [c.text for c in community.comments]
    assert texts == [
        "second",
        "They rang from 020 7946 0000 and said call [number removed] or mail [email removed]",
    ]
    assert [c.text for c in store.community(NUMBER, comments=1).comments] == ["second"]  # type: ignore[union-attr]
    shown = store.reports(NUMBER).items
    assert "[number removed]" in (shown[-1].comment or "")


def test_now_leaves_out_reports_made_later(store: Store):
    store.add_report(number=NUMBER, category="silent", client="a", now=at(0))
    store.add_report(number=NUMBER, category="silent", client="b", now=at(60))
    community = store.community(NUMBER, now=at(30))
    assert community is not None and community.total == 1


def test_reports_come_in_pages_latest_first(store: Store):
    for i in range(45):
        store.add_report(number=NUMBER, category="silent", client=f"c{i}", now=at(i))
    first = store.reports(NUMBER, per_page=20)
    assert (first.total, first.page, first.pages, len(first.items)) == (45, 1, 3, 20)
    assert first.items[0].updated_at == at(44)
    last = store.reports(NUMBER, page=3, per_page=20)
    assert [i.updated_at for i in last.items] == [at(i) for i in range(4, -1, -1)]
    assert store.reports(NUMBER, page=9).items == []
    seen = {i.id for p in (1, 2, 3) for i in store.reports(NUMBER, page=p).items}
    assert len(seen) == 45


def test_hidden_reports_show_only_when_asked(store: Store):
    saved = store.add_report(number=NUMBER, category="silent", client="a", now=at(0))
    store.hide(saved.report_id, moderator="mod", reason="abuse")
    assert store.reports(NUMBER).total == 0
    assert store.reports(NUMBER, include_hidden=True).items[0].hidden is True


def test_a_report_as_json_has_utc_times_and_no_reporter_key(store: Store):
    store.add_report(number=NUMBER, category="silent", client="a", rang_seconds=4, now=at(0))
    data = store.reports(NUMBER).items[0].to_dict()
    assert data["reported_at"] == "2026-11-01T12:00:00Z"
    assert set(data) == {
        "id",
        "e164",
        "category",
        "rang_seconds",
        "comment",
        "claimed",
        "reported_at",
        "updated_at",
        "hidden",
    }
    assert store.reports(NUMBER).to_dict()["total"] == 1


@pytest.mark.parametrize(("page", "per_page"), [(0, 20), (1, 0), (1, 101), (-1, 5)])
def test_impossible_pages_are_refused(store: Store, page, per_page):
    with pytest.raises(BadReport) as caught:
        store.reports(NUMBER, page=page, per_page=per_page)
    assert caught.value.code == "bad_page"


def test_recent_lists_the_most_reported_numbers_of_the_window(store: Store):
    now = at(0)
    for i in range(3):
        store.add_report(
            number="+442079460001", category="one_ring_callback", client=f"a{i}", now=now
        )
    store.add_report(number="+442079460001", category="silent", client="z", now=now)
    store.add_report(number=NUMBER, category="sales", client="a", now=now)
    store.add_report(number="+442079460002", category="silent", client="old", now=at(-9 * 1440))
    recent = store.recent(days=7, now=now + dt.timedelta(minutes=1))
    assert [r.e164 for r in recent] == ["+442079460001", NUMBER]
    top = recent[0]
    assert (top.reports, top.reporters, top.top_category) == (4, 4, "one_ring_callback")
    assert top.to_dict()["last_seen"].endswith("Z")
    assert store.recent(days=30, limit=1, now=now)[0].e164 == "+442079460001"


def test_reported_ranges_hold_every_range_with_a_visible_report(store: Store):
    assert store.reported_ranges() == frozenset()
    store.add_report(number=NUMBER, category="silent", client="a", now=at(0))
    hidden = store.add_report(number="+2250712345678", category="sales", client="b", now=at(1))
    store.hide(hidden.report_id, moderator="mod", reason="spam")
    assert store.reported_ranges() == frozenset({NUMBER[:-2]})
    for e164 in (NUMBER, NUMBER[:-1] + "7", NUMBER[:-2] + "99"):
        assert e164[:-2] in store.reported_ranges()  # the number and its neighbours
    assert store.community("+2250712345600") is None  # outside: nothing to find
