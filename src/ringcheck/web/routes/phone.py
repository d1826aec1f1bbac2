"""Routes phone systems call while a call rings: views of ``ringcheck.lookup``.

- ``GET /api/v1/lookup/{number}``: the machine verdict as JSON, for Superfecta's and
  SpamBlocker's regular expressions and for scripts.
- ``GET /api/v1/cid/{number}``: a caller name as plain ASCII text (FreePBX Caller ID
  Lookup, Asterisk ``CURL()``): the whole body becomes CALLERID(name) whatever the status,
  so every answer is 200 with a short text, never an error page; ``?format=hash`` answers
  ``action=block&score9=9&...`` for ``CURLOPT(hashcompat)`` and ``HASH()``.

Both accept a number as phone systems send it: ``+`` as ``%2B`` or as a space, a bare
international number (``lookup.caller_id``). Answers carry an ETag and ``Cache-Control:
no-cache``: a PBX may keep them but asks again before each use (``If-None-Match`` -> 304),
so a campaign published a second ago is never answered from an old copy.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ringcheck.lookup import (
    ACTIONS,
    CATEGORIES,
    lookup,
)
from ringcheck.risk import LEVELS
from ringcheck.web.deps import (
    CampaignsDep,
    PhoneAnswersDep,
    RangeIndexDep,
    SettingsDep,
    StoreDep,
)
from ringcheck.web.responses import (
    conditional,
    documented,
    etag,
    invalid,
    raw_response,
)

log = logging.getLogger("ringcheck.web")
router = APIRouter(prefix="/api/v1", tags=["phone systems"])


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


def cached(request: Request, body: bytes, media_type: str, also: str = "") -> Response:
    """``body`` as a Response with cache headers, or 304 when the client holds it; its
    ETag also changes with ``also`` (when the live campaigns last changed)."""
    tag = etag(body + also.encode()) if also else None
    status, headers, out = conditional(
        body, media_type.encode(), request.headers.get("if-none-match", ""), tag
    )
    return raw_response(status, headers, out)


@router.get(
    "/lookup/{number:path}",
    summary="Machine verdict for a phone system",
    response_model=LookupModel,
    responses=documented(422, 429),
    description=(
        "Never an error for a bad number: it answers action 'unknown', category "
        "'unreadable'. '+' may arrive as %2B or as a space; bare international numbers "
        "(447700900123) are read as such."
    ),
)
async def get_lookup(
    request: Request,
    answers: PhoneAnswersDep,
    number: Annotated[str, Path(description="The caller ID as the phone system has it.")],
    max: Annotated[str | None, Query(description="Label length, 1-60 (default 15).")] = None,
    direction: Annotated[
        str | None,
        Query(description="'out' when a subscriber dials this number (a call-back); 'in' else."),
    ] = None,
) -> Response:
    held = request.headers.get("if-none-match", "")
    return raw_response(*await answers.answer("lookup", number, max, None, held, direction))


@router.get(
    "/cid/{number:path}",
    summary="Caller name as plain text (FreePBX, Asterisk CURL)",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "SPAM Wangiri"}}},
        **documented(422, 429),
    },
    description=(
        "Always 200 with a short ASCII caller name (even for a bad number); when rate "
        "limited, 429 with the name 'Unknown', since the PBX shows any body."
    ),
)
async def get_cid(
    request: Request,
    answers: PhoneAnswersDep,
    number: str,
    max: Annotated[str | None, Query(description="Longest name, 1-60 (default 15).")] = None,
    format: Annotated[str | None, Query(description="'hash' for HASH() in Asterisk.")] = None,
) -> Response:
    # Query values are read by hand: a bad one must still answer 200 with a name.
    held = request.headers.get("if-none-match", "")
    return raw_response(*await answers.answer("cid", number, max, format, held))


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
        **documented(422, 429),
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
    store: StoreDep,
    settings: SettingsDep,
    live: CampaignsDep,
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
        raise invalid(f"format must be one of {', '.join(blocklist.FORMATS)}.")
    if level not in LEVELS:
        raise invalid(f"level must be {', '.join(LEVELS[:-1])} or {LEVELS[-1]}.")
    moment = _moment(since) if since is not None else None
    if since is not None and moment is None:
        raise invalid("since must be a date or time such as 2026-11-01 or 2026-11-01T12:00Z.")
    await live.fresh()

    def made() -> blocklist.BlockList:
        return blocklist.build(
            settings,
            level=level,
            limit=limit,
            since=moment,
            reported=store.widely_reported,
            community=store.community,
            campaigns=live.blocking(),
        )

    found = await run_in_threadpool(made)
    body, media = blocklist.write(found, format, settings.home)
    answer = cached(request, body.encode("utf-8"), media, also=live.stamp)
    answer.headers["Last-Modified"] = found.date.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return answer


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def reported_by_prefix(store: Any) -> dict[str, list[str]]:
    """Reported numbers by the first hex digits of their hash (``remote.split``)."""
    from ringcheck.phones import remote

    buckets: dict[str, list[str]] = {}
    for e164 in store.reported_numbers():
        buckets.setdefault(remote.split(e164)[0], []).append(e164)
    return buckets


@functools.lru_cache(maxsize=8)
def campaigns_by_prefix(keys: frozenset[str]) -> dict[str, list[str]]:
    """Every number the campaigns with these ``keys`` hold (a range's ``x`` digits each
    0-9: at most 10,000 numbers a campaign), by the first hex digits of its hash."""
    from ringcheck.phones import remote

    buckets: dict[str, list[str]] = {}
    for key in keys:
        stem, free = key.rstrip("x"), len(key) - len(key.rstrip("x"))
        for tail in range(10**free):
            e164 = stem + (f"{tail:0{free}d}" if free else "")
            buckets.setdefault(remote.split(e164)[0], []).append(e164)
    return buckets


@router.get(
    "/range/{prefix}",
    summary="Private lookup: reported numbers by hash prefix (k-anonymity)",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "0A1B…(59 hex digits):block:9\n"}}},
        **documented(422, 429),
    },
    description=(
        "Send the first 5 hex digits of the SHA-256 of the number's E.164 form (with '+'); "
        "the answer lists every reported number, and every number in a scam campaign "
        "running now, whose hash starts so, as "
        "SUFFIX:action:score9 lines, padded with decoys. Never send a full hash: phone "
        "numbers are few enough that a full hash is easily turned back into the number."
    ),
)
async def get_range(
    prefix: str, store: StoreDep, settings: SettingsDep, index: RangeIndexDep, live: CampaignsDep
) -> Response:
    from starlette.concurrency import run_in_threadpool

    from ringcheck.phones import remote

    wanted = remote.valid_prefix(prefix)
    if wanted is None:
        raise invalid("Send the first 5 hex digits of the SHA-256 of the E.164 number.")
    await live.fresh()  # at most one query a second
    running = campaigns_by_prefix(frozenset(c.key for c in live.blocking()))

    def listed() -> list[tuple[str, str, int]]:
        buckets = index.get("all")
        if not isinstance(buckets, dict):  # rebuilt as often as the reports cache
            buckets = reported_by_prefix(store)
            index.put("all", buckets)
        entries = []
        for e164 in dict.fromkeys(buckets.get(wanted, []) + running.get(wanted, [])):
            found = lookup(e164, settings=settings, reports=store.community, campaigns=live.find)
            entries.append((remote.split(e164)[1], found.action, found.score9))
        return entries

    body = remote.answer(await run_in_threadpool(listed))
    headers = {"Cache-Control": "no-store"}  # padding differs on every answer
    return Response(body, media_type="text/plain; charset=us-ascii", headers=headers)
