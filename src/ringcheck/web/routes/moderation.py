"""Moderation API for community reports: hide, unhide, list and the audit log.

Admin only: every route needs ``Authorization: Bearer <RINGCHECK_ADMIN_TOKEN>``. With no
admin token configured the routes answer 404, as if they did not exist; a missing or wrong
token gets 401 with ``WWW-Authenticate``. They are left out of the public OpenAPI schema.
The moderator's name comes from the ``X-Moderator`` header (default ``admin``) and goes
into the audit log with the reason.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ringcheck.web.deps import client_of, community_of, settings_of, sign_in_of, store_of
from ringcheck.web.responses import json_response
from ringcheck.web.routes.reports import (
    MAX_PAGE,
    MAX_PER_PAGE,
    number_reports,
)
from ringcheck.web.signin import refusal_text

MAX_MODERATOR_CHARS = 100


async def require_admin(request: Request) -> None:
    """Let the request through only with the configured admin token (Bearer)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    await check_admin(request, given.strip() if scheme.lower() == "bearer" else None)


async def check_admin(request: Request, given: str | None, where: str = "moderation token") -> None:
    """Raise unless ``given`` is the configured admin token: 404 when none is configured,
    401 when wrong; an address that keeps sending a wrong one is told to wait (429) before
    its token is even looked at. The campaigns page signs in with the same token."""
    settings, guard, client = settings_of(request), sign_in_of(request), client_of(request)
    if not settings.admin_token:
        raise HTTPException(404, "Not Found")
    wait = await guard.wait(client)
    if wait:
        raise HTTPException(429, refusal_text(wait), headers={"Retry-After": str(wait)})
    expected = settings.admin_token.encode()
    if given is None or not hmac.compare_digest(given.encode(), expected):
        await guard.failed(client, where)
        raise HTTPException(
            401,
            "This needs the admin token: send Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="ringcheck admin"'},
        )


router = APIRouter(
    prefix="/api/v1/admin", include_in_schema=False, dependencies=[Depends(require_admin)]
)


class ModerationRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why, for the audit log.")


def moderator(request: Request) -> str:
    """Who is acting: the X-Moderator header, printable and short, or "admin"."""
    name = "".join(ch for ch in request.headers.get("x-moderator", "") if ch.isprintable())
    return name.strip()[:MAX_MODERATOR_CHARS] or "admin"


def _moderate(request: Request, report_id: int, reason: str, hide: bool) -> Response:
    store = store_of(request)
    act = store.hide if hide else store.unhide
    view = act(report_id, moderator=moderator(request), reason=reason.strip())
    community_of(request).invalidate(view.e164)
    return json_response({"report": view.to_dict()})


@router.post("/reports/{report_id}/hide")
def hide_report(
    request: Request, report_id: int, body: Annotated[ModerationRequest, Body()]
) -> Response:
    return _moderate(request, report_id, body.reason, hide=True)


@router.post("/reports/{report_id}/unhide")
def unhide_report(
    request: Request, report_id: int, body: Annotated[ModerationRequest, Body()]
) -> Response:
    return _moderate(request, report_id, body.reason, hide=False)


@router.get("/reports")
def list_reports(
    request: Request,
    number: Annotated[str, Query(max_length=100)],
    include_hidden: bool = True,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> Response:
    body = number_reports(request, number, page, per_page, include_hidden=include_hidden)
    return json_response(body)


@router.get("/audit")
def audit(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Response:
    entries: list[Any] = store_of(request).audit_log(limit=limit)
    return json_response({"audit": [entry.to_dict() for entry in entries]})
