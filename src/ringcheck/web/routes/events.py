"""``POST /api/v1/events``: call events straight from a SIP proxy, into the live detector.

On when the ``live_events_token`` setting is set (``RINGCHECK_LIVE_EVENTS_TOKEN``); the
proxy sends it as ``Authorization: Bearer <token>`` (or as the password of HTTP Basic
authentication, which Kamailio's http_client can send), and none of its API requests,
the events nor its per-call lookups, is counted against the per-client rate limit. The
body is JSON Lines, one call per line::

    {"call_id": "1-15125@127.0.0.1", "caller": "+8801712345600", "callee": "+447700910000",
     "invite_at": 1796609385.36, "code": 487, "ring_seconds": 1.5, "talk_seconds": 0}

(``invite_at`` in seconds since 1970, or ISO 8601 with its offset), or Kamailio's
``acc_json`` records as contrib/kamailio/ringcheck.cfg writes them (``callid``,
``sip_code``, ``inv_ts``, ``time``, ``caller``, ``callee``; a BYE gives its call's talk
time; ``scan.kamailio.AccountingCalls`` reads them as ``scan --follow`` does). A call sent again
with the same ``call_id`` and ``code`` counts once (Kamailio's accounting can report a
cancelled call twice); sent again with more talk seconds (when it ended), it is updated.

The server's detector (``scan.live.Detector``, the batch scan's features and score, over
the last ``live_window_minutes``) is scored again at most once a second as events come
in, and campaigns from ``live_publish_level`` up are published to the store, where
lookups find them (this process's at once). Each server process keeps its own
detector: run one worker (``workers = 1``) for the proxy's events, or point every proxy
at the same one.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hmac
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ringcheck.settings import Settings

PATH = "/api/v1/events"
MAX_BODY = 10 << 20  # bytes in one post
MAX_REJECTED = 20  # bad lines described in the answer (all are counted)
RESCORE_SECONDS = 1.0
_REMEMBERED = 500_000  # (call id, code) pairs kept to find repeats

router = APIRouter(include_in_schema=False)
log = logging.getLogger("ringcheck.web")


def live_events(settings: Settings, store: Any) -> LiveEvents | None:
    """The server's live detector when the settings give a token (else the route is off)."""
    return LiveEvents(settings, store) if settings.live_events_token else None


def exempt(settings: Settings) -> Callable[[MutableMapping[str, Any]], bool]:
    """Whether a request is the proxy's (an API path, the events token): not rate limited.
    A proxy asks once per call (lookups) and posts every call's record (events)."""
    token = settings.live_events_token.encode()

    def proxy(scope: MutableMapping[str, Any]) -> bool:
        if not token or not str(scope.get("path", "")).startswith("/api/"):
            return False
        for name, value in scope.get("headers") or ():
            if name == b"authorization":
                return _is_token(value, token)
        return False

    return proxy


def _is_token(header: bytes, token: bytes) -> bool:
    """``Bearer <token>``, or ``Basic`` with the token as the password (any user name)."""
    scheme, _, given = header.partition(b" ")
    scheme = scheme.lower()
    if scheme == b"basic":
        try:
            given = base64.b64decode(given.strip(), validate=True).partition(b":")[2]
        except ValueError:
            return False
    elif scheme != b"bearer":
        return False
    return bool(token) and hmac.compare_digest(given.strip(), token)


class LiveEvents:
    """The server's live detector and what it was sent."""

    def __init__(self, settings: Settings, store: Any) -> None:
        from ringcheck.scan.features import Thresholds
        from ringcheck.scan.kamailio import AccountingCalls
        from ringcheck.scan.live import Detector, Window
        from ringcheck.scan.model import ScanOptions

        options = ScanOptions(home=settings.home, tz="UTC", allowlist=settings.scan_allowlist)
        self.settings, self.store = settings, store
        self.detector = Detector(
            options,
            Window(settings.live_window_minutes * 60),
            level=settings.live_publish_level,
            limits=Thresholds.from_settings(settings),
        )
        self.accounting = AccountingCalls(settings.home)  # Kamailio's acc_json records
        self._seen: OrderedDict[tuple[str, int], float] = OrderedDict()
        self._scored = 0.0
        self._lock = asyncio.Lock()
        # take() and rescore() run in threads (never in the event loop, where they would
        # hold up the lookups): one at a time on the detector
        self._detector_lock = threading.Lock()

    def take(self, body: bytes) -> dict[str, Any]:
        """Read a post's lines into the detector: how many taken, repeated, rejected."""
        with self._detector_lock:
            return self._take(body)

    def _take(self, body: bytes) -> dict[str, Any]:
        from ringcheck.scan.kamailio import calls_frame

        events, repeated, rejected, other = [], 0, [], 0
        for number, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                event = self._read(json.loads(line), number)
            except (ValueError, TypeError, KeyError) as exc:
                rejected.append({"line": number, "why": _why(exc)})
                continue
            if event is None:  # a record that is no call (a BYE of a call not seen)
                other += 1
                continue
            key = (event.call_id, event.code)
            if key in self._seen and self._seen[key] >= event.talk:
                repeated += 1
                continue
            self._seen[key] = event.talk
            while len(self._seen) > _REMEMBERED:
                self._seen.popitem(last=False)
            events.append(event)
        if events:
            self.detector.feed(calls_frame(events, self.settings.home))
        return {
            "accepted": len(events),
            "repeated": repeated,
            "rejected": len(rejected),
            "rejected_lines": rejected[:MAX_REJECTED],
            "other": other,
        }

    def _read(self, item: Any, line: int) -> Any:
        """One line's call: an event as documented, or a Kamailio acc_json record."""
        if isinstance(item, dict) and "callid" in item and "call_id" not in item:
            return self.accounting.event(item, "events", line)
        return _event(item, line)

    async def rescore(self) -> list[Any]:
        """Score again (in a thread) if a second has passed, and publish; one at a time."""
        if time.monotonic() - self._scored < RESCORE_SECONDS or self._lock.locked():
            return []
        async with self._lock:
            self._scored = time.monotonic()
            events = await asyncio.to_thread(self._rescore)
            for event in events:
                if event.event != "campaign_ended":
                    await asyncio.to_thread(self._publish, event)
            return events

    def _rescore(self) -> list[Any]:
        with self._detector_lock:
            found: list[Any] = self.detector.rescore()
            return found

    def _publish(self, event: Any) -> None:
        from ringcheck.errors import RingcheckError
        from ringcheck.scan.live import sighting

        quiet = dt.timedelta(minutes=self.settings.live_quiet_minutes)
        try:
            self.store.publish_campaign(sighting(event, "live:events"), quiet=quiet)
        except RingcheckError as exc:  # the next change publishes it again
            log.warning("could not publish campaign %s: %s", event.key, exc.message)


def _event(item: Any, line: int) -> Any:
    from ringcheck.scan.kamailio import CallEvent

    if not isinstance(item, dict):
        raise TypeError("not an object")
    callee = str(item["callee"]).strip()
    if not callee:
        raise KeyError("callee")
    return CallEvent(
        call_id=str(item["call_id"])[:200],
        caller=(str(item.get("caller") or "").strip() or None),
        callee=callee,
        invite_at=_moment(item["invite_at"]),
        code=int(item["code"]),
        ring=_seconds(item.get("ring_seconds", 0)),
        talk=_seconds(item.get("talk_seconds", 0)),
        file="events",
        line=line,
    )


def _moment(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("invite_at")
    if isinstance(value, int | float):
        return float(value)
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("invite_at needs its offset (Z or +00:00)")
    return moment.timestamp()


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 86400:
        raise ValueError("seconds must be a number from 0 to 86400")
    return float(value)


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"it has no {exc.args[0]}"
    if isinstance(exc, json.JSONDecodeError):
        return "it is not JSON"
    return f"it can't be read: {exc}"


@router.post(PATH)
async def post_events(request: Request) -> Response:
    from ringcheck.web.responses import ApiError, json_response

    live: LiveEvents | None = request.app.state.live  # made by install(), in create_app
    if live is None:
        raise HTTPException(404, "Not Found")
    token = live.settings.live_events_token.encode()
    if not _is_token(request.headers.get("authorization", "").encode(), token):
        raise HTTPException(
            401,
            "This needs the events token: send Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="ringcheck events"'},
        )
    body = await request.body()
    if len(body) > MAX_BODY:
        message = f"Send at most {MAX_BODY >> 20} MB of events at once."
        raise ApiError(413, "too_large", message)
    # in a thread: reading a post's lines must not hold up the lookups this server answers
    answer = await asyncio.to_thread(live.take, body)
    found = await live.rescore()
    if found:  # this worker's lookups see what it published at once, not at the next poll
        request.app.state.campaigns.expect_change()
    answer["campaigns"] = [e.to_dict() for e in found]
    return json_response(answer)
