"""``ringcheck watch fritzbox``: warn as a call rings, from the FRITZ!Box call monitor."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from ringcheck.cli.base import BadInput, optional_store, settings_from
from ringcheck.cli.options import config_option
from ringcheck.errors import RingcheckError


@click.group("watch")
def watch_group() -> None:
    """Watch calls as they ring, and warn about scam callers."""


@watch_group.command("fritzbox")
@click.option("--host", default="fritz.box", show_default=True, help="The box's address.")
@click.option("--port", type=click.IntRange(1, 65535), default=1012, show_default=True)
@click.option("--home", help="Your country, as two letters (DE, AT, GB…). [default: GB]")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per call event.")
@click.option(
    "--notify",
    metavar="CMD",
    help="Run CMD for each worrying call, and when someone calls back a number that rang "
    "and was flagged (RINGCHECK_EVENT=callback), with RINGCHECK_ACTION, RINGCHECK_NUMBER, "
    "RINGCHECK_LABEL… in its environment.",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the call log here (CSV that 'ringcheck triage' reads). "
    "[default: ~/.local/share/ringcheck/fritzbox-calls.csv]",
)
@click.option("--no-log", is_flag=True, help="Keep no call log.")
@click.option(
    "--block",
    is_flag=True,
    help="Add very-high-risk callers to the box's call barring list (TR-064; user and "
    "password from FRITZ_USERNAME and FRITZ_PASSWORD), so their next call never rings.",
)
@click.option(
    "--tr064-port", type=click.IntRange(1, 65535), default=49000, show_default=True, hidden=True
)
@config_option
def fritzbox_command(
    host: str,
    port: int,
    home: str | None,
    as_json: bool,
    notify: str | None,
    log_path: Path | None,
    no_log: bool,
    block: bool,
    tr064_port: int,
    config: str | None,
) -> None:
    """Warn while a call rings, from a FRITZ!Box's call monitor.

    \b
    Switch the call monitor on first: dial #96*5* on a phone connected to the box
    (#96*4* switches it off). ringcheck reconnects when the box restarts.
    """
    import asyncio

    from ringcheck.phones.fritzbox import callmonitor

    try:
        settings = settings_from(config, home)
    except RingcheckError as exc:
        raise BadInput(exc.message) from None
    calllog = (
        None if no_log else callmonitor.CallLogFile(log_path or callmonitor.default_log_path())
    )

    bar = _barring(host, tr064_port, _say) if block else None
    run_notify = _notifier(notify) if notify else None
    watcher = callmonitor.Watcher(settings, _emitter(as_json), calllog, run_notify, bar)
    if calllog is not None:
        _say(f"keeping the call log in {calllog.path}")
    # The live scam campaigns, from the reports database when there is one.
    with optional_store(settings, True, "live campaigns not used") as store:
        watcher.campaigns = store.blocking_campaign if store is not None else None
        asyncio.run(watcher.run(host, port, say=_say))  # Ctrl+C: the group's exit 130


def _say(text: str) -> None:
    click.echo(f"ringcheck: {text}", err=True)


def _emitter(as_json: bool) -> Callable[[dict[str, Any]], None]:
    """The ``Watcher.emit`` callback: a JSON line, or the sentence for a person."""

    def emit(event: dict[str, Any]) -> None:
        if as_json:
            sys.stdout.write(json.dumps(event) + "\n")
        else:
            text = _sentence(event)
            if text:
                click.echo(text)
        sys.stdout.flush()

    return emit


def _notifier(command: str) -> Callable[[Any, dict[str, Any]], Awaitable[None]]:
    """The ``Watcher.notify`` callback: runs ``command`` with the call in its environment."""
    import asyncio
    import os

    from ringcheck.phones.fritzbox import callmonitor

    async def run_notify(found: Any, event: dict[str, Any]) -> None:
        env = {**os.environ, **callmonitor.environment(found, event)}
        try:
            process = await asyncio.create_subprocess_shell(command, env=env)
        except OSError as exc:
            click.echo(f"ringcheck: --notify failed: {exc}", err=True)
            return
        asyncio.get_running_loop().create_task(_reap(process))

    return run_notify


def _barring(host: str, port: int, say: Any) -> Any:
    """The ``Watcher.block`` callback: bars a number on the box, in a thread."""
    import asyncio

    from ringcheck.phones.fritzbox.fritzbarring import BarringError, CallBarring

    try:
        barring = CallBarring.connect(host, port)
    except BarringError as exc:
        raise BadInput(exc.message) from None

    async def bar(number: str, found: Any) -> None:
        try:
            added = await asyncio.to_thread(barring.block, number, found)
        except BarringError as exc:
            say(exc.message)
            return
        if added:
            say(f"added {number} to the box's call barring list: its next call won't ring")

    return bar


async def _reap(process: Any) -> None:
    import asyncio

    try:
        await asyncio.wait_for(process.wait(), 60)
    except TimeoutError:
        process.kill()


def _sentence(event: dict[str, Any]) -> str:
    """The line printed for a call event: what is ringing, and what to do about it."""
    from ringcheck.lookup import says_scam

    who = event.get("e164") or event.get("number") or "A withheld number"
    when = str(event["at"])[11:16]
    label = event.get("label") or ""
    action = event.get("action")
    # A scam verdict: never call back. A warning without one (a call from abroad with
    # nothing else against it): only if a call was expected, as the verdict says.
    scam = action == "block" or says_scam(event.get("level"), event.get("category") or "")
    if event["event"] == "ring":
        if action == "block":
            return (
                f"{when}  WARNING: {who} is ringing ({label}). Don't answer it. Don't call it back."
            )
        if action == "warn":
            then = "don't call it back" if scam else "call back only if you expected a call"
            return f"{when}  Careful: {who} is ringing ({label}). If you miss it, {then}."
        return f"{when}  {who} is ringing ({label})."
    if event["event"] == "callback":
        return _callback_sentence(event, who, when, label, scam)
    if event["event"] == "missed" and action in ("warn", "block"):
        then = "Don't call it back." if scam else "Call back only if you expected a call."
        return f"{when}  Missed call from {who} ({label}). {then}"
    return ""


def _callback_sentence(event: dict[str, Any], who: str, when: str, label: str, scam: bool) -> str:
    """Someone in the house is calling back a flagged number: hang up, and why."""
    if event.get("live_campaign"):
        return (
            f"{when}  STOP: someone is calling {who} ({label}), a number in a scam campaign "
            "running now. Hang up: calling back is how the scam makes money."
        )
    rang = str(event.get("rang_at") or "")[11:16]
    if scam:
        return (
            f"{when}  STOP: someone is calling back {who} ({label}), which rang at {rang}. "
            "Hang up: calling back is how the scam makes money."
        )
    return (
        f"{when}  Careful: someone is calling back {who} ({label}), which rang at {rang}. "
        "Hang up unless you were expecting a call from there: it can cost a lot."
    )


COMMANDS = (watch_group,)
