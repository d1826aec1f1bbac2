"""Adding reports: one active report per reporter and number, the hourly limit, and
refusing anything that isn't a clean report (with nothing stored)."""

from __future__ import annotations

import datetime as dt

import pytest

from ringcheck.store import BadReport, ReportLimited, SaveResult, Store

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
NUMBER = "+442079460000"


def test_a_first_report_is_created_and_shown_on_the_number(store: Store):
    saved = store.add_report(
        number=NUMBER, category="one_ring_callback", client="203.0.113.5", rang_seconds=2, now=T0
    )
    assert saved == SaveResult(saved.report_id, True)
    [item] = store.reports(NUMBER).items
    assert (item.id, item.category, item.rang_seconds, item.hidden) == (
        saved.report_id,
        "one_ring_callback",
        2.0,
        False,
    )
    assert item.reported_at == T0 and item.reported_at.tzinfo is not None


def test_a_repeat_from_the_same_reporter_updates_their_report(store: Store):
    first = store.add_report(number=NUMBER, category="silent", client="a", comment="hi", now=T0)
    later = T0 + dt.timedelta(minutes=5)
    again = store.add_report(
        number=NUMBER,
        category="impersonation",
        client="a",
        claimed="HMRC",
        rang_seconds=30,
        now=later,
    )
    assert again == SaveResult(first.report_id, False)
    page = store.reports(NUMBER)
    assert page.total == 1
    item = page.items[0]
    assert (item.category, item.claimed, item.rang_seconds, item.comment) == (
        "impersonation",
        "HMRC",
        30.0,
        None,
    )
    assert (item.reported_at, item.updated_at) == (T0, later)


def test_different_reporters_make_different_reports(store: Store):
    a = store.add_report(number=NUMBER, category="silent", client="a", now=T0)
    b = store.add_report(number=NUMBER, category="silent", client="b", now=T0)
    assert a.report_id != b.report_id and a.created and b.created
    community = store.community(NUMBER)
    assert community is not None and (community.total, community.reporters) == (2, 2)


def test_a_repeat_of_a_hidden_report_stays_hidden(store: Store):
    saved = store.add_report(number=NUMBER, category="sales", client="a", now=T0)
    store.hide(saved.report_id, moderator="mod", reason="abuse")
    store.add_report(number=NUMBER, category="silent", client="a", now=T0)
    assert store.community(NUMBER) is None
    assert store.reports(NUMBER, include_hidden=True).items[0].hidden


def test_the_reporter_key_is_an_hmac_never_the_address(store: Store, open_store):
    key = store.reporter_key("203.0.113.5")
    assert "203.0.113.5" not in key and len(key) == 32
    assert open_store().reporter_key("203.0.113.5") == key  # the salt is kept in the database
    salted = open_store(reporter_salt="x" * 40)
    assert salted.reporter_key("203.0.113.5") != key


def test_the_hourly_limit_counts_new_and_updated_reports(open_store):
    store = open_store(reports_per_hour=3)
    for minute in range(3):
        store.add_report(
            number=NUMBER, category="silent", client="a", now=T0 + dt.timedelta(minutes=minute)
        )
    with pytest.raises(ReportLimited) as caught:
        store.add_report(
            number="+442079460001", category="silent", client="a", now=T0 + dt.timedelta(minutes=10)
        )
    assert caught.value.code == "too_many_reports"
    assert caught.value.retry_after == 50 * 60  # the first one leaves the window at 13:00
    assert "try again" in caught.value.message
    assert store.reports("+442079460001").total == 0
    # Someone else is not limited, and the first reporter may report again after an hour.
    store.add_report(number=NUMBER, category="silent", client="b", now=T0)
    store.add_report(
        number="+442079460001", category="silent", client="a", now=T0 + dt.timedelta(minutes=61)
    )


def test_the_limit_holds_across_store_instances(open_store):
    first, second = open_store(reports_per_hour=2), open_store(reports_per_hour=2)
    first.add_report(number=NUMBER, category="silent", client="a", now=T0)
    second.add_report(number="+442079460001", category="silent", client="a", now=T0)
    with pytest.raises(ReportLimited):
        first.add_report(number="+442079460002", category="silent", client="a", now=T0)


HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    "'; DROP TABLE reports; --",
    "x" * 10_000,
    "bad\x00nul",
    "bell\x07",
    "\u202eevil",
    "\ud800",
]

HOSTILE = [
    ("number", "+44", "bad_number"),
    ("number", "+440", "bad_number"),
    ("number", "020 7946 0000", "bad_number"),  # not E.164: the face parses first
    ("number", "+4420794600001234", "bad_number"),
    ("number", "+447700900123", "bad_number"),  # not a valid number
    ("number", "Withheld", "bad_number"),
    ("number", 442079460000, "bad_number"),
    *(("number", text, "bad_number") for text in HOSTILE_TEXT),
    ("category", "scam", "bad_category"),
    ("category", "", "bad_category"),
    ("category", None, "bad_category"),
    *(("category", text, "bad_category") for text in HOSTILE_TEXT),
    ("rang_seconds", -1, "bad_rang"),
    ("rang_seconds", 3600.5, "bad_rang"),
    ("rang_seconds", float("nan"), "bad_rang"),
    ("rang_seconds", float("inf"), "bad_rang"),
    ("rang_seconds", True, "bad_rang"),
    ("rang_seconds", "two", "bad_rang"),
    ("comment", "x" * 501, "bad_comment"),
    ("comment", "x" * 10_000, "bad_comment"),
    ("comment", "bad\x00nul", "bad_comment"),
    ("comment", "esc\x1b[31m", "bad_comment"),
    ("comment", "\u202eevil", "bad_comment"),
    ("comment", "\ud800", "bad_comment"),
    ("comment", 5, "bad_comment"),
    ("claimed", "x" * 101, "bad_claimed"),
    ("claimed", "HMRC\nline two", "bad_claimed"),
    ("claimed", "bad\x00", "bad_claimed"),
    ("client", "", "bad_client"),
    ("client", "x" * 10_000, "bad_client"),
]


@pytest.mark.parametrize(("field", "value", "code"), HOSTILE, ids=lambda v: repr(v)[:30])
def test_hostile_input_is_refused_clearly_and_nothing_is_stored(store: Store, field, value, code):
    report = {
        "number": NUMBER,
        "category": "impersonation",
        "client": "203.0.113.5",
        "rang_seconds": 3,
        "comment": "fine",
        "claimed": "HMRC",
    }
    report[field] = value
    with pytest.raises(BadReport) as caught:
        store.add_report(**report)
    assert caught.value.code == code
    assert caught.value.message and "\n" not in caught.value.message
    assert store.list_reports().total == 0


@pytest.mark.parametrize(
    "comment",
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE reports; --",
        "Robert'); DELETE FROM reports WHERE ('1'='1",
        "Émoji 📞 and ünïcödé, 日本語, עברית",
        "two\nlines",
        "x" * 500,
    ],
)
def test_text_that_only_looks_hostile_is_kept_exactly_as_plain_text(store: Store, comment):
    store.add_report(number=NUMBER, category="other", client="a", comment=comment)
    assert store.reports(NUMBER).items[0].comment == comment
    assert store.list_reports().total == 1


def test_blank_comments_and_claims_are_none_and_windows_newlines_become_newlines(store: Store):
    store.add_report(number=NUMBER, category="impersonation", client="a", comment="  ", claimed="")
    store.add_report(number=NUMBER, category="other", client="b", comment="a\r\nb\tc")
    comments = {i.comment for i in store.reports(NUMBER).items}
    assert comments == {None, "a\nb c"}


def test_claimed_goes_only_with_impersonation(store: Store):
    with pytest.raises(BadReport) as caught:
        store.add_report(number=NUMBER, category="silent", client="a", claimed="HMRC")
    assert caught.value.code == "bad_claimed"
