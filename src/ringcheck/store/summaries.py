"""What a number's report rows add up to: the community summary, built the same way from
the store's query (``reads.community``) and from the quick reader (``store.quick``).

Which reports count is decided here, once: visible ones (not hidden by a moderator),
reported no later than ``now`` when a moment is asked about. No SQLAlchemy here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from ringcheck.community import Comment, Community, Neighbours, Vote
from ringcheck.store.checks import clean_comment


class ReportRow(NamedTuple):
    """The columns of a report a community summary reads (``REPORT_COLUMNS``)."""

    id: int
    e164: str
    reporter: str
    category: str
    reported_at: dt.datetime
    updated_at: dt.datetime
    comment: str | None
    hidden: bool


REPORT_COLUMNS = ReportRow._fields


def community_of(
    e164: str, rows: Sequence[ReportRow], comments: int, now: dt.datetime | None
) -> Community | None:
    """What people reported about ``e164`` and its neighbours (``rows``: every report in
    its range, ``e164[:-2]``); None if nothing visible."""
    rows = [r for r in rows if not r.hidden and (now is None or r.reported_at <= now)]
    own = [row for row in rows if row.e164 == e164]
    near = [row for row in rows if row.e164 != e164]
    if not own and not near:
        return None
    latest = sorted(
        (row for row in own if row.comment is not None),
        key=lambda row: (row.updated_at, row.id),
        reverse=True,
    )[: max(0, comments)]
    return Community(
        e164=e164,
        total=len(own),
        by_category=dict(Counter(row.category for row in own)),
        reporters=len({row.reporter for row in own}),
        first_seen=min((row.reported_at for row in own), default=None),
        last_seen=max((row.updated_at for row in own), default=None),
        comments=tuple(
            Comment(clean_comment(row.comment, e164), row.category, row.updated_at)
            for row in latest
            if row.comment is not None
        ),
        neighbours=(_neighbours(e164, near, 1), _neighbours(e164, near, 2)),
        votes=tuple(Vote(row.reporter, row.category, row.updated_at) for row in own),
        neighbour_votes=tuple(Vote(row.reporter, row.category, row.updated_at) for row in near),
    )


def _neighbours(e164: str, rows: Sequence[ReportRow], digits: int) -> Neighbours:
    prefix = e164[:-digits]
    mine = [row for row in rows if row.e164[:-digits] == prefix]
    return Neighbours(
        digits=digits,
        prefix=prefix,
        numbers=len({row.e164 for row in mine}),
        reports=len(mine),
        reporters=len({row.reporter for row in mine}),
    )
