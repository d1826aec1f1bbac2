"""Community reports on the web: the report form, /recent and the reports API.

The store is synchronous (SQLAlchemy), so API routes are plain ``def`` functions (FastAPI
runs them in its thread pool) and the form handler sends its write to a worker thread.

A reporter is keyed by the client address of the connection (ASGI ``scope["client"]``);
the store keeps only an HMAC of it. Behind a reverse proxy, run uvicorn with
``--proxy-headers --forwarded-allow-ips=<proxy address>`` so that address is the
person's, not the proxy's (otherwise everyone shares one reporter key and one limit).
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictStr

from ringcheck.checker import check_async
from ringcheck.community import CATEGORIES, Category
from ringcheck.errors import RingcheckError
from ringcheck.numbers import parse_number
from ringcheck.settings import Settings
from ringcheck.store import BadReport, ReportLimited, SaveResult, Store, StoreError
from ringcheck.store.views import ReportView
from ringcheck.web import csrf
from ringcheck.web.deps import SettingsDep, client_of, community_of, settings_of, store_of
from ringcheck.web.responses import ERRORS, ErrorResponse, documented, json_response
from ringcheck.web.routes import pages

MAX_COMMENT_CHARS = 500
MAX_CLAIMED_CHARS = 100
MAX_NUMBER_CHARS = 100
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
RECENT_DAYS = 7
RECENT_LIMIT = 50


class ReportRequest(BaseModel):
    """One person's report about a number that called them."""

    model_config = ConfigDict(extra="ignore")

    number: str = Field(
        max_length=MAX_NUMBER_CHARS, description="The number, written any way (stored as E.164)."
    )
    category: Category = Field(description="What kind of call it was.")
    rang_seconds: StrictFloat | StrictStr | None = Field(
        None,
        description="How long it rang, 0 to 3600 seconds: 2, 1.5, '3 s', '1 min' or '0:03'.",
    )
    comment: str | None = Field(
        None,
        max_length=MAX_COMMENT_CHARS,
        description="Plain text; other numbers and e-mail "
        "addresses are removed before anyone sees it.",
    )
    claimed: str | None = Field(
        None, max_length=MAX_CLAIMED_CHARS, description="Who the caller said they were."
    )


class ReportSaved(BaseModel):
    report: ReportView
    created: bool = Field(description="False when it replaced your earlier report.")


class CommentModel(BaseModel):
    text: str
    category: str
    reported_at: str


class NeighboursModel(BaseModel):
    digits: int
    prefix: str
    numbers: int
    reports: int
    reporters: int


class CommunityModel(BaseModel):
    """The ``community`` block of the result contract."""

    total: int
    by_category: dict[str, int]
    reporters: int
    first_seen: str | None
    last_seen: str | None
    comments: list[CommentModel]
    neighbours: list[NeighboursModel]


class NumberReports(BaseModel):
    number: str
    community: CommunityModel | None
    reports: list[ReportView]
    page: int
    per_page: int
    total: int
    pages: int


class RecentModel(BaseModel):
    e164: str
    reports: int
    reporters: int
    last_seen: str
    top_category: str | None


class RecentResponse(BaseModel):
    days: int
    numbers: list[RecentModel]


_REPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    400: {"model": ErrorResponse, "description": "Not a phone number that can be reported."},
    404: {"model": ErrorResponse, "description": "No such address."},
}

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["reports"])


def reportable(text: str, settings: Settings) -> str:
    """The E.164 form of a number a report can be about, or ``BadReport("bad_number")``."""
    try:
        info = parse_number(text, settings.home)
    except RingcheckError as exc:
        raise BadReport("bad_number", exc.message) from None
    if not (info.valid and info.e164) or info.withheld:
        raise BadReport(
            "bad_number",
            "Reports need a whole phone number that can exist, such as +44 7400 123456. "
            "Copy it exactly as your phone shows it.",
        )
    return info.e164


def save_report(request: Request, e164: str, **fields: Any) -> SaveResult:
    """Store one report from this client and drop the cached summaries it changes."""
    saved = store_of(request).add_report(number=e164, client=client_of(request), **fields)
    community_of(request).invalidate(e164)
    return saved


@api.post(
    "/reports",
    summary="Report a number that called you",
    status_code=201,
    responses={201: {"model": ReportSaved}, 200: {"model": ReportSaved}, **_REPORT_ERRORS},
)
def post_report(
    request: Request, item: Annotated[ReportRequest, Body()], settings: SettingsDep
) -> Response:
    """201 with the report; 200 when it updated your earlier report on the same number."""
    e164 = reportable(item.number, settings)
    saved = save_report(
        request,
        e164,
        category=item.category,
        rang_seconds=item.rang_seconds,
        comment=item.comment or None,
        claimed=item.claimed or None,
    )
    view = _view(store_of(request), saved.report_id)
    body = {"report": view, "created": saved.created}
    return json_response(body, 201 if saved.created else 200)


def _view(store: Store, report_id: int) -> dict[str, Any]:
    """The saved report as the API shows it (read back, so the comment comes out cleaned)."""
    return store.get(report_id).to_dict()


def number_reports(
    request: Request, text: str, page: int, per_page: int, include_hidden: bool = False
) -> dict[str, Any]:
    e164 = reportable(text, settings_of(request))
    found = store_of(request).reports(
        e164, page=page, per_page=per_page, include_hidden=include_hidden
    )
    community = community_of(request).get(e164)
    return {
        "number": e164,
        "community": community.to_dict() if community else None,
        "reports": [item.to_dict() for item in found.items],
        "page": found.page,
        "per_page": found.per_page,
        "total": found.total,
        "pages": found.pages,
    }


@api.get(
    "/numbers/{e164}/reports",
    summary="What people reported about a number",
    responses={200: {"model": NumberReports}, **_REPORT_ERRORS},
)
def get_number_reports(
    request: Request,
    e164: Annotated[str, Path(max_length=MAX_NUMBER_CHARS, description="e.g. +447400123456")],
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> Response:
    return json_response(number_reports(request, e164, page, per_page))


@api.get(
    "/recent",
    summary="Most-reported numbers lately",
    responses={200: {"model": RecentResponse}, **documented(422, 429)},
)
def get_recent(
    request: Request,
    days: Annotated[int, Query(ge=1, le=90)] = RECENT_DAYS,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    rows = store_of(request).recent(days=days, limit=limit)
    return json_response({"days": days, "numbers": [row.to_dict() for row in rows]})


# The report form on the number page
# ---------------------------------------------------------------------------------------------

_FORM_FIELDS = ("category", "claimed", "rang", "comment")
_FIELD_OF = {
    "bad_category": "category",
    "bad_claimed": "claimed",
    "bad_rang": "rang",
    "bad_comment": "comment",
}


def _form_problems(fields: dict[str, str]) -> dict[str, str]:
    """Problems a person can fix, found before anything reaches the store."""
    problems = {}
    if fields["category"] not in CATEGORIES:
        problems["category"] = "Choose what kind of call it was."
    if len(fields["claimed"]) > MAX_CLAIMED_CHARS:
        problems["claimed"] = (
            f"Who they said they were: keep it to {MAX_CLAIMED_CHARS} characters "
            f"(you wrote {len(fields['claimed'])})."
        )
    if fields["claimed"] and fields["category"] != "impersonation" and "category" not in problems:
        problems["claimed"] = (
            "You wrote who they said they were: choose 'Pretended to be someone else' "
            "above, or leave this box empty."
        )
    if len(fields["comment"]) > MAX_COMMENT_CHARS:
        problems["comment"] = (
            f"Your comment is {len(fields['comment'])} characters long. "
            f"Shorten it to {MAX_COMMENT_CHARS} or fewer."
        )
    return problems


@router.post("/number/{e164}/report", response_class=HTMLResponse, include_in_schema=False)
async def report_form(request: Request, e164: str, settings: SettingsDep) -> Response:
    """The no-JavaScript report form: save, then 303 back to the number page."""
    form = await request.form()
    # Kept as typed (within reason) so an error page can show it again.
    fields = {k: str(form.get(k) or "")[:2000] for k in _FORM_FIELDS}
    fields["claimed"] = fields["claimed"].strip()
    # Browsers send a textarea's line breaks as CRLF but count them as one character.
    fields["comment"] = fields["comment"].replace("\r\n", "\n").strip()
    token_ok = csrf.valid(
        settings.secret_key, str(form.get(csrf.FIELD) or ""), request.cookies.get(csrf.COOKIE)
    )
    if not token_ok:
        message = (
            "This form had run out of time, so your report was not saved. "
            "Your answers are still here: press Send report again."
        )
        return await _form_again(request, e164, fields, {}, message, 400)
    problems = _form_problems(fields)
    if problems:
        return await _form_again(request, e164, fields, problems, None, 422)
    try:
        number = reportable(e164, settings)
        rang = pages.context_from({"rang": fields["rang"]})[0].rang_seconds
        saved = await anyio.to_thread.run_sync(
            lambda: save_report(
                request,
                number,
                category=fields["category"],
                rang_seconds=rang,
                comment=fields["comment"] or None,
                claimed=fields["claimed"] or None,
            )
        )
    except ReportLimited as exc:
        return _limited_page(request, e164, exc)
    except StoreError as exc:
        if isinstance(exc, BadReport) and exc.code in _FIELD_OF:
            return await _form_again(request, e164, fields, {_FIELD_OF[exc.code]: exc.message})
        status = 503 if type(exc) is StoreError else 400
        return await _form_again(request, e164, fields, {}, exc.message, status)
    except RingcheckError as exc:  # how long it rang, typed in a way we can't read
        field = "rang" if exc.code == "bad_rang" else "number"
        return await _form_again(request, e164, fields, {field: exc.message})
    flag = "new" if saved.created else "updated"
    return RedirectResponse(f"/number/{number}?reported={flag}", status_code=303)


async def _form_again(
    request: Request,
    e164: str,
    fields: dict[str, str],
    problems: dict[str, str],
    message: str | None = None,
    status: int = 422,
) -> Response:
    """The number page again, with the report form as the person filled it in."""
    settings = settings_of(request)
    try:
        reports = pages.reports_for(request, e164)
        result = await check_async(e164, home=settings.home, settings=settings, reports=reports)
    except RingcheckError as exc:
        values = {"number": e164[:1000]}
        errors = {"number": exc.message}
        return pages.render(request, "not_a_number.html", status=400, values=values, errors=errors)
    return pages.number_view(
        request,
        result,
        {},
        status=status,
        report_values=fields,
        report_errors=problems,
        report_error=message,
    )


def _limited_page(request: Request, e164: str, exc: ReportLimited) -> Response:
    response = pages.render(
        request,
        "report_limited.html",
        status=429,
        message=exc.message,
        back=f"/number/{e164}" if pages.is_e164(e164) else "/",
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.api_route(
    "/recent", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
)
async def recent_page(request: Request) -> Response:
    store = store_of(request)
    try:
        rows = await anyio.to_thread.run_sync(
            lambda: store.recent(days=RECENT_DAYS, limit=RECENT_LIMIT)
        )
    except StoreError:
        rows = None
    return pages.render(request, "recent.html", rows=rows, days=RECENT_DAYS)


router.include_router(api)
