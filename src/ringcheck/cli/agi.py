"""``ringcheck agi``: answer Asterisk while a call rings (FastAGI over TCP, or plain AGI)."""

from __future__ import annotations

import logging
import sys

import click

from ringcheck.cli.base import BadInput, optional_reader, optional_store, settings_from
from ringcheck.cli.options import config_option, home_option
from ringcheck.errors import RingcheckError


@click.command("agi")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=4573, show_default=True)
@click.option(
    "--stdio",
    is_flag=True,
    help="Speak plain AGI on standard input and output, for AGI(ringcheck-agi): one call.",
)
@click.option(
    "--no-name", "no_name", is_flag=True, help="Leave CALLERID(name) as it is (set variables only)."
)
@click.option(
    "--reports/--no-reports",
    default=True,
    show_default=True,
    help="Add what people reported and the live scam campaigns, from the reports "
    "database, when there is one.",
)
@home_option()
@config_option
def agi_command(
    host: str,
    port: int,
    stdio: bool,
    no_name: bool,
    reports: bool,
    home: str | None,
    config: str | None,
) -> None:
    """Check each incoming call for Asterisk and set RINGCHECK_ACTION and a caller name.

    \b
    In the dialplan (extensions.conf), before the call rings through:
      same => n,AGI(agi://127.0.0.1:4573/ringcheck,${CALLERID(num)})
      same => n,GotoIf($["${RINGCHECK_ACTION}" = "block"]?blocked)
    RINGCHECK_ACTION is block, warn, allow or unknown; RINGCHECK_LEVEL, RINGCHECK_SCORE
    (0-9) and RINGCHECK_CATEGORY are set too. See README, "Use it from your phone system".
    """
    import asyncio

    from ringcheck.phones.agi import Agi

    try:
        settings = settings_from(config, home)
    except RingcheckError as exc:
        raise BadInput(exc.message) from None
    # One call per process with --stdio: the quick reader; the server reads in threads.
    opened = optional_reader if stdio else optional_store
    with opened(settings, reports, "reports not used") as store:
        agi = Agi(
            settings,
            reports=store.community if store else None,
            campaigns=store.blocking_campaign if store else None,
            set_name=not no_name,
        )
        if stdio:
            # Asterisk reads our standard output as commands: log lines go to stderr only.
            logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
            sys.exit(agi.stdio(sys.stdin, sys.stdout))
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

        def ready() -> None:
            click.echo(f"ringcheck: FastAGI on {host}:{port}. Press Ctrl+C to stop.", err=True)

        try:
            asyncio.run(agi.serve(host, port, ready))
        except OSError as exc:
            raise BadInput(f"can't listen on {host}:{port}: {exc.strerror or exc}") from None


COMMANDS = (agi_command,)
