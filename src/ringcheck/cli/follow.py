"""``ringcheck scan FILES… --follow``: the live detector on growing call-record files.

The options are added to ``ringcheck scan`` by ``follow_options``; ``follow`` runs the
loop: read what was written (``scan.follow``), re-score the window every ``--every``
(``scan.live``), and say what changed: a line, or JSON Lines with ``--json``; a command
with ``--notify`` (the ``RINGCHECK_*`` variables ``watch fritzbox --notify`` sets); the
store with ``--publish``, for ``serve``'s lookups to block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ringcheck.cli.base import BadInput
from ringcheck.risk import LEVELS, at_least

NOTIFY_SECONDS = 60  # a --notify command still running after this long is stopped
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> int:
    """Seconds in '5s', '10m', '2h', '1d' or a bare number of seconds.

    >>> duration("5s"), duration("2h"), duration("90")
    (5, 7200, 90)
    """
    found = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text.lower())
    if not found or int(found[1]) == 0:
        raise ValueError(text)
    return int(found[1]) * _UNITS[found[2] or "s"]


def _duration(_ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return duration(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a length of time; write it like 5s, 10m or 2h.", param=param
        ) from None


def _time_option(name: str, default: str, help: str) -> Callable[..., Any]:
    """An option holding a length of time (5s, 10m, 2h), given to the command in seconds."""
    return click.option(
        name, default=default, show_default=True, callback=_duration, metavar="TIME", help=help
    )


def follow_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--follow`` options of ``ringcheck scan`` (passed on as keyword arguments)."""
    options = [
        click.option(
            "--follow",
            is_flag=True,
            help="Keep reading the files as they grow (like tail -F) and report campaigns "
            "from --level up as they happen.",
        ),
        _time_option("--every", "5s", "With --follow: how often to score the calls again."),
        _time_option("--window", "2h", "With --follow: how far back the calls scored go."),
        click.option(
            "--publish",
            is_flag=True,
            help="With --follow: put campaigns from live_publish_level up in the database "
            "'ringcheck serve' uses, so phone-system lookups block them.",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="With --follow: one JSON object per event (campaign_started, "
            "campaign_updated, campaign_ended).",
        ),
        click.option(
            "--notify",
            metavar="CMD",
            help="With --follow: run CMD for each event, with RINGCHECK_EVENT, "
            "RINGCHECK_NUMBER, RINGCHECK_LEVEL, RINGCHECK_LABEL… in its environment.",
        ),
        click.option(
            "--state",
            type=click.Path(dir_okay=False, path_type=Path),
            help="With --follow: where to remember how far each file was read. "
            "[default: in ~/.local/share/ringcheck]",
        ),
        click.option("--once", is_flag=True, hidden=True),  # read what is there, score, stop
    ]
    for option in reversed(options):
        command = option(command)
    return command


FOLLOW_KEYS = ("follow", "every", "window", "publish", "as_json", "notify", "state", "once")


def follow_values(values: dict[str, Any]) -> dict[str, Any]:
    """The ``follow_options`` values, taken out of a command's keyword arguments."""
    return {key: values.pop(key) for key in FOLLOW_KEYS}


def default_state(files: tuple[str, ...]) -> Path:
    """Where ``--follow`` remembers its offsets for these files, by default."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    names = "\n".join(sorted(os.path.abspath(f) for f in files))
    digest = hashlib.sha256(names.encode()).hexdigest()[:12]
    return Path(base) / "ringcheck" / f"follow-{digest}.json"


def follow(
    files: tuple[str, ...],
    options: Any,
    settings: Any,
    level: str,
    *,
    every: int,
    window: int,
    publish: bool,
    as_json: bool,
    notify: str | None,
    state: Path | None,
    once: bool,
) -> None:
    """Follow ``files`` until interrupted (Ctrl+C: the CLI's exit 130)."""
    from ringcheck.scan.features import Thresholds
    from ringcheck.scan.follow import Follower
    from ringcheck.scan.live import Detector, Window

    files = _files(files)
    floor = min(level, settings.live_publish_level, key=LEVELS.index) if publish else level
    limits = Thresholds.from_settings(settings)  # as the batch scan judges
    detector = Detector(options, Window(window), level=floor, limits=limits)
    state = state or default_state(files)
    follower = Follower(files, options, state)
    kept = state.with_name(state.name + ".window.parquet")  # the calls, at the last stop
    if state.is_file() and kept.is_file():
        detector.window.load(kept)
        detector.rescore()  # what it finds was told before the stop: not told again
    with contextlib.ExitStack() as stack:
        stack.callback(follower.close)
        stack.callback(_keep_window, detector, follower, kept)
        store = stack.enter_context(_store(settings)) if publish else None
        tell = stack.enter_context(_Outlet(level, as_json, notify, store, settings))
        if not as_json:
            _say(
                f"following {len(files)} file(s): scoring the last {_span(window)} of calls "
                f"every {_span(every)}. Stop with Ctrl+C."
            )
        last, unreadable = 0.0, 0
        while True:
            for frame in follower.poll():
                detector.feed(frame)
            while follower.problems:
                _say(f"{follower.problems.pop(0)}.")
            if not follower.tails:
                raise BadInput("None of the files can be followed.")
            if once or time.monotonic() - last >= every:
                last = time.monotonic()
                for event in detector.rescore():
                    tell(event)
                follower.save()
            if follower.unreadable > unreadable:
                more, unreadable = follower.unreadable - unreadable, follower.unreadable
                _say(f"{more:,} more records could not be used (damaged or incomplete).")
            tell.reap()
            if once:
                break
            time.sleep(min(every, 1.0))


def _keep_window(detector: Any, follower: Any, kept: Path) -> None:
    """On the way out (Ctrl+C too): the window's calls and where each file stopped, both
    at once, so a restart goes on with the same calls and counts none twice."""
    try:
        detector.window.save(kept)
        follower.save()
    except OSError as exc:
        _say(f"could not keep the window's calls in {kept}: {exc.strerror}")


class _Outlet:
    """Where events go: printed (from ``level`` up, and the end of those printed),
    ``--notify``, and the store (``--publish``, from ``live_publish_level`` up)."""

    def __init__(
        self, level: str, as_json: bool, notify: str | None, store: Any, settings: Any
    ) -> None:
        self.level, self.as_json, self.notify = level, as_json, notify
        self.store, self.settings = store, settings
        self.shown: set[str] = set()
        self.running: list[tuple[float, Any]] = []

    def __enter__(self) -> _Outlet:
        return self

    def __exit__(self, *exc: object) -> None:
        _stop_all(self.running)

    def __call__(self, event: Any) -> None:
        ended = event.event == "campaign_ended"
        if at_least(event.finding.level, self.level) or (ended and event.key in self.shown):
            if ended:
                self.shown.discard(event.key)
            else:
                self.shown.add(event.key)
            _emit(event, self.as_json)
            if self.notify:
                _run(self.notify, event, self.running)
        if self.store is not None and not ended:
            _publish(self.store, event, self.settings)

    def reap(self) -> None:
        _reap(self.running)


def _files(given: tuple[str, ...]) -> tuple[str, ...]:
    """The files to follow: each file named (there or not yet, as ``tail -F``), and the
    call-record files a folder or a glob holds now."""
    from ringcheck.errors import RingcheckError
    from ringcheck.scan.formats import expand

    found: list[str] = []
    for path in given:
        if os.path.isdir(path) or any(ch in path for ch in "*?["):
            try:
                found += [str(p) for p in expand([path])]
            except RingcheckError as exc:
                raise BadInput(exc.message) from None
        else:
            if not os.path.exists(path):
                _say(f"{path} is not there yet: waiting for it.")
            found.append(path)
    return tuple(dict.fromkeys(found))


def _say(text: str) -> None:
    click.echo(f"ringcheck: {text}", err=True)


def _span(seconds: int) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _emit(event: Any, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(event.to_dict()) + "\n")
    else:
        click.echo(_sentence(event))
    sys.stdout.flush()


def _sentence(event: Any) -> str:
    """The line printed for an event: what is happening, and how bad."""
    when = event.at.strftime("%H:%M:%S")
    finding = event.finding
    if event.event == "campaign_ended":
        return f"{when}  Campaign over: {event.key} has not rung anyone in the window."
    what = "Campaign" if event.event == "campaign_started" else "Campaign goes on"
    return f"{when}  {what} ({finding.level}, score {finding.score}): {finding.headline}"


def _run(command: str, event: Any, running: list[tuple[float, Any]]) -> None:
    """Start ``command`` with the event in its environment; never wait for it here."""
    try:
        process = subprocess.Popen(command, shell=True, env={**os.environ, **event.environment()})
    except OSError as exc:
        _say(f"--notify failed: {exc}")
        return
    running.append((time.monotonic(), process))


def _reap(running: list[tuple[float, Any]]) -> None:
    """Forget finished --notify commands; stop those running too long."""
    for item in list(running):
        began, process = item
        if process.poll() is not None:
            running.remove(item)
        elif time.monotonic() - began > NOTIFY_SECONDS:
            process.kill()
            process.wait()
            running.remove(item)


def _stop_all(running: list[tuple[float, Any]]) -> None:
    for _, process in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


def _store(settings: Any) -> Any:
    from ringcheck.errors import RingcheckError
    from ringcheck.store import Store

    try:
        return Store.open(settings)
    except RingcheckError as exc:
        raise BadInput(exc.message) from None


def _publish(store: Any, event: Any, settings: Any) -> None:
    """Keep the event's campaign in the store, from ``live_publish_level`` up."""
    from ringcheck.errors import RingcheckError
    from ringcheck.scan.live import sighting

    if not at_least(event.finding.level, settings.live_publish_level):
        return
    quiet = dt.timedelta(minutes=settings.live_quiet_minutes)
    try:
        store.publish_campaign(sighting(event, "live:scan --follow"), quiet=quiet)
    except RingcheckError as exc:
        _say(f"could not publish {event.key}: {exc.message}")
