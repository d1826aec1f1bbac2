"""The quick reader (``store.quick``): the default SQLite file read with Python's sqlite3
for a phone system's one process per call. It answers exactly as the ``Store`` does,
and leaves every database it can't take (a setting, another schema, a broken file) to
the ``Store``."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

import ringcheck.store
from ringcheck.settings import Settings, default_sqlite_path
from ringcheck.store import Sighting, Store
from ringcheck.store import engine as store_engine
from ringcheck.store.quick import Quick

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
NUMBER = "+442079460012"


def sighting(key: str, minutes_ago: int = 1, now: dt.datetime = NOW) -> Sighting:
    last = now - dt.timedelta(minutes=minutes_ago)
    return Sighting(
        key=key, level="high", score=80, reasons=(("one_ring_fanout", "rang many"),),
        subscribers=40, calls=41, first_seen=last - dt.timedelta(minutes=5),
        last_seen=last, ring_low=1.0, ring_high=2.0,
    )  # fmt: skip


def filled() -> Store:
    """The default database, with reports (one hidden, one later than NOW) and campaigns
    (a range, a narrower one, a released one, an ended one)."""
    store = Store.open(Settings(reports_per_hour=1000))
    at = NOW - dt.timedelta(days=1)
    store.add_report(number=NUMBER, category="silent", client="a", comment="x", now=at)
    store.add_report(number=NUMBER, category="one_ring_callback", client="b", now=at)
    store.add_report(number=NUMBER[:-1] + "3", category="silent", client="c", now=at)
    hidden = store.add_report(number=NUMBER, category="silent", client="d", now=at)
    store.hide(hidden.report_id, moderator="m", reason="spam", now=at)
    store.add_report(number=NUMBER, category="silent", client="e", now=NOW + dt.timedelta(hours=1))
    quiet = dt.timedelta(minutes=30)
    store.publish_campaign(sighting("+3361234xxxx"), quiet=quiet, now=NOW)
    store.publish_campaign(sighting("+33612345xxx"), quiet=quiet, now=NOW)
    released = store.publish_campaign(sighting("+3371234567x"), quiet=quiet, now=NOW)
    store.set_campaign_status(released.id, "false_alarm", actor="a", reason="test", now=NOW)
    store.publish_campaign(sighting("+3381234567x", minutes_ago=90), quiet=quiet, now=NOW)
    return store


@pytest.mark.parametrize(
    "number", [NUMBER, NUMBER[:-1] + "4", "+447700900000", "+33612345678", "+33612349999",
               "+33712345678", "+33812345678"],
)  # fmt: skip
def test_the_quick_reader_answers_as_the_store_does(number: str) -> None:
    with filled() as store, Quick.open(Settings()) as quick:
        for now in (None, NOW):
            assert quick.community(number, now=now) == store.community(number, now=now)
            assert quick.community(number, comments=0) == store.community(number, comments=0)
        assert quick.blocking_campaign(number, now=NOW) == store.blocking_campaign(number, now=NOW)
    with Quick.open(Settings()) as quick:
        assert quick.blocking_campaign("+33612345678", now=NOW).key == "+33612345xxx"
        assert quick.blocking_campaign("+33712345678", now=NOW) is None  # released
        assert quick.community(NUMBER, now=NOW).total == 2  # not the hidden, not the later


def test_databases_it_cannot_take_are_left_to_the_store(tmp_path: Path) -> None:
    assert Quick.open(Settings()) is None  # no file
    path = Path(default_sqlite_path())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database, just some bytes" * 10)
    assert Quick.open(Settings()) is None
    path.unlink()
    db = store_engine.create(store_engine.database_url(""))
    store_engine.upgrade(db, "0003")  # an older schema: the Store says what to run
    db.dispose()
    assert Quick.open(Settings()) is None
    Store.upgrade_url(Settings())
    assert Quick.open(Settings()) is not None
    # a database setting, even for the same file: the Store reads it
    assert Quick.open(Settings(database_url=f"sqlite:///{path}")) is None


def test_callblockers_check_reads_the_default_database_without_sqlalchemy(
    tmp_path: Path,
) -> None:
    now = dt.datetime.now(dt.UTC)  # the check asks about the real now
    with Store.open(Settings()) as store:
        store.publish_campaign(sighting("+33612345xxx", now=now), quiet=dt.timedelta(hours=1))
    code = (
        "import sys\n"
        "from ringcheck.phones.callblocker import check\n"
        "from ringcheck.settings import Settings\n"
        "print(check('+33612345678', None, Settings()))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    line, loaded = done.stdout.splitlines()
    assert line == '{"spam": true, "score": 9, "name": "SPAM Wangiri"}'
    assert loaded == "[]"


def test_the_store_packages_names_all_load() -> None:
    for name in ringcheck.store.__all__:
        assert getattr(ringcheck.store, name).__name__ == name
    with pytest.raises(AttributeError):
        _ = ringcheck.store.Nothing  # type: ignore[attr-defined]
