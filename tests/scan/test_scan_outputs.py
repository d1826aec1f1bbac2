"""What an operator gets out of a scan: JSON, CSV, Parquet, a table, block lists, the
HTML report; and the command line around them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import html5lib
import polars as pl
import pytest
from click.testing import CliRunner
from scan_support import DATA, ZONE

from ringcheck.cli import cli
from ringcheck.phones.blocklists import CSV_COLUMNS
from ringcheck.scan import ScanOptions, report, scan
from ringcheck.scan.detect import local_time
from ringcheck.scan.html import render

FINDING_KEYS = {
    "kind", "level", "score", "country", "headline", "within", "calls", "callees",
    "answered_share", "ring_median", "ring_p90", "peak_per_minute", "sequential_share",
    "numbers_seen", "calls_per_number", "night_share", "callbacks", "callback_rate",
    "callback_billsec", "first_seen", "last_seen", "detected_at", "numbers", "reasons",
    "destination", "called_back", "evidence",
}  # fmt: skip


@pytest.fixture(scope="module")
def result(demo_dir: Path) -> Any:
    return scan([str(demo_dir / "demo.asterisk"), str(DATA / "Master.csv")], ScanOptions(tz=ZONE))


def test_json_is_one_document_with_summary_findings_and_unreadable_rows(result: Any) -> None:
    doc = json.loads(report.to_json(result))
    assert set(doc) == {"summary", "findings", "unreadable_rows"}
    summary = doc["summary"]
    assert summary["records"] == sum(f["records"] for f in summary["files"])
    assert summary["unreadable"] == 3 == len(doc["unreadable_rows"])
    assert doc["unreadable_rows"][0] == {
        "file": str(DATA / "Master.csv"), "line": 8, "why": "the start time can't be read"
    }  # fmt: skip
    for finding in doc["findings"]:
        assert set(finding) >= FINDING_KEYS, FINDING_KEYS - set(finding)
        assert ("number" in finding) == (finding["kind"] == "number")
        assert ("prefix" in finding) == (finding["kind"] == "range")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", finding["first_seen"])
        assert all(set(r) == {"code", "text"} for r in finding["reasons"])
    levels = [f["level"] for f in doc["findings"]]
    assert levels == sorted(levels, key=["very_high", "high", "caution", "low"].index)


def test_mask_hides_subscribers_but_their_last_two_digits(result: Any) -> None:
    text = report.to_json(result, mask=True).decode()
    doc = json.loads(text)
    called_back = [c for f in doc["findings"] for c in f["called_back"]]
    assert called_back
    for entry in called_back:
        assert re.fullmatch(r"\+44x+\d\d", entry["number"]), entry["number"]
    for finding in doc["findings"]:
        for e in finding["evidence"]:
            assert "x" in e["callee"] and not e["caller"].count("x")
    assert report.mask_number("+447400123456") == "+44xxxxxxxx56"


def test_csv_and_parquet_hold_one_row_per_finding(result: Any, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(report.to_csv(result))))
    assert len(rows) == len(result.findings)
    assert rows[0]["key"] == result.findings[0].key
    path = tmp_path / "findings.parquet"
    report.to_parquet(result, str(path))
    frame = pl.read_parquet(path)
    assert frame.height == len(result.findings)
    assert frame["callees"].to_list() == [f.features["callees"] for f in result.findings]


def test_block_lists_hold_ranges_as_prefixes_where_the_format_can(result: Any) -> None:
    chosen = report.blocked(result, "high")
    assert chosen and all(
        f.within is None or f.within not in {c.key for c in chosen} for f in chosen
    )
    text = report.blocklist(result, "csv", "high")
    assert text.split("\r\n")[0] == ",".join(CSV_COLUMNS)  # as the server's and triage's
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["number"] for r in rows} == {f.key for f in chosen}
    assert {r["kind"] for r in rows} <= {"number", "range"}
    entries = json.loads(report.blocklist(result, "callblocker", "high"))["entries"]
    assert {e["number"] for e in entries} == {f.key for f in chosen}  # callblocker: prefixes
    card = report.blocklist(result, "vcard", "high")
    tels = re.findall(r"^TEL;TYPE=VOICE:(\S+)\r$", card, re.M)
    ranges = [f for f in chosen if f.kind == "range"]
    assert ranges and set(ranges[0].numbers) <= set(tels)  # phones: each number


def test_the_table_leads_with_what_was_found(result: Any) -> None:
    text = report.table(result)
    assert text.startswith("Scanned ")
    assert result.findings[0].key in text


def test_the_table_shows_campaigns_and_counts_cautions_in_one_line_as_json_names_them(
    result: Any,
) -> None:
    text = report.table(result)
    summary = result.summary()
    cautions = result.cautions()
    assert cautions and summary["cautions"] == len(cautions)
    lead = " ".join(" ".join(text.split("\n")[:2]).split())
    assert f"{summary['campaigns']} campaigns at high or very high" in lead
    assert f"{summary['subscribers_rung']:,} subscribers rung" in lead
    assert f"{summary['callbacks']:,} called back" in lead
    assert f"{len(cautions)} cautions" in lead
    rows = [line for line in text.splitlines() if line.startswith(("│", "|"))]
    assert not [r for r in rows if "caution" in r]  # cautions: one line, not rows
    assert sum("caution" in line for line in text.splitlines()) == 2  # the lead and the line
    assert "people" not in text and "subscribers rung" in result.findings[0].headline
    first = result.campaigns()[0].features["first_seen"]
    assert local_time(first, ZONE) in text and f"first call ({ZONE})" in text


def test_the_html_report_is_self_contained_and_has_every_part(result: Any) -> None:
    page = render(result, mask=True)
    document = html5lib.parse(page, namespaceHTMLElements=False)
    assert not document.findall(".//script")
    refs = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert all(r.startswith(("#", "tel:")) for r in refs), refs
    for heading in ("What was read", "Campaigns, most call-backs first", "Look-alikes spared"):
        assert heading in page
    assert "Calls every 5 minutes" in page and "People who called back" in page
    assert "How long the unanswered calls rang" in page and "Which numbers rang when" in page
    assert re.search(r"demo\.asterisk:\d+", page)  # evidence with file:line
    victims = [c["number"] for f in result.findings for c in f.callbacks]
    assert victims and not [v for v in victims if v in page]  # masked
    assert all(v in render(result) for v in victims[:5])  # and shown when not masked


# --- the command line ------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["scan", *args])


def test_scan_prints_a_table_and_fail_on_sets_the_exit_code(demo_dir: Path) -> None:
    path = str(demo_dir / "demo.asterisk")
    out = run(path, "--tz", ZONE)
    assert out.exit_code == 0, out.output
    assert "Scanned" in out.output
    assert run(path, "--tz", ZONE, "--fail-on", "high").exit_code == 1


def test_scan_writes_json_html_parquet_and_block_lists(demo_dir: Path, tmp_path: Path) -> None:
    path = str(demo_dir / "demo.asterisk")
    out = run(path, "--tz", ZONE, "--output", "json")
    assert json.loads(out.output)["findings"]
    for fmt, name in (("html", "r.html"), ("parquet", "r.parquet"), ("csv", "r.csv")):
        target = tmp_path / name
        assert run(path, "--tz", ZONE, "--output", fmt, "--out", str(target)).exit_code == 0
        assert target.stat().st_size > 0
    listed = run(path, "--tz", ZONE, "--blocklist", "callblocker", "--level", "very_high")
    assert json.loads(listed.output)["entries"]
    patterns = run(path, "--tz", ZONE, "--blocklist", "spamblocker", "--level", "very_high")
    assert patterns.exit_code == 0 and patterns.stdout.startswith("pattern,description")
    assert "\\d*$" in patterns.stdout  # a range as a pattern


def test_every_file_output_says_where_it_wrote_and_json_gives_each_files_sha256(
    demo_dir: Path, tmp_path: Path
) -> None:
    path = str(demo_dir / "demo.asterisk")
    for args in (["--blocklist", "csv"], ["--output", "json"], ["--output", "table"]):
        target = tmp_path / "out.txt"
        out = run(path, "--tz", ZONE, *args, "--out", str(target))
        assert out.exit_code == 0 and f"wrote {target}" in out.stderr, out.output
    out = run(path, "--tz", ZONE, "--output", "json")
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert json.loads(out.stdout)["summary"]["files"][0]["sha256"] == digest


def test_the_scan_reads_its_thresholds_from_the_settings(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGCHECK_SCAN_MIN_CALLEES", "40")
    monkeypatch.setenv("RINGCHECK_ONE_RING_SECONDS", "3.5")
    out = run(str(demo_dir / "demo.asterisk"), "--tz", ZONE, "--output", "json")
    thresholds = json.loads(out.stdout)["summary"]["thresholds"]
    assert (thresholds["min_callees"], thresholds["short_ring"]) == (40, 3)


def test_out_dash_is_standard_output(demo_dir: Path) -> None:
    out = run(str(demo_dir / "demo.asterisk"), "--tz", ZONE, "--output", "json", "--out", "-")
    assert out.exit_code == 0 and json.loads(out.stdout)["findings"]
    assert "wrote" not in out.stderr


def test_scan_help_shows_the_scans_options() -> None:
    out = run("--help")
    assert out.exit_code == 0
    for option in ("--engine", "--tz", "--output", "--blocklist", "--fail-on", "demo --help"):
        assert option in out.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["/no/such.csv"], "no such file"),
        ([str(DATA / "Master.csv"), "--tz", "Mars/Olympus"], "not a time zone"),
        ([str(DATA / "Master.csv"), "--output", "parquet"], "needs --out"),
        ([str(DATA / "cdr-header.csv"), "--caller", "nope"], "no column"),
        ([str(DATA / "Master.csv"), "--since", "yesterday"], "not a date"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    out = run(*args)
    assert out.exit_code == 2, out.output
    assert says in out.output.lower()
    assert "Traceback" not in out.output


def test_scan_demo_writes_records_and_labels(tmp_path: Path) -> None:
    target = tmp_path / "cdr.csv"
    out = run("demo", "--rows", "5000", "--out", str(target), "--format", "freeswitch")
    assert out.exit_code == 0, out.output
    labels = json.loads(Path(f"{target}.labels.json").read_text())
    assert labels["campaigns"] and labels["negatives"]
    assert run(str(target), "--tz", ZONE, "--output", "json").exit_code == 0


def test_unreadable_records_are_named_on_stderr(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["scan", str(DATA / "Master.csv"), "--tz", ZONE])
    assert out.exit_code == 0
    assert "Master.csv line 8: the start time can't be read" in out.output
