"""The report, reports, moderate, export, import and db commands, run as a user types
them, on both engines (--database), plus their one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringcheck.cli import cli


@pytest.fixture
def run(db_url: str):
    def invoke(*args: str):
        return CliRunner().invoke(cli, [*args, "--database", db_url])

    return invoke


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ringcheck: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_report_takes_a_number_written_any_way_and_confirms(run):
    result = run("report", "020 7946 0000", "--category", "one_ring_callback", "--rang", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Reported +442079460000 as one_ring_callback (report 1).\n"
    again = run("report", "+44 20 7946 0000", "--category", "silent", "--comment", "again")
    assert "Updated your report on +442079460000" in again.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("report", "+44", "--category", "silent"),
        ("report", "hello", "--category", "silent"),
        ("report", "Withheld", "--category", "silent"),
        ("report", "+447700900123", "--category", "silent"),
        ("report", "020 7946 0000", "--category", "scam"),
        ("report", "020 7946 0000"),
        ("report", "020 7946 0000", "--category", "silent", "--rang", "-1"),
        ("report", "020 7946 0000", "--category", "silent", "--comment", "x" * 600),
        ("report", "020 7946 0000", "--category", "silent", "--claimed", "HMRC"),
        ("reports", "nonsense"),
        ("moderate", "hide", "5", "--reason", "spam"),
        ("moderate", "hide", "5"),
        ("import", "/nonexistent/file.jsonl"),
        ("import", "/nonexistent/file.txt"),
        ("db", "purge", "--older-than", "0"),
    ],
)
def test_mistakes_give_one_line_and_exit_2(run, args):
    one_line_error(run(*args))


def test_reports_shows_the_summary_and_the_reports(run):
    run("report", "02079460000", "--category", "impersonation", "--claimed", "HMRC")
    run("report", "02079460001", "--category", "silent", "--comment", "call 07700 900123")
    result = run("reports", "020 7946 0000")
    assert result.exit_code == 0, result.output
    assert "+442079460000: 1 report from 1 person" in result.stdout
    assert "impersonation (said they were HMRC)" in result.stdout
    assert "last 1 digit: 1 number, 1 report" in result.stdout
    nobody = run("reports", "+2348031234567")
    assert "nobody has reported" in nobody.stdout


def test_reports_json_has_the_community_block_and_a_page(run):
    run("report", "02079460000", "--category", "silent", "--comment", "mail a@b.com")
    data = json.loads(run("reports", "02079460000", "--json").stdout)
    assert data["number"] == "+442079460000"
    assert data["community"]["total"] == 1
    assert data["reports"]["items"][0]["comment"] == "mail [email removed]"
    assert data["reports"]["pages"] == 1


def test_moderate_hide_unhide_list_and_log(run):
    run("report", "02079460000", "--category", "sales")
    hidden = run("moderate", "hide", "1", "--reason", "abusive", "--as", "ann")
    assert hidden.stdout == "Report 1 on +442079460000 is hidden.\n"
    assert "[hidden]" in run("moderate", "list", "--hidden").stdout
    assert "+442079460000" in run("moderate", "list").stdout
    run("moderate", "unhide", "1", "--reason", "fine after all", "--as", "bob")
    log = run("moderate", "log").stdout.splitlines()
    assert "bob unhide report 1: fine after all" in log[0]
    assert "ann hide report 1: abusive" in log[1]
    entries = [json.loads(line) for line in run("moderate", "log", "--json").stdout.splitlines()]
    assert [e["action"] for e in entries] == ["unhide", "hide"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_to_a_file_and_import_it_elsewhere(run, tmp_path: Path, fmt):
    run("report", "02079460000", "--category", "silent", "--comment", 'a, "b"\nc')
    run("report", "02079460001", "--category", "sales")
    out = tmp_path / f"reports.{fmt}"
    exported = run("export", "--format", fmt, "--output", str(out))
    assert exported.exit_code == 0 and "exported 2 reports" in exported.stderr
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = CliRunner().invoke(cli, ["import", str(out), "--database", other])
    assert result.stdout == "Added 2, updated 0, skipped 0; 0 lines left out.\n"
    again = CliRunner().invoke(cli, ["export", "--format", fmt, "--database", other])
    assert again.stdout == out.read_text(encoding="utf-8")


def test_export_goes_to_standard_output_by_default(run):
    run("report", "02079460000", "--category", "silent")
    lines = run("export").stdout.splitlines()
    assert json.loads(lines[0])["e164"] == "+442079460000"


def test_import_lists_bad_lines_and_fails_only_when_nothing_was_usable(run, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n{}\n", encoding="utf-8")
    result = run("import", str(bad))
    assert result.exit_code == 2
    assert "line 1:" in result.stderr and "line 2:" in result.stderr
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    one_line_error(run("import", str(binary)))


def test_db_status_upgrade_purge_and_backup(run, db_url: str, tmp_path: Path):
    assert "Revision: none (this ringcheck: 0004), empty" in run("db", "status").stdout
    assert "from revision none to 0004" in run("db", "upgrade").stdout
    assert "Revision: 0004 (this ringcheck: 0004), up to date." in run("db", "status").stdout
    assert "up to date (revision 0004)" in run("db", "upgrade").stdout
    run("report", "02079460000", "--category", "silent", "--comment", "hello")
    assert "Removed the comments of 0 reports older than 365 days." in run("db", "purge").stdout
    backup = run("db", "backup", str(tmp_path / "backup.db"))
    if db_url.startswith("sqlite"):
        assert backup.exit_code == 0 and (tmp_path / "backup.db").is_file()
    else:
        assert "pg_dump" in one_line_error(backup)


def test_a_bad_database_url_is_one_line(tmp_path: Path):
    result = CliRunner().invoke(cli, ["db", "status", "--database", "mysql://x@y/z"])
    assert result.exit_code == 2 and "Can't use the database" in result.stderr


def test_reading_the_database_url_from_the_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("RINGCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    result = CliRunner().invoke(cli, ["report", "02079460000", "--category", "silent"])
    assert result.exit_code == 0
    assert (tmp_path / "env.db").is_file()


def test_devices_add_list_and_revoke(run, db_url: str):
    import json

    from ringcheck.settings import Settings
    from ringcheck.store import Store

    added = run("devices", "add", "Kitchen FRITZ!Box", "--home", "de", "--json")
    assert added.exit_code == 0, added.output
    made = json.loads(added.stdout)
    assert set(made) == {"username", "password", "url"} and made["url"].endswith("/carddav/")
    assert made["username"].startswith("rc-") and " " not in made["password"]
    with Store.open(Settings(database_url=db_url)) as store:
        assert store.device(made["username"], made["password"]).home == "DE"
        assert store.device(made["username"], "wrong") is None
    listed = run("devices", "list")
    assert "Kitchen FRITZ!Box  DE high 2000  active" in listed.stdout
    assert "Password" not in listed.stdout and made["password"] not in listed.stdout
    assert run("devices", "revoke", made["username"]).exit_code == 0
    assert "revoked" in run("devices", "list").stdout
    gone = run("devices", "revoke", made["username"])
    assert gone.exit_code == 2 and "No active device" in one_line_error(gone)
    assert run("devices", "add", "x", "--home", "ZZ").exit_code == 2
    with Store.open(Settings(database_url=db_url)) as store:
        assert store.device(made["username"], made["password"]) is None
