"""What every answer of the web face shares: the one error body, JSON bytes, ETags.

Every JSON error is ``{"error": {"code": "...", "message": "..."}}``, built by
``error_dict`` alone. Routes raise ``ApiError`` (or let a ``RingcheckError`` through);
the exception handlers ``add_error_handlers`` installs turn both into that body with the
right status, so no route writes an error body by hand. Plumbing that answers before
FastAPI (the fast lane, the rate limit, the body cap) sends ``error_body`` bytes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringcheck.errors import RingcheckError
from ringcheck.risk import BadContext
from ringcheck.tableout import to_json

log = logging.getLogger("ringcheck.web")
Headers = list[tuple[bytes, bytes]]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable code for tools, e.g. no_number, too_short.")
    message: str = Field(description="What was wrong, for a person.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


# The error answers the JSON routes document in OpenAPI; ``documented(422, 429)`` picks some.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Not a phone number ringcheck can read."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    422: {"model": ErrorResponse, "description": "A field is missing or out of range."},
    429: {"model": ErrorResponse, "description": "Too many requests; see Retry-After."},
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entries for these error statuses."""
    return {status: ERRORS[status] for status in statuses}


def error_dict(code: str, message: str) -> dict[str, Any]:
    """The one error shape: ``{"error": {"code": ..., "message": ...}}``."""
    return {"error": {"code": code, "message": message}}


# Text from the request (number, claimed) is echoed in answers; writing <, > and & as JSON
# escapes keeps markup out of the bytes even if a client renders them as HTML. The JSON
# means the same, and outside strings JSON never contains these characters.
def json_body(payload: Any) -> bytes:
    """JSON bytes with <, > and & escaped, so no answer can be read as markup: the one
    writer of every JSON answer and file (``tableout.to_json``)."""
    return to_json(payload)


def error_body(code: str, message: str) -> bytes:
    return json_body(error_dict(code, message))


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json_body(payload), status_code=status, media_type="application/json")


class ApiError(Exception):
    """Raised by a JSON route: answered as the error body with ``status``."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def body(self) -> bytes:
        return error_body(self.code, self.message)

    def response(self) -> Response:
        answer = Response(self.body(), status_code=self.status, media_type="application/json")
        answer.headers.update(self.headers or {})
        return answer


def invalid(message: str) -> ApiError:
    """A query or body value out of range (422 ``invalid_request``)."""
    return ApiError(422, "invalid_request", message)


def problem_of(exc: RingcheckError) -> ApiError:
    """The answer for a ``RingcheckError``: 400 a number that can't be read, 422 a detail
    out of range, 404 no such report or campaign, 429 a report limit, 503 the database
    is away."""
    from ringcheck.store import BadReport, ReportLimited, StoreError
    from ringcheck.store.errors import CampaignError

    status, headers = 400, None
    if isinstance(exc, BadContext):
        status = 422
    elif isinstance(exc, CampaignError):
        status = 404 if exc.code == "no_campaign" else 422
    elif isinstance(exc, ReportLimited):
        status, headers = 429, {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, BadReport):
        status = 404 if exc.code == "no_such_report" else 400 if exc.code == "bad_number" else 422
    elif isinstance(exc, StoreError):
        status, headers = 503, {"Retry-After": "5"}
    return ApiError(status, exc.code, exc.message, headers)


def etag(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"'


# Answers that follow the live campaigns (lookup, caller name, block list) may be stored
# but not reused unasked: a published campaign reaches every worker within a second
# (``livecampaigns``), and a max-age would let a phone system keep "allow" for as long.
# Asking again with If-None-Match costs a 304 while nothing changed.
REVALIDATE: Final = b"public, no-cache"


def conditional(
    body: bytes, media: bytes, held: str, tag: bytes | None = None
) -> tuple[int, Headers, bytes]:
    """``body`` with its ETag, to be asked again before each use (``REVALIDATE``), or
    304 when ``held`` (If-None-Match) names it."""
    tag = tag or etag(body)
    headers = [(b"cache-control", REVALIDATE), (b"etag", tag)]
    if held and (held.strip() == "*" or tag.decode() in (p.strip() for p in held.split(","))):
        return 304, headers, b""
    return 200, [(b"content-type", media), *headers], body


def raw_response(status: int, headers: Headers, body: bytes) -> Response:
    """A Response from ASGI-style (status, headers, body)."""
    named = {k.decode(): v.decode() for k, v in headers if k != b"content-type"}
    media = next((v.decode() for k, v in headers if k == b"content-type"), None)
    return Response(body, status_code=status, headers=named, media_type=media)


def validation_message(errors: list[dict[str, Any]]) -> str:
    """One sentence from FastAPI's validation errors (for 422 answers)."""
    if not errors:
        return "The request is not valid."
    first = errors[0]
    if first.get("type") == "json_invalid":  # loc is a character offset: say what it means
        return 'The request body is not valid JSON. Send a JSON object such as {"number": "…"}.'
    loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path")]
    where = ".".join(loc) or "request"
    return f"{where}: {first.get('msg', 'not valid')}"


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthorized",
    429: "rate_limited",
}
Page = Callable[[Request, int, str], Response]


def add_error_handlers(app: FastAPI, invalid_page: Page, error_page: Page) -> None:
    """Answer errors as the error body under /api/, and elsewhere as a page: the form
    again for a request that isn't valid (``invalid_page``), else ``error_page``."""

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return exc.response()

    async def on_ringcheck(request: Request, exc: RingcheckError) -> Response:
        if wants_json(request):
            return problem_of(exc).response()
        raise exc  # a page that let one through: the server error below, as before

    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        message = validation_message(list(exc.errors()))
        if wants_json(request):
            return invalid(message).response()
        return invalid_page(request, 422, message)

    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request):
            code = _HTTP_CODES.get(exc.status_code, "error")
            return ApiError(exc.status_code, code, str(exc.detail), exc.headers).response()
        return error_page(request, exc.status_code, str(exc.detail))

    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        message = "Something went wrong on our side. Please try again."
        return ApiError(500, "internal", message).response()

    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RingcheckError, on_ringcheck)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_error)
