"""Reading reports: a number's community summary, pages of reports, recent numbers and
the audit log. Only visible reports count unless a moderator asks for hidden ones."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ringcheck.community import CATEGORIES, Community
from ringcheck.store import summaries
from ringcheck.store.checks import clean_comment
from ringcheck.store.errors import BadReport
from ringcheck.store.models import Audit, Report
from ringcheck.store.views import AuditEntry, Page, RecentNumber, ReportView

MAX_PER_PAGE = 100


def view(report: Report) -> ReportView:
    """A report as people see it, its comment cleaned."""
    comment = clean_comment(report.comment, report.e164) if report.comment else None
    return ReportView(
        id=report.id,
        e164=report.e164,
        category=report.category,
        rang_seconds=report.rang_seconds,
        comment=comment,
        claimed=report.claimed,
        reported_at=report.reported_at,
        updated_at=report.updated_at,
        hidden=report.hidden,
    )


def community(
    session: Session, e164: str, comments: int, now: dt.datetime | None
) -> Community | None:
    """What people reported about ``e164`` and its neighbours; None if nothing visible."""
    # One indexed query for the whole range (the number and its neighbours share its
    # prefix2); a number page asks this on every cache miss.
    columns = [getattr(Report, name) for name in summaries.REPORT_COLUMNS]
    rows = session.execute(select(*columns).where(Report.prefix2 == e164[:-2])).all()
    return summaries.community_of(e164, [summaries.ReportRow(*row) for row in rows], comments, now)


def reported_ranges(session: Session) -> frozenset[str]:
    """Every ``prefix2`` (E.164 less its last two digits) with a visible report."""
    rows = session.execute(select(Report.prefix2).where(Report.hidden.is_(False)).distinct())
    return frozenset(rows.scalars())


def reports(session: Session, e164: str, page: int, per_page: int, include_hidden: bool) -> Page:
    """One page of the number's reports, the latest first."""
    where: list[ColumnElement[bool]] = [Report.e164 == e164]
    if not include_hidden:
        where.append(Report.hidden.is_(False))
    return _page(session, where, page, per_page)


def all_reports(session: Session, hidden: bool | None, page: int, per_page: int) -> Page:
    """Reports on every number, the latest first; ``hidden`` picks hidden or visible ones."""
    where: list[ColumnElement[bool]] = [] if hidden is None else [Report.hidden.is_(hidden)]
    return _page(session, where, page, per_page)


def _page(session: Session, where: list[ColumnElement[bool]], page: int, per_page: int) -> Page:
    if not _whole(page) or page < 1:
        raise BadReport("bad_page", "The page must be a whole number, 1 or more.")
    if not _whole(per_page) or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadReport("bad_page", f"Show between 1 and {MAX_PER_PAGE} reports a page.")
    total = session.scalar(select(func.count()).select_from(Report).where(*where)) or 0
    rows = session.scalars(
        select(Report)
        .where(*where)
        .order_by(Report.updated_at.desc(), Report.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    pages = max(1, math.ceil(total / per_page))
    return Page([view(r) for r in rows], total, page, per_page, pages)


def recent(session: Session, days: int, limit: int, now: dt.datetime) -> list[RecentNumber]:
    """The most reported numbers over the last ``days`` days (visible reports)."""
    if not _whole(days) or not 1 <= days <= 366:
        raise BadReport("bad_days", "Ask for between 1 and 366 days of reports.")
    if not _whole(limit) or not 1 <= limit <= MAX_PER_PAGE:
        raise BadReport("bad_page", f"Ask for between 1 and {MAX_PER_PAGE} numbers.")
    window = [Report.hidden.is_(False), Report.updated_at >= now - dt.timedelta(days=days)]
    count = func.count(Report.id)
    top = session.execute(
        select(
            Report.e164,
            count.label("reports"),
            func.count(Report.reporter.distinct()).label("reporters"),
            func.max(Report.updated_at).label("last_seen"),
        )
        .where(*window)
        .group_by(Report.e164)
        .order_by(count.desc(), func.max(Report.updated_at).desc(), Report.e164)
        .limit(limit)
    ).all()
    numbers = [row.e164 for row in top]
    counts: dict[str, Counter[str]] = {n: Counter() for n in numbers}
    for row in session.execute(
        select(Report.e164, Report.category, func.count())
        .where(Report.e164.in_(numbers), *window)
        .group_by(Report.e164, Report.category)
    ):
        counts[row[0]][row[1]] = row[2]
    return [
        RecentNumber(
            e164=row.e164,
            reports=row.reports,
            reporters=row.reporters,
            last_seen=_aware(row.last_seen),
            top_category=_top(counts[row.e164]),
        )
        for row in top
    ]


def reported_numbers(session: Session) -> list[str]:
    """Every number with a visible report."""
    rows = session.execute(
        select(Report.e164).where(Report.hidden.is_(False)).distinct().order_by(Report.e164)
    )
    return [row[0] for row in rows]


def widely_reported(
    session: Session, min_reporters: int, since: dt.datetime | None, limit: int
) -> list[tuple[str, int, dt.datetime]]:
    """(number, distinct reporters, latest report) for numbers that at least
    ``min_reporters`` people reported (visible reports; changed since ``since``), most
    reporters first."""
    reporters = func.count(Report.reporter.distinct())
    latest = func.max(Report.updated_at)
    query = (
        select(Report.e164, reporters.label("reporters"), latest.label("last_seen"))
        .where(Report.hidden.is_(False))
        .group_by(Report.e164)
        .having(reporters >= min_reporters)
    )
    if since is not None:
        query = query.having(latest >= since)
    rows = session.execute(
        query.order_by(reporters.desc(), latest.desc(), Report.e164).limit(limit)
    ).all()
    return [(row.e164, int(row.reporters), _aware(row.last_seen)) for row in rows]


def _top(counts: Counter[str]) -> str:
    # Most reported first; ties go to the more serious category (CATEGORIES order).
    return min(counts, key=lambda c: (-counts[c], CATEGORIES.index(c)))


def _aware(moment: Any) -> dt.datetime:
    """``max()`` of a timestamp comes back without the column type on some engines."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    value: dt.datetime = moment
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def audit_log(session: Session, limit: int) -> list[AuditEntry]:
    """Moderation actions, the latest first."""
    if not _whole(limit) or limit < 1:
        raise BadReport("bad_page", "Ask for 1 or more audit entries.")
    rows = session.scalars(
        select(Audit).order_by(Audit.at.desc(), Audit.id.desc()).limit(limit)
    ).all()
    return [AuditEntry(r.id, r.action, r.report_id, r.moderator, r.reason, r.at) for r in rows]
