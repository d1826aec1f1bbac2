"""Triage: every distinct caller in a call log, with the core verdict and the log's story.

The log supplies the call details the core rules already know how to weigh
(``ringcheck.risk``): how often a number rang (``repeated_attempts``), how many
near-identical numbers rang close in time (``rotating_numbers``), whether it rang at
night (``odd_hours``) and the shortest time it rang before giving up (``one_ring``). No
rule lives here; this module only counts.

*Near-identical, close in time*: two numbers of the same length that differ only in their
last one or two digits, whose calls came within ``window`` of each other (default 24
hours): the spans from each number's first to last call, widened by the window, overlap.
A log without times can't say, so there the shared prefix alone counts.

Speed: Polars groups the calls (a million rows take well under a second); each distinct
spelling is parsed once, and a verdict is computed once per distinct (number facts, call
details) pair, since the same facts and details always give the same verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ringcheck.calllog.model import CallLog, Unreadable
from ringcheck.calllog.summary import country_counts, summary, timeline
from ringcheck.checker import check, judge
from ringcheck.datatables import tables
from ringcheck.errors import RingcheckError
from ringcheck.numbers import NumberInfo
from ringcheck.risk import LEVELS, NIGHT_END, NIGHT_START, CallContext, number_facts
from ringcheck.settings import Settings

MAX_LISTED_UNREADABLE = 1000
WINDOW = dt.timedelta(hours=24)
_MIN_ROTATING_DIGITS = 8  # shorter numbers (short codes) never count as a rotating run
_ISO = "%Y-%m-%dT%H:%M:%S"
Progress = Callable[[int, int], None]


@dataclass
class Triage:
    """The result: a summary, the callers ranked (most worrying first), unreadable rows."""

    summary: dict[str, Any]
    numbers: list[dict[str, Any]]
    unreadable: list[Unreadable]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    countries: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: summary, numbers, unreadable_rows (the first 1,000 listed)."""
        return {
            "summary": self.summary,
            "numbers": self.numbers,
            "unreadable_rows": [u.to_dict() for u in self.unreadable[:MAX_LISTED_UNREADABLE]],
        }


def triage(
    log: CallLog,
    *,
    settings: Settings,
    home: str | None = None,
    window: dt.timedelta = WINDOW,
    progress: Progress | None = None,
) -> Triage:
    """Rank the callers in ``log``.

    >>> from ringcheck.calllog import read_log
    >>> log = read_log(b"number,time\\n+2348031234567,2024-03-01 02:10\\n")
    >>> triage(log, settings=Settings()).numbers[0]["verdict"]["level"]
    'very_high'
    """
    home = home or settings.home
    calls = log.calls
    parsed = _parse(calls.get_column("number").unique(), home, settings, progress)
    calls = calls.with_columns(
        key=pl.col("number").replace_strict(parsed.keys, default=None, return_dtype=pl.Utf8)
    )
    unreadable = sorted(log.unreadable + _bad_numbers(calls, parsed.problems))
    calls = calls.filter(pl.col("key").is_not_null())
    incoming = calls.filter(~pl.col("outgoing"))
    groups = _groups(incoming, calls.filter(pl.col("outgoing")), window)
    numbers = _judge(groups, parsed, settings)
    _rank(numbers)
    levels = {n["key"]: n["verdict"]["level"] for n in numbers}
    for entry in numbers:
        del entry["key"]
    return Triage(
        summary=summary(log, incoming, numbers, len(unreadable)),
        numbers=numbers,
        unreadable=unreadable,
        timeline=timeline(incoming, levels),
        countries=country_counts(numbers),
    )


def _key(info: NumberInfo) -> str:
    if info.withheld:
        return "withheld"
    return info.e164 or f"national:{info.national_format or info.input}"


@dataclass
class _Parsed:
    infos: dict[str, NumberInfo] = field(default_factory=dict)  # key -> number
    keys: dict[str, str] = field(default_factory=dict)  # spelling -> key
    problems: dict[str, str] = field(default_factory=dict)  # spelling -> why it's unreadable
    trusted: set[str] = field(default_factory=set)  # keys of numbers the user trusts


def _parse(raws: pl.Series, home: str, settings: Settings, progress: Progress | None) -> _Parsed:
    """Each distinct spelling read once, by ``check()`` with the user's settings."""
    parsed = _Parsed()
    texts = raws.drop_nulls().to_list()
    for done, text in enumerate(texts, 1):
        try:
            result = check(text, home=home, settings=settings)
        except RingcheckError as exc:
            parsed.problems[text] = exc.message
            continue
        key = _key(result.number)
        parsed.keys[text] = key
        if key not in parsed.infos:
            parsed.infos[key] = result.number
            if result.verdict.has("trusted_number"):
                parsed.trusted.add(key)
        if progress is not None and done % 2000 == 0:
            progress(done, len(texts))
    if progress is not None:
        progress(len(texts), len(texts))
    return parsed


def _bad_numbers(calls: pl.DataFrame, problems: dict[str, str]) -> list[Unreadable]:
    if not problems:
        return []
    bad = calls.filter(pl.col("key").is_null()).select("line", "number")
    return [Unreadable(line, problems[text]) for line, text in bad.iter_rows()]


def _night() -> pl.Expr:
    clock = pl.col("time").dt.time()
    return (clock >= NIGHT_START) | (clock < NIGHT_END)


def _groups(incoming: pl.DataFrame, outgoing: pl.DataFrame, window: dt.timedelta) -> pl.DataFrame:
    """One row per caller: counts, first and last call, shortest ring, night calls."""
    unanswered = pl.col("missed").fill_null(True)
    groups = incoming.group_by("key").agg(
        calls=pl.len(),
        missed=(pl.col("missed") == True).sum(),  # noqa: E712 (a Polars expression)
        answered=(pl.col("missed") == False).sum(),  # noqa: E712
        first=pl.col("time").min(),
        last=pl.col("time").max(),
        ring=pl.col("ring").filter(unanswered).min(),
        night=_night().sum(),
        name=pl.col("name").drop_nulls().first(),
    )
    back = outgoing.group_by("key").agg(called_back=pl.len())
    return (
        groups.join(_similar(groups, window), on="key", how="left")
        .join(back, on="key", how="left")
        .with_columns(
            pl.col("similar", "called_back").fill_null(0),
            pl.col("first").dt.strftime(_ISO).alias("first_seen"),
            pl.col("last").dt.strftime(_ISO).alias("last_seen"),
        )
    )


def _similar(groups: pl.DataFrame, window: dt.timedelta) -> pl.DataFrame:
    """key -> how many other numbers equal but for the last two digits rang close in time."""
    near = groups.filter(
        pl.col("key").str.starts_with("+") & (pl.col("key").str.len_chars() > _MIN_ROTATING_DIGITS)
    ).select(
        "key",
        "first",
        "last",
        prefix=pl.col("key").str.slice(0, pl.col("key").str.len_chars() - 2),
        size=pl.col("key").str.len_chars(),
    )
    pairs = near.join(near, on=["prefix", "size"], suffix="_other").filter(
        (pl.col("key") != pl.col("key_other"))
        & (
            pl.col("first").is_null()
            | pl.col("first_other").is_null()
            | (
                (pl.col("first") <= pl.col("last_other") + window)
                & (pl.col("first_other") <= pl.col("last") + window)
            )
        )
    )
    return pairs.group_by("key").agg(similar=pl.len())


def _judge(groups: pl.DataFrame, parsed: _Parsed, settings: Settings) -> list[dict[str, Any]]:
    """Each caller's verdict, with the call details the log gives.

    The same facts and details always give the same verdict, so each distinct pair is
    judged once. The facts are the ones ``check()`` found when it read the number (with
    the user's high-risk codes); whether the user trusts it, ``check()`` said too.
    """
    data = tables()  # points and wording: the same in the user's extended tables
    verdicts: dict[tuple[Any, ...], dict[str, Any]] = {}
    numbers = []
    for row in groups.iter_rows(named=True):
        info = parsed.infos[row["key"]]
        context = CallContext(
            rang_seconds=row["ring"],
            times_called=min(row["calls"], 100_000),
            similar_numbers=row["similar"] or None,
            called_at=NIGHT_START if row["night"] else None,
        )
        facts = number_facts(info, settings)
        if facts.trusted != (row["key"] in parsed.trusted):
            facts = facts._replace(trusted=not facts.trusted)
        block = verdicts.get((facts, context))
        if block is None:
            verdict = judge(facts, context, settings, data, None)
            block = verdicts[(facts, context)] = verdict.to_dict()
        numbers.append(_entry(row, info, block))
    return numbers


def _text(info: NumberInfo) -> str:
    if info.withheld:
        return "Withheld"
    return info.e164 or info.national_format or info.input


def _entry(row: dict[str, Any], info: NumberInfo, verdict: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": row["key"],
        "e164": info.e164,
        "display": "Hidden number"
        if info.withheld
        else (info.international_format or info.national_format or info.input),
        "calls": row["calls"],
        "missed": row["missed"],
        "answered": row["answered"],
        "called_back": row["called_back"],
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
        "verdict": verdict,
        "country": info.country,
        "region": info.region,
        "flag": info.flag,
        "line_type": info.line_type,
        "withheld": info.withheld,
        "callback_cost": {"band": info.callback_cost.band, "text": info.callback_cost.text},
        "similar_numbers": row["similar"],
        "night_calls": row["night"],
        "shortest_ring_seconds": row["ring"],
        "name": row["name"],
    }


def _rank(numbers: list[dict[str, Any]]) -> None:
    """Most worrying level first, then most calls, then most recent (stable sorts)."""
    numbers.sort(key=lambda n: n["display"])
    numbers.sort(key=lambda n: n["last_seen"] or "", reverse=True)
    numbers.sort(key=lambda n: (-LEVELS.index(n["verdict"]["level"]), -n["calls"]))
