"""Each distinct caller read once, each distinct verdict judged once: on every core for big logs.

Triage reads every distinct spelling of a number in a log (``read_callers``) and judges
every distinct pair of number facts and call details (``judge_all``). Both are plain
functions of their inputs, so a big log splits them between this process and helper
processes (``Helpers``): this process works through the list from the front while the
helpers take chunks from the back, until they meet, and the pieces are put back in
order, so the answer is exactly the one a single process gives.

The helpers are started with *spawn* (Polars warns against fork) as soon as triage
begins, so their start-up (about a quarter of a second) overlaps the work this process
is already doing; a helper that can't start or dies only means this process does more.
As with any use of multiprocessing, a script that triages big logs must keep its work
under ``if __name__ == "__main__":``, since spawn imports the main script in each helper.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple, TypeVar

from ringcheck.checker import judge, prepared
from ringcheck.datatables import tables
from ringcheck.errors import RingcheckError
from ringcheck.numbers import NumberInfo, parse_number
from ringcheck.risk import NIGHT_START, CallContext, NumberFacts, number_facts
from ringcheck.settings import Settings

MIN_SHARED = 5_000  # fewer distinct numbers than this are read faster without helpers
_CHUNK = 500  # numbers per chunk at most: ~8 ms of work, ~45 KB of results
_IN_FLIGHT = 4  # chunks queued per helper, so it never waits for this process

T = TypeVar("T")
R = TypeVar("R")


class Caller(NamedTuple):
    """What triage shows and weighs about one number (compact, to cross processes)."""

    key: str  # the E.164 number, "withheld", or "national:…" for numbers with no E.164
    e164: str | None
    display: str
    country: str | None
    region: str | None
    flag: str
    line_type: str
    withheld: bool
    cost_band: str
    cost_text: str
    facts: NumberFacts


# What a verdict depends on: the number's facts, then how long it rang (seconds), how
# many times it called, how many near-identical numbers rang, and whether any call was
# at night.
VerdictKey = tuple[NumberFacts, float | None, int, int, bool]


def key_of(info: NumberInfo) -> str:
    """The number a spelling stands for: its E.164 form where it has one."""
    if info.withheld:
        return "withheld"
    return info.e164 or f"national:{info.national_format or info.input}"


def read_callers(texts: Sequence[str], home: str, settings: Settings) -> list[Caller | str]:
    """Each spelling read as ``check()`` reads it: a ``Caller``, or why it can't be read.

    ``settings`` are the user's (``prepared`` puts trusted numbers in E.164 and adds their
    high-risk codes to the tables).

    >>> read_callers(["+44 20 7946 0000", "no"], "GB", Settings())[0].key
    '+442079460000'
    """
    try:
        settings, data = prepared(settings, home)
    except RingcheckError as exc:  # a bad trusted number: check() refuses every number
        return [exc.message] * len(texts)
    found: list[Caller | str] = []
    for text in texts:
        try:
            info = parse_number(text, home, data)
        except RingcheckError as exc:
            found.append(exc.message)
            continue
        found.append(_caller(info, settings))
    return found


def _caller(info: NumberInfo, settings: Settings) -> Caller:
    if info.withheld:
        display = "Hidden number"
    else:
        display = info.international_format or info.national_format or info.input
    return Caller(
        key=key_of(info),
        e164=info.e164,
        display=display,
        country=info.country,
        region=info.region,
        flag=info.flag,
        line_type=info.line_type,
        withheld=info.withheld,
        cost_band=info.callback_cost.band,
        cost_text=info.callback_cost.text,
        facts=number_facts(info, settings),
    )


def judge_all(keys: Sequence[VerdictKey], settings: Settings) -> list[dict[str, Any]]:
    """The verdict block for each (facts, ring, calls, similar, night), as ``judge`` gives it.

    ``settings`` must be ``prepared`` (the facts already say whether a number is trusted).
    """
    data = tables()  # points and wording: the same in the user's extended tables
    verdicts = []
    for facts, ring, calls, similar, night in keys:
        context = CallContext(
            rang_seconds=ring,
            times_called=min(calls, 100_000),
            similar_numbers=similar or None,
            called_at=NIGHT_START if night else None,
        )
        verdicts.append(judge(facts, context, settings, data, None).to_dict())
    return verdicts


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Helpers:
    """Helper processes for one triage, or none (then everything runs here).

    >>> with Helpers(wanted=False) as helpers:
    ...     helpers.share(lambda chunk: [x * 2 for x in chunk], [1, 2, 3])
    [2, 4, 6]
    """

    def __init__(self, wanted: bool) -> None:
        # Never from a helper itself: spawn runs the main script's top level again there.
        inside_helper = multiprocessing.parent_process() is not None
        self.count = _cores() - 1 if wanted and not inside_helper else 0
        self._pool: ProcessPoolExecutor | None = None
        if self.count > 0:
            try:
                self._pool = ProcessPoolExecutor(
                    self.count, mp_context=multiprocessing.get_context("spawn")
                )
                self._pool.submit(_ready).add_done_callback(_ignore)  # start them now
            except (OSError, RuntimeError, ValueError):  # no processes here: work alone
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool, self.count = None, 0

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            # Not waiting: the helpers have nothing left to do and exit on their own.
            self._pool.shutdown(wait=False, cancel_futures=True)

    def share(
        self,
        work: Callable[[list[T]], list[R]],
        items: Sequence[T],
        done: Callable[[int], None] | None = None,
        first: Sequence[Callable[[], None]] = (),
        chunk: int = _CHUNK,
    ) -> list[R]:
        """``work(items)``, split into chunks between this process and the helpers.

        ``work`` maps a chunk to one result per item; it must be a module-level function
        (helpers get it by name) unless there are no helpers. ``done(n)`` is told as
        chunks finish; ``chunk`` items at most go in one (keep a chunk's results under the
        64 KB a pipe holds, or the helper stalls until this process reads them). ``first``
        are small jobs of this process's own, done before it takes any chunk, while the
        helpers start on theirs. This process never waits for a helper: once its own
        chunks are done it does the helpers' unfinished ones too, the last-queued first,
        and keeps whichever answer comes first (they are the same).
        """
        jobs = deque(first)
        size = max(50, min(chunk, len(items) // 20))
        chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
        results: list[list[R] | None] = [None] * len(chunks)
        front, back = 0, len(chunks)
        queued: deque[tuple[int, Future[list[R]]]] = deque()
        while front < back:
            while self._pool is not None and len(queued) < _IN_FLIGHT * self.count:
                if front >= back - 1:
                    break
                back -= 1
                queued.append((back, self._submit(work, chunks[back])))
            if jobs:
                jobs.popleft()()
                continue
            results[front] = work(chunks[front])
            self._tell(done, chunks[front])
            front += 1
            while queued and queued[0][1].done():
                self._collect(queued.popleft(), work, chunks, results, done)
        while jobs:
            jobs.popleft()()
        while queued:
            if queued[0][1].done():
                self._collect(queued.popleft(), work, chunks, results, done)
                continue
            index, future = queued.pop()
            if not future.done():
                future.cancel()
                results[index] = work(chunks[index])
                self._tell(done, chunks[index])
            else:
                self._collect((index, future), work, chunks, results, done)
        return [item for chunk in results for item in chunk or ()]

    def _submit(self, work: Callable[[list[T]], list[R]], chunk: list[T]) -> Future[list[R]]:
        assert self._pool is not None
        try:
            return self._pool.submit(work, chunk)
        except RuntimeError:  # the pool broke: this process does the chunk
            failed: Future[list[R]] = Future()
            failed.set_exception(RuntimeError("no helper"))
            return failed

    @staticmethod
    def _tell(done: Callable[[int], None] | None, chunk: list[Any]) -> None:
        if done is not None:
            done(len(chunk))

    @classmethod
    def _collect(
        cls,
        item: tuple[int, Future[list[R]]],
        work: Callable[[list[T]], list[R]],
        chunks: list[list[T]],
        results: list[list[R] | None],
        done: Callable[[int], None] | None,
    ) -> None:
        index, future = item
        try:
            results[index] = future.result()
        except Exception:  # a helper that died or couldn't start: the work is still owed
            results[index] = work(chunks[index])
        cls._tell(done, chunks[index])


def _ready() -> None:
    """Warm a helper up: the tables load and the commonest codes' rules compile."""
    for text in ("+447700900000", "+12025550123", "+33612345678", "+2348031234567"):
        parse_number(text, "GB")


def _ignore(_future: Future[None]) -> None:
    """Nothing to do: a warm-up that failed only means a helper warms up on real work."""
