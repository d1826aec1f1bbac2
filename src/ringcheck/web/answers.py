"""Answers to GET /api/v1/check, kept for a few seconds per worker.

An answer depends only on the query string, the data version (fixed while a worker
runs) and what people reported about the number. Reports are already read through a
per-worker cache that may be ``community_cache_seconds`` old, so an answer kept for the
same time is never staler than a freshly computed one could be. Scam campaigns make many
people check the same few numbers at once: those repeats cost a dictionary lookup
instead of a parse, a verdict and a database read.

The cache is bounded (``MAX_ANSWERS`` entries, oldest dropped first) and holds no
personal data beyond what the worker already has in memory while answering. With
``community_cache_seconds = 0`` nothing is kept. benchmarks/http_check.py measures both
repeated numbers and numbers that never repeat, and prints the hit rate.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from ringcheck.community import Community
from ringcheck.settings import Settings
from ringcheck.web.cache import MISS, TimedCache
from ringcheck.web.routes import api

MAX_ANSWERS = 20_000
MAX_KEY_BYTES = 2_048  # longer queries are answered but not kept

CommunityLookup = Callable[[str], Awaitable[Community | None]]


class CheckAnswers:
    """``answer(query)`` -> (status, JSON body) for GET /api/v1/check."""

    def __init__(
        self,
        settings: Settings,
        community: CommunityLookup | None = None,
        max_answers: int = MAX_ANSWERS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.community = community
        self.kept: TimedCache[bytes, tuple[int, bytes]] = TimedCache(
            settings.community_cache_seconds, max_answers, timer
        )

    async def answer(self, query: bytes) -> tuple[int, bytes]:
        kept = self.kept.get(query)
        if kept is not MISS:
            return kept  # type: ignore[return-value]
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        status, body = await api.check_query(params, self.settings, self.community)
        if len(query) <= MAX_KEY_BYTES:
            self.kept.put(query, (status, body))
        return status, body

    def forget(self) -> None:
        """Drop every kept answer (after a report, so the reporter sees it at once)."""
        self.kept.clear()
