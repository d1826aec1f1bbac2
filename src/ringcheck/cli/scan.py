"""``ringcheck scan``: find Wangiri campaigns in an operator's call records.

``ringcheck scan FILES…`` scans; ``ringcheck scan demo`` writes labelled call records to
try it on. Polars (and PySpark, for ``--engine spark``) load inside the commands.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ringcheck.cli.base import EXIT_FAIL_ON, BadInput, errors_as_bad_input, settings_from
from ringcheck.cli.follow import follow, follow_options, follow_values
from ringcheck.cli.options import (
    column_options,
    config_option,
    fail_on_option,
    format_option,
    home_option,
    output_options,
)

if TYPE_CHECKING:
    from ringcheck.scan import ScanOptions
    from ringcheck.settings import Settings

OUTPUTS = ("table", "json", "csv", "parquet", "html")
FORMATS = ("auto", "asterisk", "freeswitch", "csv", "parquet")
DEMO_FORMATS = ("asterisk", "freeswitch", "csv", "parquet")


class _ScanGroup(click.Group):
    """``scan FILES…`` by default, and ``scan demo`` as its one subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands:
            args = ["files", *args]  # `scan --help` too: the scan's own options
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "FILES... [OPTIONS]  |  demo [OPTIONS]")


@click.group("scan", cls=_ScanGroup)
def scan_group() -> None:
    """Find Wangiri (one-ring call-back) campaigns in call records.

    \b
    ringcheck scan FILES... [OPTIONS]    scan Asterisk, FreeSWITCH, CSV or Parquet records
    ringcheck scan demo --rows N --out F write labelled records to try it on
    Run `ringcheck scan --help` for the scan's options.
    """


def _time(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date; use YYYY-MM-DD or YYYY-MM-DD HH:MM.", param=param
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# The columns a CSV or Parquet file's calls are in, when not found by their names.
COLUMNS = {
    "caller": "CSV/Parquet column of the calling number.",
    "callee": "CSV/Parquet column of the called number.",
    "start": "CSV/Parquet column of the start time.",
    "ring": "CSV/Parquet column of seconds it rang.",
    "duration": "CSV/Parquet column of the call's duration.",
    "billsec": "CSV/Parquet column of billed seconds.",
    "answered": "CSV/Parquet column saying it was answered.",
}


@scan_group.command("files")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--engine",
    type=click.Choice(("polars", "spark")),
    default="polars",
    show_default=True,
    help="polars on this machine; spark on a cluster (or locally).",
)
@click.option(
    "--master",
    metavar="URL",
    help="Spark master URL (spark://host:7077, yarn, k8s://…). [default: scan_spark_master, "
    "else local]",
)
@format_option(FORMATS, "The kind of call records (auto: worked out from each file).")
@click.option(
    "--template",
    metavar="TEMPLATE",
    help="A FreeSWITCH cdr_csv template of ${names}, if not the 'example' one.",
)
@output_options(
    OUTPUTS,
    "table for reading, json/csv/parquet for tools (parquet needs --out), html for an analyst.",
)
@click.option("--since", callback=_time, metavar="DATE", help="Only calls from this time (UTC).")
@click.option("--until", callback=_time, metavar="DATE", help="Only calls before this time (UTC).")
@home_option()
@click.option(
    "--tz", metavar="ZONE", help="Time zone of the records' times. [default: this computer's]"
)
@click.option(
    "--time-format",
    metavar="FORMAT",
    help="strptime format of start times, e.g. %d/%m/%Y %H:%M:%S.",
)
@column_options(COLUMNS)
@fail_on_option("finding")
@click.option("--mask", is_flag=True, help="Hide subscriber numbers but their last 2 digits.")
@follow_options
@config_option
def scan_files(
    files: tuple[str, ...],
    engine: str,
    master: str | None,
    form: str,
    template: str | None,
    output: str,
    out_path: str | None,
    blocklist: str | None,
    level: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    home: str | None,
    tz: str | None,
    time_format: str | None,
    fail_on: str | None,
    mask: bool,
    config: str | None,
    **columns: Any,
) -> None:
    """Scan FILES (files, folders or globs of call records) for Wangiri campaigns.

    `ringcheck scan demo --help` shows how to write labelled records to try it on.

    \b
    Examples:
      ringcheck scan /var/log/asterisk/cdr-csv/Master.csv --tz Europe/London
      ringcheck scan cdrs/*.csv.gz --output html --out report.html --mask
      ringcheck scan calls.parquet --blocklist callblocker --out scam.json
      ringcheck scan cdrs/ --engine spark --master spark://10.0.0.5:7077 --output json
      ringcheck scan /var/log/asterisk/cdr-csv/Master.csv --follow --publish
    """
    from ringcheck.scan import Thresholds, scan

    if output == "parquet" and not _to_file(out_path) and not blocklist:
        raise BadInput("--output parquet needs --out FILE.")
    live = follow_values(columns)  # the --follow options (ringcheck.cli.follow)
    settings = settings_from(config, home)
    options = _read_options(settings, form, template, tz, time_format, since, until, columns)
    if live.pop("follow"):
        with errors_as_bad_input():
            return follow(files, options, settings, level, **live)
    with errors_as_bad_input(), _progress(files):
        result = scan(
            files,
            options,
            Thresholds.from_settings(settings),
            engine=engine,
            master=master or settings.scan_spark_master or None,
            hash_inputs=output in ("html", "json") and not blocklist,
        )
    _tell_unreadable(result)
    _write(result, output, out_path, blocklist, level, mask)
    if fail_on and result.at_least(fail_on):
        sys.exit(EXIT_FAIL_ON)


def _read_options(
    settings: Settings,
    form: str,
    template: str | None,
    tz: str | None,
    time_format: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    columns: dict[str, Any],
) -> ScanOptions:
    """How to read the records: the options given, the home and allowlist settings."""
    from ringcheck.scan import Columns, ScanOptions

    return ScanOptions(
        home=settings.home,
        tz=tz,
        format=form,
        template=template,
        time_format=time_format,
        columns=Columns(**columns),
        since=since,
        until=until,
        allowlist=settings.scan_allowlist,
    )


def _tell_unreadable(result: Any, most: int = 20) -> None:
    """The first ``most`` unreadable records, one line each on stderr, and how many more."""
    for problem in result.unreadable[:most]:
        where = f"{problem.file} line {problem.line}" if problem.line else problem.file
        click.echo(f"ringcheck: {where}: {problem.why}", err=True)
    if result.unreadable_count > most:
        more = result.unreadable_count - most
        click.echo(f"ringcheck: … {more:,} more unreadable records (see --output json).", err=True)


def _to_file(out_path: str | None) -> bool:
    return bool(out_path) and out_path != "-"


@contextlib.contextmanager
def _progress(files: tuple[str, ...]) -> Iterator[None]:
    """A moving bar with the time so far, on a terminal only (pipes get nothing extra);
    it shows once the scan has taken a second, and goes when it ends."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(f"Scanning {len(files)} path(s)"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.add_task("scan", total=None)  # how long a scan takes isn't known before it ends
    with bar:
        yield


def _write(
    result: Any, output: str, out_path: str | None, blocklist: str | None, level: str, mask: bool
) -> None:
    from ringcheck.scan import report

    if blocklist:
        _emit(report.blocklist(result, blocklist, level), out_path)
    elif output == "json":
        _emit(report.to_json(result, mask).decode("utf-8") + "\n", out_path)
    elif output == "csv":
        _emit(report.to_csv(result), out_path)
    elif output == "parquet":
        assert out_path is not None and out_path != "-"
        report.to_parquet(result, out_path)
    elif output == "html":
        from ringcheck.scan.html import render

        _emit(render(result, mask=mask), out_path)
    else:
        _emit(report.table(result), out_path)
    if _to_file(out_path):
        click.echo(f"ringcheck: wrote {out_path}", err=True)


def _emit(text: str, out_path: str | None) -> None:
    if out_path and out_path != "-":
        try:
            Path(out_path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"can't write {out_path}: {exc.strerror}.") from None
    else:
        click.echo(text, nl=False)


@scan_group.command("demo")
@click.option(
    "--rows",
    type=click.IntRange(1_000, 200_000_000),
    default=100_000,
    show_default=True,
    help="About how many call records to write.",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The file to write; the labels go beside it, in FILE.labels.json.",
)
@format_option(DEMO_FORMATS, "Which switch's records to write.")
@click.option("--seed", type=int, default=1, show_default=True, help="Another seed, other records.")
def scan_demo(rows: int, out_path: str, form: str, seed: int) -> None:
    """Write realistic call records with planted campaigns and look-alikes (labelled)."""
    from ringcheck.scan.demo import demo

    try:
        labels = demo(rows, Path(out_path), form, seed)
    except OSError as exc:
        raise BadInput(f"can't write {out_path}: {exc.strerror}.") from None
    click.echo(
        f"Wrote {labels['rows']:,} {form} call records to {out_path}: {len(labels['campaigns'])} "
        f"planted campaigns, {len(labels['negatives'])} look-alikes, labels in "
        f"{out_path}.labels.json. Try: ringcheck scan {out_path} --tz {labels['zone']}",
        err=True,
    )


COMMANDS = (scan_group,)
