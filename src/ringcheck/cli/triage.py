"""``ringcheck triage``: a call log in, a ranked and explained triage out.

Polars, Jinja and Rich load inside the command, so ``ringcheck check`` starts as fast as
before.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import click

from ringcheck.cli.base import BadInput, optional_store, settings_from
from ringcheck.cli.options import (
    column_options,
    config_option,
    format_option,
    home_option,
    output_options,
)
from ringcheck.errors import RingcheckError

if TYPE_CHECKING:
    from ringcheck.calllog import Triage
    from ringcheck.checker import Campaigns
    from ringcheck.settings import Settings

FORMATS = ("auto", "android-xml", "fritzbox", "csv")
OUTPUTS = ("table", "json", "csv", "html")
TABLE_ROWS = 40
_PROGRESS_BYTES = 2_000_000


# The columns of a CSV log that hold what, when not found by their names.
COLUMNS = {
    "number": "CSV: the column with the numbers.",
    "time": "CSV: the column with the date and time.",
    "ring": "CSV: the column with ring time in seconds.",
    "duration": "CSV: the column with call duration (talk time, unless there is a billsec column).",
    "billsec": "CSV: call records' billed seconds; ring time is then duration minus billsec.",
    "direction": "CSV: incoming or outgoing.",
    "status": "CSV: missed, answered, rejected…",
}


@click.command("triage")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@format_option(FORMATS, "The kind of call log (auto: work it out).")
@output_options(OUTPUTS, "table for reading, json or csv for tools, html for a report file.")
@home_option()
@click.option(
    "--tz",
    metavar="ZONE",
    help="Time zone for Android backups, e.g. Europe/London. [default: this computer's]",
)
@column_options(COLUMNS, suffix="-column", metavar="NAME")
@config_option
def triage_command(
    file: str,
    form: str,
    output: str,
    blocklist: str | None,
    level: str,
    out_path: str | None,
    home: str | None,
    tz: str | None,
    config: str | None,
    **columns: str | None,
) -> None:
    """Check every caller in a call log FILE and rank them, most worrying first.

    FILE is a CSV or TSV export with a header row, a FRITZ!Box call list, or calls.xml
    from the Android app SMS Backup & Restore, gzipped or not. Give - to read standard
    input. A caller inside a live scam campaign in the reports database, when there is
    one, is flagged as such.

    \b
    Examples:
      ringcheck triage calls.xml
      ringcheck triage anrufliste.csv --home DE --output html --out report.html
      ringcheck triage calls.csv --blocklist vcard --out scam-numbers.vcf
    """
    from ringcheck.calllog import CallLogError, read_log, triage

    settings = settings_from(config, home)
    data = _read(file)
    names = {role: columns.get(f"{role}_column") for role in COLUMNS}
    with _progress(len(data)) as step:
        try:
            step("Reading the log")
            log = read_log(
                data,
                format=form,
                home=settings.home,
                tz=_zone(tz),
                columns={k: v for k, v in names.items() if v},
            )
            step("Checking the numbers")
            campaigns = _live_campaigns(settings)
            result = triage(log, settings=settings, progress=step.advance, campaigns=campaigns)
        except CallLogError as exc:
            raise BadInput(f"{_short(file)}: {exc.message}") from None
        except RingcheckError as exc:
            raise BadInput(exc.message) from None
    text = _render(result, output, blocklist, level, file)
    _write(text, out_path, output == "table" and not blocklist, result)


def _live_campaigns(settings: Settings) -> Campaigns | None:
    """The live scam campaigns running now, from one read of the reports database when
    there is one (``store.running.Running``, as a web worker keeps them), so a caller
    inside one gets the ``live_campaign`` reason as in ``check``."""
    from ringcheck.store.running import Running

    unused = "live campaigns not used"
    with optional_store(settings, True, unused) as store:
        if store is None:
            return None
        try:
            return Running(store.campaigns()).find
        except RingcheckError as exc:
            click.echo(f"ringcheck: {unused}: {exc.message}", err=True)
            return None


def _short(path: str) -> str:
    return "standard input" if path == "-" else path


def _read(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise BadInput(f"can't read {path}: {exc.strerror or exc}.") from None


def _zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return dt.datetime.now().astimezone().tzinfo
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadInput(f"'{name}' is not a time zone; use a name such as Europe/London.") from None


class _Steps:
    """Progress on stderr for big files on a terminal; silent otherwise."""

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress
        self.task: Any = None

    def __call__(self, label: str) -> None:
        if self.progress is not None:
            if self.task is not None:
                self.progress.update(self.task, completed=1, total=1)
            self.task = self.progress.add_task(label, total=None)

    def advance(self, done: int, total: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done, total=total)


class _progress:
    def __init__(self, size: int) -> None:
        self.size = size
        self.bar: Any = None

    def __enter__(self) -> _Steps:
        if self.size < _PROGRESS_BYTES or not sys.stderr.isatty():
            return _Steps()
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=Console(stderr=True),
        )
        self.bar.__enter__()
        return _Steps(self.bar)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _render(result: Triage, output: str, blocklist: str | None, level: str, file: str) -> str:
    from ringcheck.calllog import outputs

    if blocklist:
        count = len(outputs.blocked(result, level))
        noun = "number" if count == 1 else "numbers"
        click.echo(f"ringcheck: {count} {noun} on the block list.", err=True)
        return outputs.blocklist(result, blocklist, level)
    if output == "json":
        return outputs.to_json(result).decode() + "\n"
    if output == "csv":
        return outputs.to_csv(result)
    if output == "html":
        from ringcheck.calllog.html import render_report

        name = "Your call log" if file == "-" else f"Call log {file.rsplit('/', 1)[-1]}"
        return render_report(result, title=name)
    return ""


def _write(text: str, path: str | None, table: bool, result: Triage) -> None:
    if table:
        _table(result, path)
        return
    if path and path != "-":
        newline = "" if text.endswith("\r\n") else None  # CRLF formats stay CRLF
        try:
            with open(path, "w", encoding="utf-8", newline=newline) as handle:
                handle.write(text)
        except OSError as exc:
            raise BadInput(f"can't write {path}: {exc.strerror or exc}.") from None
        click.echo(f"ringcheck: wrote {path}.", err=True)
        return
    sys.stdout.write(text)


def _table(result: Triage, path: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from ringcheck.datatables import tables

    words = tables().wording
    handle = open(path, "w", encoding="utf-8") if path and path != "-" else None  # noqa: SIM115
    console = Console(file=handle) if handle else Console()
    try:
        console.print(result.summary["text"][:1].upper() + result.summary["text"][1:], style="bold")
        table = Table(show_lines=False)
        for name in ("Risk", "Number", "From", "Calls", "Last call"):
            table.add_column(name, overflow="fold", no_wrap=name == "Number")
        table.add_column("What to do", overflow="fold", ratio=1)
        style = {"very_high": "bold white on red", "high": "bold red", "caution": "yellow"}
        for n in result.numbers[:TABLE_ROWS]:
            v = n["verdict"]
            table.add_row(
                f"{words.level[v['level']]} ({v['score']})", n["display"],
                "hidden" if n["withheld"] else (n["country"] or "not known"),
                f"{n['calls']:,}" + (f" ({n['missed']:,} missed)" if n["missed"] else ""),
                (n["last_seen"] or "")[:16].replace("T", " "),
                v["headline"], style=style.get(v["level"]),
            )  # fmt: skip
        console.print(table)
        more = len(result.numbers) - TABLE_ROWS
        if more > 0:
            console.print(f"And {more:,} more numbers: use --output csv or html to see them all.")
        for row in result.unreadable[:10]:
            console.print(f"Line {row.line} couldn't be read: {row.why}", markup=False)
        if len(result.unreadable) > 10:
            console.print(f"And {len(result.unreadable) - 10:,} more rows couldn't be read.")
    finally:
        if handle:
            handle.close()


COMMANDS = (triage_command,)
