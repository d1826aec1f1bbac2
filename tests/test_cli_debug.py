"""A bug of ours: one line that says how to see more; --debug or RINGCHECK_DEBUG shows where."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from ringcheck.cli import cli


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A command that fails the way a bug would, registered for one test."""
    monkeypatch.delenv("RINGCHECK_DEBUG", raising=False)

    @click.command("explode")
    def explode() -> None:
        raise ValueError("bad state\nsecond line \x1b[31m")

    cli.add_command(explode)
    yield "explode"
    cli.commands.pop("explode", None)


def test_internal_error_is_one_line_that_names_the_error_and_how_to_see_more(broken):
    result = CliRunner().invoke(cli, [broken])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert "ValueError: bad state second line" in line
    assert "\x1b" not in line
    assert "--debug" in line and "RINGCHECK_DEBUG=1" in line


def test_debug_option_prints_the_traceback(broken):
    result = CliRunner().invoke(cli, ["--debug", broken])
    assert result.exit_code == 3
    assert "Traceback" in result.output and "raise ValueError" in result.output


def test_debug_setting_prints_the_traceback(broken, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RINGCHECK_DEBUG", "1")
    result = CliRunner().invoke(cli, [broken])
    assert result.exit_code == 3
    assert "Traceback" in result.output
