"""Checking numbers on the command line: ``check``, ``codes``, ``data`` and ``config``.

The same checks as the library: these commands parse options, call ``ringcheck.check``
and format what comes back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click

from ringcheck.checker import CheckResult, check
from ringcheck.cli.base import (
    EXIT_BAD_INPUT,
    EXIT_FAIL_ON,
    BadInput,
    OutputClosed,
    errors_as_bad_input,
    optional_reader,
    settings_from,
)
from ringcheck.cli.options import config_option, fail_on_option, home_option, json_option
from ringcheck.datatables import Tables, tables
from ringcheck.errors import RingcheckError
from ringcheck.numbers import numbers_in_arguments
from ringcheck.risk import CallContext, at_least, ring_seconds
from ringcheck.settings import SETTINGS, Settings, default_config_path

if TYPE_CHECKING:  # the database code loads only with --reports
    from ringcheck.store import Store
    from ringcheck.store.quick import Quick

_LEVEL_STYLE: dict[str, dict[str, Any]] = {
    "low": {"fg": "green"},
    "caution": {"fg": "yellow", "bold": True},
    "high": {"fg": "red", "bold": True},
    "very_high": {"fg": "white", "bg": "red", "bold": True},
}
_LEVEL_ICON = {"low": "i", "caution": "!", "high": "!!", "very_high": "!!!"}


def _parse_time(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a time; use HH:MM, such as 23:40.") from None


@click.command("check")
@click.argument("numbers", nargs=-1)
@click.option("--claimed", metavar="TEXT", help="Who the caller said they were (e.g. HMRC).")
@click.option(
    "--rang",
    metavar="TIME",
    help="How long it rang before it stopped: seconds (2, 1.5), '3 s', '1 min' or '0:03'.",
)
@click.option("--voicemail", is_flag=True, default=None, help="They left a sensible voicemail.")
@click.option(
    "--voicemail-number",
    metavar="NUMBER",
    help="A number the voicemail asked you to ring (a premium-rate one is the scam itself).",
)
@click.option(
    "--expected", is_flag=True, default=None, help="You were expecting a call from abroad."
)
@click.option(
    "--recorded-message",
    is_flag=True,
    default=None,
    help="A recording asked you to press a button.",
)
@click.option(
    "--times",
    type=click.IntRange(1, 100_000),
    metavar="N",
    help="How many times this number called.",
)
@click.option(
    "--similar",
    type=click.IntRange(0, 100_000),
    metavar="N",
    help="How many near-identical numbers also rang around then.",
)
@click.option(
    "--at", "called_at", callback=_parse_time, metavar="HH:MM", help="Local time of the call."
)
@home_option()
@json_option("One JSON object per number (JSON Lines).")
@fail_on_option("number")
@config_option
@click.option(
    "--reports",
    "with_reports",
    is_flag=True,
    help="Also show what people reported and any live scam campaign (from the reports "
    "database; slower to start with a database other than the default file).",
)
@click.option(
    "--server",
    metavar="URL",
    help="Also ask a ringcheck server what people reported (e.g. http://host:8000).",
)
@click.option(
    "--private",
    is_flag=True,
    help="With --server: send only the start of the number's hash, never the number.",
)
def check_command(
    numbers: tuple[str, ...],
    rang: str | None,
    home: str | None,
    as_json: bool,
    fail_on: str | None,
    config: str | None,
    with_reports: bool,
    server: str | None,
    private: bool,
    **told: Any,
) -> None:
    """Check one or more NUMBERS, written any way you like, or give - to read one number
    per line from standard input.

    Spaces in a number need no quotes: `ringcheck check 0906 123 4567 +44 20 7946 0000`
    checks two numbers. The rule: an argument that is a whole number on its own, starts
    with +, or is quoted, starts a new number; a shorter one is joined to the arguments
    after it, for the longest run that makes one whole number, except that after a whole
    number an argument starting with 0 that begins another one starts it. To be sure
    where a number ends, quote it or end it with a comma.

    Letters are read from a phone keypad (0800 FLOWERS is 0800 3569377) when they are in
    capitals or joined to the digits by a hyphen (1-800-flowers); a letter O among digits
    (O2O 7946 0123) is read as 0, zero. The answer says when it read letters.

    With --reports, what people reported about a number is added from the reports
    database (see `ringcheck report`). With --server URL --private, a ringcheck server is
    asked what people reported without being told the number: only the first 5 hex
    digits of its SHA-256 are sent (the server answers every reported number in that
    bucket, with decoys); its answer is shown beside the local check.
    """
    if private and not server:
        raise BadInput("--private needs --server URL: the server to ask.")
    if not numbers:
        raise BadInput("give at least one number, or - to read numbers from standard input.")
    settings = settings_from(config, home)
    context = _context(rang, told)
    texts = _expand(numbers_in_arguments(numbers, settings.home))
    show: Show = _print_json if as_json else _print_human
    if server:
        show = _with_server(show, server, private, as_json)
    with optional_reader(settings, with_reports, "reports not shown") as store:
        outcome = _run(texts, context, settings, show, fail_on, store)
    if outcome:
        sys.exit(outcome)


# The options that tell what happened on the call, and the CallContext field each fills.
_TOLD = {
    "claimed": "claimed",
    "voicemail": "voicemail",
    "voicemail_number": "voicemail_number",
    "expected": "expected_abroad",
    "recorded_message": "recorded_message",
    "times": "times_called",
    "similar": "similar_numbers",
    "called_at": "called_at",
}


def _context(rang: str | None, told: dict[str, Any]) -> CallContext:
    """What the options say about the call; a value that can't be used is one line and
    exit 2."""
    with errors_as_bad_input():
        fields = {_TOLD[name]: value for name, value in told.items()}
        return CallContext(rang_seconds=ring_seconds(rang), **fields)


def _expand(numbers: Iterable[str]) -> Iterator[str]:
    """The numbers given, with '-' replaced by the lines of standard input."""
    for number in numbers:
        if number != "-":
            yield number
            continue
        lines = (line.strip() for line in sys.stdin)
        yield from _with_progress(line for line in lines if line)


def _with_progress(lines: Iterator[str]) -> Iterator[str]:
    """Show a progress line on a terminal only; pipes and files get nothing extra."""
    if not sys.stderr.isatty():
        yield from lines
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.completed:,} numbers checked"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("check", total=None)
        for line in lines:
            yield line
            progress.advance(task)


def _run(
    texts: Iterable[str],
    context: CallContext,
    settings: Settings,
    show: Callable[[str, CheckResult | RingcheckError], None],
    fail_on: str | None,
    store: Store | Quick | None = None,
) -> int:
    bad = reached = False
    for text in texts:
        result: CheckResult | RingcheckError
        try:
            result = check(
                text,
                context,
                home=settings.home,
                settings=settings,
                reports=store.community if store is not None else None,
                campaigns=store.blocking_campaign if store is not None else None,
            )
        except RingcheckError as exc:
            result, bad = exc, True
            click.echo(f"ringcheck: {_short(text)!r}: {exc.message}", err=True)
        try:
            show(text, result)
        except BrokenPipeError:
            raise OutputClosed from None
        if isinstance(result, CheckResult) and fail_on:
            reached = reached or at_least(result.verdict.level, fail_on)
    if bad:
        return EXIT_BAD_INPUT
    return EXIT_FAIL_ON if reached else 0


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


Show = Callable[[str, "CheckResult | RingcheckError"], None]


def _with_server(show: Show, url: str, private: bool, as_json: bool) -> Show:
    """``show``, with the server's answer about each number after it."""
    from ringcheck.phones import remote

    def both(text: str, result: CheckResult | RingcheckError) -> None:
        if isinstance(result, RingcheckError) or not result.number.e164:
            show(text, result)
            return
        try:
            said: dict[str, Any] | None = remote.ask(url, result.number.e164, private)
        except (OSError, ValueError) as exc:
            click.echo(f"ringcheck: the server at {url} didn't answer: {_why(exc)}", err=True)
            said = None
        if as_json:
            payload = {**result.to_dict(), "server": _server_block(said, private)}
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            return
        show(text, result)
        if said is not None:
            click.echo(_server_line(said, private) + "\n")

    return both


def _why(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def _server_block(said: dict[str, Any] | None, private: bool) -> dict[str, Any] | None:
    if said is None:
        return None
    if private:
        return {"private": True, **said}
    keep = ("action", "category", "level", "score9", "community")
    return {
        "private": False,
        "reported": said.get("community") is not None,
        **{k: said.get(k) for k in keep},
    }


def _server_line(said: dict[str, Any], private: bool) -> str:
    how = "asked privately" if private else "asked"
    if private and not said["reported"]:
        return f"  Server ({how}): nobody there reported this number."
    action = said.get("action")
    advice = {
        "block": "people there reported it as a scam: block it",
        "warn": "treat it with care",
        "allow": "nothing known against it there",
        "unknown": "it couldn't judge it",
    }.get(str(action), str(action))
    return f"  Server ({how}): {advice} (score {said.get('score9')}/9)."


def _print_json(text: str, result: CheckResult | RingcheckError) -> None:
    if isinstance(result, RingcheckError):
        payload: dict[str, Any] = {"input": text, "error": result.to_dict()}
    else:
        payload = result.to_dict()
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _print_human(text: str, result: CheckResult | RingcheckError) -> None:
    if isinstance(result, RingcheckError):
        return  # the one-line message on stderr says it all
    click.echo(render(result, tables()))


def render(result: CheckResult, data: Tables) -> str:
    """The human-readable answer for one number (colour only where the terminal has it)."""
    number, verdict = result.number, result.verdict
    words = data.wording
    badge = f" {_LEVEL_ICON[verdict.level]} {words.level[verdict.level].upper()} "
    title = number.international_format or number.national_format or result.input
    where = f"{number.flag} {number.country}".strip() if number.country else "not known"
    if number.location and number.location != number.country:
        where += f" ({number.location})"
    line = words.line_type.get(number.line_type, number.line_type)
    if number.carrier:
        line += f", first given to {number.carrier}"
    lines = [
        click.style(title, bold=True),
        f"  {click.style(badge, **_LEVEL_STYLE[verdict.level])}  score {verdict.score}/100",
        f"  {verdict.headline}",
        "",
        *([f"  Read as:    {number.read_as.note}"] if number.read_as else []),
        f"  From:       {where if not number.withheld else 'hidden (number withheld)'}",
        f"  Line:       {line}",
        call_back := f"  Call back:  {number.callback_cost.text}",
        "",
        *_section("Why:", [f"    - {reason.text}" for reason in verdict.reasons]),
        *_section(
            "What to do:",
            [f"    {i}. {item.text}" for i, item in enumerate(verdict.advice, 1)],
        ),
    ]
    if result.also_found:
        others = ", ".join(result.also_found)
        lines += [
            f"  Also in what you gave: {others}. This checked only the first number.",
            "  Check the others with: ringcheck check " + " ".join(result.also_found),
            "",
        ]
    if result.community is not None and result.community.total:
        reporters = result.community.reporters
        people = "1 person" if reporters == 1 else f"{reporters} people"
        lines.insert(
            lines.index(call_back) + 1,
            f"  Reports:    {people} reported it. See: ringcheck reports {number.e164}",
        )
    return "\n".join(lines)


def _section(heading: str, items: list[str]) -> list[str]:
    """A heading with its items and a blank line after; nothing at all when it has none,
    so a heading is never printed over an empty list."""
    return [f"  {heading}", *items, ""] if items else []


@click.command("codes")
@click.argument("query", required=False)
@json_option("Print JSON Lines.")
def codes_command(query: str | None, as_json: bool) -> None:
    """List calling codes with their countries; QUERY filters by code or name."""
    from ringcheck.codes import calling_codes

    rows = calling_codes(query)
    if not rows:
        raise BadInput(f"no calling code or country matches '{query}'.")
    for row in rows:
        if as_json:
            click.echo(json.dumps(row.to_dict(), ensure_ascii=False))
        else:
            risk = "  (high risk)" if row.high_risk else ""
            click.echo(f"{row.label:>8}  {', '.join(row.places)}{risk}")


@click.command("data")
@json_option()
def data_command(as_json: bool) -> None:
    """Show the data version and the sources behind every table."""
    data = tables()
    if as_json:
        payload = {
            "data_version": data.version,
            "tables": [
                {"file": s.file, "what": s.what, "sources": list(s.sources)} for s in data.sources
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"ringcheck data version {data.version}\n")
    for source in data.sources:
        click.echo(click.style(source.file, bold=True) + f": {source.what}")
        for name in source.sources:
            click.echo(f"  - {name}")


@click.command("config")
@config_option
def config_command(config: str | None) -> None:
    """Show where your config file is and the settings in force."""
    path = config or default_config_path()
    settings = settings_from(config, None)
    state = "in use" if os.path.isfile(path) else "not there yet: built-in defaults in use"
    click.echo(f"Config file: {path} ({state})\n")
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        shown = ", ".join(value) if isinstance(value, tuple) else value
        if setting.secret and shown:
            shown = "(set, not shown)"
        click.echo(f"{setting.name} = {shown or '(none)'}")
        click.echo(f"    {setting.help} Environment: {setting.env}")


COMMANDS = (check_command, codes_command, data_command, config_command)
