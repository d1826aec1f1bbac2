"""Export and import of visible reports as JSON Lines or CSV.

Each record holds every stored field needed to restore a report: the number, category,
how long it rang, comment (as sent, not cleaned), organisation claimed, the reporter
key (an HMAC, never an address) and both times to the microsecond. Exporting, importing
into an empty database and exporting again gives the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringcheck.store import checks
from ringcheck.store.errors import BadReport
from ringcheck.store.models import Report
from ringcheck.store.views import ImportResult
from ringcheck.store.writes import Fields, lock_reporter, save

FORMATS = ("jsonl", "csv")
COLUMNS = (
    "e164",
    "category",
    "rang_seconds",
    "comment",
    "claimed",
    "reporter",
    "reported_at",
    "updated_at",
)
BATCH = 500
_REPORTER = re.compile(r"[0-9a-f]{16,64}")
Writer = Callable[[], contextlib.AbstractContextManager[Session]]


def check_format(fmt: object) -> str:
    if fmt not in FORMATS:
        raise BadReport("bad_format", f"Use the format jsonl or csv, not '{fmt}'.")
    return str(fmt)


def stamp(moment: dt.datetime) -> str:
    """A UTC time to the microsecond, ending in "Z"."""
    text = moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def export(session: Session, fmt: str, out: TextIO) -> int:
    """Write every visible report to ``out``; returns how many."""
    write = _csv_writer(out) if check_format(fmt) == "csv" else _jsonl_writer(out)
    query = (
        select(Report)
        .where(Report.hidden.is_(False))
        .order_by(Report.reported_at, Report.e164, Report.reporter)
        .execution_options(yield_per=BATCH)
    )
    count = 0
    for report in session.scalars(query):
        write(_record(report))
        count += 1
    return count


def _record(report: Report) -> dict[str, Any]:
    return {
        "e164": report.e164,
        "category": report.category,
        "rang_seconds": report.rang_seconds,
        "comment": report.comment,
        "claimed": report.claimed,
        "reporter": report.reporter,
        "reported_at": stamp(report.reported_at),
        "updated_at": stamp(report.updated_at),
    }


def _jsonl_writer(out: TextIO) -> Callable[[dict[str, Any]], None]:
    def write(record: dict[str, Any]) -> None:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")

    return write


def _csv_writer(out: TextIO) -> Callable[[dict[str, Any]], None]:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()

    def write(record: dict[str, Any]) -> None:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})

    return write


def import_(begin: Writer, fmt: str, source: TextIO) -> ImportResult:
    """Add or update reports from ``source``; lines that can't be used are listed."""
    rows = _jsonl_rows(source) if check_format(fmt) == "jsonl" else _csv_rows(source)
    tally = {"added": 0, "updated": 0, "skipped": 0}
    errors: list[tuple[int, str]] = []
    while batch := list(itertools.islice(rows, BATCH)):
        with begin() as session:
            for line, raw in batch:
                try:
                    tally[_apply(session, _parse(raw))] += 1
                except BadReport as exc:
                    errors.append((line, exc.message))
    return ImportResult(errors=errors, **tally)


def _jsonl_rows(source: TextIO) -> Iterator[tuple[int, object]]:
    for line, text in enumerate(source, 1):
        if not text.strip():
            continue
        try:
            yield line, json.loads(text)
        except ValueError:
            yield line, "not a JSON object"


def _csv_rows(source: TextIO) -> Iterator[tuple[int, object]]:
    reader = csv.DictReader(source)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or COLUMNS)]
    if missing:
        raise BadReport(
            "bad_import",
            "The CSV file's first line must name the columns " + ", ".join(COLUMNS) + ".",
        )
    start = 2
    try:
        for row in reader:
            yield start, {k: (v or None) for k, v in row.items() if k in COLUMNS}
            start = reader.line_num + 1
    except csv.Error as exc:
        yield start, f"broken CSV ({exc})"


def _parse(raw: object) -> tuple[Fields, dt.datetime, dt.datetime]:
    if isinstance(raw, str):
        raise BadReport("bad_import", raw)
    if not isinstance(raw, dict):
        raise BadReport("bad_import", "not a JSON object")
    category = checks.check_category(raw.get("category"))
    fields = Fields(
        e164=checks.check_number(raw.get("e164")),
        reporter=_reporter(raw.get("reporter")),
        category=category,
        rang_seconds=checks.check_rang(_number(raw.get("rang_seconds"))),
        comment=checks.check_comment(raw.get("comment")),
        claimed=checks.check_claimed(raw.get("claimed"), category),
    )
    reported_at, updated_at = _time(raw.get("reported_at")), _time(raw.get("updated_at"))
    if updated_at < reported_at:
        raise BadReport("bad_time", "updated_at is earlier than reported_at.")
    return fields, reported_at, updated_at


def _apply(session: Session, parsed: tuple[Fields, dt.datetime, dt.datetime]) -> str:
    fields, reported_at, updated_at = parsed
    lock_reporter(session, fields.reporter)
    existing = session.scalars(
        select(Report).where(Report.e164 == fields.e164, Report.reporter == fields.reporter)
    ).one_or_none()
    if existing is not None and (
        existing.updated_at > updated_at or _same(existing, fields, updated_at)
    ):
        return "skipped"  # the database already has this report, or a newer one
    report, created = save(session, fields, updated_at, "import")
    if created:
        report.reported_at = reported_at
    return "added" if created else "updated"


def _same(report: Report, fields: Fields, updated_at: dt.datetime) -> bool:
    stored = (report.category, report.rang_seconds, report.comment, report.claimed)
    return stored == fields[2:] and report.updated_at == updated_at


def _reporter(value: object) -> str:
    if not isinstance(value, str) or not _REPORTER.fullmatch(value):
        raise BadReport("bad_reporter", "reporter must be a reporter key from an export.")
    return value


def _number(value: object) -> object:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise BadReport("bad_rang", f"rang_seconds '{value[:20]}' is not a number.") from None
    return value


def _time(value: object) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadReport(
            "bad_time", f"'{str(value)[:40]}' is not a UTC time like 2026-11-01T10:00:00Z."
        )
    return moment.astimezone(dt.UTC)
