"""``Store``: the one object the faces use to keep and read community reports."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from ringcheck.community import Community
from ringcheck.settings import Settings
from ringcheck.store import campaigns, checks, devices, engine, reads, transfer, writes
from ringcheck.store.devices import DeviceView
from ringcheck.store.errors import BadReport, StoreError
from ringcheck.store.models import Meta
from ringcheck.store.running import CampaignView, Sighting
from ringcheck.store.views import (
    AuditEntry,
    ImportResult,
    Page,
    RecentNumber,
    ReportView,
    SaveResult,
)

_SALT_KEY = "reporter_salt"


@contextlib.contextmanager
def _briefly(settings: Settings) -> Iterator[Engine]:
    """The settings' database for one task (its errors translated), closed after."""
    url = engine.database_url(settings.database_url)
    db = engine.create(url)
    try:
        with engine.translated(url):
            yield db
    finally:
        db.dispose()


class Store:
    """Community reports in SQLite or PostgreSQL.

    >>> store = Store.open(Settings(database_url="sqlite:////tmp/reports.db"))  # doctest: +SKIP
    >>> store.add_report(number="+442079460000", category="silent", client="203.0.113.9")
    ... # doctest: +SKIP
    SaveResult(report_id=1, created=True)
    """

    def __init__(self, settings: Settings, url: URL, db: Engine) -> None:
        self.settings = settings
        self.url = url
        self._engine = db
        self._writer = db.execution_options(**{engine.WRITE: True})
        # Reads of one statement need no transaction: on PostgreSQL that saves the BEGIN
        # and ROLLBACK round trips on the number page's hot path.
        self._single = (
            db.execution_options(isolation_level="AUTOCOMMIT")
            if db.dialect.name == "postgresql"
            else db
        )
        self._salt: bytes | None = None

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """Open the database in ``settings.database_url``, creating its tables if empty."""
        url = engine.database_url(settings.database_url)
        db = engine.create(url)
        try:
            with engine.translated(url):
                engine.ensure_schema(db)
        except BaseException:
            db.dispose()
            raise
        return cls(settings, url, db)

    @classmethod
    def upgrade_url(cls, settings: Settings) -> tuple[str | None, str]:
        """Apply migrations to the settings' database: (revision before, revision now)."""
        with _briefly(settings) as db:
            before, _ = engine.schema_status(db)
            engine.upgrade(db)
            return before, engine.schema_status(db)[0] or ""

    @classmethod
    def status_url(cls, settings: Settings) -> tuple[str | None, str]:
        """(the database's revision, this ringcheck's newest), without migrating."""
        with _briefly(settings) as db:
            return engine.schema_status(db)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        """The database, for messages: a file path or the URL without its password."""
        return engine.describe(self.url)

    def upgrade(self) -> None:
        with engine.translated(self.url):
            engine.upgrade(self._engine)

    def schema_status(self) -> tuple[str | None, str]:
        with engine.translated(self.url):
            return engine.schema_status(self._engine)

    @contextlib.contextmanager
    def _read(self) -> Iterator[Session]:
        with engine.translated(self.url), Session(self._engine) as session:
            yield session

    @contextlib.contextmanager
    def _read_one(self) -> Iterator[Session]:
        """A session for a read of a single statement."""
        with engine.translated(self.url), Session(self._single) as session:
            yield session

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        with (
            engine.translated(self.url),
            Session(self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def reporter_key(self, client: str) -> str:
        """The opaque key a client is known by: HMAC-SHA256 of its address."""
        if not isinstance(client, str) or not client.strip() or len(client) > 300:
            raise BadReport("bad_client", "The reporter's address is missing.")
        digest = hmac.new(self._reporter_salt(), client.encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _reporter_salt(self) -> bytes:
        if self._salt is None:
            self._salt = (self.settings.reporter_salt or self._stored_salt()).encode()
        return self._salt

    def _stored_salt(self) -> str:
        with self._write() as session:
            salt = session.scalar(select(Meta.value).where(Meta.key == _SALT_KEY))
            if salt is None:  # made by migration 0001; only a hand-edited database lacks it
                salt = secrets.token_hex(32)
                session.add(Meta(key=_SALT_KEY, value=salt))
            return salt

    def add_report(
        self,
        *,
        number: str,
        category: str,
        client: str,
        rang_seconds: float | str | None = None,
        comment: str | None = None,
        claimed: str | None = None,
        now: dt.datetime | None = None,
    ) -> SaveResult:
        """Keep a report; a reporter's repeat on the same number updates their report.

        Raises ``BadReport`` for anything that can't be stored and ``ReportLimited`` past
        ``reports_per_hour``.
        """
        checked_category = checks.check_category(category)
        fields = writes.Fields(
            e164=checks.check_number(number),
            reporter=self.reporter_key(client),
            category=checked_category,
            rang_seconds=checks.check_rang(rang_seconds),
            comment=checks.check_comment(comment),
            claimed=checks.check_claimed(claimed, checked_category),
        )
        moment = checks.utc(now)
        with self._write() as session:
            writes.lock_reporter(session, fields.reporter)
            writes.check_limit(session, fields.reporter, moment, self.settings.reports_per_hour)
            report, created = writes.save(session, fields, moment, "report")
            return SaveResult(report.id, created)

    def community(
        self, e164: str, *, comments: int = 5, now: dt.datetime | None = None
    ) -> Community | None:
        """Visible reports on ``e164`` and its neighbours, or None when there are none."""
        with self._read_one() as session:
            return reads.community(
                session, e164, comments, None if now is None else checks.utc(now)
            )

    def reported_ranges(self) -> frozenset[str]:
        """The ranges (E.164 numbers less their last two digits) anyone reported in.

        A number outside all of them has no community data, itself or in its neighbours,
        so a caller holding this set can skip ``community`` for it.
        """
        with self._read_one() as session:
            return reads.reported_ranges(session)

    def reports(
        self, e164: str, *, page: int = 1, per_page: int = 20, include_hidden: bool = False
    ) -> Page:
        """A page of the number's reports, the latest first, comments cleaned."""
        with self._read() as session:
            return reads.reports(session, e164, page, per_page, include_hidden)

    def recent(
        self, *, days: int = 7, limit: int = 20, now: dt.datetime | None = None
    ) -> list[RecentNumber]:
        """The most reported numbers of the last ``days`` days."""
        with self._read() as session:
            return reads.recent(session, days, limit, checks.utc(now))

    def reported_numbers(self) -> list[str]:
        """Every number with a visible report (the private lookup's index)."""
        with self._read() as session:
            return reads.reported_numbers(session)

    def add_device(
        self,
        name: str,
        *,
        home: str,
        level: str = "high",
        size: int = 2000,
        now: dt.datetime | None = None,
    ) -> tuple[DeviceView, str]:
        """A new device allowed to read the CardDAV block list, and its password (shown
        once; only its hash is kept)."""
        with self._write() as session:
            return devices.add(session, name, home, level, size, checks.utc(now))

    def devices(self) -> list[DeviceView]:
        with self._read() as session:
            return devices.listed(session)

    def revoke_device(self, key: str, *, now: dt.datetime | None = None) -> DeviceView:
        with self._write() as session:
            return devices.revoke(session, key, checks.utc(now))

    def device(self, username: str, password: str) -> DeviceView | None:
        """The active device these credentials sign in as, or None."""
        with self._read() as session:
            return devices.signed_in(session, username, password)

    def active_device(self, username: str) -> tuple[str, DeviceView] | None:
        """An active device's password hash and view, or None (revoked or unknown)."""
        with self._read() as session:
            return devices.active(session, username)

    def publish_campaign(
        self, seen: Sighting, *, quiet: dt.timedelta, now: dt.datetime | None = None
    ) -> CampaignView:
        """Keep what the live detector saw of a campaign; it blocks until its last call
        plus ``quiet`` (a false alarm stays released)."""
        seen = dataclasses.replace(
            seen, first_seen=checks.utc(seen.first_seen), last_seen=checks.utc(seen.last_seen)
        )
        with self._write() as session:
            return campaigns.publish(session, seen, quiet, checks.utc(now))

    def blocking_campaign(
        self, e164: str, *, now: dt.datetime | None = None
    ) -> CampaignView | None:
        """The campaign that blocks calls from ``e164`` now, or None."""
        with self._read_one() as session:
            return campaigns.blocking(session, e164, checks.utc(now))

    def campaigns(
        self, *, ended: bool = False, now: dt.datetime | None = None
    ) -> list[CampaignView]:
        with self._read() as session:
            return campaigns.listed(session, checks.utc(now), ended)

    def campaign(self, campaign_id: int) -> CampaignView:
        with self._read() as session:
            return campaigns.one(session, campaign_id)

    def set_campaign_status(
        self,
        campaign_id: int,
        status: str,
        *,
        actor: str,
        reason: str,
        now: dt.datetime | None = None,
    ) -> CampaignView:
        """``false_alarm`` releases the block at once (and is remembered); ``handled``
        marks it seen; ``active`` undoes either. Kept in the campaign's audit log."""
        with self._write() as session:
            return campaigns.set_status(
                session, campaign_id, status, actor, reason, checks.utc(now)
            )

    def campaigns_changed_at(self) -> dt.datetime | None:
        with self._read_one() as session:
            return campaigns.changed_at(session)

    def widely_reported(
        self, *, min_reporters: int = 3, since: dt.datetime | None = None, limit: int = 2000
    ) -> list[tuple[str, int, dt.datetime]]:
        """Numbers at least ``min_reporters`` different people reported: (number,
        reporters, latest report), most reporters first (block lists)."""
        with self._read() as session:
            return reads.widely_reported(
                session, min_reporters, None if since is None else checks.utc(since), limit
            )

    def hide(
        self, report_id: int, *, moderator: str, reason: str, now: dt.datetime | None = None
    ) -> ReportView:
        """Hide a report from everyone but moderators; the audit log records it."""
        return self._moderate(report_id, True, moderator, reason, now)

    def unhide(
        self, report_id: int, *, moderator: str, reason: str, now: dt.datetime | None = None
    ) -> ReportView:
        """Show a hidden report again; the audit log records it."""
        return self._moderate(report_id, False, moderator, reason, now)

    def _moderate(
        self, report_id: int, hidden: bool, moderator: str, reason: str, now: dt.datetime | None
    ) -> ReportView:
        who = checks.check_name(moderator, "moderator")
        why = checks.check_name(reason, "reason")
        with self._write() as session:
            report = writes.set_hidden(
                session, report_id, hidden=hidden, moderator=who, reason=why, now=checks.utc(now)
            )
            return reads.view(report)

    def get(self, report_id: int) -> ReportView:
        """One report by id (hidden or not); ``BadReport('no_such_report')`` if missing."""
        with self._read() as session:
            return reads.view(writes.get_report(session, report_id))

    def list_reports(
        self, *, hidden: bool | None = None, page: int = 1, per_page: int = 20
    ) -> Page:
        """Reports on every number, the latest first, for moderators; ``hidden=True`` only
        hidden ones, ``False`` only visible ones, None all."""
        with self._read() as session:
            return reads.all_reports(session, hidden, page, per_page)

    def audit_log(self, *, limit: int = 100) -> list[AuditEntry]:
        """Moderation actions, the latest first."""
        with self._read() as session:
            return reads.audit_log(session, limit)

    def purge_comments(self, *, older_than_days: int, now: dt.datetime | None = None) -> int:
        """Blank comments older than ``older_than_days``; reports and counts stay."""
        if isinstance(older_than_days, bool) or not isinstance(older_than_days, int):
            raise BadReport("bad_days", "Give the age in whole days.")
        if older_than_days < 1:
            raise BadReport("bad_days", "Comments must be at least 1 day old to be purged.")
        cutoff = checks.utc(now) - dt.timedelta(days=older_than_days)
        with self._write() as session:
            return writes.purge_comments(session, cutoff)

    def export(self, fmt: str, out: TextIO) -> int:
        """Write every visible report as ``jsonl`` or ``csv``; returns how many."""
        transfer.check_format(fmt)
        with self._read() as session:
            return transfer.export(session, fmt, out)

    def import_(self, fmt: str, source: TextIO) -> ImportResult:
        """Add or update reports from an export; bad lines are listed, not fatal."""
        return transfer.import_(self._write, fmt, source)

    def backup(self, path: str | os.PathLike[str]) -> None:
        """A consistent copy of a live SQLite database at ``path`` (a new file)."""
        if self.url.get_backend_name() != "sqlite":
            raise StoreError(
                "backup_not_supported",
                "ringcheck backs up SQLite files only. For PostgreSQL use pg_dump, e.g. "
                "pg_dump --format=custom --file=ringcheck.dump DATABASE.",
            )
        dest = os.fspath(path)
        if os.path.exists(dest):
            raise StoreError("backup_exists", f"{dest} already exists; choose a new file name.")
        partial = f"{dest}.partial-{secrets.token_hex(4)}"
        try:
            _copy_sqlite(str(self.url.database), partial)
            os.replace(partial, dest)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise StoreError("backup_failed", f"Can't write the backup to {dest}: {exc}.") from None


def _copy_sqlite(source: str, dest: str) -> None:
    """sqlite3's online backup: a consistent snapshot even while others write."""
    src = sqlite3.connect(source, timeout=engine.BUSY_TIMEOUT_SECONDS)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
