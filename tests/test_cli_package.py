"""The command line is a package without import cycles: each command family imports only
``ringcheck.cli.base``, and every command is registered in ``ringcheck.cli`` alone."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import click

import ringcheck.cli as cli_package
from ringcheck.cli import FAMILIES, cli

CLI_DIR = Path(cli_package.__file__).parent


def cli_imports(path: Path) -> set[str]:
    """The ``ringcheck.cli...`` modules a file imports (at any depth in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "ringcheck.cli":
                found |= {f"ringcheck.cli.{alias.name}" for alias in node.names}
            elif node.module.startswith("ringcheck.cli."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ringcheck.cli")}
    return found


def family_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(CLI_DIR)]) if m.name != "base")


def test_every_command_family_imports_only_the_shared_base_module() -> None:
    for name in family_modules():
        assert cli_imports(CLI_DIR / f"{name}.py") <= {"ringcheck.cli.base"}, name


def test_the_shared_base_module_imports_no_command_family() -> None:
    assert cli_imports(CLI_DIR / "base.py") == set()


def test_every_family_module_is_registered_and_every_command_comes_from_one() -> None:
    assert sorted(f.__name__.rsplit(".", 1)[1] for f in FAMILIES) == family_modules()
    registered = [command for family in FAMILIES for command in family.COMMANDS]
    assert all(isinstance(c, click.Command) for c in registered)
    assert sorted(c.name or "" for c in registered) == sorted(cli.commands)
