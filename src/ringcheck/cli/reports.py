"""Commands for community reports and their database: report, reports, moderate, export,
import and db.

SQLAlchemy and Alembic are imported inside the commands (through ``ringcheck.store``),
so ``ringcheck check`` starts as fast as before. The CLI opens the database directly,
which is the moderator's right: there is no token to give.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from ringcheck import tableout
from ringcheck.cli.base import BadInput, errors_as_bad_input, opened_store, store_settings
from ringcheck.cli.options import database_options, json_option
from ringcheck.community import CATEGORIES

if TYPE_CHECKING:
    from ringcheck.community import Community
    from ringcheck.store import Page, ReportView

F = TypeVar("F", bound=Callable[..., Any])


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


@click.command("report")
@click.argument("number", nargs=-1, required=True)
@click.option(
    "--category",
    required=True,
    metavar="CATEGORY",
    # Not a click.Choice: its "missing" message lists the choices over several lines.
    help="What kind of call it was: " + ", ".join(CATEGORIES) + ".",
)
@click.option("--comment", metavar="TEXT", help="What happened, in up to 500 characters.")
@click.option("--rang", metavar="TIME", help="How long it rang: 2, '3 s', '1 min' or '0:03'.")
@click.option("--claimed", metavar="ORG", help="Who they said they were (impersonation).")
@database_options
def report_command(
    number: tuple[str, ...],
    category: str,
    comment: str | None,
    rang: str | None,
    claimed: str | None,
    database: str | None,
    config: str | None,
) -> None:
    """Report NUMBER, written any way you like, so others who get the call are warned.

    Spaces need no quotes (`ringcheck report 020 7946 0000 --category …`): the
    arguments are read as one number by the rule `ringcheck check --help` gives.
    """
    with opened_store(config, database) as store:
        e164 = _e164(number, store.settings.home)
        saved = store.add_report(
            number=e164,
            category=category,
            client=f"cli:{_os_user()}",
            rang_seconds=rang,
            comment=comment,
            claimed=claimed,
        )
    what = "Reported" if saved.created else "Updated your report on"
    click.echo(f"{what} {e164} as {category} (report {saved.report_id}).")


def _e164(args: tuple[str, ...], home: str) -> str:
    """The E.164 form of the one number a person typed (perhaps as several arguments, put
    together by the rule every command uses); BadInput if it can't be reported."""
    from ringcheck.numbers import numbers_in_arguments, parse_number

    found = numbers_in_arguments(args, home)
    if len(found) > 1:
        shown = ", ".join(f"'{text[:40]}'" for text in found[:4])
        raise BadInput(
            f"give one number at a time; this reads as {len(found)} numbers: {shown}. "
            "Quote the number if it is one."
        )
    text = found[0]
    info = parse_number(text, home)
    if info.withheld or not info.e164 or not info.valid:
        raise BadInput(
            f"'{text[:40]}' is not a complete phone number that can exist, so it can't be "
            "reported. Give the whole number that called you."
        )
    return info.e164


@click.command("reports")
@click.argument("number", nargs=-1, required=True)
@click.option("--page", type=click.IntRange(1, 1_000_000), default=1, help="Page of reports.")
@json_option()
@database_options
def reports_command(
    number: tuple[str, ...], page: int, as_json: bool, database: str | None, config: str | None
) -> None:
    """What people reported about NUMBER: a summary, then the reports, latest first.

    Spaces need no quotes, as for `ringcheck report`.
    """
    with opened_store(config, database) as store:
        e164 = _e164(number, store.settings.home)
        community = store.community(e164)
        found = store.reports(e164, page=page)
    if as_json:
        payload = {
            "number": e164,
            "community": community.to_dict() if community else None,
            "reports": found.to_dict(),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(_summary(e164, community))
    click.echo(_listing(found))


def _summary(e164: str, community: Community | None) -> str:
    if community is None:
        return f"{e164}: nobody has reported this number or its neighbours yet."
    lines = [f"{e164}: {_plural(community.total, 'report')} from "]
    lines[0] += f"{_plural(community.reporters, 'person', 'people')}"
    if community.first_seen and community.last_seen:
        lines[0] += f", first {_day(community.first_seen)}, latest {_day(community.last_seen)}"
    counts = [f"{c} {n}" for c, n in community.by_category.items() if n]
    if counts:
        lines.append("  " + ", ".join(counts))
    for near in community.neighbours:
        if near.reports:
            lines.append(
                f"  Numbers differing only in the last {_plural(near.digits, 'digit')}: "
                f"{_plural(near.numbers, 'number')}, {_plural(near.reports, 'report')}"
            )
    for comment in community.comments:
        lines.append(f'  "{_one_line(comment.text)}" ({comment.category})')
    return "\n".join(lines)


def _listing(page: Page) -> str:
    if not page.items:
        return "No reports to show."
    lines = [f"Reports (page {page.page} of {page.pages}, {page.total} in all):"]
    lines += [f"  {_line(item)}" for item in page.items]
    return "\n".join(lines)


def _line(item: ReportView) -> str:
    line = f"#{item.id}  {_day(item.updated_at)}  {item.category}"
    if item.claimed:
        line += f" (said they were {item.claimed})"
    if item.rang_seconds is not None:
        line += f"  rang {item.rang_seconds:g}s"
    if item.hidden:
        line += "  [hidden]"
    if item.comment:
        line += f'  "{_one_line(item.comment)}"'
    return line


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _day(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%d %H:%M UTC"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.group("moderate")
def moderate_group() -> None:
    """List, hide and unhide reports, and read the audit log (direct database access)."""


@moderate_group.command("list")
@click.option("--hidden", is_flag=True, help="Only hidden reports.")
@click.option("--page", type=click.IntRange(1, 1_000_000), default=1, help="Page of reports.")
@database_options
def moderate_list(hidden: bool, page: int, database: str | None, config: str | None) -> None:
    """Reports on every number, the latest first."""
    with opened_store(config, database) as store:
        found = store.list_reports(hidden=True if hidden else None, page=page)
    for item in found.items:
        click.echo(f"{item.e164}  {_line(item)}")
    if not found.items:
        click.echo("No reports to show.")
    elif found.pages > 1:
        click.echo(f"(page {found.page} of {found.pages}; --page N for more)")


def moderation_options(func: F) -> F:
    func = database_options(func)
    func = click.option(
        "--as", "moderator", metavar="NAME", help="Your name for the log. [default: OS user]"
    )(func)
    func = click.option("--reason", required=True, metavar="TEXT", help="Why, for the log.")(func)
    return click.argument("report_id", metavar="ID", type=click.IntRange(1, 2**62))(func)


@moderate_group.command("hide")
@moderation_options
def moderate_hide(
    report_id: int, reason: str, moderator: str | None, database: str | None, config: str | None
) -> None:
    """Hide report ID from everyone; the audit log records who and why."""
    _moderate(True, report_id, reason, moderator, database, config)


@moderate_group.command("unhide")
@moderation_options
def moderate_unhide(
    report_id: int, reason: str, moderator: str | None, database: str | None, config: str | None
) -> None:
    """Show hidden report ID again; the audit log records who and why."""
    _moderate(False, report_id, reason, moderator, database, config)


def _moderate(
    hide: bool,
    report_id: int,
    reason: str,
    moderator: str | None,
    database: str | None,
    config: str | None,
) -> None:
    with opened_store(config, database) as store:
        act = store.hide if hide else store.unhide
        view = act(report_id, moderator=moderator or _os_user(), reason=reason)
    state = "hidden" if view.hidden else "visible again"
    click.echo(f"Report {view.id} on {view.e164} is {state}.")


@moderate_group.command("log")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, help="Entries to show.")
@json_option("Print JSON Lines.")
@database_options
def moderate_log(limit: int, as_json: bool, database: str | None, config: str | None) -> None:
    """The audit log: who hid or unhid which report, when and why."""
    with opened_store(config, database) as store:
        entries = store.audit_log(limit=limit)
    for entry in entries:
        if as_json:
            click.echo(json.dumps(entry.to_dict(), ensure_ascii=False))
        else:
            click.echo(
                f"{_day(entry.at)}  {entry.moderator} {entry.action} report "
                f"{entry.report_id}: {entry.reason}"
            )
    if not entries and not as_json:
        click.echo("Nothing in the audit log yet.")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write.")
@database_options
def export_command(fmt: str, output: str | None, database: str | None, config: str | None) -> None:
    """Write every visible report as JSON Lines or CSV (standard output by default)."""
    with opened_store(config, database) as store, _output(output) as out:
        count = store.export(fmt, out)
    click.echo(f"ringcheck: exported {_plural(count, 'report')}.", err=True)


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        out = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise BadInput(f"can't write {path}: {exc.strerror}.") from None
    with out:
        yield out


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), help="[default: from name]")
@database_options
def import_command(file: str, fmt: str | None, database: str | None, config: str | None) -> None:
    """Add or update reports from an export FILE (JSON Lines or CSV)."""
    fmt = fmt or tableout.records_format(file)
    if fmt is None:
        raise BadInput(f"can't tell the format of {file}; add --format jsonl or --format csv.")
    with opened_store(config, database) as store:
        try:
            with open(file, encoding="utf-8", newline="") as source:
                result = store.import_(fmt, source)
        except OSError as exc:
            raise BadInput(f"can't read {file}: {exc.strerror}.") from None
        except UnicodeDecodeError:
            raise BadInput(f"can't read {file}: it is not UTF-8 text.") from None
    for line, why in result.errors:
        click.echo(f"ringcheck: {file} line {line}: {why}", err=True)
    click.echo(
        f"Added {result.added}, updated {result.updated}, skipped {result.skipped}; "
        f"{_plural(len(result.errors), 'line')} left out."
    )
    if result.errors and not (result.added or result.updated or result.skipped):
        sys.exit(2)


@click.group("db")
def db_group() -> None:
    """The reports database: upgrade, status, purge old comments, back up."""


@db_group.command("upgrade")
@database_options
def db_upgrade(database: str | None, config: str | None) -> None:
    """Bring the database's tables up to this version of ringcheck (reports are kept)."""
    from ringcheck.store import Store

    with errors_as_bad_input():
        before, after = Store.upgrade_url(store_settings(config, database))
    if before == after:
        click.echo(f"The database is up to date (revision {after}).")
    else:
        click.echo(f"Upgraded the database from revision {before or 'none'} to {after}.")


@db_group.command("status")
@database_options
def db_status(database: str | None, config: str | None) -> None:
    """Show which database is used and whether its tables are up to date."""
    from ringcheck.store import Store
    from ringcheck.store.engine import database_url, describe

    with errors_as_bad_input():
        settings = store_settings(config, database)
        where = describe(database_url(settings.database_url))
        current, head = Store.status_url(settings)
    click.echo(f"Database: {where}")
    if current == head:
        state = "up to date"
    elif current is None:
        state = "empty: its tables are made on first use"
    else:
        state = "out of date: run `ringcheck db upgrade`"
    click.echo(f"Revision: {current or 'none'} (this ringcheck: {head}), {state}.")


@db_group.command("purge")
@click.option(
    "--older-than",
    type=click.IntRange(1, 36_500),
    metavar="DAYS",
    help="Remove comments older than this. [default: comment_retention_days]",
)
@database_options
def db_purge(older_than: int | None, database: str | None, config: str | None) -> None:
    """Remove old comments from reports; the reports and counts stay."""
    with opened_store(config, database) as store:
        days = older_than or store.settings.comment_retention_days
        count = store.purge_comments(older_than_days=days)
    click.echo(f"Removed the comments of {_plural(count, 'report')} older than {days} days.")


@db_group.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
@database_options
def db_backup(dest: str, database: str | None, config: str | None) -> None:
    """Copy the live SQLite database to DEST (a new file), safely while it is in use."""
    with opened_store(config, database) as store:
        store.backup(dest)
    click.echo(f"Backed up the reports database to {dest}.")


COMMANDS = (
    report_command,
    reports_command,
    moderate_group,
    export_command,
    import_command,
    db_group,
)
