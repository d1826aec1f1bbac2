"""What the store hands back: plain, frozen records with JSON-ready ``to_dict()``.

None of them carries a reporter key: that stays in the database (and in exports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ringcheck.community import iso


class SaveResult(NamedTuple):
    """A stored report: its id, and whether it is new (False: the reporter's earlier
    report on this number was updated)."""

    report_id: int
    created: bool


@dataclass(frozen=True)
class ReportView:
    """One report as people see it; the comment is already cleaned for display."""

    id: int
    e164: str
    category: str
    rang_seconds: float | None
    comment: str | None
    claimed: str | None
    reported_at: dt.datetime
    updated_at: dt.datetime
    hidden: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "e164": self.e164,
            "category": self.category,
            "rang_seconds": self.rang_seconds,
            "comment": self.comment,
            "claimed": self.claimed,
            "reported_at": iso(self.reported_at),
            "updated_at": iso(self.updated_at),
            "hidden": self.hidden,
        }


@dataclass(frozen=True)
class Page:
    """One page of a number's reports, newest first."""

    items: list[ReportView]
    total: int
    page: int
    per_page: int
    pages: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


@dataclass(frozen=True)
class RecentNumber:
    """A number reported recently: visible reports, distinct reporters, the latest
    report and its most reported category."""

    e164: str
    reports: int
    reporters: int
    last_seen: dt.datetime
    top_category: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "e164": self.e164,
            "reports": self.reports,
            "reporters": self.reporters,
            "last_seen": iso(self.last_seen),
            "top_category": self.top_category,
        }


@dataclass(frozen=True)
class AuditEntry:
    """One moderation action: what was done to which report, by whom, why and when."""

    id: int
    action: str
    report_id: int
    moderator: str
    reason: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "report_id": self.report_id,
            "moderator": self.moderator,
            "reason": self.reason,
            "at": iso(self.at),
        }


@dataclass(frozen=True)
class ImportResult:
    """What an import did; ``errors`` lists (line number, why) for lines left out."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [{"line": line, "why": why} for line, why in self.errors],
        }
