"""The ``ringcheck`` command line: one group, commands registered here in one place.

Each command family lives in its own module and imports only ``ringcheck.cli.base`` (the
group, errors and shared options), never another family, so there are no import
cycles. Families import their heavy dependencies (uvicorn, SQLAlchemy, Polars) inside
their commands, so ``ringcheck check`` starts fast.
"""

from __future__ import annotations

from ringcheck.cli import agi, callblocker, check, reports, scan, serve, triage, watch
from ringcheck.cli.base import cli

FAMILIES = (check, serve, reports, triage, scan, agi, callblocker, watch)

for _family in FAMILIES:
    for _command in _family.COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="ringcheck")


def agi_stdio() -> None:
    """``ringcheck-agi``: plain AGI for Asterisk's ``AGI(ringcheck-agi)`` (link it into
    agi-bin); the same as ``ringcheck agi --stdio`` with the arguments given."""
    import sys

    cli.main(args=["agi", "--stdio", *sys.argv[1:]], prog_name="ringcheck-agi")


__all__ = ["agi_stdio", "cli", "main"]
