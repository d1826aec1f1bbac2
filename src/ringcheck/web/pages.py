"""Server-rendered pages for people. Everything works with JavaScript off.

The home form posts (with a CSRF token) to /check, which redirects to the canonical
/number/{e164} page; what happened on the call travels in the query string so the page
can be bookmarked and shared.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ringcheck.checker import CheckResult, check
from ringcheck.codes import calling_codes
from ringcheck.datatables import tables
from ringcheck.errors import RingcheckError
from ringcheck.risk import CallContext
from ringcheck.settings import Settings
from ringcheck.web import csrf

HERE = os.path.dirname(os.path.abspath(__file__))
templates = Jinja2Templates(directory=os.path.join(HERE, "templates"))
router = APIRouter(include_in_schema=False)

_LEVEL_ICON = {"low": "ℹ", "caution": "⚠", "high": "⛔", "very_high": "⛔"}
_CONTEXT_FIELDS = ("claimed", "rang", "voicemail", "expected", "recorded")


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render a page with what every page needs (wording, data version, a CSRF token)."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(csrf.COOKIE)
    if not token or not csrf.valid(settings.secret_key, token, token):
        token = csrf.issue(settings.secret_key)
    data = tables()
    response = templates.TemplateResponse(
        request,
        name,
        {
            "words": data.wording,
            "data_version": data.version,
            "csrf_field": csrf.FIELD,
            "csrf_token": token,
            "level_icon": _LEVEL_ICON,
            **values,
        },
        status_code=status,
    )
    response.set_cookie(
        csrf.COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in ("1", "true", "yes", "on")


def context_from(params: Any) -> tuple[CallContext, dict[str, str]]:
    """The call's story from a query string or form, and the same as clean text values."""
    claimed = (params.get("claimed") or "").strip()[:200] or None
    rang_text = (params.get("rang") or "").strip()
    rang = None
    if rang_text:
        try:
            rang = float(rang_text)
        except ValueError:
            raise RingcheckError(
                "bad_rang", "How long it rang must be a number of seconds."
            ) from None
    context = CallContext(
        claimed=claimed,
        rang_seconds=rang,
        voicemail=_flag(params.get("voicemail")),
        expected_abroad=_flag(params.get("expected")),
        recorded_message=_flag(params.get("recorded")),
    )
    clean = {
        "claimed": claimed or "",
        "rang": rang_text if rang is not None else "",
        "voicemail": "1" if context.voicemail else "",
        "expected": "1" if context.expected_abroad else "",
        "recorded": "1" if context.recorded_message else "",
    }
    return context, clean


def number_url(result: CheckResult, clean: dict[str, str]) -> str:
    """The canonical address of a result: /number/+E164 plus what happened, if anything."""
    key = result.number.e164 or result.number.national_format or "withheld"
    if result.number.withheld:
        key = "withheld"
    query = urlencode({k: v for k, v in clean.items() if v})
    return f"/number/{quote(key, safe='+')}" + (f"?{query}" if query else "")


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return render(request, "index.html", values={}, error=None)


@router.post("/check", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    form = await request.form()
    fields = {k: str(form.get(k) or "")[:1000] for k in ("number", *_CONTEXT_FIELDS)}
    if not csrf.valid(
        settings.secret_key, str(form.get(csrf.FIELD) or ""), request.cookies.get(csrf.COOKIE)
    ):
        return render(
            request,
            "index.html",
            status=400,
            values=fields,
            error="This form had expired. Please press Check again.",
        )
    try:
        context, clean = context_from(fields)
        result = check(fields["number"], context, home=settings.home, settings=settings)
    except RingcheckError as exc:
        return render(request, "not_a_number.html", status=400, values=fields, error=exc.message)
    return RedirectResponse(number_url(result, clean), status_code=303)


@router.get("/number/{number:path}", response_class=HTMLResponse)
async def number_page(request: Request, number: str) -> Response:
    settings: Settings = request.app.state.settings
    fields = {
        "number": number[:1000],
        **{k: request.query_params.get(k, "") for k in _CONTEXT_FIELDS},
    }
    try:
        context, clean = context_from(request.query_params)
        result = check(number, context, home=settings.home, settings=settings)
    except RingcheckError as exc:
        return render(request, "not_a_number.html", status=400, values=fields, error=exc.message)
    canonical = number_url(result, clean)
    if canonical != _current(request):
        return RedirectResponse(canonical, status_code=301)
    return render(
        request,
        "result.html",
        result=result,
        number=result.number,
        verdict=result.verdict,
        canonical=canonical,
        values=clean,
    )


def _current(request: Request) -> str:
    path = quote(request.url.path, safe="/+")
    query = request.url.query
    return path + (f"?{query}" if query else "")


@router.get("/guide", response_class=HTMLResponse)
async def guide(request: Request) -> Response:
    return render(request, "guide.html")


@router.get("/codes", response_class=HTMLResponse)
async def codes(request: Request, q: str = "") -> Response:
    query = q.strip()[:100]
    rows = calling_codes(query or None)
    return render(request, "codes.html", rows=rows, q=query)


@router.get("/about", response_class=HTMLResponse)
async def about(request: Request) -> Response:
    return render(request, "about.html", sources=tables().sources)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> Response:
    return render(request, "docs.html")


def not_found(request: Request) -> Response:
    return render(request, "404.html", status=404, path=request.url.path[:200])
