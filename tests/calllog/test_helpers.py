"""Helper processes: the same answer as working alone, whatever happens to them."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from functools import partial

import pytest

import ringcheck.calllog.helpers as helpers_module
from ringcheck.calllog.callers import read_callers
from ringcheck.calllog.helpers import Helpers, cores
from ringcheck.settings import Settings

needs_two_cores = pytest.mark.skipif(
    cores() < 2 and not os.environ.get("CI"), reason="helpers need a second core"
)


def _double(chunk: list[int]) -> list[int]:
    return [x * 2 for x in chunk]


def _triple(chunk: list[int]) -> list[int]:
    return [x * 3 for x in chunk]


def _fails_in_a_helper(chunk: list[int]) -> list[int]:
    if multiprocessing.parent_process() is not None:
        raise RuntimeError("only in a helper")
    time.sleep(0.003)
    return _double(chunk)


def _dies_in_a_helper(chunk: list[int]) -> list[int]:
    if multiprocessing.parent_process() is not None:
        os._exit(3)
    time.sleep(0.003)  # long enough for the helper to get a chunk
    return _double(chunk)


def _fails_here(chunk: list[int]) -> list[int]:
    if multiprocessing.parent_process() is None:
        raise ValueError("this process's own mistake")
    time.sleep(0.003)
    return _double(chunk)


def _where(chunk: list[int]) -> list[int]:
    """Which process did each item (a chunk takes a few milliseconds, as real ones do)."""
    time.sleep(0.003)
    return [os.getpid()] * len(chunk)


def _numbers(count: int) -> list[str]:
    return [f"+4420794{i:05d}" for i in range(count)]


@needs_two_cores
def test_helpers_give_the_same_answer_in_the_same_order() -> None:
    texts = _numbers(3_500)
    work = partial(read_callers, home="GB", settings=Settings())
    with Helpers(wanted=True) as helpers:
        assert helpers.count == cores() - 1
        shared = helpers.share(work, texts)
    assert shared == read_callers(texts, "GB", Settings())


@needs_two_cores
def test_the_helpers_really_do_some_of_the_work() -> None:
    with Helpers(wanted=True) as helpers:
        # Started and warm (the first job may finish before a new helper is up).
        helpers.share(_where, list(range(2_000)), chunk=50)
        pids = set(helpers.share(_where, list(range(10_000)), chunk=50))
    assert os.getpid() in pids
    assert len(pids) > 1


@needs_two_cores
def test_helpers_are_kept_for_the_next_triage() -> None:
    with Helpers(wanted=True) as helpers:
        first = [h.process.pid for h in helpers._helpers]
    with Helpers(wanted=True) as helpers:
        assert [h.process.pid for h in helpers._helpers] == first


@needs_two_cores
def test_a_helper_in_use_is_not_shared_with_a_second_triage() -> None:
    with Helpers(wanted=True) as first:
        assert first.count >= 1
        with Helpers(wanted=True) as second:
            assert second.count == 0
            assert second.share(_double, list(range(1_000))) == _double(list(range(1_000)))
        assert first.share(_double, list(range(1_000))) == _double(list(range(1_000)))


@needs_two_cores
def test_progress_counts_every_item_once() -> None:
    told: list[int] = []
    with Helpers(wanted=True) as helpers:
        job = helpers.start(_double, list(range(12_345)), chunk=100)
        threading.Event().wait(0.05)  # this process busy elsewhere; the helpers get on
        assert job.finish(told.append) == _double(list(range(12_345)))
    assert sum(told) == 12_345


@needs_two_cores
def test_results_of_an_abandoned_job_are_not_mixed_into_the_next() -> None:
    items = list(range(5_000))
    with Helpers(wanted=True) as helpers:
        helpers.start(_double, items, chunk=50)  # never finished: its results still come back
        assert helpers.share(_triple, items, chunk=50) == _triple(items)


@needs_two_cores
def test_work_that_fails_in_a_helper_is_done_here() -> None:
    with Helpers(wanted=True) as helpers:
        assert helpers.share(_fails_in_a_helper, list(range(5_000))) == _double(list(range(5_000)))


@needs_two_cores
def test_a_helper_that_dies_only_means_more_work_here() -> None:
    with Helpers(wanted=True) as helpers:
        assert helpers.count >= 1
        doomed = helpers._helpers[0].process
        assert helpers.share(_dies_in_a_helper, list(range(5_000))) == _double(list(range(5_000)))
    doomed.join(timeout=10)
    assert doomed.exitcode == 3
    with Helpers(wanted=True) as helpers:  # a new one takes its place
        assert helpers.count >= 1
        assert helpers._helpers[0].process.pid != doomed.pid
        assert helpers.share(_double, list(range(3_000))) == _double(list(range(3_000)))


@needs_two_cores
def test_work_that_cannot_travel_is_done_here() -> None:
    with Helpers(wanted=True) as helpers:
        assert helpers.share(lambda chunk: [x + 1 for x in chunk], list(range(3_000))) == [
            x + 1 for x in range(3_000)
        ]


def test_a_machine_that_cannot_start_processes_works_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(helpers_module, "_started", [])
    monkeypatch.setattr(helpers_module._Helper, "__init__", refuse)
    monkeypatch.setattr(helpers_module, "cores", lambda: 4)
    with Helpers(wanted=True) as helpers:
        assert helpers.count == 0
        texts = _numbers(300)
        work = partial(read_callers, home="GB", settings=Settings())
        assert helpers.share(work, texts) == read_callers(texts, "GB", Settings())


def test_no_helpers_when_not_wanted() -> None:
    with Helpers(wanted=False) as helpers:
        assert helpers.count == 0
        assert helpers.share(_double, [1, 2, 3]) == [2, 4, 6]


@needs_two_cores
def test_helpers_can_be_started_before_they_are_needed() -> None:
    helpers_module.start_early()
    started = [h.process.pid for h in helpers_module._started if h.usable()]
    assert len(started) == cores() - 1
    with Helpers(wanted=True) as helpers:  # the same ones, not more
        assert [h.process.pid for h in helpers._helpers] == started


@needs_two_cores
def test_an_error_here_is_raised_and_the_next_job_still_works() -> None:
    with Helpers(wanted=True) as helpers:
        with pytest.raises(ValueError, match="own mistake"):
            helpers.share(_fails_here, list(range(5_000)))
        assert helpers.share(_double, list(range(3_000))) == _double(list(range(3_000)))
