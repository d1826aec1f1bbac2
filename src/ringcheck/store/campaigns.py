"""Campaigns the live detector published: keep, find by caller, list, release.

A caller matches a campaign by its number or by a range that holds it: the number's
possible keys (``running.keys_for``) are looked up in one indexed query, so phone-system
lookups stay cheap; which of them blocks is ``running.narrowest``.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringcheck.store.errors import CampaignError
from ringcheck.store.models import Campaign, CampaignAudit
from ringcheck.store.running import (
    MAX_FREE_DIGITS,
    STATUSES,
    CampaignView,
    Sighting,
    keys_for,
    narrowest,
    view,
)

MAX_ACTOR = 100


def check_key(key: str) -> str:
    """A campaign key as stored, or ``CampaignError``."""
    body = key[1:].rstrip("x")
    free = len(key) - 1 - len(body)
    if not (key.startswith("+") and body.isdigit() and 6 <= len(key) <= 17):
        raise CampaignError(
            "bad_key", f"{key!r} is not a number in E.164 or a range like +2250712345xx."
        )
    if free > MAX_FREE_DIGITS:
        raise CampaignError("bad_key", f"A range may leave at most {MAX_FREE_DIGITS} digits free.")
    return key


def publish(
    session: Session, seen: Sighting, quiet: dt.timedelta, now: dt.datetime
) -> CampaignView:
    """Keep a sighting: a new campaign, or the newer counts of a known one. A campaign an
    analyst called a false alarm stays released; one that had ended starts again."""
    key = check_key(seen.key)
    row = session.scalars(select(Campaign).where(Campaign.key == key)).first()
    started = row is None or (row.status != "false_alarm" and row.expires_at <= now)
    if row is None:
        row = Campaign(key=key)
        session.add(row)
    if started:
        row.status, row.first_seen, row.last_seen = "active", seen.first_seen, seen.last_seen
    row.level, row.score = seen.level, seen.score
    row.reasons = json.dumps([{"code": c, "text": t} for c, t in seen.reasons])
    row.subscribers, row.calls, row.callbacks = seen.subscribers, seen.calls, seen.callbacks
    row.ring_low, row.ring_high = seen.ring_low, seen.ring_high
    row.last_seen = max(seen.last_seen, row.last_seen)
    row.expires_at = row.last_seen + quiet
    row.source, row.updated_at = seen.source[:MAX_ACTOR], now
    session.flush()
    if started:
        _note(session, row, "published", row.source, f"level {seen.level}, score {seen.score}", now)
    return view(row)


def _note(
    session: Session, row: Campaign, action: str, actor: str, reason: str, now: dt.datetime
) -> None:
    session.add(
        CampaignAudit(campaign_id=row.id, action=action, actor=actor, reason=reason, at=now)
    )


def blocking(session: Session, e164: str, now: dt.datetime) -> CampaignView | None:
    """The campaign that blocks calls from ``e164`` now (the narrowest, if several)."""
    rows = session.scalars(select(Campaign).where(Campaign.key.in_(keys_for(e164)))).all()
    return narrowest((view(row) for row in rows), now)


def listed(session: Session, now: dt.datetime, ended: bool) -> list[CampaignView]:
    """Campaigns newest first: the running ones, or every one with ``ended``."""
    query = select(Campaign).order_by(Campaign.last_seen.desc(), Campaign.id.desc())
    if not ended:
        query = query.where(Campaign.expires_at > now)
    return [view(row) for row in session.scalars(query)]


def one(session: Session, campaign_id: int) -> CampaignView:
    row = session.get(Campaign, campaign_id)
    if row is None:
        raise CampaignError("no_campaign", f"There is no campaign {campaign_id}.")
    audit = session.scalars(
        select(CampaignAudit)
        .where(CampaignAudit.campaign_id == campaign_id)
        .order_by(CampaignAudit.id)
    )
    history = tuple(
        {"action": a.action, "actor": a.actor, "reason": a.reason, "at": a.at.isoformat()}
        for a in audit
    )
    return view(row, history)


def set_status(
    session: Session, campaign_id: int, status: str, actor: str, reason: str, now: dt.datetime
) -> CampaignView:
    """An analyst's decision, kept with who, when and why."""
    if status not in STATUSES:
        raise CampaignError("bad_status", f"The status must be one of {', '.join(STATUSES)}.")
    reason = " ".join(reason.split())
    actor = "".join(ch for ch in actor if ch.isprintable()).strip()[:MAX_ACTOR] or "admin"
    if not reason:
        raise CampaignError("bad_reason", "Say why, for the audit log.")
    row = session.get(Campaign, campaign_id)
    if row is None:
        raise CampaignError("no_campaign", f"There is no campaign {campaign_id}.")
    row.status, row.updated_at = status, now
    session.add(
        CampaignAudit(campaign_id=row.id, action=status, actor=actor, reason=reason, at=now)
    )
    session.flush()
    return one(session, campaign_id)


def changed_at(session: Session) -> dt.datetime | None:
    """When any campaign last changed: workers compare it to drop what they cached."""
    moment: dt.datetime | None = session.scalar(select(func.max(Campaign.updated_at)))
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment
