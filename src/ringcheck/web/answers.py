"""Answers to GET /api/v1/check, kept for a few seconds per worker.

An answer depends only on the query string, the data version (fixed while a worker
runs), what people reported about the number and the live campaigns (every kept answer
is dropped when those change: ``livecampaigns``). Reports are already read through a
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
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from ringcheck.community import Community
from ringcheck.settings import Settings
from ringcheck.web.livecampaigns import LiveCampaigns
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
        campaigns: LiveCampaigns | None = None,
        max_answers: int = MAX_ANSWERS,
    ) -> None:
        self.settings = settings
        self.community = community
        self.campaigns = campaigns
        self.ttl = float(settings.community_cache_seconds)
        self.max_answers = max_answers if self.ttl > 0 else 0
        self._kept: OrderedDict[bytes, tuple[float, int, bytes]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    async def answer(self, query: bytes) -> tuple[int, bytes]:
        if self.campaigns is not None:
            await self.campaigns.fresh()  # a change drops every kept answer (``forget``)
        kept = self._kept.get(query)
        now = time.monotonic()
        if kept is not None and kept[0] > now:
            self.hits += 1
            return kept[1], kept[2]
        self.misses += 1
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        status, body = await api.check_query(params, self.settings, self.community, self.campaigns)
        if self.max_answers and len(query) <= MAX_KEY_BYTES:
            self._keep(query, (now + self.ttl, status, body))
        return status, body

    def _keep(self, query: bytes, entry: tuple[float, int, bytes]) -> None:
        kept = self._kept
        kept[query] = entry
        kept.move_to_end(query)
        while len(kept) > self.max_answers:
            kept.popitem(last=False)

    def forget(self) -> None:
        """Drop every kept answer (after a report, so the reporter sees it at once)."""
        self._kept.clear()
