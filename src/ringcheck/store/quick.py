"""The reports database read for one phone call, with Python's own sqlite3.

A phone system that starts one process per incoming call (callblocker on a Raspberry
Pi, within 3 seconds) can't wait for SQLAlchemy to load: that alone took longer than
the rest of the check. ``Quick`` reads the default SQLite file, read-only, when it is at
the newest schema (``migrations.HEAD_REVISION``), and answers the two questions
``lookup`` asks: the community reports on a number and the campaign blocking it. The
rows are turned into answers by the same code as the store's (``summaries``,
``running``). Anything else (another database, an older schema, a file that can't be
read) gets None from ``open``, and the caller opens the ``Store``, which migrates or says
what is wrong; a read that fails once open raises ``StoreError``, as the store's do.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from ringcheck.community import Community
from ringcheck.settings import Settings, default_sqlite_path
from ringcheck.store import running, summaries
from ringcheck.store.checks import utc
from ringcheck.store.errors import StoreError
from ringcheck.store.migrations import HEAD_REVISION

# the columns ``running.view`` reads: a CampaignView's fields but its audit history
_CAMPAIGN_COLUMNS = tuple(f.name for f in fields(running.CampaignView) if f.name != "history")
_TIMES = frozenset({"reported_at", "updated_at", "first_seen", "last_seen", "expires_at"})
_BUSY_SECONDS = 2


class Quick:
    """Reads of a SQLite reports database at the newest schema: ``with Quick.open(…)``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, settings: Settings) -> Quick | None:
        """The default database read-only, or None when the ``Store`` must open it (a
        database setting, no file, another schema, or a file sqlite3 can't read)."""
        path = Path(default_sqlite_path())
        if settings.database_url or not path.is_file():
            return None
        try:
            db = sqlite3.connect(
                f"file:{quote(str(path))}?mode=ro", uri=True, timeout=_BUSY_SECONDS
            )
        except sqlite3.Error:
            return None
        try:
            found = db.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.Error:
            found = []
        if found != [(HEAD_REVISION,)]:
            db.close()
            return None
        return cls(db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Quick:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def community(
        self, e164: str, *, comments: int = 5, now: dt.datetime | None = None
    ) -> Community | None:
        """As ``Store.community``."""
        names = summaries.REPORT_COLUMNS
        rows = self._rows("reports", names, "prefix2 = ?", [e164[:-2]])
        found = [summaries.ReportRow(**row) for row in rows]
        return summaries.community_of(e164, found, comments, None if now is None else utc(now))

    def blocking_campaign(
        self, e164: str, *, now: dt.datetime | None = None
    ) -> running.CampaignView | None:
        """As ``Store.blocking_campaign``."""
        keys = running.keys_for(e164)
        where = f"key IN ({', '.join('?' * len(keys))})"
        rows = self._rows("campaigns", _CAMPAIGN_COLUMNS, where, keys)
        return running.narrowest((running.view(SimpleNamespace(**r)) for r in rows), utc(now))

    def _rows(
        self, table: str, names: tuple[str, ...], where: str, values: list[str]
    ) -> list[dict[str, Any]]:
        """Rows as dictionaries, times read as the store writes them (naive UTC)."""
        query = f"SELECT {', '.join(names)} FROM {table} WHERE {where}"
        try:
            rows = self._db.execute(query, values).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(
                "database_unavailable", f"ringcheck can't read {table} in its database: {exc}."
            ) from None
        return [{n: _value(n, v) for n, v in zip(names, row, strict=True)} for row in rows]


def _value(name: str, value: Any) -> Any:
    if name == "hidden":
        return bool(value)
    if name in _TIMES and isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value
