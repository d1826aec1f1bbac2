"""Fixtures for the store: every test that takes ``db_url`` runs twice, on SQLite (a file
in the test's temporary directory) and on the real PostgreSQL at 127.0.0.1:5432 in a
fresh schema ``rc_<random>`` of its own, dropped afterwards.

Without PostgreSQL the PostgreSQL half is skipped with a message, or fails when CI=true:
CI must run both engines. ``open_store(**settings)`` opens a ``Store`` on ``db_url`` (closed
after the test); ``store`` is one with a high report limit.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from ringcheck.settings import Settings
from ringcheck.store import Store

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

OpenStore = Callable[..., Store]


def pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection for creating and dropping test schemas."""
    try:
        return psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL on 127.0.0.1:5432 (database 'test') is not reachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: both engines must run)")
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to the user's data directory or reads their config."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("RINGCHECK_DATABASE_URL", "RINGCHECK_REPORTER_SALT", "RINGCHECK_HOME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema."""
    admin = pg_admin()
    schema = f"rc_{secrets.token_hex(6)}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reports.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def open_store(db_url: str) -> Iterator[OpenStore]:
    opened: list[Store] = []

    def make(**settings: object) -> Store:
        values: dict[str, object] = {"database_url": db_url, "reports_per_hour": 1000}
        values.update(settings)
        store = Store.open(Settings(**values))  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: OpenStore) -> Store:
    return open_store()
