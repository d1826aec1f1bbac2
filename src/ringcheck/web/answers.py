"""The answers of the busiest routes, kept for a few seconds per worker: GET
/api/v1/check (``CheckAnswers``) and the lookups phone systems make while a call rings,
/api/v1/lookup and /api/v1/cid (``PhoneAnswers``). The FastAPI routes and the fast lane
(``fastlane.py``) both answer through these, so both answer alike.

An answer depends only on the query string, the data version (fixed while a worker
runs), what people reported about the number and the live campaigns (every kept answer
is dropped when those change: ``livecampaigns``). Reports are already read through a
per-worker cache that may be ``community_cache_seconds`` old, so an answer kept for the
same time is never staler than a freshly computed one could be. Scam campaigns make many
people check the same few numbers at once: those repeats cost a cache lookup instead of
a parse, a verdict and a database read.

The caches are bounded (``MAX_ANSWERS`` entries, least recently used dropped first) and
hold no personal data beyond what the worker already has in memory while answering.
With ``community_cache_seconds = 0`` nothing is kept. benchmarks/http_check.py measures
both repeated numbers and numbers that never repeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import orjson

from ringcheck.checker import AsyncReports, check_async
from ringcheck.errors import RingcheckError
from ringcheck.lookup import DEFAULT_LABEL_CHARS, Lookup, callback_action, lookup_async
from ringcheck.risk import MAX_VOICEMAIL_NUMBER_CHARS, CallContext, ring_seconds
from ringcheck.settings import Settings
from ringcheck.web.cache import MISS, TimedCache
from ringcheck.web.livecampaigns import LiveCampaigns
from ringcheck.web.responses import (
    ApiError,
    Headers,
    conditional,
    error_body,
    etag,
    invalid,
    json_body,
    problem_of,
)

log = logging.getLogger("ringcheck.web")
MAX_ANSWERS = 20_000  # kept per worker and route family
MAX_KEY_BYTES = 2_048  # longer queries are answered but not kept
MAX_NUMBER_CHARS = 1000  # the number a person typed (GET and POST /api/v1/check)
MAX_CLAIMED_CHARS = 200
MAX_CALLER_ID_CHARS = 200  # longer text is no caller ID: answered as unreadable
MAX_LABEL_CHARS = 60  # Superfecta's longest caller name


class CheckAnswers:
    """``answer(query)`` -> (status, JSON body) for GET /api/v1/check."""

    def __init__(
        self,
        settings: Settings,
        community: AsyncReports | None = None,
        campaigns: LiveCampaigns | None = None,
        max_answers: int = MAX_ANSWERS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.community = community
        self.campaigns = campaigns
        self.kept: TimedCache[bytes, tuple[int, bytes]] = TimedCache(
            settings.community_cache_seconds, max_answers, timer
        )

    async def answer(self, query: bytes) -> tuple[int, bytes]:
        if self.campaigns is not None:
            await self.campaigns.fresh()  # a change drops every kept answer (``forget``)
        kept = self.kept.get(query)
        if kept is not MISS:
            return kept
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        status, body = await check_query(params, self.settings, self.community, self.campaigns)
        if len(query) <= MAX_KEY_BYTES:
            self.kept.put(query, (status, body))
        return status, body

    def forget(self) -> None:
        """Drop every kept answer (after a report, so the reporter sees it at once)."""
        self.kept.clear()


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _flag(params: Any, name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise invalid(f"{name}: use true or false")


def _query_item(params: Any) -> tuple[str, CallContext]:
    """The GET /check query, checked by hand.

    Same rules as the documented schema; FastAPI's per-parameter machinery costs more than
    the check itself on this, the busiest endpoint.
    """
    number = params.get("number")
    if number is None:
        raise invalid("number: Field required")
    if len(number) > MAX_NUMBER_CHARS:
        raise invalid(f"number: at most {MAX_NUMBER_CHARS} characters")
    claimed = params.get("claimed")
    if claimed is not None and len(claimed) > MAX_CLAIMED_CHARS:
        raise invalid(f"claimed: at most {MAX_CLAIMED_CHARS} characters")
    voicemail_number = params.get("voicemail_number")
    if voicemail_number is not None and len(voicemail_number) > MAX_VOICEMAIL_NUMBER_CHARS:
        raise invalid(f"voicemail_number: at most {MAX_VOICEMAIL_NUMBER_CHARS} characters")
    context = CallContext(
        claimed=claimed or None,
        rang_seconds=ring_seconds(params.get("rang")),
        voicemail=_flag(params, "voicemail"),
        expected_abroad=_flag(params, "expected"),
        recorded_message=_flag(params, "recorded"),
        voicemail_number=voicemail_number or None,
    )
    return number, context


async def check_query(
    params: Any,
    settings: Settings,
    community: AsyncReports | None = None,
    campaigns: LiveCampaigns | None = None,
) -> tuple[int, bytes]:
    """GET /api/v1/check for a parsed query string: (status, JSON body).

    Shared by the FastAPI route and the fast lane (through ``answers.CheckAnswers``), so
    both answer alike. ``community`` looks up what people reported about a number,
    ``campaigns`` the live campaign holding it.
    """
    try:
        number, context = _query_item(params)
        result = await check_async(
            number,
            context,
            home=settings.home,
            settings=settings,
            reports=community,
            campaigns=campaigns.find if campaigns is not None else None,
        )
    except ApiError as exc:
        return exc.status, exc.body()
    except RingcheckError as exc:
        return problem_of(exc).status, problem_of(exc).body()
    return 200, json_body(result.to_dict())


JSON = b"application/json"
TEXT = b"text/plain; charset=us-ascii"
_Key = tuple[str, str, str | None, str | None, str | None]
DIRECTIONS = ("in", "out")  # ?direction=: who placed the call, the number or a subscriber


class PhoneAnswers:
    """Answers to /api/v1/lookup and /api/v1/cid, for the routes and the fast lane alike.

    An answer depends only on the route, the number as sent, ``max`` and ``format``, the
    data version, what people reported and the live campaigns; reports are read through
    the worker's reports cache, so an answer is kept for as long
    (``community_cache_seconds``), and every kept answer is dropped when the campaigns
    change (``livecampaigns``). Phone systems ask about the same few campaign numbers many
    times a second.
    """

    def __init__(
        self, settings: Settings, community: Any = None, campaigns: LiveCampaigns | None = None
    ) -> None:
        self.settings = settings
        self.community = community
        self.campaigns = campaigns
        self.kept: TimedCache[_Key, tuple[bytes, bytes, bytes]] = TimedCache(
            settings.community_cache_seconds, MAX_ANSWERS
        )

    def forget(self) -> None:
        self.kept.clear()

    async def find(self, number: str) -> Lookup:
        """The lookup for ``number`` with what people reported about it, if anyone did."""
        if len(number) > MAX_CALLER_ID_CHARS:
            number = ""
        campaigns = self.campaigns.find if self.campaigns is not None else None
        return await lookup_async(
            number, settings=self.settings, reports=self.community, campaigns=campaigns
        )

    async def answer(
        self,
        route: str,
        number: str,
        max_text: str | None,
        form: str | None,
        held: str,
        direction: str | None = None,
    ) -> tuple[int, Headers, bytes]:
        """(status, headers, body) for ``route`` ("lookup" or "cid"); ``direction`` is
        the lookup's ?direction= (None when not sent)."""
        if route == "lookup" and direction is not None and direction not in DIRECTIONS:
            return (
                422,
                [(b"content-type", JSON)],
                error_body("invalid_request", "direction must be in or out."),
            )
        if self.campaigns is not None:
            await self.campaigns.fresh()  # a change drops every kept answer (``forget``)
        key = (route, number, max_text, form, direction)
        kept = self.kept.get(key)
        if kept is MISS:
            media, body = await self._make(route, number, _chars(_int(max_text)), form, direction)
            kept = (media, body, etag(body))
            if len(number) <= MAX_CALLER_ID_CHARS:
                self.kept.put(key, kept)
        media, body, tag = kept
        return conditional(body, media, held, tag)

    async def _make(
        self, route: str, number: str, chars: int, form: str | None, direction: str | None
    ) -> tuple[bytes, bytes]:
        if route == "lookup":
            found = await self.find(number)
            verdict = found.to_dict(chars)
            if direction is not None:
                out = callback_action(found, self.settings) if direction == "out" else None
                verdict.update(direction=direction, callback_action=out or found.action)
            return JSON, orjson.dumps(verdict)
        try:  # the body becomes the caller's name: never a traceback
            found = await self.find(number)
        except Exception:
            log.exception("caller-name lookup failed")
            return TEXT, b"Unknown"
        text = hash_text(found, chars) if form == "hash" else found.label(chars)
        return TEXT, text.encode("ascii")


def hash_text(found: Lookup, chars: int = DEFAULT_LABEL_CHARS) -> str:
    """``action=block&score9=9&level=…&category=…&label=SPAM%20Wangiri`` (URL-encoded
    pairs, as Asterisk's ``CURLOPT(hashcompat)`` reads them into ``HASH()``)."""
    pairs = {
        "action": found.action,
        "score9": str(found.score9),
        "level": found.level or "",
        "category": found.category,
        "label": found.label(chars),
    }
    return urlencode(pairs, quote_via=quote)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _chars(value: int | None) -> int:
    if value is None or value < 1:
        return DEFAULT_LABEL_CHARS
    return min(value, MAX_LABEL_CHARS)
