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

What the ``verdicts`` table cannot know: a number's own verdict (its type, its
country's risk below the block level, the label a phone shows). With ``-A PUSH`` every
other call goes on unasked, marked ``unknown``; the default mode works that verdict out
in Kamailio (``kamailio_verdict``).

``answers(...)`` is the second table, ``answers``, for that default mode: every number
anyone reported (``MAX_ANSWERS`` at most, the most reported first), number => its
lookup's answer with those reports weighed in, ``"<action> <label>"``. The verdict in
Kamailio takes it instead of its own, so a number one or two people reported gets the
``warn`` (or ``block``) and the label the HTTP lookup would give.
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
ANSWERS = "answers"
# the most reported numbers first, as many as the block list holds at most: each is a
# lookup with its reports every --list-every (0.4 ms a number on SQLite: 4 s a minute)
MAX_ANSWERS = 10_000
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


def answers(
    settings: Settings,
    reported: Callable[..., list[Any]],
    community: Callable[[str], Any],
    limit: int = MAX_ANSWERS,
) -> dict[str, str]:
    """Number => ``"<action> <label>"``, the lookup's answer with what people reported,
    for every number anyone reported (see the module)."""
    from ringcheck.lookup import lookup

    out: dict[str, str] = {}
    for number, *_ in reported(min_reporters=1, limit=limit):
        found = lookup(number, settings=settings, community=community(number))
        if found.e164:
            out[found.e164] = f"{found.action} {found.label()}"
    return out


@dataclass
class Pushed:
    """What one ``sync`` sent."""

    set: int = 0
    deleted: int = 0
    whole: bool = False


class Pusher:
    """Keeps one of Kamailio's tables (``table``: ``verdicts`` or ``answers``) equal to
    what it is given, over JSON-RPC at ``url`` (``http://127.0.0.1:5071/RPC``)."""

    def __init__(
        self,
        url: str,
        timeout: float = 2.0,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        table: str = TABLE,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PushError("bad_url", f"{url!r} is not an http:// address of Kamailio's RPC.")
        self.url = url
        self.table = table
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
                self.call("htable.sets", [self.table, key, value])
                self.pushed[key] = value
                done.set += 1
        for key in [k for k in self.pushed if k not in target]:
            self.call("htable.delete", [self.table, key])
            del self.pushed[key]
            done.deleted += 1
        if done.whole:
            self.call("htable.sets", [self.table, MARK, "1"])
            self._whole_at = self._clock()
        return done

    def _marked(self) -> bool:
        try:
            self.call("htable.get", [self.table, MARK])
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
        self._answers: dict[str, str] = {}
        self._listed_at = float("-inf")

    def current(self) -> dict[str, str]:
        import datetime as dt

        now = self._clock()
        if now - self._listed_at >= self.list_seconds:
            self._listed = wanted(
                self.settings, (), self.store.widely_reported, self.store.community
            )
            self._answers = answers(self.settings, self.store.widely_reported, self.store.community)
            self._listed_at = now
        moment = dt.datetime.now(dt.UTC)
        running = [c for c in self.store.campaigns(ended=False) if c.blocking(moment)]
        return {**self._listed, **{c.key: self.settings.callback_action for c in running}}

    def answers(self) -> dict[str, str]:
        """The ``answers`` table as of the last read of the block list (``current``)."""
        return self._answers
