"""Fixtures for the web app: in-process clients over create_app(Settings(...)).

``make_client(**settings)`` builds an app and a started client (each app is like one worker
process); unless the settings say otherwise, its in-memory rate limit is high enough never
to get in the way. ``client`` is one such client with the defaults. ``redis_url`` is the
real Redis on 127.0.0.1:6379, database 15, with the rate limiter's keys cleared before and
after each test; without Redis the test is skipped, or fails when CI=true, where .ci/run is
expected to provide it. ``redis_client(**settings)`` is ``make_client`` with that Redis.

Every app stores community reports in a SQLite file in the test's own temporary
directory (``database_url``; apps made in one test share it, like workers of one server),
never in the user's data directory: XDG_DATA_HOME points at a temporary directory too,
set when this file is imported so that apps built at import time (test_schemathesis.py)
are covered as well. ``make_client(client_host="203.0.113.5", …)`` sets the address the
app sees, which keys the reporter.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Starlette asks for httpx2 instead of httpx; the TestClient works the same with both.
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

from ringcheck.settings import Settings
from ringcheck.web.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/15"
LIMITER_KEYS = "rc:rl:*"  # RedisLimiter's key prefix
UNLIMITED = {"rate_per_minute": 1_000_000, "rate_burst": 1_000_000}

MakeClient = Callable[..., TestClient]

# Safety net for apps built outside the fixtures: their default database lands here.
_DATA_HOME = tempfile.mkdtemp(prefix="ringcheck-test-data-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to the user's data directory."""
    home = tmp_path / "xdg-data"
    home.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(home))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file in this test's temporary directory."""
    return f"sqlite:///{tmp_path}/r.db"


@pytest.fixture
def make_client(database_url: str) -> Iterator[MakeClient]:
    """``make_client(**settings)``: a started TestClient over a fresh app; closed after."""
    with ExitStack() as stack:

        def make(client_host: str = "testclient", **values: object) -> TestClient:
            values = {**UNLIMITED, "database_url": database_url, **values}
            app = create_app(Settings(**values))  # type: ignore[arg-type]
            # The context manager runs the app's lifespan and keeps one event loop, which
            # the Redis limiter's connection pool needs.
            client = TestClient(app, client=(client_host, 50000))
            return stack.enter_context(client)

        yield make


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    """A client for an app with the default settings and no effective rate limit."""
    return make_client()


def _flush(url: str) -> None:
    import redis

    conn = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        keys = list(conn.scan_iter(match=LIMITER_KEYS))
        if keys:
            conn.delete(*keys)
    finally:
        conn.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The URL of the real Redis test database, its limiter keys cleared around the test."""
    import redis

    try:
        _flush(REDIS_URL)
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: CI must run redis-server on 127.0.0.1:6379.", pytrace=False)
        pytest.skip(f"{message}: start redis-server on 127.0.0.1:6379 to run this test.")
    yield REDIS_URL
    _flush(REDIS_URL)


@pytest.fixture
def redis_client(redis_url: str, make_client: MakeClient) -> Callable[..., TestClient]:
    """``redis_client(**settings)``: a client for an app whose limiter is in the test Redis."""

    def make(**values: object) -> TestClient:
        return make_client(redis_url=redis_url, **values)

    return make
