"""Assemble the web application: ``create_app(settings)``; no import-time state."""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringcheck import __version__
from ringcheck.datatables import tables
from ringcheck.settings import Settings, check_production, load_settings
from ringcheck.store import Store
from ringcheck.web.answers import CheckAnswers
from ringcheck.web.community import CommunityCache
from ringcheck.web.fastlane import FastLane
from ringcheck.web.livecampaigns import LiveCampaigns
from ringcheck.web.middleware import EdgeMiddleware
from ringcheck.web.ratelimit import RateLimitMiddleware, make_limiter
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
    app.state.settings = settings
    app.state.store = store
    app.state.sign_in = sign_in
    app.state.community = community = CommunityCache(store, settings.community_cache_seconds)
    app.state.campaigns = live = LiveCampaigns(store)
    app.state.check_answers = answers = CheckAnswers(settings, community.find, live)
    community.on_invalidate.append(answers.forget)
    app.state.phone_answers = phones = phone.PhoneAnswers(settings, community.find, live)
    community.on_invalidate.append(phones.forget)
    live.on_change += [answers.forget, phones.forget]
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(reports.router)
    app.include_router(moderation.router)
    app.include_router(triage.router)
    app.include_router(phone.router)
    app.include_router(carddav.router)
    app.include_router(campaigns.router)
    events.install(app, settings)
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=os.path.join(pages.HERE, "static")), "static")
    _add_error_handlers(app)
    app.add_middleware(FastLane, answers=answers, health=_health_body(), phones=phones)
    app.add_middleware(RateLimitMiddleware, limiter=limiter, exempt=events.exempt(settings))
    app.add_middleware(EdgeMiddleware)
    return app


def app_from_env() -> FastAPI:
    """Factory for the server's worker processes: settings from the environment."""
    return create_app(load_settings())


def _health_body() -> bytes:
    return json.dumps({"status": "ok", "data_version": tables().version}).encode()


async def healthz() -> Response:
    return Response(_health_body(), media_type="application/json")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_json(status: int, code: str, message: str) -> Response:
    return api.json_response({"error": {"code": code, "message": message}}, status)


def _add_error_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        message = api.validation_message(list(exc.errors()))
        if _wants_json(request):
            return _error_json(422, "invalid_request", message)
        return pages.render(request, "index.html", status=422, values={}, error=message)

    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            code = {
                404: "not_found",
                405: "method_not_allowed",
                401: "unauthorized",
                429: "rate_limited",
            }.get(exc.status_code, "error")
            response = _error_json(exc.status_code, code, str(exc.detail))
            response.headers.update(exc.headers or {})  # WWW-Authenticate on a 401
            return response
        if exc.status_code == 404:
            return pages.not_found(request)
        return pages.render(request, "404.html", status=exc.status_code, path=request.url.path)

    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        return _error_json(500, "internal", "Something went wrong on our side. Please try again.")

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_error)
