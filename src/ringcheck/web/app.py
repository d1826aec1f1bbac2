"""Assemble the web application: ``create_app(settings)``; no import-time state."""

from __future__ import annotations

import gc
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from ringcheck import __version__
from ringcheck.datatables import tables
from ringcheck.settings import Settings, check_production, load_settings
from ringcheck.store import Store
from ringcheck.web.answers import CheckAnswers, PhoneAnswers
from ringcheck.web.cache import TimedCache
from ringcheck.web.community import CommunityCache
from ringcheck.web.dav import DavError, on_dav_error
from ringcheck.web.fastlane import FastLane
from ringcheck.web.livecampaigns import LiveCampaigns
from ringcheck.web.middleware import EdgeMiddleware
from ringcheck.web.ratelimit import RateLimitMiddleware, make_limiter
from ringcheck.web.responses import add_error_handlers
from ringcheck.web.routes import (
    api,
    campaigns,
    carddav,
    events,
    moderation,
    pages,
    phone,
    reports,
    triage,
)
from ringcheck.web.signin import SignInGuard

log = logging.getLogger("ringcheck.web")

DESCRIPTION = """Check a phone number that called you: where it is from, what kind of line it
is, what calling back could cost, how risky it looks and what to do. Every answer follows
the result contract in DESIGN.md. Errors are `{"error": {"code", "message"}}`."""


ROUTES = (api, pages, reports, moderation, triage, phone, carddav, campaigns, events)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ringcheck web app for these settings (defaults: built-in, development).

    Opens the reports store: raises ``SchemaError`` when the database's schema is older or
    newer than this version knows (``ringcheck db upgrade``), ``StoreError`` when the
    database can't be reached, so a worker never starts half-working.
    """
    settings = settings or Settings()
    check_production(settings)
    if not settings.secret_key:  # development: a fresh secret per process is enough
        settings = replace(settings, secret_key=secrets.token_urlsafe(32))
    store = Store.open(settings)
    limiter = make_limiter(settings.redis_url, settings.rate_per_minute, settings.rate_burst)
    sign_in = SignInGuard(settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tables()  # load the data before the first request, not during it
        try:
            yield
        finally:
            await limiter.close()
            await sign_in.close()
            store.close()

    app = FastAPI(
        title="ringcheck",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by pages.api_docs with local assets and no inline script
        redoc_url=None,
        lifespan=lifespan,
        # No OpenTelemetry here; FastAPI otherwise asks on every request whether it's set up.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    _set_state(app, settings, store, sign_in)
    for area in ROUTES:
        app.include_router(area.router)
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=os.path.join(pages.HERE, "static")), "static")
    add_error_handlers(app, pages.invalid_page, pages.error_page)
    app.add_exception_handler(DavError, on_dav_error)  # type: ignore[arg-type]
    state = app.state
    app.add_middleware(
        FastLane, answers=state.check_answers, health=_health_body(), phones=state.phone_answers
    )
    app.add_middleware(RateLimitMiddleware, limiter=limiter, exempt=events.exempt(settings))
    app.add_middleware(EdgeMiddleware)
    return app


def _set_state(app: FastAPI, settings: Settings, store: Store, sign_in: SignInGuard) -> None:
    """Everything the routes share (``deps.py`` reads it), made here and nowhere else."""
    state = app.state
    state.settings, state.store, state.sign_in = settings, store, sign_in
    state.community = community = CommunityCache(store, settings.community_cache_seconds)
    state.campaigns = live = LiveCampaigns(store)
    state.check_answers = CheckAnswers(settings, community.find, live)
    state.phone_answers = PhoneAnswers(settings, community.find, live)
    # A report, or a change of the live campaigns, drops the kept answers at once.
    forget = [state.check_answers.forget, state.phone_answers.forget]
    community.on_invalidate += forget
    live.on_change += forget
    # /api/v1/range: reported numbers by hash prefix, rebuilt as often as the reports cache
    state.range_index = TimedCache(max(5.0, settings.community_cache_seconds), 1)
    state.carddav = carddav.Books()
    state.live = events.live_events(settings, store)  # POST /api/v1/events, when set up


def app_from_env() -> FastAPI:
    """Factory for the server's worker processes: settings from the environment.

    What the app holds from here on (the data tables, ~145,000 objects) is moved out of
    the garbage collector's reach (``gc.freeze``): a full collection then looks at what
    requests made, a few ms, instead of stopping every answer for ~100 ms on a busy
    machine (benchmarks/README.md, live.py)."""
    app = create_app(load_settings())
    gc.freeze()
    return app


def _health_body() -> bytes:
    return json.dumps({"status": "ok", "data_version": tables().version}).encode()


async def healthz() -> Response:
    return Response(_health_body(), media_type="application/json")
