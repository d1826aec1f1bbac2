"""Routes phone systems call while a call rings: views of ``ringcheck.lookup``.

- ``GET /api/v1/lookup/{number}``: the machine verdict as JSON, for Superfecta's and
  SpamBlocker's regular expressions and for scripts.
- ``GET /api/v1/cid/{number}``: a caller name as plain ASCII text (FreePBX Caller ID
  Lookup, Asterisk ``CURL()``): the whole body becomes CALLERID(name) whatever the status,
  so every answer is 200 with a short text, never an error page; ``?format=hash`` answers
  ``action=block&score9=9&...`` for ``CURLOPT(hashcompat)`` and ``HASH()``.

Both accept a number as phone systems send it: ``+`` as ``%2B`` or as a space, a bare
international number (``lookup.caller_id``). Answers carry ``Cache-Control`` and an ETag
so a PBX may keep them for as long as the reports cache would (``If-None-Match`` -> 304).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ringcheck.lookup import (
    ACTIONS,
    CATEGORIES,
    DEFAULT_LABEL_CHARS,
    Lookup,
    callback_action,
    lookup,
)
from ringcheck.settings import Settings
from ringcheck.web.livecampaigns import LiveCampaigns
from ringcheck.web.routes.api import _ERRORS

log = logging.getLogger("ringcheck.web")
router = APIRouter(prefix="/api/v1", tags=["phone systems"])
MAX_NUMBER_CHARS = 200  # longer text is no caller ID: answered as unreadable
MAX_LABEL_CHARS = 60  # Superfecta's longest caller name
_MIN_CACHE_SECONDS = 60


class LookupModel(BaseModel):
    number: str = Field(description="The number as received, tidied ('+' restored).")
    e164: str | None
    action: str = Field(description=f"One of {', '.join(ACTIONS)}.")
    category: str = Field(description=f"One of {', '.join(CATEGORIES)}.")
    level: str | None = Field(description="low, caution, high, very_high; null if unreadable.")
    score: int | None = Field(description="The checker's 0-100 score.")
    score9: int = Field(description="0-9, 9 worst (bands follow the levels).")
    label: str = Field(description="ASCII caller name, verdict first, 15 characters at most.")
    reasons: list[str] = Field(description="The verdict's reason codes.")
    community: dict[str, Any] | None
    data_version: str
    direction: str | None = Field(
        None, description="'in' or 'out', echoed when the request sent ?direction=."
    )
    callback_action: str | None = Field(
        None,
        description="With ?direction=out: what to do with a subscriber's call to this "
        "number. For a number in a live scam campaign, the callback_action setting "
        "(block, warn or allow; default warn); else the same as action.",
    )


Headers = list[tuple[bytes, bytes]]
JSON = b"application/json"
TEXT = b"text/plain; charset=us-ascii"
MAX_ANSWERS = 20_000  # kept per worker, oldest dropped first
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
        self.ttl = float(settings.community_cache_seconds)
        self.max_age = max(_MIN_CACHE_SECONDS, settings.community_cache_seconds)
        self._kept: OrderedDict[_Key, tuple[float, bytes, bytes, bytes]] = OrderedDict()

    def forget(self) -> None:
        self._kept.clear()

    async def find(self, number: str) -> Lookup:
        """The lookup for ``number`` with what people reported about it, if anyone did."""
        if len(number) > MAX_NUMBER_CHARS:
            number = ""
        found = lookup(number, settings=self.settings)
        if not found.e164:
            return found
        reported = await self.community(found.e164) if self.community is not None else None
        if reported is not None and reported.empty:
            reported = None
        campaign = self.campaigns.find(found.e164) if self.campaigns is not None else None
        if reported is not None or campaign is not None:
            found = lookup(number, settings=self.settings, community=reported, campaign=campaign)
        return found

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
            return 422, [(b"content-type", JSON)], _invalid_body("direction must be in or out.")
        if self.campaigns is not None:
            await self.campaigns.fresh()  # a change drops every kept answer (``forget``)
        key = (route, number, max_text, form, direction)
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            _, media, body, tag = kept
        else:
            media, body = await self._make(route, number, _chars(_int(max_text)), form, direction)
            tag = etag(body)
            if self.ttl > 0 and len(number) <= MAX_NUMBER_CHARS:
                self._kept[key] = (now + self.ttl, media, body, tag)
                self._kept.move_to_end(key)
                while len(self._kept) > MAX_ANSWERS:
                    self._kept.popitem(last=False)
        return conditional(body, media, held, self.max_age, tag)

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


def etag(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"'


def conditional(
    body: bytes, media: bytes, held: str, max_age: int, tag: bytes | None = None
) -> tuple[int, Headers, bytes]:
    """``body`` with cache headers, or 304 when ``held`` (If-None-Match) names it."""
    tag = tag or etag(body)
    headers = [(b"cache-control", b"public, max-age=%d" % max_age), (b"etag", tag)]
    if held and (held.strip() == "*" or tag.decode() in (p.strip() for p in held.split(","))):
        return 304, headers, b""
    return 200, [(b"content-type", media), *headers], body


def cached(request: Request, body: bytes, media_type: str, also: str = "") -> Response:
    """``body`` as a Response with cache headers, or 304 when the client holds it; its
    ETag also changes with ``also`` (when the live campaigns last changed)."""
    settings: Settings = request.app.state.settings
    max_age = max(_MIN_CACHE_SECONDS, settings.community_cache_seconds)
    tag = etag(body + also.encode()) if also else None
    status, headers, out = conditional(
        body, media_type.encode(), request.headers.get("if-none-match", ""), max_age, tag
    )
    return _response(status, headers, out)


def _response(status: int, headers: Headers, body: bytes) -> Response:
    named = {k.decode(): v.decode() for k, v in headers if k != b"content-type"}
    media = next((v.decode() for k, v in headers if k == b"content-type"), None)
    return Response(body, status_code=status, headers=named, media_type=media)


@router.get(
    "/lookup/{number:path}",
    summary="Machine verdict for a phone system",
    response_model=LookupModel,
    responses={status: _ERRORS[status] for status in (422, 429)},
    description=(
        "Never an error for a bad number: it answers action 'unknown', category "
        "'unreadable'. '+' may arrive as %2B or as a space; bare international numbers "
        "(447700900123) are read as such."
    ),
)
async def get_lookup(
    request: Request,
    number: Annotated[str, Path(description="The caller ID as the phone system has it.")],
    max: Annotated[str | None, Query(description="Label length, 1-60 (default 15).")] = None,
    direction: Annotated[
        str | None,
        Query(description="'out' when a subscriber dials this number (a call-back); 'in' else."),
    ] = None,
) -> Response:
    answers: PhoneAnswers = request.app.state.phone_answers
    held = request.headers.get("if-none-match", "")
    return _response(*await answers.answer("lookup", number, max, None, held, direction))


@router.get(
    "/cid/{number:path}",
    summary="Caller name as plain text (FreePBX, Asterisk CURL)",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "SPAM Wangiri"}}},
        **{status: _ERRORS[status] for status in (422, 429)},
    },
    description=(
        "Always 200 with a short ASCII caller name (even for a bad number); when rate "
        "limited, 429 with the name 'Unknown', since the PBX shows any body."
    ),
)
async def get_cid(
    request: Request,
    number: str,
    max: Annotated[str | None, Query(description="Longest name, 1-60 (default 15).")] = None,
    format: Annotated[str | None, Query(description="'hash' for HASH() in Asterisk.")] = None,
) -> Response:
    # Query values are read by hand: a bad one must still answer 200 with a name.
    answers: PhoneAnswers = request.app.state.phone_answers
    held = request.headers.get("if-none-match", "")
    return _response(*await answers.answer("cid", number, max, format, held))


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


_BLOCKLIST_TYPES = {
    "callblocker": "application/json",
    "csv": "text/csv; charset=utf-8",
    "vcard": "text/vcard; charset=utf-8",
    "spamblocker": "text/csv; charset=utf-8",
}


@router.get(
    "/blocklist",
    summary="Block list for routers, call blockers and phones",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in sorted(set(_BLOCKLIST_TYPES.values()))}},
        304: {"description": "The list has not changed since the ETag sent."},
        **{status: _ERRORS[status] for status in (422, 429)},
    },
    description=(
        "The numbers and ranges of scam campaigns running now, numbers at least 3 "
        "different people reported, and the curated high-risk, satellite and premium "
        "ranges, worst first. Formats: callblocker (its JSON list; "
        "ranges as prefixes), csv, vcard (one contact, whole numbers only), spamblocker "
        "(pattern,description CSV). Poll it daily; send If-None-Match with the ETag."
    ),
)
async def get_blocklist(
    request: Request,
    format: Annotated[str, Query(description="callblocker, csv, vcard or spamblocker.")] = (
        "callblocker"
    ),
    level: Annotated[str, Query(description="The least level listed.")] = "high",
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many.")] = 2_000,
    since: Annotated[
        str | None, Query(description="Only entries changed since (ISO date or time).")
    ] = None,
) -> Response:
    from starlette.concurrency import run_in_threadpool

    from ringcheck.phones import blocklists as blocklist

    if format not in blocklist.FORMATS:
        return _invalid(f"format must be one of {', '.join(blocklist.FORMATS)}.")
    if level not in ("low", "caution", "high", "very_high"):
        return _invalid("level must be low, caution, high or very_high.")
    moment = _moment(since) if since is not None else None
    if since is not None and moment is None:
        return _invalid("since must be a date or time such as 2026-11-01 or 2026-11-01T12:00Z.")
    settings: Settings = request.app.state.settings
    store = getattr(request.app.state, "store", None)
    live: LiveCampaigns = request.app.state.campaigns
    await live.fresh()

    def made() -> blocklist.BlockList:
        return blocklist.build(
            settings,
            level=level,
            limit=limit,
            since=moment,
            reported=store.widely_reported if store is not None else None,
            community=store.community if store is not None else None,
            campaigns=live.blocking(),
        )

    found = await run_in_threadpool(made)
    body, media = blocklist.write(found, format, settings.home)
    answer = cached(request, body.encode("utf-8"), media, also=live.stamp)
    answer.headers["Last-Modified"] = found.date.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return answer


def _invalid(message: str) -> Response:
    return Response(_invalid_body(message), status_code=422, media_type="application/json")


def _invalid_body(message: str) -> bytes:
    return orjson.dumps({"error": {"code": "invalid_request", "message": message}})


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class _Buckets:
    """Reported numbers by the first hex digits of their hash, rebuilt when older than
    the reports cache (``community_cache_seconds``, at least a few seconds)."""

    def __init__(self) -> None:
        self.built_at = -1e18
        self.by_prefix: dict[str, list[str]] = {}

    def get(self, store: Any, ttl: float) -> dict[str, list[str]]:
        import time

        from ringcheck.phones import remote

        now = time.monotonic()
        if now - self.built_at > ttl:
            buckets: dict[str, list[str]] = {}
            for e164 in store.reported_numbers():
                buckets.setdefault(remote.split(e164)[0], []).append(e164)
            self.by_prefix, self.built_at = buckets, now
        return self.by_prefix


@router.get(
    "/range/{prefix}",
    summary="Private lookup: reported numbers by hash prefix (k-anonymity)",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "0A1B…(59 hex digits):block:9\n"}}},
        **{status: _ERRORS[status] for status in (422, 429)},
    },
    description=(
        "Send the first 5 hex digits of the SHA-256 of the number's E.164 form (with '+'); "
        "the answer lists every reported number whose hash starts so, as "
        "SUFFIX:action:score9 lines, padded with decoys. Never send a full hash: phone "
        "numbers are few enough that a full hash is easily turned back into the number."
    ),
)
async def get_range(request: Request, prefix: str) -> Response:
    from starlette.concurrency import run_in_threadpool

    from ringcheck.phones import remote

    wanted = remote.valid_prefix(prefix)
    if wanted is None:
        return _invalid("Send the first 5 hex digits of the SHA-256 of the E.164 number.")
    settings: Settings = request.app.state.settings
    store = getattr(request.app.state, "store", None)
    ttl = max(5.0, float(settings.community_cache_seconds))
    buckets = getattr(request.app.state, "range_buckets", None)
    if buckets is None:  # one index per app (each is a worker with its own store)
        buckets = request.app.state.range_buckets = _Buckets()

    def listed() -> list[tuple[str, str, int]]:
        if store is None:
            return []
        entries = []
        for e164 in buckets.get(store, ttl).get(wanted, []):
            found = lookup(e164, settings=settings, community=store.community(e164))
            entries.append((remote.split(e164)[1], found.action, found.score9))
        return entries

    body = remote.answer(await run_in_threadpool(listed))
    headers = {"Cache-Control": "no-store"}  # padding differs on every answer
    return Response(body, media_type="text/plain; charset=us-ascii", headers=headers)
