"""Moderators hide and unhide reports with an audit log; old comments are purged while
reports and counts stay."""

from __future__ import annotations

import datetime as dt

import pytest

from ringcheck.store import AuditEntry, BadReport, Store

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
NUMBER = "+442079460000"


def test_hide_and_unhide_are_recorded_with_who_why_and_when(store: Store):
    saved = store.add_report(number=NUMBER, category="sales", client="a", now=T0)
    hidden = store.hide(saved.report_id, moderator="ann", reason="abusive", now=T0)
    assert hidden.hidden and store.community(NUMBER) is None
    later = T0 + dt.timedelta(hours=1)
    shown = store.unhide(saved.report_id, moderator="bob", reason="appeal upheld", now=later)
    assert not shown.hidden and store.community(NUMBER) is not None
    log = store.audit_log()
    assert [(e.action, e.moderator, e.reason, e.at) for e in log] == [
        ("unhide", "bob", "appeal upheld", later),
        ("hide", "ann", "abusive", T0),
    ]
    assert all(isinstance(e, AuditEntry) and e.report_id == saved.report_id for e in log)
    assert log[0].to_dict()["at"] == "2026-11-01T13:00:00Z"
    assert len(store.audit_log(limit=1)) == 1


def test_hiding_keeps_the_report(store: Store):
    saved = store.add_report(number=NUMBER, category="sales", client="a", comment="hi")
    store.hide(saved.report_id, moderator="ann", reason="abusive")
    assert store.get(saved.report_id).comment == "hi"
    assert store.list_reports(hidden=True).total == 1
    assert store.list_reports(hidden=False).total == 0


@pytest.mark.parametrize("report_id", [999, 0, -1])
def test_moderating_a_missing_report_says_so(store: Store, report_id):
    with pytest.raises(BadReport) as caught:
        store.hide(report_id, moderator="ann", reason="x")
    assert caught.value.code == "no_such_report"
    assert store.audit_log() == []


@pytest.mark.parametrize(
    ("moderator", "reason", "code"),
    [("", "x", "bad_moderator"), ("ann", "  ", "bad_reason"), ("a\x00", "x", "bad_moderator")],
)
def test_moderation_needs_a_name_and_a_reason(store: Store, moderator, reason, code):
    saved = store.add_report(number=NUMBER, category="sales", client="a")
    with pytest.raises(BadReport) as caught:
        store.hide(saved.report_id, moderator=moderator, reason=reason)
    assert caught.value.code == code
    assert not store.get(saved.report_id).hidden


def test_purge_blanks_old_comments_but_keeps_reports_and_counts(store: Store):
    old = T0 - dt.timedelta(days=400)
    store.add_report(number=NUMBER, category="silent", client="a", comment="old", now=old)
    store.add_report(number=NUMBER, category="silent", client="b", comment="new", now=T0)
    assert store.purge_comments(older_than_days=365, now=T0) == 1
    items = {i.comment for i in store.reports(NUMBER).items}
    assert items == {None, "new"}
    community = store.community(NUMBER)
    assert community is not None and community.total == 2
    assert store.purge_comments(older_than_days=365, now=T0) == 0


@pytest.mark.parametrize("days", [0, -5])
def test_purge_refuses_an_age_under_a_day(store: Store, days):
    with pytest.raises(BadReport):
        store.purge_comments(older_than_days=days)
