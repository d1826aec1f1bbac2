"""The summary of a triage: counts, the one-line answer, the timeline and the countries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from ringcheck.calllog.model import CallLog
from ringcheck.risk import LEVELS

MAX_BINS = 120
_BINS = (("1h", dt.timedelta(hours=1)), ("1d", dt.timedelta(days=1)), ("1w", dt.timedelta(weeks=1)))


def summary(
    log: CallLog, table: pl.DataFrame, span: tuple[Any, Any], unreadable: int
) -> dict[str, Any]:
    """The ``summary`` block: counts and a plain sentence saying what to do.

    ``table`` has a row per caller: ``calls``, ``missed``, ``called_back``, ``country``,
    ``withheld``, ``level`` (its index in ``LEVELS``) and ``scam`` (its verdict says scam:
    ``lookup.says_scam``). ``span`` is the first and last time of the calls to the numbers
    (None when untimed).
    """
    named = ~pl.col("withheld")
    risky = named & (pl.col("level") >= LEVELS.index("high"))
    scam = named & pl.col("scam")
    counts = table.select(
        calls=pl.col("calls").sum(),
        missed=pl.col("missed").sum(),
        withheld_calls=pl.col("calls").filter(pl.col("withheld")).sum(),
        # "12 missed calls from 5 countries": where the missed calls came from, or where
        # any call came from when none was missed.
        places=pl.col("country").filter(named & (pl.col("missed") > 0)).drop_nulls().n_unique(),
        everywhere=pl.col("country").filter(named).drop_nulls().n_unique(),
        scams=scam.sum(),
        careful=(risky & ~scam).sum(),
        called_back=(risky & (pl.col("called_back") > 0)).sum(),
    ).row(0, named=True)
    calls, missed, scams = int(counts["calls"]), int(counts["missed"]), int(counts["scams"])
    countries = int(counts["places"] if missed else counts["everywhere"])
    by_level = dict(table.group_by("level").len().iter_rows())
    careful, called_back = int(counts["careful"]), int(counts["called_back"])
    return {
        "text": summary_line(calls, missed, countries, scams, called_back, careful),
        "format": log.format,
        "source": log.source,
        "ring_time": log.ring_time,
        "rows": log.calls.height,
        "calls": calls,
        "missed": missed,
        "numbers": table.height,
        "countries": countries,
        "scam_numbers": scams,
        "by_level": {level: by_level.get(LEVELS.index(level), 0) for level in reversed(LEVELS)},
        "withheld_calls": int(counts["withheld_calls"]),
        "first_call": _iso(span[0]),
        "last_call": _iso(span[1]),
        "unreadable_rows": unreadable,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else None


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def summary_line(
    calls: int, missed: int, countries: int, scams: int, called_back: int, careful: int = 0
) -> str:
    """'12 missed calls from 5 countries; 3 numbers look like scams; don't call them back.'
    Written for a worried reader: what happened, then what to do. ``scams`` count the
    verdicts that say scam (``lookup.says_scam``); ``careful`` the other high ones (a call
    from abroad with nothing else known against it)."""
    if not calls:
        return "There are no calls to you in this log, so there is nothing to check."
    what = (
        _plural(missed, "missed call", "missed calls")
        if missed
        else _plural(calls, "call", "calls")
    )
    where = f" from {_plural(countries, 'country', 'countries')}" if countries else ""
    if scams == 1:
        verdict = "1 number looks like a scam; don't call it back."
    elif scams:
        verdict = f"{scams:,} numbers look like scams; don't call them back."
    elif not careful:
        verdict = (
            "none of the numbers look like scams. "
            "Still, let callers you don't know leave a message."
        )
    if careful:
        more = "more " if scams else ""
        who = f"{careful:,} {more}" + ("number needs" if careful == 1 else "numbers need")
        care = f"{who} care: don't call back unless you were expecting a call."
        verdict = f"{verdict} {care[:1].upper()}{care[1:]}" if scams else care
    line = f"{what}{where}; {verdict}"
    if called_back:
        line += (
            f" You called {_plural(called_back, 'of them', 'of them')} back: check your phone "
            "bill, and ask your provider about any charge you don't recognise."
        )
    return line


def country_counts(table: pl.DataFrame) -> list[tuple[str, int]]:
    """(country, calls), most calls first; hidden numbers and unknown places by name."""
    name = (
        pl.when(pl.col("withheld"))
        .then(pl.lit("Hidden number"))
        .otherwise(pl.col("country").fill_null("Not known"))
    )
    counts = (
        table.group_by(name.alias("name"))
        .agg(pl.col("calls").sum())
        .sort(["calls", "name"], descending=[True, False])
    )
    return [(str(name), int(calls)) for name, calls in counts.iter_rows()]


def timeline(calls: pl.DataFrame, levels: pl.DataFrame) -> list[dict[str, Any]]:
    """Calls per hour, day or week (whichever gives at most 120 bars), counted by level.

    ``levels`` gives each spelling of a number in the log (``number``) its caller's
    ``level`` (its index in ``LEVELS``); calls made, and calls from numbers that couldn't
    be read, are not counted.
    """
    timed = calls.filter(~pl.col("outgoing") & pl.col("time").is_not_null()).join(
        levels.select("number", "level"), on="number"
    )
    if timed.is_empty():
        return []
    times = timed.get_column("time")
    span: dt.timedelta = times.max() - times.min()  # type: ignore[operator,assignment]
    every = next((name for name, size in _BINS if span / size < MAX_BINS), "1mo")
    counts = (
        timed.group_by(pl.col("time").dt.truncate(every).alias("start"), "level")
        .agg(count=pl.len())
        .sort("start")
    )
    bins: dict[dt.datetime, dict[str, int]] = {}
    for start, level, count in counts.iter_rows():
        bins.setdefault(start, dict.fromkeys(LEVELS, 0))[LEVELS[level]] = count
    return [{"start": start, "every": every, "counts": c} for start, c in bins.items()]
