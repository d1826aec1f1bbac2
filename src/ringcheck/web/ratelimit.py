"""Per-client rate limiting: a token bucket in memory, or in Redis for several workers.

Each client (by address) has a bucket of ``burst`` tokens that refills at
``rate_per_minute / 60`` tokens a second; a request takes one token. With no token left
the answer is 429 with ``Retry-After``. In memory the limit holds per process; with
``RINGCHECK_REDIS_URL`` set, one Lua script updates the bucket atomically in Redis (using
Redis's own clock), so every worker shares it. If Redis can't be reached the request is
let through and a warning is logged: a broken limiter must not take the checker down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Protocol

from ringcheck.web.middleware import ASGIApp, Receive, Scope, Send
from ringcheck.web.responses import error_body

log = logging.getLogger("ringcheck.web")


class Limiter(Protocol):
    async def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until a token is free."""

    async def peek(self, client: str) -> float:
        """What ``take`` would answer, without taking a token."""

    async def close(self) -> None: ...


class MemoryLimiter:
    """Token buckets in this process."""

    def __init__(self, rate_per_minute: int, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.buckets: dict[str, tuple[float, float]] = {}

    async def take(self, client: str) -> float:
        now = time.monotonic()
        tokens = self._tokens(client, now)
        if tokens >= 1.0:
            self._store(client, tokens - 1.0, now)
            return 0.0
        self._store(client, tokens, now)
        return (1.0 - tokens) / self.rate

    async def peek(self, client: str) -> float:
        tokens = self._tokens(client, time.monotonic())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _tokens(self, client: str, now: float) -> float:
        tokens, stamp = self.buckets.get(client, (self.burst, now))
        return min(self.burst, tokens + (now - stamp) * self.rate)

    def _store(self, client: str, tokens: float, now: float) -> None:
        if len(self.buckets) >= self.max_clients and client not in self.buckets:
            # Forget buckets that have refilled completely: they carry no state.
            full = self.burst / self.rate
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < full}
        self.buckets[client] = (tokens, now)

    async def close(self) -> None:
        self.buckets.clear()


_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
end
if ARGV[3] == 'peek' then
  return tostring(wait)
end
if wait == 0 then
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisLimiter:
    """Token buckets in Redis, shared by every worker that uses the same Redis."""

    def __init__(self, url: str, rate_per_minute: int, burst: int, prefix: str = "rc:rl:") -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.script = self.client.register_script(_BUCKET_LUA)
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.prefix = prefix
        self._warned = False

    async def take(self, client: str) -> float:
        return await self._run(client, "take")

    async def peek(self, client: str) -> float:
        return await self._run(client, "peek")

    async def _run(self, client: str, mode: str) -> float:
        try:
            wait = await self.script(
                keys=[self.prefix + client], args=[self.rate, self.burst, mode]
            )
        except Exception as exc:  # Redis down or slow: let the request through
            if not self._warned:
                log.warning("rate limiter: Redis unavailable (%s); not limiting", exc)
                self._warned = True
            return 0.0
        self._warned = False
        return float(wait)

    async def close(self) -> None:
        await self.client.aclose()


def make_limiter(
    redis_url: str, rate_per_minute: int, burst: int, prefix: str = "rc:rl:"
) -> Limiter:
    if redis_url:
        return RedisLimiter(redis_url, rate_per_minute, burst, prefix)
    return MemoryLimiter(rate_per_minute, burst)


class RateLimitMiddleware:
    """Limits the JSON API and form posts; pages, static files and /healthz are free."""

    def __init__(
        self, app: ASGIApp, limiter: Limiter, exempt: Callable[[Scope], bool] | None = None
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt = exempt or (lambda _scope: False)  # e.g. a proxy posting call events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _limited(scope) and not self.exempt(scope):
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = await self.limiter.take(client)
            if wait > 0:
                await _too_many(send, wait, _answer_form(scope.get("path", "")))
                return
        await self.app(scope, receive, send)


def _limited(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path.startswith("/api/") or scope.get("method") == "POST"


CALLER_NAME_PATH = "/api/v1/cid/"
CALLER_NAME_WHEN_LIMITED = b"Unknown"


def _answer_form(path: str) -> str:
    """How a 429 is written for ``path``: a page for a person, JSON for the API, and a
    neutral caller name where a PBX puts the whole body on the handset's display."""
    if path.startswith(CALLER_NAME_PATH):
        return "name"
    return "json" if path.startswith("/api/") else "page"


async def _too_many(send: Send, wait: float, form: str = "json") -> None:
    seconds = max(1, math.ceil(wait))
    message = f"Too many requests. Please wait {seconds} seconds and try again."
    if form == "page":  # a form post from a page: answer with a page, not JSON
        body = _PAGE_429.format(message=message).encode()
        kind = b"text/html; charset=utf-8"
    elif form == "name":  # Asterisk's CURL() shows any body, whatever the status
        body = CALLER_NAME_WHEN_LIMITED
        kind = b"text/plain; charset=us-ascii"
    else:
        body = error_body("rate_limited", message)
        kind = b"application/json"
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_PAGE_429 = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Please wait a moment – ringcheck</title><link rel="stylesheet" href="/static/style.css">
</head><body><main id="main"><h1>Please wait a moment</h1><p>{message}</p>
<p><a href="/">Back to the checker</a></p></main></body></html>
"""
