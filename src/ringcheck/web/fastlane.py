"""A fast lane for the busiest routes: GET /api/v1/check, /healthz, and the lookups
phone systems make while a call rings (/api/v1/lookup/…, /api/v1/cid/…).

FastAPI's routing and dependency layer costs more per request than the check itself
(see benchmarks/README.md). These two routes take no body and no dependencies, so they
are answered here by the same objects the FastAPI routes call (``answers.CheckAnswers``,
``answers.PhoneAnswers``),
inside the same middleware (security headers, rate limit, access log). The FastAPI routes
stay for the OpenAPI schema and behave identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from ringcheck.web.answers import CheckAnswers, PhoneAnswers
from ringcheck.web.middleware import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class _Route:
    """What the access log reads from ``scope["route"]``: the route template."""

    path: str


_CHECK = _Route("/api/v1/check")
_HEALTH = _Route("/healthz")
_PHONE = {
    "lookup": _Route("/api/v1/lookup/{number}"),
    "cid": _Route("/api/v1/cid/{number}"),
}
_PREFIXES = tuple((f"/api/v1/{name}/", name) for name in _PHONE)


class FastLane:
    def __init__(
        self, app: ASGIApp, answers: CheckAnswers, health: bytes, phones: PhoneAnswers
    ) -> None:
        self.app = app
        self.answers = answers
        self.health = health
        self.phones = phones

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            if path == "/api/v1/check":
                scope["route"] = _CHECK
                await _send_json(send, *await self.answers.answer(scope.get("query_string", b"")))
                return
            if path == "/healthz":
                scope["route"] = _HEALTH
                await _send_json(send, 200, self.health)
                return
            for prefix, name in _PREFIXES:
                if path.startswith(prefix):
                    scope["route"] = _PHONE[name]
                    await self._phone(scope, send, name, path[len(prefix) :])
                    return
        await self.app(scope, receive, send)

    async def _phone(self, scope: Scope, send: Send, route: str, number: str) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        held = next(
            (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"if-none-match"), ""
        )
        status, headers, body = await self.phones.answer(
            route, number, query.get("max"), query.get("format"), held, query.get("direction")
        )
        headers.append((b"content-length", b"%d" % len(body)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
