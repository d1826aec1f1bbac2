"""Call-log triage on the web: the /triage upload page and POST /api/v1/triage.

The upload is read into memory and never written anywhere: Starlette's form parser would
spool a file over 1 MB to a temporary file, so uploads go through a parser that keeps
them in memory, and the body is counted as it arrives and refused once it passes
``triage_max_upload_mb`` (the page says so in words; the API with ``413 too_large``).
The edge middleware lets these two paths past its 512 KB body cap for that reason.
Polars and the readers load on the first upload, not when the app starts.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncGenerator
from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ringcheck.checker import Campaigns
from ringcheck.errors import RingcheckError
from ringcheck.settings import Settings
from ringcheck.web import csrf
from ringcheck.web.deps import SettingsDep, campaigns_of, settings_of
from ringcheck.web.responses import ERRORS, ErrorResponse, error_dict, json_response
from ringcheck.web.routes import pages
from ringcheck.web.routes.api import VerdictModel

router = APIRouter()
_PAGE_METHODS = ["GET", "HEAD"]
_FORM_SLACK = 64 * 1024  # multipart headers and the small fields around the file
_FORMATS = ("auto", "android-xml", "fritzbox", "csv")


class UploadProblem(Exception):
    """An upload that can't be triaged: HTTP status, stable code, message for a person."""

    def __init__(self, status: int, code: str, message: str, unread: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.unread = unread  # part of the body is still on its way


class _InMemory(MultiPartParser):
    spool_max_size = 1 << 40  # never roll an upload over into a temporary file


def _limit(settings: Settings) -> int:
    return settings.triage_max_upload_mb * 1024 * 1024


def _too_big(settings: Settings, unread: bool = False) -> UploadProblem:
    return UploadProblem(
        413,
        "too_large",
        f"This file is bigger than {settings.triage_max_upload_mb} MB, the most ringcheck "
        "takes. Export a shorter period, such as the last month, and try again.",
        unread,
    )


async def _counted(request: Request, limit: int, settings: Settings) -> AsyncGenerator[bytes]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit + _FORM_SLACK:
            raise _too_big(settings, unread=True)
        yield chunk


async def read_upload(request: Request) -> tuple[bytes, dict[str, str]]:
    """The uploaded file (field ``file``) and the other form fields, all in memory."""
    settings = settings_of(request)
    limit = _limit(settings)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadProblem(
            415,
            "not_multipart",
            "Send the call log as a file upload (multipart/form-data) in a field called 'file'.",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_SLACK:
        raise _too_big(settings, unread=True)
    parser = _InMemory(
        request.headers, _counted(request, limit, settings), max_files=1, max_fields=10
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadProblem(400, "bad_upload", f"The upload can't be read: {exc.message}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise UploadProblem(422, "missing_file", "Choose your call log file, then send it.")
    data = await upload.read()
    if len(data) > limit:
        raise _too_big(settings)
    fields = {k: v[:200] for k, v in form.multi_items() if isinstance(v, str)}
    return data, fields


async def _drain(request: Request, problem: UploadProblem) -> None:
    """Read what is left of a refused upload, so the browser sees our answer."""
    if not problem.unread:
        return
    with contextlib.suppress(Exception):
        while True:
            message = await request.receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                return


def run_triage(
    data: bytes, fields: dict[str, str], settings: Settings, campaigns: Campaigns | None = None
) -> Any:
    """Read and triage an uploaded log (raises UploadProblem for a file it can't read);
    ``campaigns``: the live campaign holding a number, as every face asks it."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ringcheck.calllog import CallLogError, read_log, triage

    form = fields.get("format") or "auto"
    if form not in _FORMATS:
        raise UploadProblem(422, "invalid_request", f"format: use one of {', '.join(_FORMATS)}.")
    try:
        zone = ZoneInfo(fields.get("tz") or "Europe/London")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UploadProblem(
            422, "invalid_request", "tz: use a time zone such as Europe/London."
        ) from None
    try:
        log = read_log(data, format=form, home=settings.home, tz=zone, max_bytes=_limit(settings))
        return triage(log, settings=settings, campaigns=campaigns)
    except CallLogError as exc:
        if exc.code == "too_large":  # a gzip file that unpacks past the limit
            raise _too_big(settings) from None
        raise UploadProblem(400, exc.code, exc.message) from None
    except RingcheckError as exc:
        raise UploadProblem(400, exc.code, exc.message) from None


async def _in_thread(request: Request, data: bytes, fields: dict[str, str]) -> Any:
    """Triage in a worker thread: a big log takes a second, and the server keeps serving.
    The live campaigns are read first if they changed (at most one query a second)."""
    live = campaigns_of(request)
    await live.fresh()
    run = functools.partial(run_triage, data, fields, settings_of(request), live.find)
    return await anyio.to_thread.run_sync(run)


# Pages ---------------------------------------------------------------------------------


def _page(request: Request, status: int = 200, **values: Any) -> HTMLResponse:
    settings = settings_of(request)
    return pages.render(
        request, "triage.html", status=status, max_mb=settings.triage_max_upload_mb, **values
    )


@router.api_route("/triage", methods=_PAGE_METHODS, response_class=HTMLResponse,
                  include_in_schema=False)  # fmt: skip
async def triage_page(request: Request) -> Response:
    return _page(request)


@router.get("/triage/report.css", include_in_schema=False)
async def report_css(request: Request) -> Response:
    css = pages.templates.get_template("triage_report_css.html").render()
    return Response(css, media_type="text/css", headers={"cache-control": "max-age=3600"})


@router.post("/triage", response_class=HTMLResponse, include_in_schema=False)
async def triage_submit(request: Request, settings: SettingsDep) -> Response:
    try:
        data, fields = await read_upload(request)
    except UploadProblem as problem:
        await _drain(request, problem)
        return _page(request, status=problem.status, errors={"file": problem.message})
    token = fields.get(csrf.FIELD)
    if not csrf.valid(settings.secret_key, token, request.cookies.get(csrf.COOKIE)):
        return _page(
            request,
            status=400,
            error="This form had run out of time, so nothing was checked. "
            "Choose your file again and press the button.",
        )
    try:
        result = await _in_thread(request, data, fields)
    except UploadProblem as problem:
        return _page(request, status=problem.status, errors={"file": problem.message})
    from ringcheck.calllog.html import report_view

    return _page(request, report=report_view(result), values={"format": fields.get("format")})


# API -----------------------------------------------------------------------------------


# The keys of ``calllog.source.SOURCES`` (a test holds them equal).
Sources = Literal["android-xml", "fritzbox", "fritzbox-monitor", "cdr", "csv-ring", "csv"]


class SummaryModel(BaseModel):
    text: str = Field(description="One plain sentence: what happened and what to do.")
    format: Literal["android-xml", "fritzbox", "csv"]
    source: Sources = Field(
        description="The kind of log: android-xml, fritzbox, fritzbox-monitor (the log "
        "'ringcheck watch fritzbox' keeps), cdr (duration and billsec), csv-ring or csv."
    )
    ring_time: bool = Field(
        description="Whether the log records how long calls rang. Only then can a short "
        "ring count as a one-ring call."
    )
    rows: int
    calls: int
    missed: int
    numbers: int
    countries: int
    scam_numbers: int = Field(
        description="Numbers whose verdict says scam: level high or above with evidence "
        "of a scam, not just a call from abroad."
    )
    by_level: dict[str, int]
    withheld_calls: int
    first_call: str | None
    last_call: str | None
    unreadable_rows: int


class TriageNumberModel(BaseModel):
    e164: str | None
    display: str
    calls: int
    missed: int
    answered: int
    called_back: int
    first_seen: str | None
    last_seen: str | None
    verdict: VerdictModel
    category: str = Field(
        description="The main kind of trouble, as /api/v1/lookup names it (wangiri, "
        "premium_callback, international, withheld, none…)."
    )
    country: str | None
    region: str | None
    flag: str
    line_type: str
    withheld: bool
    similar_numbers: int
    night_calls: int
    shortest_ring_seconds: float | None
    name: str | None


class UnreadableModel(BaseModel):
    line: int
    why: str


class TriageResponse(BaseModel):
    """Every caller in the log, most worrying first (withheld callers as one entry)."""

    summary: SummaryModel
    numbers: list[TriageNumberModel]
    unreadable_rows: list[UnreadableModel] = Field(description="The first 1,000.")


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The call log: CSV/TSV with a header, a FRITZ!Box "
                        "call list, or SMS Backup & Restore calls.xml. Processed in memory, "
                        "never stored; at most triage_max_upload_mb (10 MB by default).",
                    },
                    "format": {"type": "string", "enum": list(_FORMATS), "default": "auto"},
                    "tz": {
                        "type": "string",
                        "default": "Europe/London",
                        "description": "Time zone for Android backups (they store UTC).",
                    },
                },
            }
        }
    },
}


@router.post(
    "/api/v1/triage",
    tags=["api"],
    summary="Triage a call log",
    responses={
        200: {"model": TriageResponse},
        **ERRORS,
        400: {"model": ErrorResponse, "description": "The file is not a call log ringcheck reads."},
        415: {"model": ErrorResponse, "description": "The body is not multipart/form-data."},
    },
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def api_triage(request: Request) -> Response:
    try:
        data, fields = await read_upload(request)
        result = await _in_thread(request, data, fields)
    except UploadProblem as problem:
        await _drain(request, problem)
        return json_response(error_dict(problem.code, problem.message), problem.status)
    from ringcheck.calllog.outputs import to_json

    return Response(to_json(result), media_type="application/json")
