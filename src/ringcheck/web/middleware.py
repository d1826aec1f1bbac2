"""ASGI middleware: security headers, body-size limit and a privacy-safe access log.

Written as plain ASGI (not Starlette's BaseHTTPMiddleware) because it wraps every request
and the JSON API is benchmarked per request.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ringcheck.web.responses import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 512 * 1024
# Call-log uploads may be bigger: their handlers hold them to triage_max_upload_mb and say
# so in a page or JSON; this backstop (twice that, plus 1 MB) only stops runaway bodies.
UPLOAD_PATHS = frozenset({"/triage", "/api/v1/triage"})
access_log = logging.getLogger("ringcheck.access")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# No inline script anywhere; the API docs page alone needs Swagger UI's inline styles.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
_DOCS_CSP = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _headers(csp: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


_PAGE_HEADERS = _headers(_CSP)
_DOCS_HEADERS = _headers(_DOCS_CSP)


class TooLarge(Exception):
    """The request body passed MAX_BODY_BYTES."""


def _json_error(status: int, code: str, message: str) -> tuple[Message, Message]:
    body = error_body(code, message)
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *_PAGE_HEADERS,
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class EdgeMiddleware:
    """Every response gets security headers; bodies are capped; each request is logged
    by its route template (``/number/{number}``), never by the number itself."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        extra = _DOCS_HEADERS if path.startswith("/docs") else _PAGE_HEADERS
        status = 500
        response_started = False

        limit = self._limit(scope)
        length = _content_length(scope)
        if length is not None and length > limit:
            await _send_too_large(send, limit)
            self._log(scope, 413, started)
            return

        seen = 0
        overflow = False

        async def counted_receive() -> Message:
            nonlocal seen, overflow
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    overflow = True
                    raise TooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal status, response_started
            if overflow and not response_started:
                # FastAPI turns an exception while reading the body into its own 400; the
                # answer to a body that was too big is our 413, sent below instead.
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, counted_receive, secured_send)
        except TooLarge:
            pass
        finally:
            if overflow and not response_started:
                await _send_too_large(send, limit)
                status = 413
            self._log(scope, status, started)

    def _limit(self, scope: Scope) -> int:
        if scope.get("path") in UPLOAD_PATHS:
            settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
            megabytes = getattr(settings, "triage_max_upload_mb", 0)
            if megabytes:
                return (2 * megabytes + 1) * 1024 * 1024
        return self.max_body

    @staticmethod
    def _log(scope: Scope, status: int, started: float) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        route = scope.get("route")
        template = getattr(route, "path", None) or "-"
        ms = (time.perf_counter() - started) * 1000
        # Method and route come from our own route table (or "-"), never from the client's
        # path, so they are safe to write as JSON strings directly.
        method = scope.get("method", "-") if scope.get("method") in _METHODS else "-"
        access_log.info(
            '{"event":"request","method":"%s","route":%s,"status":%d,"ms":%.2f}',
            method,
            json.dumps(template),
            status,
            ms,
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Send, limit: int = MAX_BODY_BYTES) -> None:
    start, body = _json_error(
        413,
        "too_large",
        f"The request is too big. Send at most {limit // 1024} KB.",
    )
    await send(start)
    await send(body)
