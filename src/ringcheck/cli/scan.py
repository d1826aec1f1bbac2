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
from typing import Any

import click

from ringcheck.cli.base import EXIT_FAIL_ON, BadInput, config_option, settings_from
from ringcheck.cli.follow import follow, follow_options
from ringcheck.errors import RingcheckError
from ringcheck.risk import LEVELS

OUTPUTS = ("table", "json", "csv", "parquet", "html")
BLOCKLISTS = ("csv", "vcard", "callblocker")
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
@click.option(
    "--format",
    "form",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="The kind of call records (auto: worked out from each file).",
)
@click.option(
    "--template",
    metavar="TEMPLATE",
    help="A FreeSWITCH cdr_csv template of ${names}, if not the 'example' one.",
)
@click.option(
    "--output",
    type=click.Choice(OUTPUTS),
    default="table",
    show_default=True,
    help="table for reading, json/csv/parquet for tools, html for an analyst.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    help="Write here instead of standard output (needed for parquet).",
)
@click.option(
    "--blocklist",
    type=click.Choice(BLOCKLISTS),
    help="Write a block list of the campaigns' numbers and ranges instead.",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS[1:]),
    default="high",
    show_default=True,
    help="Lowest level that goes on the block list (with --follow: that is reported).",
)
@click.option("--since", callback=_time, metavar="DATE", help="Only calls from this time (UTC).")
@click.option("--until", callback=_time, metavar="DATE", help="Only calls before this time (UTC).")
@click.option("--home", metavar="REGION", help="Your own country, e.g. GB. [default: GB]")
@click.option(
    "--tz", metavar="ZONE", help="Time zone of the records' times. [default: this computer's]"
)
@click.option(
    "--time-format",
    metavar="FORMAT",
    help="strptime format of start times, e.g. %d/%m/%Y %H:%M:%S.",
)
@click.option("--caller", metavar="COLUMN", help="CSV/Parquet column of the calling number.")
@click.option("--callee", metavar="COLUMN", help="CSV/Parquet column of the called number.")
@click.option("--start", metavar="COLUMN", help="CSV/Parquet column of the start time.")
@click.option("--ring", metavar="COLUMN", help="CSV/Parquet column of seconds it rang.")
@click.option("--duration", metavar="COLUMN", help="CSV/Parquet column of the call's duration.")
@click.option("--billsec", metavar="COLUMN", help="CSV/Parquet column of billed seconds.")
@click.option("--answered", metavar="COLUMN", help="CSV/Parquet column saying it was answered.")
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS),
    metavar="LEVEL",
    help="Exit 1 if any finding reaches LEVEL (low, caution, high, very_high).",
)
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
    caller: str | None,
    callee: str | None,
    start: str | None,
    ring: str | None,
    duration: str | None,
    billsec: str | None,
    answered: str | None,
    fail_on: str | None,
    mask: bool,
    config: str | None,
    **live: Any,
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
    from ringcheck.scan import Columns, ScanOptions, scan

    if output == "parquet" and not out_path and not blocklist:
        raise BadInput("--output parquet needs --out FILE.")
    settings = settings_from(config, home)
    try:
        options = ScanOptions(
            home=settings.home,
            tz=tz,
            format=form,
            template=template,
            time_format=time_format,
            columns=Columns(caller, callee, start, ring, duration, billsec, answered),
            since=since,
            until=until,
            allowlist=settings.scan_allowlist,
        )
        if live.pop("follow"):  # the live detector: ringcheck.cli.follow
            return follow(files, options, settings, level, **live)
        with _progress(files):
            result = scan(
                files,
                options,
                engine=engine,
                master=master or settings.scan_spark_master or None,
                hash_inputs=output in ("html", "json") and not blocklist,
            )
    except RingcheckError as exc:
        raise BadInput(exc.message) from None
    for problem in result.unreadable[:20]:
        where = f"{problem.file} line {problem.line}" if problem.line else problem.file
        click.echo(f"ringcheck: {where}: {problem.why}", err=True)
    if result.unreadable_count > 20:
        more = result.unreadable_count - 20
        click.echo(f"ringcheck: … {more:,} more unreadable records (see --output json).", err=True)
    _write(result, output, out_path, blocklist, level, mask)
    if fail_on and any(_at_least(f.level, fail_on) for f in result.findings):
        sys.exit(EXIT_FAIL_ON)


def _at_least(level: str, floor: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(floor)


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
        assert out_path is not None
        report.to_parquet(result, out_path)
    elif output == "html":
        from ringcheck.scan.html import render

        _emit(render(result, mask=mask), out_path)
    else:
        _emit(report.table(result), out_path)
    if out_path:
        click.echo(f"ringcheck: wrote {out_path}", err=True)


def _emit(text: str, out_path: str | None) -> None:
    if out_path:
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
@click.option(
    "--format",
    "form",
    type=click.Choice(DEMO_FORMATS),
    default="asterisk",
    show_default=True,
    help="Which switch's records to write.",
)
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
