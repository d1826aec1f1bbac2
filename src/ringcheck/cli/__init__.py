"""The ``ringcheck`` command line: one group, commands registered here in one place.

Each command family lives in its own module and imports only ``ringcheck.cli.base`` (the
group, errors and shared options), never another family, so there are no import
cycles. Families are imported when one of their commands runs (click's lazy-group
pattern), and import their heavy dependencies (uvicorn, SQLAlchemy, Polars) inside their
commands, so ``ringcheck check`` starts fast.
"""

from __future__ import annotations

import click

from ringcheck.cli.base import cli

# Every command: its name and where it lives ("family module:attribute").
COMMANDS: dict[str, str] = {
    "check": "check:check_command",
    "codes": "check:codes_command",
    "data": "check:data_command",
    "config": "check:config_command",
    "serve": "serve:serve_command",
    "report": "reports:report_command",
    "reports": "reports:reports_command",
    "devices": "devices:devices_group",
    "moderate": "reports:moderate_group",
    "export": "reports:export_command",
    "import": "reports:import_command",
    "db": "reports:db_group",
    "triage": "triage:triage_command",
    "scan": "scan:scan_group",
    "agi": "agi:agi_command",
    "callblocker-check": "callblocker:callblocker_check_command",
    "callblocker": "callblocker:callblocker_group",
    "watch": "watch:watch_group",
}
cli.lazy.update(COMMANDS)


def all_commands() -> dict[str, click.Command]:
    """Every command, loaded (for docs and tests; a run loads only the one it needs)."""
    with click.Context(cli) as ctx:
        return {
            name: command
            for name in cli.list_commands(ctx)
            if (command := cli.get_command(ctx, name))
        }


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="ringcheck")


def agi_stdio() -> None:
    """``ringcheck-agi``: plain AGI for Asterisk's ``AGI(ringcheck-agi)`` (link it into
    agi-bin); the same as ``ringcheck agi --stdio`` with the arguments given."""
    import sys

    cli.main(args=["agi", "--stdio", *sys.argv[1:]], prog_name="ringcheck-agi")


__all__ = ["COMMANDS", "agi_stdio", "all_commands", "cli", "main"]
