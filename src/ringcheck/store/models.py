"""The tables, as SQLAlchemy 2 typed models. The migrations in ``migrations/versions``
create exactly these; a test compares the two."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored as a naive UTC timestamp on every engine; read back as an aware UTC one."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Small facts about the database itself, such as the reporter-key salt."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Report(Base):
    """A reporter's one active report on a number (a repeat updates it)."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("e164", "reporter"),
        Index("ix_reports_updated_at", "updated_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    e164: Mapped[str] = mapped_column(String(20))
    # The number without its last one and two digits: neighbours are an indexed lookup.
    prefix1: Mapped[str] = mapped_column(String(20), index=True)
    prefix2: Mapped[str] = mapped_column(String(20), index=True)
    reporter: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    rang_seconds: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    claimed: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class Submission(Base):
    """Every report as it was sent (append-only): nothing a person submitted is lost.

    ``source`` is ``report`` or ``import``; only ``report`` rows count towards the limit.
    """

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_reporter_at", "reporter", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    reporter: Mapped[str] = mapped_column(String(64))
    e164: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(32))
    rang_seconds: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    claimed: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Audit(Base):
    """Who hid or unhid which report, when and why (added by revision 0002)."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    moderator: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Device(Base):
    """A phone system allowed to read the CardDAV block list (added by revision 0003).

    Each has its own user name and password (only a scrypt hash of it is kept), so one
    can be revoked without touching the others.
    """

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(200))
    home: Mapped[str] = mapped_column(String(2))
    level: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)  # the most numbers its book holds
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Campaign(Base):
    """A running Wangiri campaign the live detector published (added by revision 0004).

    ``key`` is a caller number in E.164 (``+2250712345678``) or a range written with
    ``x`` for its free last digits (``+22507123456xx``), so a caller is matched by one
    indexed ``IN`` over its few possible keys. ``status`` is ``active``, ``handled`` (an
    analyst saw it; it still blocks) or ``false_alarm`` (released, and remembered: the
    detector's next publication of the same key doesn't block again). A campaign stops
    blocking at ``expires_at``: its last call plus a quiet period.
    """

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_updated_at", "updated_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)  # JSON: [{"code", "text"}…]
    subscribers: Mapped[int] = mapped_column(Integer)  # distinct subscribers rung
    calls: Mapped[int] = mapped_column(Integer)
    ring_low: Mapped[float | None] = mapped_column(Float)  # seconds, shortest ring
    ring_high: Mapped[float | None] = mapped_column(Float)  # seconds, longest ring
    callbacks: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CampaignAudit(Base):
    """What happened to a campaign, by whom and why: published, false alarm, handled."""

    __tablename__ = "campaign_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
