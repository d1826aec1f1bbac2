"""The command line is a package without import cycles: each command family imports only
the shared modules (``ringcheck.cli.base``, ``ringcheck.cli.options``), every command is
registered in ``ringcheck.cli`` alone, and a command loads only its own family."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import click

import ringcheck.cli as cli_package
from ringcheck.cli import COMMANDS, all_commands

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


SHARED = {"base", "options"}
# A family's own helper module (helper -> the one family that imports it).
PARTS = {"follow": "scan"}


def family_modules() -> list[str]:
    modules = (m.name for m in pkgutil.iter_modules([str(CLI_DIR)]))
    return sorted(name for name in modules if name not in SHARED | set(PARTS))


def test_every_command_family_imports_only_the_shared_modules_and_its_own_parts() -> None:
    shared = {f"ringcheck.cli.{module}" for module in SHARED}
    for name in family_modules():
        own = {f"ringcheck.cli.{part}" for part, family in PARTS.items() if family == name}
        assert cli_imports(CLI_DIR / f"{name}.py") <= shared | own, name
    for part in PARTS:
        assert cli_imports(CLI_DIR / f"{part}.py") <= shared, part


def test_the_shared_modules_import_no_command_family() -> None:
    assert cli_imports(CLI_DIR / "options.py") == set()
    assert cli_imports(CLI_DIR / "base.py") <= {"ringcheck.cli.options"}


def test_every_family_module_is_registered_and_every_command_comes_from_one() -> None:
    families = {where.split(":")[0] for where in COMMANDS.values()}
    assert sorted(families) == family_modules()
    for family in families:
        module = importlib.import_module(f"ringcheck.cli.{family}")
        for command in module.COMMANDS:
            assert isinstance(command, click.Command)
            assert COMMANDS[command.name or ""].split(":")[0] == family, command.name
    assert sorted(all_commands()) == sorted(COMMANDS)


def test_a_check_loads_only_its_own_family_and_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from ringcheck.cli import main\n"
        "try:\n    main(['check', '+447400123456', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stderr.split())
    families = {f"ringcheck.cli.{name}" for name in family_modules()} - {"ringcheck.cli.check"}
    assert not loaded & families
    assert not {"polars", "sqlalchemy", "uvicorn", "fastapi", "jinja2", "pyspark"} & loaded


def _options(command: click.Command, prefix: str = "") -> dict[str, dict[str, click.Parameter]]:
    """Every (sub)command's path -> its options by name."""
    found = {prefix: {p.opts[0]: p for p in command.params if p.opts}}
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found |= _options(sub, f"{prefix} {name}")
    return found


def test_a_shared_option_reads_the_same_on_every_command() -> None:
    # One declaration each (ringcheck.cli.options): the same help, type and choices.
    every = {
        path: options
        for name, command in all_commands().items()
        for path, options in _options(command, name).items()
        if path != "scan demo"  # its --out is the records it writes, not a report
    }
    for option in ("--config", "--fail-on", "--level", "--blocklist", "--out", "--json"):
        found = [o[option] for o in every.values() if option in o]
        assert len(found) >= 2, option
        assert len({repr(p.type.to_info_dict()) for p in found}) == 1, option
        if option in ("--config", "--blocklist", "--out"):
            assert len({getattr(p, "help", None) for p in found}) == 1, option
    homes = {
        path: options["--home"].help
        for path, options in every.items()
        if "--home" in options
        and path != "devices add"  # the device's country, not yours
        and not path.startswith("watch")  # the FRITZ!Box watcher: the phones engineer's
    }
    assert len(set(homes.values())) == 1, homes
    assert {"check", "triage", "scan files", "agi"} <= set(homes)
