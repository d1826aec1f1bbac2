"""`ringcheck check --reports` shows what people reported; a plain check stays fast and
loads no database code, even when a reports database exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringcheck.cli import cli

NUMBER = "+225 07 1234 5678"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "none.toml"))

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args))

    return invoke


def test_without_a_database_check_has_no_community_block_and_makes_no_database(run, tmp_path):
    result = run("check", "--json", "--reports", NUMBER)
    assert result.exit_code == 0
    assert "community" not in json.loads(result.output)
    assert not list(tmp_path.rglob("*.db"))


def test_after_a_report_check_shows_it(run):
    assert run("report", NUMBER, "--category", "one_ring_callback").exit_code == 0
    body = json.loads(run("check", "--json", "--reports", NUMBER).output)
    assert body["community"]["total"] == 1
    assert "community_reports" in {r["code"] for r in body["verdict"]["reasons"]}
    human = run("check", "--reports", NUMBER).output
    assert "1 person reported it" in human
    assert "Other ringcheck users reported this number" in human


def test_a_number_in_a_live_campaign_shows_it_with_its_evidence(run):
    from campaign_support import publish
    from ringcheck.settings import load_settings

    publish(load_settings())
    body = json.loads(run("check", "--json", "--reports", "+33 6 12 34 56 77").output)
    (reason,) = [r for r in body["verdict"]["reasons"] if r["code"] == "live_campaign"]
    assert "numbers starting +336123456 rang 412 people" in reason["text"]
    assert body["verdict"]["level"] == "very_high"
    plain = json.loads(run("check", "--json", "+33 6 12 34 56 77").output)
    assert plain["verdict"]["level"] == "high"  # without --reports: the number alone


def test_without_the_flag_check_skips_the_database(run):
    run("report", NUMBER, "--category", "one_ring_callback")
    body = json.loads(run("check", "--json", NUMBER).output)
    assert "community" not in body


def test_an_unusable_database_costs_a_warning_not_the_check(run, monkeypatch, tmp_path):
    monkeypatch.setenv("RINGCHECK_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    result = run("check", "--json", "--reports", NUMBER)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["verdict"]["level"] == "very_high"
    assert "reports not shown" in result.stderr


def test_a_plain_check_loads_no_database_code_even_with_a_database(tmp_path, run):
    run("report", NUMBER, "--category", "silent")
    code = (
        "import sys; from ringcheck.cli import main\n"
        "try:\n    main(['check', '--json', '+447400123456'])\nexcept SystemExit:\n    pass\n"
        "print('sqlalchemy' in sys.modules, file=sys.stderr)"
    )
    env = {"XDG_DATA_HOME": os.environ["XDG_DATA_HOME"], "RINGCHECK_CONFIG": "none.toml"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stderr.strip().endswith("False")


def test_check_reports_reads_the_default_database_without_sqlalchemy(tmp_path, run):
    run("report", NUMBER, "--category", "one_ring_callback")
    code = (
        "import sys; from ringcheck.cli import main\n"
        "try:\n    main(['check', '--json', '--reports', '+2250712345678'])\n"
        "except SystemExit:\n    pass\n"
        "print('sqlalchemy' in sys.modules, file=sys.stderr)"
    )
    env = {**os.environ, "RINGCHECK_CONFIG": "none.toml"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout)["community"]["total"] == 1
    assert done.stderr.strip().endswith("False")
