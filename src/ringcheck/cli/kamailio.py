"""``ringcheck kamailio push``: keep Kamailio's ``verdicts`` table (contrib/kamailio,
``-A PUSH``) equal to what ringcheck blocks now (``ringcheck.phones.kamailio``).

A command of its own rather than a part of ``serve``: it reads the same reports
database, so it works beside any number of ``serve`` workers (each would push the same
table), beside ``scan --follow --publish`` or with no server at all, and one pusher can
run per proxy, next to it.
"""

from __future__ import annotations

import re
import time

import click

from ringcheck.cli.base import BadInput, opened_store
from ringcheck.cli.options import database_options
from ringcheck.errors import RingcheckError


def seconds(_ctx: click.Context, param: click.Parameter, value: str) -> float:
    """'1s', '0.5s', '500ms', '2m' or a bare number of seconds.

    >>> seconds(None, None, "500ms"), seconds(None, None, "2")  # type: ignore[arg-type]
    (0.5, 2.0)
    """
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", value.lower())
    if not found or float(found[1]) == 0:
        raise click.BadParameter(
            f"'{value}' is not a length of time; write it like 1s, 500ms or 2m.", param=param
        )
    return float(found[1]) * {"ms": 0.001, "s": 1.0, "m": 60.0}[found[2] or "s"]


@click.group("kamailio")
def kamailio_group() -> None:
    """Work with a Kamailio proxy running contrib/kamailio/ringcheck.cfg."""


@kamailio_group.command("push")
@click.option(
    "--url",
    default="http://127.0.0.1:5071/RPC",
    show_default=True,
    help="Kamailio's JSON-RPC address (its PUSH_LISTEN, path /RPC).",
)
@click.option(
    "--every",
    default="1s",
    show_default=True,
    callback=seconds,
    help="How often to look for new or ended campaigns.",
)
@click.option(
    "--list-every",
    default="60s",
    show_default=True,
    callback=seconds,
    help="How often to read the block list's numbers and ranges again.",
)
@click.option("--once", is_flag=True, help="Push once and stop.")
@database_options
def push_command(
    url: str,
    every: float,
    list_every: float,
    once: bool,
    database: str | None,
    config: str | None,
) -> None:
    """Push the numbers and ranges ringcheck blocks into Kamailio, and keep them fresh.

    \b
    For Kamailio running contrib/kamailio/ringcheck.cfg (its default mode, or -A PUSH).
    Live campaigns (from the reports database) reach it within --every; the block list
    (numbers many people reported, the costly call-back ranges) and the answer for every
    reported number within --list-every; a released or ended campaign leaves it.
    If Kamailio restarts, everything is pushed again. Stop with Ctrl+C.
    """
    from ringcheck.phones.kamailio import ANSWERS, Pusher, PushError, Source

    with opened_store(config, database) as store:
        try:
            pusher = Pusher(url)
            answering = Pusher(url, table=ANSWERS)
        except RingcheckError as exc:
            raise BadInput(exc.message) from None
        source = Source(store.settings, store, list_seconds=list_every)
        if not once:
            click.echo(
                f"ringcheck: pushing to {url} every {every:g} s. Stop with Ctrl+C.", err=True
            )
        failing = False
        try:
            while True:
                started = time.monotonic()
                try:
                    done = pusher.sync(source.current())
                    told = answering.sync(source.answers())
                except PushError as exc:
                    if once:
                        raise BadInput(exc.message) from None
                    if not failing:
                        click.echo(f"ringcheck: {exc.message}; trying again.", err=True)
                    failing = True
                else:
                    if failing or done.whole or done.set or done.deleted or told.set:
                        click.echo(
                            f"ringcheck: {len(pusher.pushed)} blocked in Kamailio "
                            f"({done.set} set, {done.deleted} removed); answers for "
                            f"{len(answering.pushed)} reported numbers.",
                            err=True,
                        )
                    failing = False
                if once:
                    return
                time.sleep(max(0.0, every - (time.monotonic() - started)))
        except KeyboardInterrupt:
            pass
        finally:
            pusher.close()
            answering.close()


@kamailio_group.command("site")
def site_command() -> None:
    """Print where this ringcheck's Python packages are, for RINGCHECK_SITE.

    \b
    Kamailio's Python (app_python3, the default mode of contrib/kamailio/ringcheck.cfg)
    finds ringcheck there:
      RINGCHECK_SITE="$(ringcheck kamailio site)" kamailio -DD -E -f ringcheck.cfg …
    Kamailio's Python must be the same version as this one.
    """
    import os
    import sys
    import sysconfig

    folders = dict.fromkeys((sysconfig.get_path("purelib"), sysconfig.get_path("platlib")))
    click.echo(os.pathsep.join(folders))
    click.echo(
        f"ringcheck: these are for Python {sys.version_info[0]}.{sys.version_info[1]}; "
        "Kamailio's python3 must be the same version.",
        err=True,
    )


COMMANDS = (kamailio_group,)
