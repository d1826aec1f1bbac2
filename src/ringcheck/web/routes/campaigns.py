"""The fraud analyst's desk: live scam campaigns, their evidence and history, and the two
decisions an analyst makes, "false alarm" and "handled".

- ``/campaigns`` (running campaigns; ``?all=1`` also those that ended) and
  ``/campaigns/{id}`` (evidence, timeline, decision forms) are pages. They sign in with
  the moderation token (``RINGCHECK_ADMIN_TOKEN``) as the password of the browser's own
  sign-in box (HTTP Basic); the user name is the analyst's name in the audit log. Their
  forms carry the CSRF token every form does.
- ``GET /api/v1/campaigns``, ``GET /api/v1/campaigns/{id}`` and ``POST
  /api/v1/campaigns/{id}/status`` are the same for tools, with the moderation API's own
  sign-in (``Authorization: Bearer``; who acts in ``X-Moderator``).

With no admin token configured, every route here answers 404. A false alarm releases the
block at once (this worker asks the store at its next answer, every other worker within a
second: ``livecampaigns``) and is remembered, so the detector's next sighting of the same
key doesn't block again; "handled" says an analyst saw it, and it still blocks. Every
decision is kept in the campaign's audit log with who, when and why.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ringcheck.campaign import evidence
from ringcheck.datatables import tables
from ringcheck.errors import RingcheckError
from ringcheck.store import CampaignError, CampaignView
from ringcheck.web import csrf
from ringcheck.web.deps import campaigns_of, settings_of, store_of
from ringcheck.web.responses import json_response
from ringcheck.web.routes import pages
from ringcheck.web.routes.moderation import check_admin, moderator, require_admin

REALM = 'Basic realm="ringcheck analysts", charset="UTF-8"'
DECISIONS = {
    "false_alarm": "False alarm",
    "handled": "Handled",
    "active": "Active again",
}

api = APIRouter(
    prefix="/api/v1/campaigns", include_in_schema=False, dependencies=[Depends(require_admin)]
)
desk = APIRouter(include_in_schema=False)


class StatusRequest(BaseModel):
    status: Literal["false_alarm", "handled", "active"] = Field(
        description="false_alarm releases the block (remembered); handled keeps it; "
        "active undoes either."
    )
    reason: str = Field(min_length=1, max_length=500, description="Why, for the audit log.")


def described(found: CampaignView, now: dt.datetime) -> dict[str, Any]:
    """A campaign as the API gives it: the store's fields, whether it blocks now and
    what was seen, in the words every face uses."""
    return {
        **found.to_dict(),
        "blocking": found.blocking(now),
        "evidence": evidence(found, now, tables()),
    }


def _changed(request: Request) -> None:
    campaigns_of(request).expect_change()


@api.get("")
def list_campaigns(request: Request, ended: bool = False) -> Response:
    now = dt.datetime.now(dt.UTC)
    found = store_of(request).campaigns(ended=ended, now=now)
    return json_response({"campaigns": [described(c, now) for c in found]})


@api.get("/{campaign_id}")
def get_campaign(request: Request, campaign_id: int) -> Response:
    found = store_of(request).campaign(campaign_id)
    return json_response({"campaign": described(found, dt.datetime.now(dt.UTC))})


@api.post("/{campaign_id}/status")
def set_status(
    request: Request, campaign_id: int, body: Annotated[StatusRequest, Body()]
) -> Response:
    found = store_of(request).set_campaign_status(
        campaign_id, body.status, actor=moderator(request), reason=body.reason
    )
    _changed(request)
    return json_response({"campaign": described(found, dt.datetime.now(dt.UTC))})


# --- the pages ------------------------------------------------------------------------


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(raw.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


async def _analyst(request: Request) -> str | Response:
    """Who is signed in (their name for the audit log), or the answer that asks them to."""
    if not settings_of(request).admin_token:
        return pages.not_found(request)
    given = _basic(request)
    if given is None:  # the first visit: the browser asks, no failed sign-in counted
        return _ask_to_sign_in()
    try:
        await check_admin(request, given[1], "campaigns page")
    except HTTPException as exc:
        if exc.status_code == 401:
            return _ask_to_sign_in()
        return Response(str(exc.detail), exc.status_code, exc.headers, "text/plain")
    name = "".join(ch for ch in given[0] if ch.isprintable()).strip()
    return name[:100] or "analyst"


def _ask_to_sign_in() -> Response:
    return Response(
        "Sign in with your name and the moderation token (RINGCHECK_ADMIN_TOKEN).\n",
        status_code=401,
        headers={"WWW-Authenticate": REALM, "Cache-Control": "no-store"},
        media_type="text/plain; charset=utf-8",
    )


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@desk.get("/campaigns")
async def campaigns_page(
    request: Request, show_all: Annotated[str, Query(alias="all")] = ""
) -> Response:
    who = await _analyst(request)
    if isinstance(who, Response):
        return who
    now = dt.datetime.now(dt.UTC)
    ended = show_all.lower() in ("1", "true", "yes", "on")
    try:
        found = await run_in_threadpool(store_of(request).campaigns, ended=ended, now=now)
    except RingcheckError as exc:
        return _private(pages.render(request, "campaigns.html", status=503, error=exc.message))
    rows = [described(c, now) for c in found]
    return _private(
        pages.render(request, "campaigns.html", rows=rows, ended=ended, analyst=who, now=now)
    )


@desk.get("/campaigns/{campaign_id}")
async def campaign_page(request: Request, campaign_id: int, done: str = "") -> Response:
    who = await _analyst(request)
    if isinstance(who, Response):
        return who
    return await _one(request, campaign_id, who, notice=DECISIONS.get(done))


async def _one(
    request: Request, campaign_id: int, who: str, status: int = 200, **extra: Any
) -> Response:
    try:
        found = await run_in_threadpool(store_of(request).campaign, campaign_id)
    except CampaignError:
        return pages.not_found(request)
    except RingcheckError as exc:
        return _private(pages.render(request, "campaigns.html", status=503, error=exc.message))
    now = dt.datetime.now(dt.UTC)
    values = {"notice": None, "reason_error": None, **extra}
    return _private(
        pages.render(
            request,
            "campaign.html",
            status=status,
            campaign=described(found, now),
            decisions=DECISIONS,
            analyst=who,
            **values,
        )
    )


@desk.post("/campaigns/{campaign_id}/status")
async def decide(request: Request, campaign_id: int) -> Response:
    who = await _analyst(request)
    if isinstance(who, Response):
        return who
    form = await request.form()
    secret = settings_of(request).secret_key
    token = str(form.get(csrf.FIELD) or "")
    if not csrf.valid(secret, token, request.cookies.get(csrf.COOKIE)):
        problem = "This form had run out of time, so nothing was changed. Please try again."
        return await _one(request, campaign_id, who, 400, reason_error=problem)
    status = str(form.get("status") or "")
    reason = str(form.get("reason") or "")[:500]
    if status not in DECISIONS:
        return await _one(request, campaign_id, who, 400, reason_error="Choose a decision.")
    try:
        await run_in_threadpool(
            lambda: store_of(request).set_campaign_status(
                campaign_id, status, actor=who, reason=reason
            )
        )
    except CampaignError as exc:
        if exc.code == "no_campaign":
            return pages.not_found(request)
        problem = "Say why, for the audit log." if exc.code == "bad_reason" else exc.message
        return await _one(request, campaign_id, who, 400, reason_error=problem)
    except RingcheckError as exc:
        return await _one(request, campaign_id, who, 503, reason_error=exc.message)
    _changed(request)
    return RedirectResponse(f"/campaigns/{campaign_id}?done={status}", status_code=303)


router = APIRouter()
router.include_router(api)
router.include_router(desk)
