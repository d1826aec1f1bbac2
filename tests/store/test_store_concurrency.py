"""Eight writer processes × 500 reports against one database, on both engines: every
acknowledged report is there, none twice, and the counts are exact."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import store_writers as writers
from sqlalchemy import func, select

from ringcheck.settings import Settings
from ringcheck.store import Store
from ringcheck.store.models import Report, Submission

WRITERS = 8


def test_eight_writers_lose_nothing_and_count_exactly(db_url: str):
    with Store.open(Settings(database_url=db_url)) as store:  # set up before the race
        store.schema_status()
    # An executor, not multiprocessing.Pool: a writer process that dies (killed, out of
    # memory) fails the test with BrokenProcessPool instead of hanging it for ever.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WRITERS, mp_context=context) as pool:
        results = list(pool.map(writers.write, [(db_url, i) for i in range(WRITERS)]))
    acknowledged = [pair for result in results for pair in result]
    assert len(acknowledged) == WRITERS * writers.REPORTS_EACH
    assert len({report_id for _, report_id in acknowledged}) == len(acknowledged)
    with Store.open(Settings(database_url=db_url)) as store:
        assert store.list_reports().total == len(acknowledged)
        for number in writers.numbers()[:: writers.REPORTS_EACH // 25]:
            community = store.community(number)
            assert community is not None
            assert (community.total, community.reporters) == (WRITERS, WRITERS)
        with store._read() as session:
            stored = {(r.e164, r.id) for r in session.execute(select(Report.e164, Report.id))}
            history = session.scalar(select(func.count()).select_from(Submission))
    assert stored == set(acknowledged)
    assert history == len(acknowledged)
