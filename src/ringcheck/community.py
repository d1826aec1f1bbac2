"""What other people reported about a number, and how much that should count.

Pure code, no I/O: the store reads reports and hands them over as a ``Community``; the
risk rules turn it into the ``community_reports`` reason with ``community_signal``.

The formula (documented for users in README.md, "How reports count"):

- Each reporter has at most one active report per number (a repeat replaces it), so
  every vote below is a different person.
- A vote's weight decays with age: ``0.5 ** (age_days / half_life_days)`` (half-life a
  setting, default 120 days). A scam category (one-ring call-back, premium call-back,
  impersonation, recorded "press 1") counts 1; a nuisance category (silent, sales,
  other) counts 0.5; ``legitimate`` counts -1.
- Reports on the number's neighbours (the same number but for its last one or two
  digits, as Wangiri campaigns rotate through consecutive numbers) count half, and only
  against the number (a neighbour's "legitimate" says nothing about this one). Each
  reporter counts once across the neighbours, with their strongest vote.
- ``net`` is the sum. Points are ``sign(net) * round(20 * log2(1 + |net|))``, held
  between -30 and +60: 1 fresh scam report gives 20, 3 give 40, 7 give 60 (the most).
  3 fresh "legitimate" reports give -30 (the least).
- With fewer than 3 distinct reporters (on the number and its neighbours together) the
  points are clipped so that the level stays where the number's own facts put it:
  community data alone can't move a number into another level until 3 people agree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, get_args

# What a report says the call was; the API's schema lists the same (``Category``).
Category = Literal[
    "one_ring_callback",
    "premium_callback",
    "impersonation",
    "recorded_press_1",
    "silent",
    "sales",
    "legitimate",
    "other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
SCAM_CATEGORIES = frozenset(
    {"one_ring_callback", "premium_callback", "impersonation", "recorded_press_1"}
)
_CATEGORY_WEIGHT = {c: 1.0 if c in SCAM_CATEGORIES else 0.5 for c in CATEGORIES}
_CATEGORY_WEIGHT["legitimate"] = -1.0
NEIGHBOUR_WEIGHT = 0.5
MIN_REPORTERS = 3
MAX_POINTS, MIN_POINTS = 60, -30
_SCALE = 20.0


class Vote(NamedTuple):
    """One reporter's active report: who (an opaque key), what, and when (UTC)."""

    reporter: str
    category: str
    reported_at: dt.datetime


@dataclass(frozen=True)
class Comment:
    """A visible comment, already cleaned of other numbers and e-mail addresses."""

    text: str
    category: str
    reported_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "category": self.category,
            "reported_at": iso(self.reported_at),
        }


@dataclass(frozen=True)
class Neighbours:
    """Reports on numbers equal to this one but for the last ``digits`` digits."""

    digits: int
    prefix: str  # E.164 without the last ``digits`` digits, e.g. "+44790000000"
    numbers: int  # distinct reported numbers in that range, this one excluded
    reports: int
    reporters: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "digits": self.digits,
            "prefix": self.prefix,
            "numbers": self.numbers,
            "reports": self.reports,
            "reporters": self.reporters,
        }


@dataclass(frozen=True)
class Community:
    """Everything visible that people reported about one number (and its neighbours)."""

    e164: str
    total: int
    by_category: Mapping[str, int]
    reporters: int
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    comments: tuple[Comment, ...] = ()
    neighbours: tuple[Neighbours, ...] = ()
    votes: tuple[Vote, ...] = field(default=(), repr=False)
    neighbour_votes: tuple[Vote, ...] = field(default=(), repr=False)

    @property
    def empty(self) -> bool:
        return not self.votes and not self.neighbour_votes

    def to_dict(self) -> dict[str, Any]:
        """The ``community`` block of the result contract."""
        return {
            "total": self.total,
            "by_category": {c: self.by_category.get(c, 0) for c in CATEGORIES},
            "reporters": self.reporters,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "comments": [c.to_dict() for c in self.comments],
            "neighbours": [n.to_dict() for n in self.neighbours],
        }


class Signal(NamedTuple):
    """What the reports add up to: the decayed net weight, distinct reporters, points."""

    net: float
    reporters: int
    points: int
    top_category: str | None


def community_signal(community: Community, now: dt.datetime, half_life_days: float) -> Signal:
    """The (uncapped by level) points the reports are worth; see the module docstring.

    >>> t = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> votes = tuple(Vote(f"r{i}", "one_ring_callback", t) for i in range(3))
    >>> c = Community("+2250700000000", 3, {"one_ring_callback": 3}, 3, t, t, votes=votes)
    >>> community_signal(c, t, 120).points
    40
    """
    own = sum(_weight(v, now, half_life_days) for v in community.votes)
    strongest: dict[str, float] = {}
    for vote in community.neighbour_votes:
        if vote.category == "legitimate":
            continue
        weight = _weight(vote, now, half_life_days)
        strongest[vote.reporter] = max(weight, strongest.get(vote.reporter, 0.0))
    net = own + NEIGHBOUR_WEIGHT * sum(strongest.values())
    reporters = len({v.reporter for v in community.votes} | set(strongest))
    magnitude = round(_SCALE * math.log2(1 + abs(net)))
    points = max(MIN_POINTS, min(MAX_POINTS, magnitude if net >= 0 else -magnitude))
    return Signal(net, reporters, points, _top_category(community.votes))


def _weight(vote: Vote, now: dt.datetime, half_life_days: float) -> float:
    age_days = max(0.0, (now - vote.reported_at).total_seconds() / 86400)
    decay: float = 0.5 ** (age_days / half_life_days)
    return _CATEGORY_WEIGHT.get(vote.category, 0.5) * decay


def _top_category(votes: Iterable[Vote]) -> str | None:
    counts: dict[str, int] = {}
    for vote in votes:
        counts[vote.category] = counts.get(vote.category, 0) + 1
    if not counts:
        return None
    # Most reported first; ties go to the more serious category (CATEGORIES order).
    return min(counts, key=lambda c: (-counts[c], CATEGORIES.index(c)))


def iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a "Z", to the second (how every report time is shown)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
