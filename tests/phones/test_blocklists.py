"""One block-list entry type and its writers (``ringcheck.phones.blocklists``): the same
entries give the same file whichever face made them (the server, triage, the scan)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from ringcheck.phones.blocklists import (
    BLOCKED_NAME,
    CONTACT_NAME,
    CSV_COLUMNS,
    FORMATS,
    BlockList,
    Entry,
    fold,
    write,
)

MADE = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
CALLED = dt.datetime(2026, 11, 30, 2, 10, tzinfo=dt.UTC)
JAMAICA = Entry("range", "+1876", "SPAM Wangiri", "wangiri", "very_high", True, 95, CALLED,
                country="Jamaica", reasons=("high_risk_destination",),
                numbers=("+18768123456", "+18768123457"))  # fmt: skip
REPORTED = Entry("number", "+447400765432", "SPAM Wangiri", "wangiri", "high", True, 70, None,
                 reporters=4, country="United Kingdom")  # fmt: skip
ABROAD = Entry("number", "+33142685300", "Abroad", "international", "high", False, 55, None,
               country="France")  # fmt: skip


@pytest.mark.parametrize("form", FORMATS)
def test_equal_entries_give_equal_files_and_every_format_is_written(form: str) -> None:
    entries = [JAMAICA, REPORTED, ABROAD]
    one, media = write(BlockList(entries, MADE), form, "GB")
    again, _ = write(BlockList(list(entries), MADE, "another version"), form, "GB")
    assert one == again and one and media


def test_csv_has_one_header_and_a_row_per_entry_dates_defaulting_to_the_lists() -> None:
    rows = list(csv.reader(io.StringIO(write(BlockList([JAMAICA, ABROAD], MADE), "csv")[0])))
    assert tuple(rows[0]) == CSV_COLUMNS
    found = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert found[0]["kind"] == "range" and found[0]["number"] == "+1876"
    assert found[0]["changed"] == CALLED.isoformat()
    assert found[0]["reasons"] == "high_risk_destination" and found[0]["score9"] == "9"
    assert found[1]["changed"] == MADE.isoformat()


def test_callblocker_names_say_what_each_entry_is_and_keep_ranges_as_prefixes() -> None:
    body = json.loads(write(BlockList([JAMAICA, ABROAD], MADE), "callblocker")[0])
    assert body["name"] == "ringcheck scam numbers"
    assert [(e["number"], e["name"]) for e in body["entries"]] == [
        ("+1876", "SPAM Wangiri (very high risk, Jamaica)"),
        ("+33142685300", "Abroad (high risk, France)"),
    ]
    assert body["entries"][0]["date_modified"] == "2026-11-30 02:10:00 +0000"
    assert body["entries"][1]["date_created"] == "2026-12-01 12:00:00 +0000"


def test_an_entry_without_a_number_never_reaches_callblocker() -> None:
    empty = Entry("number", "", "SPAM", "reported", "high", True, 60)
    assert json.loads(write(BlockList([empty], MADE), "callblocker")[0])["entries"] == []


def test_a_vcard_holds_whole_numbers_only_a_range_giving_the_numbers_seen() -> None:
    curated = Entry("range", "+234", "SPAM Wangiri", "wangiri", "very_high", True, 90)
    text = write(BlockList([JAMAICA, curated, REPORTED], MADE), "vcard")[0]
    tels = re.findall(r"^TEL;TYPE=VOICE:(\S+)\r$", text, re.M)
    assert tels == ["+18768123456", "+18768123457", "+447400765432"]
    assert f"FN:{CONTACT_NAME}\r\n" in text and "2026-12-01" in text


def test_a_vcard_says_scam_only_when_every_entry_does() -> None:
    text = write(BlockList([REPORTED, ABROAD], MADE), "vcard")[0]
    assert f"FN:{BLOCKED_NAME}\r\n" in text and "look like scams" not in text


def test_spamblocker_writes_home_numbers_both_ways_and_ranges_as_patterns() -> None:
    rows = list(csv.DictReader(io.StringIO(write(BlockList([JAMAICA, REPORTED], MADE),
                                                 "spamblocker", "GB")[0])))  # fmt: skip
    patterns = {row["pattern"]: row["description"] for row in rows}
    assert {"447400765432", "7400765432"} <= set(patterns)
    (wide,) = (p for p in patterns if p.startswith("^"))
    assert re.match(wide, "0018768123456") and not re.match(wide, "+447400765432")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="callblocker, csv, vcard, spamblocker"):
        write(BlockList([], MADE), "xml")


def test_long_lines_fold_at_75_octets_never_inside_a_character() -> None:
    folded = fold("NOTE:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "NOTE:" + "é" * 80
