"""`ringcheck triage`, run through click's runner as a user would type it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringcheck.cli import cli

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def triage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "none.toml"))
    for name in ("RINGCHECK_HOME", "RINGCHECK_HIGH_RISK", "RINGCHECK_TRUSTED"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str, stdin: bytes | None = None):
        return CliRunner().invoke(cli, ["triage", *args], input=stdin)

    return invoke


def test_table_shows_the_summary_and_the_worst_number_first(triage):
    result = triage(str(DATA / "generic.csv"))
    assert result.exit_code == 0
    assert "look like scams" in result.output
    assert result.output.index("Very high") < result.output.index("Low risk")


def test_json_output_from_standard_input(triage):
    result = triage("-", "--output", "json", stdin=(DATA / "generic.csv").read_bytes())
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["summary"]["format"] == "csv"


def test_html_report_written_to_a_file(triage, tmp_path):
    out = tmp_path / "report.html"
    result = triage(str(DATA / "android_calls.xml"), "--output", "html", "--out", str(out))
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_vcard_block_list_keeps_crlf_in_the_file(triage, tmp_path):
    out = tmp_path / "scam.vcf"
    result = triage(str(DATA / "generic.csv"), "--blocklist", "vcard", "--out", str(out))
    assert result.exit_code == 0
    assert out.read_bytes().count(b"\r\n") >= 5


def test_a_spamblocker_list_reads_numbers_as_the_phone_shows_them(triage):
    result = triage(str(DATA / "generic.csv"), "--blocklist", "spamblocker")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "pattern,description"
    assert '18768123456,"SPAM Wangiri (very high risk, Jamaica)"' in lines
    assert '9061234567,"SPAM Premium (very high risk, United Kingdom)"' in lines  # as 09…


def test_format_and_home_can_be_given(triage):
    result = triage(
        str(DATA / "fritzbox_tab.txt"), "--format", "fritzbox", "--home", "DE", "--output", "csv"
    )
    assert result.exit_code == 0 and "+4923198765432" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("missing.csv",), "can't read missing.csv"),
        ((str(DATA / "generic.csv"), "--tz", "Mars/Base"), "is not a time zone"),
        ((str(DATA / "generic.csv"), "--number-column", "nope"), "no column called 'nope'"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(triage, args, words):
    result = triage(*args)
    assert result.exit_code == 2
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_picture_given_as_a_log_is_one_line_exit_2(triage, tmp_path):
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    result = triage(str(picture))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"ringcheck: {picture}: This file is a PNG image, not a call log. Export your call log "
        "as a CSV file, a FRITZ!Box call list, or an SMS Backup & Restore calls.xml, and try again."
    )


def test_a_caller_in_a_live_campaign_gets_the_reason_check_gives(triage, tmp_path):
    from campaign_support import publish
    from ringcheck.settings import load_settings

    log = tmp_path / "calls.csv"
    log.write_text("number,time,status\n+33612345677,2026-12-07 10:00,missed\n")

    def triaged() -> dict[str, object]:
        result = triage(str(log), "--output", "json")
        assert result.exit_code == 0, result.output
        (number,) = json.loads(result.stdout)["numbers"]
        return number

    before = triaged()  # no database: the number alone, and no database made
    assert "live_campaign" not in [r["code"] for r in before["verdict"]["reasons"]]
    assert not list(tmp_path.rglob("*.db"))
    publish(load_settings())
    during = triaged()
    checked = json.loads(
        CliRunner().invoke(cli, ["check", "--json", "--reports", "+33612345677"]).stdout
    )["verdict"]
    (live,) = [r for r in during["verdict"]["reasons"] if r["code"] == "live_campaign"]
    assert live == next(r for r in checked["reasons"] if r["code"] == "live_campaign")
    assert during["verdict"]["level"] == checked["level"] == "very_high"
    assert during["category"] == "wangiri"


def test_an_unusable_database_costs_triage_a_warning_not_the_triage(triage, monkeypatch):
    monkeypatch.setenv("RINGCHECK_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    result = triage(str(DATA / "generic.csv"), "--output", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["numbers"]
    assert "live campaigns not used" in result.stderr
