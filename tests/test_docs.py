"""The README documents every setting and every command a user can reach."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringcheck.cli import all_commands
from ringcheck.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_and_its_environment_variable_is_in_the_readme(setting):
    assert f"`{setting.name}`" in README
    assert setting.env in README


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_readme_gives_each_default_as_declared(setting):
    # A default the README spells out (not "none" or a sentence) is the declared one.
    row = next(line for line in README.splitlines() if line.startswith(f"| `{setting.name}` |"))
    written = row.split("|")[2].strip()
    if written.startswith("`"):
        default = setting.default
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        assert written == f"`{shown}`"


@pytest.mark.parametrize("command", sorted(all_commands()))
def test_every_command_is_in_the_readme(command):
    assert f"ringcheck {command}" in README


@pytest.mark.parametrize(
    "option", sorted(p.opts[0] for p in all_commands()["check"].params if p.opts)
)
def test_every_check_option_is_in_the_readme(option):
    if option.startswith("--"):
        assert option in README


def test_readme_shows_the_two_commands_first():
    assert README.index("make run") < README.index("## Examples")
    assert "make test" in README


def test_every_reason_code_and_cost_band_is_in_the_readme():
    from ringcheck import tables

    data = tables()
    for code in data.points:
        assert f"`{code}`" in README, code
    for band in data.wording.cost:
        assert f"`{band}`" in README, band


def _paths(routes: list[object]) -> set[str]:
    found = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found |= _paths(inner.routes)
        elif hasattr(route, "path"):
            found.add(route.path)
    return found


def _endpoints() -> list[str]:
    from ringcheck.web.app import ROUTES  # every router the app includes, one per area

    return sorted(set().union(*(_paths(m.router.routes) for m in ROUTES)))


@pytest.mark.parametrize("path", _endpoints())
def test_every_endpoint_is_in_the_readme(path):
    # A path with parameters is documented by its fixed start (/api/v1/lookup/…).
    assert path.split("{")[0] in README
