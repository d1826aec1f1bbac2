"""Opening the database: URL, engine settings per backend, and the schema check.

SQLite: WAL journal, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for
writes so concurrent writers queue instead of failing half-way. PostgreSQL: psycopg 3.
An empty database is migrated to the newest revision on first use; any other revision
than the newest stops with a ``SchemaError`` that says which command to run.

Opening a database already at ``HEAD_REVISION`` reads its revision with one query and
never imports Alembic (a quarter of a second on a small machine, paid by every
process that opens the store, such as callblocker's check of each call): Alembic is
imported only to migrate, or to explain why a database can't be used.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from ringcheck.settings import default_sqlite_path
from ringcheck.store.errors import SchemaError, StoreError
from ringcheck.store.migrations import HEAD_REVISION
from ringcheck.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

BUSY_TIMEOUT_SECONDS = 10
WRITE = "ringcheck_write"  # execution option: this transaction writes
_MIGRATION_LOCK = 0x52494E47  # "RING": one process migrates a PostgreSQL database at a time
_MIGRATIONS = str(Path(__file__).with_name("migrations"))
_URL_HELP = (
    "Use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/database, "
    "or leave RINGCHECK_DATABASE_URL empty for a file in your data directory."
)


def database_url(text_url: str) -> URL:
    """The SQLAlchemy URL for a ``database_url`` setting, or ``StoreError`` if unusable."""
    if not text_url.strip():
        path = default_sqlite_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return URL.create("sqlite+pysqlite", database=path)
    try:
        url = make_url(text_url.strip())
    except ArgumentError:
        raise StoreError(
            "bad_database_url", f"The database URL '{text_url}' can't be read. {_URL_HELP}"
        ) from None
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise StoreError(
                "bad_database_url", f"'{text_url}' names no database file. {_URL_HELP}"
            )
        return url.set(drivername="sqlite+pysqlite")
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    raise StoreError("bad_database_url", f"Can't use the database '{shown}'. {_URL_HELP}")


def create(url: URL) -> Engine:
    """An engine for ``url`` with ringcheck's connection settings."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 5
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event (below) start transactions, not the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")  # an acknowledged report survives power loss
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    writes = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def describe(url: URL) -> str:
    """The database for messages: a file path, or the URL without its password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


@contextlib.contextmanager
def translated(url: URL) -> Iterator[None]:
    """Turn a driver's connection failures into a ``StoreError`` a person can act on."""
    try:
        yield
    except OperationalError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
        if "locked" in detail or "busy" in detail:
            raise StoreError(
                "database_busy",
                f"The database {describe(url)} is busy with another writer. Try again shortly.",
            ) from None
        raise StoreError(
            "database_unavailable",
            f"ringcheck can't reach the database {describe(url)} ({detail}). Check that it "
            "is running and that RINGCHECK_DATABASE_URL is right.",
        ) from None
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreError(
                "database_unavailable",
                f"The connection to the database {describe(url)} was lost. Try again.",
            ) from None
        raise


def _alembic_config(conn: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    config.attributes["connection"] = conn
    return config


def _script() -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    head = _script().get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def stored_revision(conn: Connection) -> str | None:
    """The database's one revision, read without Alembic; None when it has none or
    several (Alembic then looks, as before)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return str(found[0]) if len(found) == 1 else None


def schema_status(engine: Engine) -> tuple[str | None, str]:
    """(the database's revision or None when it has none, this ringcheck's newest)."""
    with engine.connect() as conn:
        return current_revision(conn), head_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction, one process at a time."""
    with engine.execution_options(**{WRITE: True}).begin() as conn:
        _lock_for_migration(conn)
        current = current_revision(conn)
        if current is not None and current not in _known_revisions():
            raise _unknown(current)
        if current is None and _has_our_tables(conn):
            raise _unversioned()
        from alembic import command

        command.upgrade(_alembic_config(conn), revision)


def ensure_schema(engine: Engine) -> None:
    """Migrate an empty database; refuse one at any revision other than the newest."""
    with engine.connect() as conn:
        if stored_revision(conn) == HEAD_REVISION:
            return  # current: no Alembic needed
    current, head = schema_status(engine)
    if current == head:
        return
    if current is None:
        upgrade(engine)
        current, head = schema_status(engine)
        if current == head:
            return
    if current not in _known_revisions():
        raise _unknown(str(current))
    raise SchemaError(
        "schema_out_of_date",
        f"The reports database is at revision {current}; this ringcheck needs {head}. "
        "Run `ringcheck db upgrade` to bring it up to date (your reports are kept).",
    )


def _lock_for_migration(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


def _known_revisions() -> set[str]:
    return {script.revision for script in _script().walk_revisions()}


def _has_our_tables(conn: Connection) -> bool:
    return bool(set(inspect(conn).get_table_names()) & set(Base.metadata.tables))


def _unknown(revision: str) -> SchemaError:
    return SchemaError(
        "schema_unknown",
        f"The reports database is at revision {revision}, which this version of ringcheck "
        "doesn't know: it was made by a newer ringcheck. Upgrade ringcheck to use it.",
    )


def _unversioned() -> SchemaError:
    return SchemaError(
        "schema_unknown",
        "The database has ringcheck's tables but no schema revision, so ringcheck can't tell "
        "what state it is in. Restore it from a backup or point ringcheck at a new database.",
    )
