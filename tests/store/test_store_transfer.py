"""Export and import round-trip every visible report, in both formats and on both
engines; bad lines are listed by number; a live SQLite database can be backed up."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from ringcheck.settings import Settings
from ringcheck.store import BadReport, Store, StoreError

T0 = dt.datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)


def fill(store: Store) -> None:
    reports = [
        ("+442079460000", "one_ring_callback", "a", 2.5, 'Comma, "quotes"\nand a newline', None),
        ("+442079460000", "impersonation", "b", None, None, "HMRC"),
        ("+2348031234567", "premium_callback", "a", 0.1, "Ünïcödé 📞 <b>", None),
        ("+442079460001", "legitimate", "c", 3600.0, "=1+1 looks like a formula", None),
    ]
    for i, (number, category, client, rang, comment, claimed) in enumerate(reports):
        store.add_report(
            number=number,
            category=category,
            client=client,
            rang_seconds=rang,
            comment=comment,
            claimed=claimed,
            now=T0 + dt.timedelta(seconds=i),
        )
    later = T0 + dt.timedelta(hours=2)
    store.add_report(number="+442079460000", category="silent", client="a", now=later)
    hidden = store.add_report(number="+442079460002", category="sales", client="d", now=T0)
    store.hide(hidden.report_id, moderator="mod", reason="spam")


def exported(store: Store, fmt: str) -> str:
    out = io.StringIO()
    store.export(fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_then_import_into_an_empty_database_gives_the_same_export(
    open_store, tmp_path: Path, fmt
):
    source = open_store()
    fill(source)
    first = exported(source, fmt)
    copy = Store.open(Settings(database_url=f"sqlite:///{tmp_path / 'copy.db'}"))
    try:
        result = copy.import_(fmt, io.StringIO(first))
        assert (result.added, result.updated, result.skipped, result.errors) == (4, 0, 0, [])
        assert exported(copy, fmt) == first
        again = copy.import_(fmt, io.StringIO(first))
        assert (again.added, again.updated, again.skipped) == (0, 0, 4)
    finally:
        copy.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_import_into_the_other_engine_round_trips_too(open_store, db_url, tmp_path, fmt):
    sqlite_store = Store.open(Settings(database_url=f"sqlite:///{tmp_path / 'first.db'}"))
    try:
        fill(sqlite_store)
        first = exported(sqlite_store, fmt)
    finally:
        sqlite_store.close()
    target = open_store()
    assert target.import_(fmt, io.StringIO(first)).added == 4
    assert exported(target, fmt) == first


def test_the_export_holds_every_field_but_only_visible_reports(store: Store):
    fill(store)
    records = [json.loads(line) for line in exported(store, "jsonl").splitlines()]
    assert len(records) == 4
    assert {r["e164"] for r in records} == {"+442079460000", "+2348031234567", "+442079460001"}
    assert set(records[0]) == {
        "e164",
        "category",
        "rang_seconds",
        "comment",
        "claimed",
        "reporter",
        "reported_at",
        "updated_at",
    }
    assert records[0]["reported_at"] == "2026-11-01T12:00:00.123456Z"
    assert "[number removed]" not in exported(store, "jsonl")


def test_a_newer_record_updates_and_an_older_one_is_skipped(store: Store):
    store.add_report(number="+442079460000", category="silent", client="a", now=T0)
    record = json.loads(exported(store, "jsonl"))
    newer = dict(record, category="sales", updated_at="2026-11-02T00:00:00Z")
    older = dict(record, category="other", updated_at="2026-11-01T18:00:00Z")
    lines = "\n".join(json.dumps(r) for r in (newer, older))
    result = store.import_("jsonl", io.StringIO(lines))
    assert (result.added, result.updated, result.skipped) == (0, 1, 1)
    assert store.reports("+442079460000").items[0].category == "sales"


def test_bad_lines_are_listed_with_their_line_numbers_and_the_rest_imported(store: Store):
    good = {
        "e164": "+442079460000",
        "category": "silent",
        "rang_seconds": None,
        "comment": None,
        "claimed": None,
        "reporter": "ab" * 16,
        "reported_at": "2026-11-01T12:00:00Z",
        "updated_at": "2026-11-01T12:00:00Z",
    }
    lines = [
        json.dumps(good),
        "not json",
        json.dumps(dict(good, e164="+44")),
        "",
        json.dumps(dict(good, category="nope", reporter="cd" * 16)),
        json.dumps(dict(good, reporter="<script>")),
        json.dumps(dict(good, reporter="ef" * 16, reported_at="yesterday")),
        json.dumps(dict(good, reporter="ef" * 16, comment="\x00")),
        json.dumps([1, 2]),
    ]
    result = store.import_("jsonl", io.StringIO("\n".join(lines)))
    assert result.added == 1
    assert [line for line, _ in result.errors] == [2, 3, 5, 6, 7, 8, 9]
    assert store.list_reports().total == 1


def test_csv_with_the_wrong_columns_is_refused_whole(store: Store):
    with pytest.raises(BadReport) as caught:
        store.import_("csv", io.StringIO("number,kind\n+442079460000,silent\n"))
    assert caught.value.code == "bad_import"


def test_csv_bad_rows_are_reported_by_their_line(store: Store):
    store.add_report(number="+442079460000", category="silent", client="a", comment="a\nb")
    text = exported(store, "csv")
    header, rest = text.split("\n", 1)
    broken = header + "\n" + rest.replace("+442079460000", "+44") + rest
    result = store.import_("csv", io.StringIO(broken))
    assert [line for line, _ in result.errors] == [2]
    assert result.skipped == 1


def test_an_unknown_format_is_refused(store: Store):
    with pytest.raises(BadReport) as caught:
        store.export("xml", io.StringIO())
    assert caught.value.code == "bad_format"


def test_backup_copies_a_live_sqlite_database_consistently(tmp_path: Path):
    store = Store.open(Settings(database_url=f"sqlite:///{tmp_path / 'live.db'}"))
    stop = threading.Event()

    def keep_writing() -> None:
        i = 0
        while not stop.is_set() and i < 400:
            store.add_report(number="+442079460000", category="silent", client=f"w{i}")
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        store.backup(tmp_path / "copy.db")
    finally:
        stop.set()
        writer.join()
    with sqlite3.connect(tmp_path / "copy.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        reports = check.execute("SELECT count(*) FROM reports").fetchone()[0]
        history = check.execute("SELECT count(*) FROM submissions").fetchone()[0]
    assert reports == history  # a snapshot between transactions, never half of one
    copy = Store.open(Settings(database_url=f"sqlite:///{tmp_path / 'copy.db'}"))
    assert copy.list_reports().total == reports
    copy.close()
    with pytest.raises(StoreError) as caught:
        store.backup(tmp_path / "copy.db")
    assert caught.value.code == "backup_exists"
    store.close()


def test_backup_of_postgresql_points_at_pg_dump(pg_schema_url: str):
    store = Store.open(Settings(database_url=pg_schema_url))
    try:
        with pytest.raises(StoreError) as caught:
            store.backup("/tmp/never-written.db")
        assert caught.value.code == "backup_not_supported"
        assert "pg_dump" in caught.value.message
    finally:
        store.close()
