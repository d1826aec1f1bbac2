"""A fast lane for the two busiest routes: GET /api/v1/check and GET /healthz.

FastAPI's routing and dependency layer costs more per request than the check itself
(see benchmarks/README.md). These two routes take no body and no dependencies, so they
are answered here by the same objects the FastAPI routes call (``answers.CheckAnswers``),
inside the same middleware (security headers, rate limit, access log). The FastAPI routes
stay for the OpenAPI schema and behave identically.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringcheck.web.answers import CheckAnswers
from ringcheck.web.middleware import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class _Route:
    """What the access log reads from ``scope["route"]``: the route template."""

    path: str


_CHECK = _Route("/api/v1/check")
_HEALTH = _Route("/healthz")


class FastLane:
    def __init__(self, app: ASGIApp, answers: CheckAnswers, health: bytes) -> None:
        self.app = app
        self.answers = answers
        self.health = health

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
        await self.app(scope, receive, send)


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
