"""``ringcheck callblocker-check`` and ``callblocker install``: for pamapa/callblocker."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ringcheck.cli.base import BadInput, settings_from
from ringcheck.cli.options import config_option
from ringcheck.errors import RingcheckError


@click.command(
    "callblocker-check",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option("--number", required=True, help="The caller's number, as the daemon gives it.")
@click.option("--url", help="A ringcheck server to ask first (it falls back to this machine).")
@click.option("--debug", is_flag=True, hidden=True)  # callblocker passes it to every script
@config_option
def callblocker_check_command(
    number: str, url: str | None, debug: bool, config: str | None
) -> None:
    """Answer callblocker's online check: one JSON line, {"spam": …, "score": …, "name": …}.

    \b
    The daemon runs it for each call (see `ringcheck callblocker install`); other
    --key=value options it passes are ignored. Exit 0 with the line when it worked.
    """
    from ringcheck.phones import callblocker

    try:
        settings = settings_from(config, None)
    except RingcheckError as exc:
        raise BadInput(exc.message) from None
    click.echo(callblocker.check(number, url, settings))
    sys.stdout.flush()


@click.group("callblocker")
def callblocker_group() -> None:
    """Set up pamapa/callblocker (Raspberry Pi) to ask ringcheck about each call."""


@callblocker_group.command("install")
@click.argument("folder", type=click.Path(path_type=Path))
def install_command(folder: Path) -> None:
    """Write onlinecheck_ringcheck.py into callblocker's script FOLDER.

    \b
    The folder is where the daemon looks for onlinecheck_*.py scripts, usually
    /usr/share/callblocker. Then add {"name": "ringcheck"} (optionally with
    "url": "http://host:8000") to "online_credentials" in callblocker's settings.json
    and pick "ringcheck" as the online check.
    """
    from ringcheck.phones import callblocker

    problem = callblocker.script_folder_problem(folder)
    if problem:
        raise BadInput(problem)
    script = callblocker.install(folder)
    click.echo(f"Wrote {script}.")
    click.echo(
        f"It runs ringcheck from {sys.executable}; if that moves, it tries a python3 on the "
        "PATH, and otherwise says to run this command again."
    )
    click.echo(
        'Now add {"name": "ringcheck"} to "online_credentials" in callblocker\'s '
        "settings.json and choose ringcheck as its online check."
    )


COMMANDS = (callblocker_check_command, callblocker_group)
