"""Published campaigns as plain records, and which one blocks a caller: the one rule
the store's query, a web worker's campaigns in memory, ``ringcheck triage`` and the phone
adapters all follow.

A caller is held by a campaign on its number or on a range that holds it: the number's
possible keys are itself and itself with its last 1 to 4 digits written ``x``
(``keys_for``); of the campaigns on those keys that block now, the narrowest counts
(``narrowest``). ``Running`` is the blocking campaigns from one read of the store, for
asking about many numbers. No SQLAlchemy here: a phone system's one-process-per-call
check imports this cheaply.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("active", "handled", "false_alarm")
BLOCKING = ("active", "handled")
MAX_FREE_DIGITS = 4


@dataclass(frozen=True)
class Sighting:
    """What the detector saw of one campaign, as it publishes it."""

    key: str  # "+2250712345678" or "+22507123456xx"
    level: str
    score: int
    reasons: tuple[tuple[str, str], ...]  # (code, text)
    subscribers: int
    calls: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    ring_low: float | None = None
    ring_high: float | None = None
    callbacks: int = 0
    source: str = "live"


@dataclass(frozen=True)
class CampaignView:
    id: int
    key: str
    level: str
    score: int
    reasons: tuple[tuple[str, str], ...]
    subscribers: int
    calls: int
    ring_low: float | None
    ring_high: float | None
    callbacks: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime
    status: str
    source: str
    updated_at: dt.datetime
    history: tuple[dict[str, Any], ...] = field(default=())

    def blocking(self, now: dt.datetime) -> bool:
        """Whether phone systems should block its calls now."""
        return self.status in BLOCKING and self.expires_at > now

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "level": self.level,
            "score": self.score,
            "reasons": [{"code": c, "text": t} for c, t in self.reasons],
            "subscribers": self.subscribers,
            "calls": self.calls,
            "ring_seconds": [self.ring_low, self.ring_high],
            "callbacks": self.callbacks,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "status": self.status,
            "source": self.source,
            "history": list(self.history),
        }


def keys_for(e164: str) -> list[str]:
    """Every key a campaign holding ``e164`` could have."""
    return [e164] + [e164[:-n] + "x" * n for n in range(1, MAX_FREE_DIGITS + 1)]


def view(row: Any, history: tuple[dict[str, Any], ...] = ()) -> CampaignView:
    """A campaign row (the model, or a row with its columns' names) as a record."""
    reasons = tuple((str(r["code"]), str(r["text"])) for r in json.loads(row.reasons))
    return CampaignView(
        row.id, row.key, row.level, row.score, reasons, row.subscribers, row.calls,
        row.ring_low, row.ring_high, row.callbacks, row.first_seen, row.last_seen,
        row.expires_at, row.status, row.source, row.updated_at, history,
    )  # fmt: skip


def narrowest(held: Iterable[CampaignView], now: dt.datetime) -> CampaignView | None:
    """Of the campaigns holding one caller, the narrowest that blocks at ``now``."""
    found = [c for c in held if c.blocking(now)]
    return min(found, key=lambda c: c.key.count("x")) if found else None


class Running:
    """The campaigns that block calls, from one read of the store
    (``Store.campaigns()``): ``find`` is a few dictionary lookups per number."""

    def __init__(self, campaigns: Iterable[CampaignView] = ()) -> None:
        self.by_key = {c.key: c for c in campaigns if c.status in BLOCKING}

    def find(self, e164: str | None, now: dt.datetime | None = None) -> CampaignView | None:
        """The narrowest campaign holding ``e164`` that blocks at ``now``."""
        if not e164 or not self.by_key:
            return None
        by_key = self.by_key
        held = [by_key[key] for key in keys_for(e164) if key in by_key]
        return narrowest(held, now or dt.datetime.now(dt.UTC)) if held else None

    def blocking(self, now: dt.datetime | None = None) -> list[CampaignView]:
        """Every campaign blocking at ``now``, newest first."""
        moment = now or dt.datetime.now(dt.UTC)
        found = [c for c in self.by_key.values() if c.blocking(moment)]
        return sorted(found, key=lambda c: (c.last_seen, c.id), reverse=True)
