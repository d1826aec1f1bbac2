"""Block lists, CSV and the HTML report, read back the way their users' tools read them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import html5lib

from ringcheck.calllog.html import render_report
from ringcheck.calllog.outputs import blocklist, to_csv, to_json
from ringcheck.phones.blocklists import BLOCKED_NAME, CONTACT_NAME, CSV_COLUMNS

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def parse_vcard(text: str) -> list[tuple[str, str]]:
    """(name with parameters, value) per content line, after unfolding (RFC 2425)."""
    assert "\n" not in text.replace("\r\n", "")  # every line ends CRLF
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    return [tuple(line.split(":", 1)) for line in unfolded.split("\r\n") if line]  # type: ignore[misc]


def test_vcard_is_one_contact_holding_every_blocked_number(run, sample):
    result = run(sample("generic.csv"))
    text = blocklist(result, "vcard", "high")
    lines = parse_vcard(text)
    assert lines[0] == ("BEGIN", "VCARD") and lines[-1] == ("END", "VCARD")
    assert ("VERSION", "3.0") in lines and text.count("BEGIN:VCARD") == 1
    assert ("FN", CONTACT_NAME) in lines
    tels = [value for name, value in lines if name.startswith("TEL")]
    assert "+18768123456" in tels and "+449061234567" in tels
    assert all(value.startswith("+") for value in tels)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_vcard_escapes_commas_in_text_values(run, sample):
    note = dict(parse_vcard(blocklist(run(sample("generic.csv")), "vcard", "high")))["NOTE"]
    assert "\\," in note


def test_callblocker_list_has_the_shape_its_blocklists_folder_reads(run, sample):
    text = blocklist(run(sample("generic.csv")), "callblocker", "very_high", now=NOW)
    data = json.loads(text)
    assert set(data) == {"name", "entries"}
    assert data["entries"]
    for entry in data["entries"]:
        assert set(entry) == {"name", "number", "date_created", "date_modified"}
        assert re.fullmatch(r"\+\d+", entry["number"])  # never empty: empty blocks by name
        assert entry["date_created"] == "2026-11-29 12:00:00 +0000"


def test_level_chooses_who_goes_on_the_list_and_hidden_callers_never_do(run, sample):
    result = run(sample("generic.csv"))
    caution = list(csv.DictReader(io.StringIO(blocklist(result, "csv", "caution"))))
    very_high = list(csv.DictReader(io.StringIO(blocklist(result, "csv", "very_high"))))
    assert len(very_high) < len(caution)
    assert all(row["number"].startswith("+") for row in caution)


def test_csv_output_has_a_row_per_caller(run, sample):
    result = run(sample("generic.csv"))
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert len(rows) == len(result.numbers)
    assert rows[0]["level"] == "very_high"


def test_json_output_escapes_markup(run):
    result = run(b"number,time\n+18768123456,2024-03-01 02:10\n<script>,2024-03-01 02:10\n")
    assert b"<" not in to_json(result)


def test_html_report_is_self_contained_and_escapes_what_came_from_the_file(run):
    hostile = '<script>alert(1)</script><img src="https://evil.example/x.png">'
    attribute = hostile.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<calls count="1">\n'
        f'<call number="+18768123456" type="3" date="1700000000000" contact_name="{attribute}"/>\n'
        "</calls>\n"
    ).encode()
    page = render_report(run(data))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page  # the contact name, shown as text
    document = html5lib.parse(page, namespaceHTMLElements=False)
    assert document.find(".//{http://www.w3.org/2000/svg}svg") is not None
    assert not document.findall(".//script") and not document.findall(".//img")
    assert not document.findall(".//link") and not document.findall(".//iframe")
    addresses = [v for e in document.iter() for k, v in e.attrib.items() if k in ("href", "src")]
    assert addresses and all(a.startswith("tel:") for a in addresses)  # no external requests
    assert document.find(".//style") is not None


def test_html_report_timeline_and_country_chart_are_labelled_in_text(run, sample):
    page = render_report(run(sample("generic.csv")))
    assert "When they rang" in page and "Where the calls came from" in page
    assert "Very high risk" in page  # the legend names the levels
    assert "Jamaica" in page


def test_a_block_list_calls_scams_only_the_numbers_whose_verdict_says_scam(run):
    # A call-back scam destination, and an ordinary landline abroad (high: unexpected).
    data = b"number,time,status\n+18768123456,2024-03-01 10:00,missed\n"
    data += b"+33142685300,2024-03-02 10:00,missed\n"
    result = run(data)
    names = {
        e["number"]: e["name"]
        for e in json.loads(blocklist(result, "callblocker", "high", now=NOW))["entries"]
    }
    assert names["+18768123456"] == "SPAM Wangiri (very high risk, Jamaica)"
    assert names["+33142685300"] == "Abroad (high risk, France)"
    both = dict(parse_vcard(blocklist(result, "vcard", "high")))
    assert both["FN"] == BLOCKED_NAME and "look like scams" not in both["NOTE"]
    scams = dict(parse_vcard(blocklist(result, "vcard", "very_high")))
    assert scams["FN"] == CONTACT_NAME
    text = blocklist(result, "csv", "high")
    assert text.split("\r\n")[0] == ",".join(CSV_COLUMNS)  # the server's and the scan's too
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["number"]: r["category"] for r in rows} == {
        "+18768123456": "wangiri",
        "+33142685300": "international",
    }


def test_a_triage_block_list_can_be_written_for_spamblocker_too(run, sample):
    result = run(sample("generic.csv"))
    patterns = list(csv.DictReader(io.StringIO(blocklist(result, "spamblocker", "very_high"))))
    described = {row["pattern"]: row["description"] for row in patterns}
    assert described["18768123456"] == "SPAM Wangiri (very high risk, Jamaica)"
