"""Helper processes that share triage's per-number work, kept for the life of this process.

Triage reads every distinct number in a log and judges every distinct set of call details
(``ringcheck.calllog.callers``); both are plain functions of their inputs, so a big log
splits them between this process and helper processes on the other cores. This process
works through the chunks from the front while each helper takes chunks from the back,
until they meet, and the pieces are put back in order: the answer is exactly the one a
single process gives.

How it talks to a helper matters as much as the helper. Each helper has two pipes, and
only this process's own thread reads and writes them, between its own chunks: no
background thread competes with it for Python's lock (with ``ProcessPoolExecutor``'s
threads this process ran about 40% slower while a helper worked alongside it). On Linux
the pipes are widened to 1 MB, so neither side waits on the other to write.

The helpers start on first use (with *spawn*: Polars warns against fork) and stay, as a
server keeps a pool of workers: the next big log doesn't pay their start-up (about a fifth
of a second) again. They exit when this process does. A helper that can't start, fails
or dies only means this process does more of the work; it never waits for one. As with
any use of multiprocessing, a script that triages big logs must keep its work under
``if __name__ == "__main__":``, since spawn imports the main script in each helper.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Work = Callable[[list[T]], list[R]]

_CHUNK = 500  # items per chunk at most: ~8 ms of work
_PIPE_BYTES = 1 << 20
# Chunks queued per helper: enough for ~0.1 s of its work while this process does its own
# (wide pipes), or one at a time where pipes hold only 64 KB, so neither side can block
# the other.
_QUEUE_WIDE, _QUEUE_NARROW = 16, 1


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Helper:
    """One helper process and the pipes to it (tasks out, results back)."""

    def __init__(self, warm_up: Callable[[], None] | None) -> None:
        context = multiprocessing.get_context("spawn")
        task_out, self.tasks = context.Pipe(duplex=False)
        self.results, result_in = context.Pipe(duplex=False)
        wide = _widen(self.tasks) and _widen(result_in)
        self.queue_size = _QUEUE_WIDE if wide else _QUEUE_NARROW
        # The last job this process has finished with: the helper skips chunks still
        # queued for it (this process did them itself) rather than work for nothing.
        self.finished: ctypes.c_int64 = context.RawValue(ctypes.c_int64, 0)
        self.process = context.Process(
            target=_serve,
            args=(task_out, result_in, self.finished, warm_up),
            name="ringcheck-helper",
            daemon=True,  # ends with this process
        )
        self.owner = os.getpid()
        try:
            self.process.start()
        finally:
            task_out.close()  # its ends: so a helper that dies reads as closed here
            result_in.close()
        self.lock = threading.Lock()  # one triage at a time uses a helper
        self.job = 0  # results from an earlier job are recognised and dropped
        self.broken = False

    def usable(self) -> bool:
        return not self.broken and self.owner == os.getpid() and self.process.is_alive()

    def send(self, message: object) -> bool:
        if self.broken:
            return False
        try:
            self.tasks.send(message)
        except (OSError, EOFError):
            self.broken = True
        return not self.broken

    def ready(self) -> bool:
        if self.broken:
            return False
        try:
            return self.results.poll()
        except (OSError, EOFError):
            self.broken = True
            return False

    def receive(self) -> tuple[int, int, list[Any] | None] | None:
        try:
            job, index, result = self.results.recv()
        except (OSError, EOFError, pickle.UnpicklingError):
            self.broken = True
            return None
        return job, index, result


def _widen(connection: Connection) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import fcntl

    try:
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except OSError:  # a limit lower than 1 MB: keep the usual size
        return False
    return True


def _serve(
    tasks: Connection,
    results: Connection,
    finished: ctypes.c_int64,
    warm_up: Callable[[], None] | None,
) -> None:
    """A helper's life: take a job's function, then its chunks, one result per chunk."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process to handle
    if warm_up is not None:
        with contextlib.suppress(Exception):  # a warm-up is only a head start
            warm_up()
    work: Callable[[list[Any]], list[Any]] | None = None
    job = 0
    while True:
        try:
            message = tasks.recv()
        except (EOFError, OSError):  # the main process has gone
            return
        if message is None:
            return
        kind, payload = message
        if kind == "work":
            job, work = payload
            continue
        index, chunk = payload
        if job <= finished.value:
            continue  # the main process no longer needs it
        try:
            assert work is not None
            result: list[Any] | None = work(chunk)
        except Exception:  # the main process does this chunk itself
            result = None
        try:
            results.send((job, index, result))
        except (OSError, EOFError):
            return


_started: list[_Helper] = []
_starting = threading.Lock()


def _start(count: int, warm_up: Callable[[], None] | None) -> None:
    with _starting:
        _started[:] = [h for h in _started if h.usable()]
        while len(_started) < count:
            try:
                _started.append(_Helper(warm_up))
            except (OSError, RuntimeError, ValueError, pickle.PicklingError):
                break  # no processes here: work alone


def _running(count: int, warm_up: Callable[[], None] | None) -> list[_Helper]:
    """Up to ``count`` free helpers, started if need be; they are locked for the caller."""
    _start(count, warm_up)
    with _starting:
        return [h for h in _started[:count] if h.lock.acquire(blocking=False)]


def start_early(warm_up: Callable[[], None] | None = None) -> None:
    """Start the helpers now (one per other core), so they are ready by the time a big log
    has been read: ``ringcheck triage`` calls this before reading a large file."""
    if multiprocessing.parent_process() is None:
        _start(cores() - 1, warm_up)


class Helpers:
    """The helper processes one triage may use, or none (then everything runs here).

    >>> with Helpers(wanted=False) as helpers:
    ...     helpers.share(lambda chunk: [x * 2 for x in chunk], [1, 2, 3])
    [2, 4, 6]
    """

    def __init__(self, wanted: bool, warm_up: Callable[[], None] | None = None) -> None:
        # Never from a helper itself: spawn runs the main script's top level again there.
        inside_helper = multiprocessing.parent_process() is not None
        count = cores() - 1 if wanted and not inside_helper else 0
        self._helpers = _running(count, warm_up) if count > 0 else []

    @property
    def count(self) -> int:
        return len(self._helpers)

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let other triages use the helpers (they keep running)."""
        for helper in self._helpers:
            helper.lock.release()
        self._helpers = []

    def start(self, work: Work[T, R], items: Sequence[T], chunk: int = _CHUNK) -> Shared[T, R]:
        """Hand the helpers their first chunks of ``work(items)`` at once; ``finish`` joins in.

        Between the two, this process can do other work while the helpers get on.
        ``work`` maps a chunk to one result per item; it must be a module-level function
        (or a ``partial`` of one) unless there are no helpers.
        """
        return Shared(self._helpers, work, items, chunk)

    def share(
        self,
        work: Work[T, R],
        items: Sequence[T],
        done: Callable[[int], None] | None = None,
        chunk: int = _CHUNK,
    ) -> list[R]:
        """``work(items)``, split into chunks between this process and the helpers.

        ``done(n)`` is told as chunks finish.
        """
        return self.start(work, items, chunk).finish(done)


class Shared(Generic[T, R]):
    """One piece of work shared with the helpers: ``Helpers.start`` then ``finish``."""

    def __init__(
        self, helpers: list[_Helper], work: Work[T, R], items: Sequence[T], chunk: int
    ) -> None:
        self._work = work
        size = max(50, min(chunk, len(items) // 20))
        self._chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
        self._results: list[list[R] | None] = [None] * len(self._chunks)
        self._front, self._back = 0, len(self._chunks)
        self._queued: dict[_Helper, deque[int]] = {}
        self._done: Callable[[int], None] | None = None
        for helper in helpers:
            helper.job += 1
            if self._send(helper, ("work", (helper.job, work))):
                self._queued[helper] = deque()
        self._top_up()

    def _send(self, helper: _Helper, message: object) -> bool:
        try:
            return helper.send(message)
        except (pickle.PicklingError, AttributeError, TypeError):  # work that can't travel
            return False

    def _top_up(self) -> None:
        for helper, queued in self._queued.items():
            while len(queued) < helper.queue_size and self._front < self._back - 1:
                index = self._back - 1
                if not self._send(helper, ("chunk", (index, self._chunks[index]))):
                    break
                self._back = index
                queued.append(index)

    def _collect(self) -> None:
        """Take whatever results the helpers have sent, without waiting for any."""
        for helper, queued in self._queued.items():
            while helper.ready():
                got = helper.receive()
                if got is None:
                    break
                job, index, result = got
                if job != helper.job:
                    continue  # a chunk this process did itself in an earlier job
                if index in queued:
                    queued.remove(index)
                if self._results[index] is not None:
                    continue  # this process did it too, and first
                if result is None:  # the work failed there: it is still owed
                    self._here(index)
                else:
                    self._store(index, result)

    def _store(self, index: int, result: list[R]) -> None:
        self._results[index] = result
        if self._done is not None:
            self._done(len(self._chunks[index]))

    def _here(self, index: int) -> None:
        self._store(index, self._work(self._chunks[index]))

    def finish(self, done: Callable[[int], None] | None = None) -> list[R]:
        """The results in order, this process working through the chunks from the front.

        It never waits for a helper: once its own chunks are done it does the helpers'
        unfinished ones too, the last-queued first, and keeps whichever answer comes
        first (they are the same).
        """
        self._done = done
        try:
            while self._front < self._back:
                self._collect()
                self._top_up()
                index = self._front
                self._front += 1
                self._here(index)
            while True:
                self._collect()
                owed = [queued for queued in self._queued.values() if queued]
                if not owed:
                    break
                index = max(owed, key=len).pop()
                if self._results[index] is None:
                    self._here(index)
        finally:  # done, or given up (an error here): the helpers skip what is left
            for helper in self._queued:
                helper.finished.value = helper.job
        return [item for chunk in self._results for item in chunk or ()]
