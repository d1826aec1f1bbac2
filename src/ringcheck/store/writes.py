"""Writing reports and moderation actions. Each function runs inside the caller's write
transaction (``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL a per-reporter advisory lock
makes the limit check and the one-report-per-number rule hold across workers)."""

from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ringcheck.store.errors import BadReport, ReportLimited
from ringcheck.store.models import Audit, Report, Submission

HOUR = dt.timedelta(hours=1)


class Fields(NamedTuple):
    """A checked report, ready to store."""

    e164: str
    reporter: str
    category: str
    rang_seconds: float | None
    comment: str | None
    claimed: str | None

    def said(self) -> dict[str, object]:
        """What the reporter said, as a report and each submission keep it (the latest
        submission's words replace the report's)."""
        return {name: getattr(self, name) for name in _SAID}


_SAID = ("category", "rang_seconds", "comment", "claimed")


def lock_reporter(session: Session, reporter: str) -> None:
    """Serialise one reporter's writes on PostgreSQL (SQLite already has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int(reporter[:15], 16)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def check_limit(session: Session, reporter: str, now: dt.datetime, limit: int) -> None:
    """``ReportLimited`` if this reporter already sent ``limit`` reports in the last hour."""
    recent = session.scalars(
        select(Submission.at)
        .where(
            Submission.reporter == reporter,
            Submission.source == "report",
            Submission.at > now - HOUR,
        )
        .order_by(Submission.at.desc())
        .limit(limit)
    ).all()
    if len(recent) >= limit:
        # The oldest of the last `limit` leaves the window first.
        wait = (recent[-1] + HOUR - now).total_seconds()
        raise ReportLimited(max(1, math.ceil(wait)), limit)


def save(session: Session, fields: Fields, now: dt.datetime, source: str) -> tuple[Report, bool]:
    """Create or update the reporter's report on the number, and keep the submission."""
    report = session.scalars(
        select(Report).where(Report.e164 == fields.e164, Report.reporter == fields.reporter)
    ).one_or_none()
    created = report is None
    if report is None:
        report = Report(
            e164=fields.e164,
            prefix1=fields.e164[:-1],
            prefix2=fields.e164[:-2],
            reporter=fields.reporter,
            reported_at=now,
            hidden=False,
        )
        session.add(report)
    said = fields.said()
    for name, value in said.items():
        setattr(report, name, value)
    report.updated_at = now
    session.flush()
    session.add(
        Submission(
            report_id=report.id,
            reporter=fields.reporter,
            e164=fields.e164,
            source=source,
            at=now,
            **said,
        )
    )
    return report, created


def set_hidden(
    session: Session, report_id: int, *, hidden: bool, moderator: str, reason: str, now: dt.datetime
) -> Report:
    """Hide or show a report and record who did it and why (also when nothing changes)."""
    report = get_report(session, report_id)
    report.hidden = hidden
    session.add(
        Audit(
            action="hide" if hidden else "unhide",
            report_id=report.id,
            moderator=moderator,
            reason=reason,
            at=now,
        )
    )
    session.flush()
    return report


def get_report(session: Session, report_id: int) -> Report:
    report = None
    if isinstance(report_id, int) and not isinstance(report_id, bool) and 0 < report_id < 2**62:
        report = session.get(Report, report_id)
    if report is None:
        raise BadReport("no_such_report", f"There is no report number {report_id}.")
    return report


def purge_comments(session: Session, cutoff: dt.datetime) -> int:
    """Blank comments last written before ``cutoff``, in reports and their history."""
    result = session.execute(
        update(Report)
        .where(Report.comment.is_not(None), Report.updated_at < cutoff)
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Submission)
        .where(Submission.comment.is_not(None), Submission.at < cutoff)
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
