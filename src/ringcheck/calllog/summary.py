"""The summary of a triage: counts, the one-line answer, the timeline and the countries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import polars as pl

from ringcheck.calllog.model import CallLog
from ringcheck.risk import LEVELS, at_least

MAX_BINS = 120
_BINS = (("1h", dt.timedelta(hours=1)), ("1d", dt.timedelta(days=1)), ("1w", dt.timedelta(weeks=1)))


def summary(
    log: CallLog, span: tuple[Any, Any], numbers: list[dict[str, Any]], unreadable: int
) -> dict[str, Any]:
    """The ``summary`` block: counts and a plain sentence saying what to do.

    ``span`` is the first and last time of the calls to the numbers (None when untimed).
    """
    calls = missed = withheld_calls = called_back = 0
    by_level: Counter[str] = Counter()
    places: set[str] = set()  # where the missed calls came from
    everywhere: set[str] = set()  # where any call came from (when none was missed)
    scams = 0
    for n in numbers:  # one pass: a big log has tens of thousands of numbers
        calls += n["calls"]
        missed += n["missed"]
        level = n["verdict"]["level"]
        by_level[level] += 1
        if n["withheld"]:
            withheld_calls += n["calls"]
            continue
        if n["country"]:
            everywhere.add(n["country"])
            if n["missed"]:
                places.add(n["country"])
        if at_least(level, "high"):
            scams += 1
            called_back += bool(n["called_back"])
    # "12 missed calls from 5 countries": the places of the calls the sentence counts.
    countries = places if missed else everywhere
    return {
        "text": summary_line(calls, missed, len(countries), scams, called_back),
        "format": log.format,
        "rows": log.calls.height,
        "calls": calls,
        "missed": missed,
        "numbers": len(numbers),
        "countries": len(countries),
        "scam_numbers": scams,
        "by_level": {level: by_level.get(level, 0) for level in reversed(LEVELS)},
        "withheld_calls": withheld_calls,
        "first_call": _iso(span[0]),
        "last_call": _iso(span[1]),
        "unreadable_rows": unreadable,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else None


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def summary_line(calls: int, missed: int, countries: int, scams: int, called_back: int) -> str:
    """'12 missed calls from 5 countries; 3 numbers look like call-back scams; don't call
    them back.' Written for a worried reader: what happened, then what to do."""
    if not calls:
        return "There are no calls to you in this log, so there is nothing to check."
    what = (
        _plural(missed, "missed call", "missed calls")
        if missed
        else _plural(calls, "call", "calls")
    )
    where = f" from {_plural(countries, 'country', 'countries')}" if countries else ""
    if scams == 1:
        verdict = "1 number looks like a call-back scam; don't call it back."
    elif scams:
        verdict = f"{scams:,} numbers look like call-back scams; don't call them back."
    else:
        verdict = (
            "none of the numbers look like call-back scams. "
            "Still, let callers you don't know leave a message."
        )
    line = f"{what}{where}; {verdict}"
    if called_back:
        line += (
            f" You called {_plural(called_back, 'of them', 'of them')} back: check your phone "
            "bill, and ask your provider about any charge you don't recognise."
        )
    return line


def country_counts(numbers: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(country, calls), most calls first; hidden numbers and unknown places by name."""
    counts: Counter[str] = Counter()
    for n in numbers:
        name = "Hidden number" if n["withheld"] else (n["country"] or "Not known")
        counts[name] += n["calls"]
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def timeline(calls: pl.DataFrame, levels: dict[str, str]) -> list[dict[str, Any]]:
    """Calls per hour, day or week (whichever gives at most 120 bars), counted by level.

    ``levels`` gives each spelling of a number in the log its caller's level; calls made,
    and calls from numbers that couldn't be read, are not counted.
    """
    mapping = pl.DataFrame(
        {"number": list(levels), "level": list(levels.values())},
        schema={"number": pl.Utf8, "level": pl.Utf8},
    )
    timed = calls.filter(~pl.col("outgoing") & pl.col("time").is_not_null()).join(
        mapping, on="number"
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
        bins.setdefault(start, dict.fromkeys(LEVELS, 0))[level] = count
    return [{"start": start, "every": every, "counts": c} for start, c in bins.items()]
