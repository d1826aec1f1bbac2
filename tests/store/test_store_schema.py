"""Opening a database: empty ones are set up, older ones wait for `ringcheck db upgrade`,
unknown ones are refused, and bad or unreachable URLs get a plain message."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from ringcheck.settings import Settings
from ringcheck.store import SchemaError, Store, StoreError
from ringcheck.store import engine as store_engine
from ringcheck.store.models import Base

NUMBER = "+442079460000"


def raw_engine(url: str):
    return store_engine.create(store_engine.database_url(url))


def test_an_empty_database_is_set_up_on_first_use(db_url: str):
    with Store.open(Settings(database_url=db_url)) as store:
        assert store.schema_status() == ("0004", "0004")
        store.add_report(number=NUMBER, category="silent", client="a")


def test_the_default_database_is_a_file_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with Store.open(Settings()) as store:
        assert store.where == str(tmp_path / "xdg" / "ringcheck" / "ringcheck.db")
        store.add_report(number=NUMBER, category="silent", client="a")
    assert (tmp_path / "xdg" / "ringcheck" / "ringcheck.db").is_file()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path):
    db = raw_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with db.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_the_migrations_make_exactly_the_tables_the_models_describe(db_url: str):
    Store.open(Settings(database_url=db_url)).close()
    db = raw_engine(db_url)
    with db.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert differences == []


def test_an_older_revision_is_refused_until_upgraded_and_reports_survive(db_url: str):
    db = raw_engine(db_url)
    store_engine.upgrade(db, "0001")
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reports (e164, prefix1, prefix2, reporter, category, reported_at, "
                "updated_at, hidden) VALUES (:n, :p1, :p2, 'ab', 'silent', :t, :t, :h)"
            ),
            {"n": NUMBER, "p1": NUMBER[:-1], "p2": NUMBER[:-2], "t": "2026-11-01", "h": False},
        )
    db.dispose()
    settings = Settings(database_url=db_url)
    with pytest.raises(SchemaError) as caught:
        Store.open(settings)
    assert caught.value.code == "schema_out_of_date"
    assert "ringcheck db upgrade" in caught.value.message
    assert Store.status_url(settings) == ("0001", "0004")
    assert Store.upgrade_url(settings) == ("0001", "0004")
    with Store.open(settings) as store:
        assert store.reports(NUMBER).total == 1
        [report] = store.reports(NUMBER).items
        store.hide(report.id, moderator="mod", reason="test")  # the 0002 audit table works
    assert Store.upgrade_url(settings) == ("0004", "0004")


def test_the_head_revision_constant_is_the_newest_migration():
    # ensure_schema trusts HEAD_REVISION to skip Alembic: a new migration must move it.
    assert store_engine.head_revision() == store_engine.HEAD_REVISION


def test_opening_a_current_database_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store.open(Settings(database_url=url)).close()
    code = (
        "import sys\n"
        "from ringcheck.settings import Settings\n"
        "from ringcheck.store import Store\n"
        f"Store.open(Settings(database_url={url!r})).close()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_old_revision_opened_in_a_fresh_process_is_still_refused(tmp_path):
    # The quick revision check must hand anything but the newest to Alembic's checks.
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = raw_engine(url)
    store_engine.upgrade(db, "0003")
    db.dispose()
    code = (
        "from ringcheck.settings import Settings\n"
        "from ringcheck.store import SchemaError, Store\n"
        "try:\n"
        f"    Store.open(Settings(database_url={url!r}))\n"
        "except SchemaError as exc:\n"
        "    print(exc.code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "schema_out_of_date", done.stderr


def test_a_revision_from_a_newer_ringcheck_is_refused(db_url: str):
    Store.open(Settings(database_url=db_url)).close()
    db = raw_engine(db_url)
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    db.dispose()
    with pytest.raises(SchemaError) as caught:
        Store.open(Settings(database_url=db_url))
    assert caught.value.code == "schema_unknown"
    assert "0999" in caught.value.message and "Upgrade ringcheck" in caught.value.message
    with pytest.raises(SchemaError):
        Store.upgrade_url(Settings(database_url=db_url))


def test_tables_without_a_revision_are_not_touched(db_url: str):
    db = raw_engine(db_url)
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE reports (id INTEGER PRIMARY KEY)"))
    db.dispose()
    with pytest.raises(SchemaError) as caught:
        Store.open(Settings(database_url=db_url))
    assert caught.value.code == "schema_unknown"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/ringcheck",
        "not a url",
        "sqlite://",
        "sqlite:///:memory:",
        "oracle+cx://x@y/z",
    ],
)
def test_a_database_url_ringcheck_cannot_use_is_refused(url: str):
    with pytest.raises(StoreError) as caught:
        Store.open(Settings(database_url=url))
    assert caught.value.code == "bad_database_url"
    assert "postgresql+psycopg://" in caught.value.message


def test_plain_postgresql_urls_use_psycopg_3():
    assert store_engine.database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert store_engine.database_url("postgres://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
        "sqlite:////nonexistent-dir/for/sure/x.db",
    ],
)
def test_an_unreachable_database_gets_a_plain_message_without_the_password(url: str):
    with pytest.raises(StoreError) as caught:
        Store.open(Settings(database_url=url))
    assert caught.value.code == "database_unavailable"
    assert "secret" not in caught.value.message
    assert "RINGCHECK_DATABASE_URL" in caught.value.message
