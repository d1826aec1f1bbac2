"""Push what phone systems should block into Kamailio's ``verdicts`` table (the push mode
of contrib/kamailio/ringcheck.cfg), and keep it fresh.

``wanted(...)`` is what the table should hold, key => the answer for a subscriber
calling the number back (``callback_action``); being in the table at all means calls
FROM it are refused:

- every live campaign blocking now, by its key: a number (``+2250712345678``) or a range
  with its last 1-4 digits free (``+22507123456xx``); the configuration tries a caller's
  number with its last 1-4 digits written ``x``, as ``store.running.keys_for`` does;
- every entry of the block list at ``lookup_block_at`` or worse (``phones.blocklists``):
  numbers enough people reported, by number; the curated ranges, as a prefix followed by
  ``*`` (``+88162*``); the configuration tries each leading part of the number.

``Pusher.sync(wanted)`` sends only the difference from what it pushed last
(``htable.sets`` / ``htable.delete`` over JSON-RPC, one connection kept open), and all
of it again when Kamailio lost the table (a restart: the ``ringcheck:pushed`` mark is
gone) or every ``refresh_seconds`` (the table forgets an entry an hour after it was set).

What push cannot know: a number's own verdict (its type, its country's risk below the
block level, reports from fewer people than the block list needs, the label a phone
shows). The table holds only what ringcheck would block; every other call goes on
unasked, marked ``unknown``.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ringcheck.errors import RingcheckError

if TYPE_CHECKING:
    from ringcheck.settings import Settings
    from ringcheck.store.running import CampaignView

log = logging.getLogger("ringcheck.kamailio")
TABLE = "verdicts"
MARK = "ringcheck:pushed"  # set after a whole push: gone when Kamailio lost the table
REFRESH_SECONDS = 1800.0  # well inside the table's autoexpire (3600 s)


class PushError(RingcheckError):
    """Kamailio could not be reached, or refused what was sent."""


def wanted(
    settings: Settings,
    campaigns: Iterable[CampaignView],
    reported: Callable[..., list[Any]] | None = None,
    community: Callable[[str], Any] | None = None,
) -> dict[str, str]:
    """Key => call-back answer, for everything ringcheck blocks now (see the module)."""
    from ringcheck.phones import blocklists

    listed = blocklists.build(
        settings,
        level=settings.lookup_block_at,
        limit=blocklists.MAX_LIMIT,
        reported=reported,
        community=community,
    )
    out: dict[str, str] = {}
    for entry in listed.entries:
        out[entry.e164 if entry.kind == "number" else entry.e164 + "*"] = "block"
    for campaign in campaigns:
        out[campaign.key] = settings.callback_action
    return out


@dataclass
class Pushed:
    """What one ``sync`` sent."""

    set: int = 0
    deleted: int = 0
    whole: bool = False


class Pusher:
    """Keeps Kamailio's ``verdicts`` table equal to what it is given, over JSON-RPC at
    ``url`` (``http://127.0.0.1:5071/RPC``)."""

    def __init__(
        self,
        url: str,
        timeout: float = 2.0,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PushError("bad_url", f"{url!r} is not an http:// address of Kamailio's RPC.")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path or "/RPC"
        self.timeout = timeout
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._conn: http.client.HTTPConnection | None = None
        self._ids = 0
        self.pushed: dict[str, str] = {}
        self._whole_at = float("-inf")

    def sync(self, target: Mapping[str, str]) -> Pushed:
        """Make the table hold ``target``: only the changes, or all of it when Kamailio
        lost it or it is time to refresh. Raises ``PushError`` (what was pushed before
        the failure is remembered as pushed)."""
        done = Pushed()
        stale = self._clock() - self._whole_at >= self.refresh_seconds
        if stale or not self._marked():
            self.pushed, done.whole = {}, True
        for key, value in target.items():
            if self.pushed.get(key) != value:
                self.call("htable.sets", [TABLE, key, value])
                self.pushed[key] = value
                done.set += 1
        for key in [k for k in self.pushed if k not in target]:
            self.call("htable.delete", [TABLE, key])
            del self.pushed[key]
            done.deleted += 1
        if done.whole:
            self.call("htable.sets", [TABLE, MARK, "1"])
            self._whole_at = self._clock()
        return done

    def _marked(self) -> bool:
        try:
            self.call("htable.get", [TABLE, MARK])
        except PushError as exc:
            if exc.code == "rpc_error":
                return False
            raise
        return True

    def call(self, method: str, params: list[str]) -> Any:
        """One JSON-RPC call; its result, or ``PushError`` (code ``rpc_error`` when
        Kamailio answered with an error, ``unreachable`` when it did not answer)."""
        self._ids += 1
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": self._ids})
        for attempt in (1, 2):  # a kept connection Kamailio closed: one fresh try
            try:
                conn = self._connection()
                conn.request("POST", self._path, body, {"Content-Type": "application/json"})
                answer = conn.getresponse()
                data = answer.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    raise PushError(
                        "unreachable", f"Kamailio's RPC at {self.url} did not answer: {exc}"
                    ) from None
        try:
            found = json.loads(data)
        except ValueError:
            raise PushError(
                "rpc_error", f"Kamailio's RPC answered {answer.status}, not JSON."
            ) from None
        if not isinstance(found, dict) or "error" in found:
            error = found.get("error") if isinstance(found, dict) else found
            raise PushError("rpc_error", f"Kamailio refused {method}: {error}")
        return found.get("result")

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Source:
    """What to push, from the reports store: the running campaigns every cycle (one
    query; they also end by time), the block list's numbers and ranges every
    ``list_seconds``."""

    def __init__(
        self,
        settings: Settings,
        store: Any,
        list_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.store = store
        self.list_seconds = list_seconds
        self._clock = clock
        self._listed: dict[str, str] = {}
        self._listed_at = float("-inf")

    def current(self) -> dict[str, str]:
        import datetime as dt

        now = self._clock()
        if now - self._listed_at >= self.list_seconds:
            self._listed = wanted(
                self.settings, (), self.store.widely_reported, self.store.community
            )
            self._listed_at = now
        moment = dt.datetime.now(dt.UTC)
        running = [c for c in self.store.campaigns(ended=False) if c.blocking(moment)]
        return {**self._listed, **{c.key: self.settings.callback_action for c in running}}
