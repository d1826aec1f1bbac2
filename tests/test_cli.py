"""The command line, run through click's runner as a user would type it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringcheck.cli import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `ringcheck ARGS…` with no user config and a clean environment."""
    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "none.toml"))
    for name in ("RINGCHECK_HOME", "RINGCHECK_HIGH_RISK", "RINGCHECK_TRUSTED"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str, stdin: str | None = None):
        return CliRunner().invoke(cli, list(args), input=stdin)

    return invoke


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_human_output_shows_level_headline_country_cost_reasons_and_numbered_advice(run):
    result = run("check", "+234 803 123 4567")
    assert result.exit_code == 0
    out = result.output
    assert "VERY HIGH RISK" in out or "HIGH RISK" in out
    assert "Nigeria" in out and "\U0001f1f3\U0001f1ec" in out  # name and flag
    assert "Line:" in out and "mobile" in out
    assert "Call back:" in out
    assert "Why:" in out and "What to do:" in out
    assert "1. Don't call this number back." in out


def test_json_prints_one_contract_object_per_number_in_order(run):
    numbers = ["+1 876 812 3456", "020 7123 4567", "0906 123 4567"]
    result = run("check", *numbers, "--json")
    assert result.exit_code == 0
    objects = lines(result.output)
    assert [o["input"] for o in objects] == numbers
    assert [o["number"]["e164"] for o in objects] == [
        "+18768123456",
        "+442071234567",
        "+449061234567",
    ]
    assert set(objects[0]) >= {"input", "number", "verdict", "context", "data_version"}


def test_context_options_reach_the_verdict(run):
    result = run("check", "+33 6 12 34 56 78", "--claimed", "HMRC", "--recorded-message", "--json")
    verdict = lines(result.output)[0]["verdict"]
    codes = {r["code"] for r in verdict["reasons"]}
    assert {"claimed_uk_organisation_from_abroad", "recorded_press_button"} <= codes
    assert verdict["level"] == "very_high"
    assert "dont_press_buttons" in {a["code"] for a in verdict["advice"]}


def test_rang_voicemail_expected_options(run):
    one_ring = lines(run("check", "+225 07 1234 5678", "--rang", "2", "--json").output)[0]
    assert "one_ring" in {r["code"] for r in one_ring["verdict"]["reasons"]}
    assert one_ring["context"]["rang_seconds"] == 2
    expected = run("check", "+33612345678", "--expected", "--voicemail", "--json").output
    verdict = lines(expected)[0]["verdict"]
    assert verdict["level"] in ("low", "caution")
    assert {"expected_contact", "voicemail_left"} <= {r["code"] for r in verdict["reasons"]}


def test_call_log_options_add_call_log_reasons(run):
    result = run(
        "check", "+2348031234567", "--times", "4", "--similar", "2", "--at", "02:15", "--json"
    )
    codes = {r["code"] for r in lines(result.output)[0]["verdict"]["reasons"]}
    assert {"repeated_attempts", "rotating_numbers", "odd_hours"} <= codes


def test_home_us_reads_011_as_international_prefix(run):
    result = run("check", "011 44 20 7123 4567", "--home", "US", "--json")
    number = lines(result.output)[0]["number"]
    assert number["e164"] == "+442071234567"
    assert number["written_as"] == "idd"
    assert number["domestic"] is False


def test_dash_reads_numbers_from_stdin_as_json_lines_without_progress_bar(run):
    result = run("check", "-", "--json", stdin="+44 7400 123456\n\n0871 123 4567\n")
    assert result.exit_code == 0
    objects = lines(result.output)
    assert [o["number"]["e164"] for o in objects] == ["+447400123456", "+448711234567"]
    assert "numbers checked" not in result.output


def test_fail_on_exits_1_when_a_verdict_reaches_the_level(run):
    assert run("check", "0906 123 4567", "--fail-on", "high").exit_code == 1
    assert run("check", "020 7123 4567", "--fail-on", "high").exit_code == 0
    assert run("check", "020 7123 4567", "0906 123 4567", "--fail-on", "very_high").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("check", "hello"),
        ("check", ""),
        ("check", "+44"),
        ("check", "9" * 300),
        ("check", "<script>alert(1)</script>"),
        ("check",),
        ("check", "+447400123456", "--home", "XX"),
        ("check", "+447400123456", "--rang", "-1"),
        ("check", "+447400123456", "--at", "25:61"),
        ("check", "+447400123456", "--fail-on", "extreme"),
        ("check", "--no-such-option"),
        ("no-such-command",),
        ("codes", "no country is called this"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(run, args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("ringcheck: ")
    assert len(message.splitlines()) == 1
    assert "Traceback" not in result.output + result.stderr


def test_bad_number_among_good_ones_keeps_its_place_in_json_and_exits_2(run):
    result = run("check", "+447400123456", "hello", "0906 123 4567", "--json")
    assert result.exit_code == 2
    objects = lines(result.stdout)
    assert objects[1] == {
        "input": "hello",
        "error": {"code": "no_number", "message": objects[1]["error"]["message"]},
    }
    assert objects[2]["number"]["e164"] == "+449061234567"
    assert "'hello'" in result.stderr


def test_withheld_is_a_result_not_an_error(run):
    result = run("check", "No Caller ID", "--json")
    assert result.exit_code == 0
    assert "withheld" in {r["code"] for r in lines(result.output)[0]["verdict"]["reasons"]}


def test_codes_searches_by_name_and_by_code(run):
    by_name = run("codes", "jamaica")
    assert by_name.exit_code == 0
    assert "+1 876" in by_name.output
    by_code = run("codes", "+44")
    assert "United Kingdom" in by_code.output and "Guernsey" in by_code.output
    everything = run("codes", "--json")
    rows = lines(everything.output)
    assert len(rows) > 200
    assert {"code", "places", "high_risk"} <= set(rows[0])


def test_data_prints_version_and_sources(run):
    result = run("data")
    assert result.exit_code == 0
    assert "2026." in result.output
    assert "Ofcom" in result.output and "high_risk.csv" in result.output
    payload = json.loads(run("data", "--json").output)
    assert payload["data_version"] and payload["tables"]


def test_config_file_adds_high_risk_codes_and_trusted_numbers(run, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('high_risk = ["+996"]\ntrusted = ["+33 6 12 34 56 78"]\n')
    risky = run("check", "+996 555 123 456", "--json", "--config", str(config))
    codes = {r["code"] for r in lines(risky.output)[0]["verdict"]["reasons"]}
    assert "high_risk_destination" in codes
    trusted = lines(run("check", "+33612345678", "--json", "--config", str(config)).output)[0]
    assert "trusted_number" in {r["code"] for r in trusted["verdict"]["reasons"]}
    assert trusted["verdict"]["level"] == "low"


def test_config_from_environment_variable_and_bad_config_is_one_line_error(run, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("one_ring_seconds = 'soon'\n")
    result = run("check", "+447400123456", "--config", str(bad))
    assert result.exit_code == 2
    assert "one_ring_seconds" in result.stderr and len(result.stderr.splitlines()) == 1
    broken = tmp_path / "broken.toml"
    broken.write_text("this is not toml [")
    assert run("check", "+447400123456", "--config", str(broken)).exit_code == 2


def test_environment_setting_changes_one_ring_threshold(run, monkeypatch):
    monkeypatch.setenv("RINGCHECK_ONE_RING_SECONDS", "10")
    result = run("check", "+2250712345678", "--rang", "8", "--json")
    assert "one_ring" in {r["code"] for r in lines(result.output)[0]["verdict"]["reasons"]}


def test_config_command_shows_path_and_every_setting(run):
    result = run("config")
    assert result.exit_code == 0
    for name in ("home", "one_ring_seconds", "high_risk", "trusted", "RINGCHECK_HOME"):
        assert name in result.output


def test_help_lists_commands(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("check", "codes", "data", "config"):
        assert command in result.output


def test_installed_command_gives_one_line_error_and_stops_quietly_on_closed_pipe():
    import subprocess
    import sys

    bad = subprocess.run(
        [sys.executable, "-m", "ringcheck", "check", "hello"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    numbers = "+2348031234567\n" * 2000  # fits in the pipe buffer: no deadlock
    proc = subprocess.Popen(
        [sys.executable, "-m", "ringcheck", "check", "-", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write(numbers.encode())
    proc.stdin.close()
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()
