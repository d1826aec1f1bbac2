"""The live detector: the batch scan's features and score over a sliding window of calls.

Calls arrive as rows (``follow`` reads them from growing files, ``kamailio`` from a
proxy's records or events). ``Window`` keeps the calls of the last ``window`` seconds of
the calls' own time, and forgets a caller with its last call: what it holds is bounded
by the callers seen in the window (each with its calls there), never by how long it runs.
A call seen again (same ``callid``: a record logged twice, an answered call again with
its talk time) counts once, as its last record says.

``Detector.rescore`` counts the window with the batch scan's own counting
(``engines.polars.count``: the same candidates, features and ``detect.judge`` score), so
the same calls give the same findings live and in ``ringcheck scan``; it then says what
changed since the last time as events: ``campaign_started``, ``campaign_updated``,
``campaign_ended``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ringcheck.datatables import Tables, tables
from ringcheck.risk import at_least
from ringcheck.scan.detect import Finding, assess, worth_a_look
from ringcheck.scan.features import RANGE_DIGITS, Thresholds, written
from ringcheck.scan.follow import LIVE_CALLS
from ringcheck.scan.model import CALLS, ScanOptions
from ringcheck.scan.readers import local_zone

EVENTS = ("campaign_started", "campaign_updated", "campaign_ended")


# What the window keeps of a call (the numbers in E.164 only: the counting reads the
# spellings again, and an E.164 number reads as itself).
KEPT = ("file", "line", "caller", "callee", "start", "ring", "billsec", "answered", "callid")


class Window:
    """The calls of the last ``seconds`` (of the calls' time), in ``KEPT``' columns."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.latest: int | None = None  # the latest call's start: the window's "now"
        self.added = 0  # rows taken in, ever
        self._kept = pl.DataFrame(schema={name: LIVE_CALLS[name] for name in KEPT})
        self._new: list[pl.DataFrame] = []
        self._lock = threading.Lock()  # the server adds while a thread re-scores

    def add(self, frame: pl.DataFrame) -> None:
        frame = frame.filter(pl.col("ok") & pl.col("start").is_not_null())
        if not frame.height:
            return
        latest = frame["start"].max()
        assert isinstance(latest, int)
        with self._lock:
            self._new.append(frame.select(KEPT))
            self.added += frame.height
            self.latest = latest if self.latest is None else max(self.latest, latest)

    def calls(self) -> pl.DataFrame:
        """The calls in the window now, each call once (its last record), older ones
        forgotten. What came in since the last time is merged in: a call seen again
        replaces its earlier record."""
        with self._lock:
            new, self._new, latest = self._new, [], self.latest
        kept = self._kept
        if new:
            fresh = pl.concat(new) if len(new) > 1 else new[0]
            if fresh["callid"].null_count() < fresh.height:
                again = fresh["callid"].drop_nulls().unique().implode()
                kept = kept.filter(pl.col("callid").is_null() | ~pl.col("callid").is_in(again))
                keyed = fresh.filter(pl.col("callid").is_not_null())
                keyed = keyed.unique("callid", keep="last", maintain_order=True)
                fresh = pl.concat([fresh.filter(pl.col("callid").is_null()), keyed])
            kept = pl.concat([kept, fresh], rechunk=False)
        if latest is not None and kept.height:
            oldest = kept["start"].min()
            assert isinstance(oldest, int)
            if oldest <= latest - self.seconds:
                kept = kept.filter(pl.col("start") > latest - self.seconds)
        if kept.n_chunks() > 64:
            kept = kept.rechunk()
        self._kept = kept
        return kept

    def callers(self) -> int:
        """Different caller numbers in the window."""
        return self.calls()["caller"].n_unique()

    def save(self, path: Path) -> None:
        """Keep the window's calls in ``path`` (Parquet), for a restart to go on with."""
        calls = self.calls()
        temporary = path.with_name(path.name + ".new")
        calls.write_parquet(temporary)
        temporary.replace(path)

    def load(self, path: Path) -> None:
        """Take back the calls ``save`` kept (and forget the file: it is used once)."""
        try:
            calls = pl.read_parquet(path).select(KEPT)
        except (OSError, pl.exceptions.PolarsError):
            return  # gone or damaged: the window fills again from new records
        finally:
            path.unlink(missing_ok=True)
        self.add(calls.with_columns(ok=pl.lit(True)))


@dataclass
class Event:
    """A change in what the detector finds: a campaign started, changed or ended."""

    event: str
    finding: Finding
    at: dt.datetime

    @property
    def key(self) -> str:
        return written(self.finding.kind, self.finding.key, self.finding.numbers)

    def to_dict(self) -> dict[str, Any]:
        f = self.finding.features
        return {
            "event": self.event,
            "at": _iso(int(self.at.timestamp())),
            "key": self.key,
            "kind": self.finding.kind,
            "level": self.finding.level,
            "score": self.finding.score,
            "subscribers": f["callees"],
            "calls": f["calls"],
            "callbacks": f["callbacks"],
            "ring_seconds": [f["ring_min"], f["ring_max"]],
            "first_seen": _iso(f["first_seen"]),
            "last_seen": _iso(f["last_seen"]),
            "country": self.finding.destination.get("country"),
            "headline": self.finding.headline,
            "reasons": [{"code": r["code"], "text": r["text"]} for r in self.finding.reasons],
        }

    def environment(self) -> dict[str, str]:
        """The finding in ``RINGCHECK_*`` variables, for ``--notify CMD`` (the names
        ``watch fritzbox --notify`` uses, and the campaign's counts)."""
        data = self.to_dict()
        return {
            "RINGCHECK_EVENT": self.event,
            "RINGCHECK_NUMBER": self.key,
            "RINGCHECK_ACTION": "block" if at_least(self.finding.level, "high") else "warn",
            "RINGCHECK_LEVEL": self.finding.level,
            "RINGCHECK_SCORE": str(self.finding.score),
            "RINGCHECK_CATEGORY": "wangiri_campaign",
            "RINGCHECK_LABEL": self.finding.headline,
            "RINGCHECK_AT": data["at"],
            "RINGCHECK_SUBSCRIBERS": str(data["subscribers"]),
            "RINGCHECK_CALLS": str(data["calls"]),
            "RINGCHECK_CALLBACKS": str(data["callbacks"]),
            "RINGCHECK_FIRST_SEEN": data["first_seen"] or "",
            "RINGCHECK_LAST_SEEN": data["last_seen"] or "",
        }


def _iso(moment: int | None) -> str | None:
    from ringcheck.scan import iso

    return iso(moment)


@dataclass
class Detector:
    """The window's findings at ``level`` or worse, re-scored on demand."""

    options: ScanOptions
    window: Window
    level: str = "high"
    limits: Thresholds = field(default_factory=Thresholds)
    data: Tables | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    findings: list[Finding] = field(default_factory=list)  # the last re-score's, all
    _active: dict[str, Finding] = field(default_factory=dict)
    _seen: int = -1  # window.added at the last re-score

    def __post_init__(self) -> None:
        from ringcheck.scan import _checked

        self.zone = self.options.tz or local_zone()
        self.options = _checked(self.options, self.zone)
        self.data = self.data or tables()

    def feed(self, frame: pl.DataFrame) -> None:
        self.window.add(frame)

    def rescore(self) -> list[Event]:
        """Count the window as the batch scan would, and what changed since last time
        (nothing new came in: nothing to say)."""
        if self.window.added == self._seen:
            return []
        self._seen = self.window.added
        self.findings = self.judge(self.window.calls())
        now = self.clock()
        current = {
            f.key: f for f in self.findings if f.within is None and at_least(f.level, self.level)
        }
        events = []
        for key, finding in current.items():
            before = self._active.get(key)
            if before is None:
                events.append(Event("campaign_started", finding, now))
            elif _changed(before, finding):
                events.append(Event("campaign_updated", finding, now))
        events += [
            Event("campaign_ended", gone, now)
            for key, gone in self._active.items()
            if key not in current
        ]
        self._active = current
        return events

    def judge(self, calls: pl.DataFrame) -> list[Finding]:
        """The findings in ``calls``: the batch scan's counting and score."""
        from ringcheck.scan.engines import polars as counting

        if not calls.height:
            return []
        options, data = self.options, self.data

        def keep(candidates: Any) -> Any:
            return worth_a_look(candidates, options.home, data)

        calls = relevant(calls, self.limits)
        if not calls.height:
            return []
        rows = calls.lazy().select(
            *(pl.col(name) for name in CALLS if name in KEPT),
            caller_text="caller",
            callee_text="callee",
            ok=pl.lit(True),
            why=pl.lit(None, pl.String),
        )
        scanned = counting.count(rows.select(list(CALLS)), [], options, self.limits, keep)
        findings, _ = assess(
            scanned.aggregates, self.limits, options.home, self.zone, options.allowlist, data
        )
        return findings

    @property
    def active(self) -> list[Finding]:
        """The campaigns going on now, worst first."""
        return sorted(self._active.values(), key=Finding.sort_key)


def relevant(calls: pl.DataFrame, limits: Thresholds) -> pl.DataFrame:
    """The calls from and to the entities that could be candidates (``features.rules``,
    picked as the batch scan picks them from the one-ring pairs): every call the batch
    counting would look at for them, and no other. The numbers here are in E.164
    already, so this choice is cheap; the counting then reads only these calls."""
    from ringcheck.scan.engines.polars import pick

    short = ~pl.col("answered") & (pl.col("ring") <= limits.short_ring)
    pairs = (
        calls.filter(short & pl.col("caller").is_not_null())
        .group_by("caller", "callee")
        .agg(n=pl.len())
    )
    candidates = pick(pairs, limits)
    if not candidates.height:
        return calls.head(0)
    # First the numbers without their last 3 digits, against every key cut as short: two
    # cheap tests leave only the few calls the exact tests below need to look at.
    wide = RANGE_DIGITS[-1]
    short_keys = [
        key[: len(key) - (wide - drop)]
        for drop, key in candidates.select("drop", "key").iter_rows()
    ]
    near = pl.lit(pl.Series(short_keys, dtype=pl.String).unique().implode())
    calls = calls.filter(
        (_key("caller", wide).is_in(near) | _key("callee", wide).is_in(near)).fill_null(False)
    )
    tests = []
    for drop in (0, *RANGE_DIGITS):
        keys = candidates.filter(pl.col("drop") == drop)["key"].implode()
        tests += [_key("caller", drop).is_in(keys), _key("callee", drop).is_in(keys)]
    return calls.filter(pl.any_horizontal(tests).fill_null(False))


def _key(column: str, drop: int) -> pl.Expr:
    if drop == 0:
        return pl.col(column)
    return pl.col(column).str.slice(0, pl.col(column).str.len_chars() - drop)


def _changed(before: Finding, now: Finding) -> bool:
    """Whether a campaign changed enough to say so: its level, score, or the people it
    rang or who called it back."""

    def seen(f: Finding) -> tuple[Any, ...]:
        return (f.level, f.score, f.features["callees"], f.features["callbacks"])

    return seen(before) != seen(now)


def sighting(event: Event, source: str = "live") -> Any:
    """An event's finding as the store keeps a campaign (``Store.publish_campaign``)."""
    from ringcheck.store import Sighting

    f = event.finding.features
    return Sighting(
        key=event.key,
        level=event.finding.level,
        score=event.finding.score,
        reasons=tuple((r["code"], r["text"]) for r in event.finding.reasons),
        subscribers=f["callees"],
        calls=f["calls"],
        first_seen=dt.datetime.fromtimestamp(f["first_seen"], dt.UTC),
        last_seen=dt.datetime.fromtimestamp(f["last_seen"], dt.UTC),
        ring_low=f["ring_min"],
        ring_high=f["ring_max"],
        callbacks=f["callbacks"],
        source=source,
    )
