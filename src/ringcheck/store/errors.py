"""The errors the store raises, each with a stable ``code`` and a message for a person::

RingcheckError
└── StoreError          the database can't be used (bad_database_url,
    │                   database_unavailable, database_busy, backup_not_supported, …)
    ├── SchemaError     the database's tables are older or newer than this ringcheck
    │                   (schema_out_of_date, schema_unknown)
    ├── BadReport       a report, page or moderation request can't be accepted
    │                   (bad_number, bad_category, bad_rang, bad_comment, bad_claimed,
    │                   no_such_report, …)
    ├── ReportLimited   this reporter sent too many reports in the last hour
    │                   (too_many_reports; ``retry_after`` seconds)
    └── CampaignError   a campaign can't be kept or changed as asked
                        (bad_key, bad_status, bad_reason, no_campaign)
"""

from __future__ import annotations

from ringcheck.errors import RingcheckError


class StoreError(RingcheckError):
    """The database can't be reached or used as asked."""


class SchemaError(StoreError):
    """The database's schema is not the one this version of ringcheck uses."""


class BadReport(StoreError, ValueError):
    """Something in a report (or a moderation request) can't be accepted."""


class ReportLimited(StoreError):
    """Too many reports from one reporter: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int, limit: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            "too_many_reports",
            f"You have sent {limit} reports in the last hour, the most we take. "
            f"Please try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
        )
        self.retry_after = retry_after


class CampaignError(StoreError):
    """A campaign can't be kept, found or changed as asked."""
