"""Triage: every distinct caller in a call log, with the core verdict and the log's story.

The log supplies the call details the core rules already know how to weigh
(``ringcheck.risk``): how often a number rang (``repeated_attempts``), how many
near-identical numbers rang close in time (``rotating_numbers``), whether it rang at
night (``odd_hours``) and the shortest time it rang before giving up (``one_ring``). No
rule lives here; this module only counts, and passes on only what the log knows: ring
times only from a log that records them (``CallLog.ring_time``: a missed call's duration
in an Android or FRITZ!Box export is talk time, 0), and neither ring time nor a count for
the hidden callers' entry (many callers, none of whom can be called back).

*Near-identical, close in time*: two numbers of the same length that differ only in their
last one or two digits, whose calls came within ``window`` of each other (default 24
hours): the spans from each number's first to last call, widened by the window, overlap.
A log without times can't say, so there the shared prefix alone counts.

Speed: Polars groups the calls (a million rows take about a tenth of a second); each
distinct spelling is parsed once, and a verdict is computed once per distinct (number
facts, call details the rules act on) pair, since the same facts and details always give
the same verdict. Grouping, ranking and the summary run in Polars (on every core); the
numbers are read and judged in this process: whether a number can exist, its line type
and how it is written need all its digits, which the prefix lookup that classifies an
operator's millions of numbers (``ringcheck.bulk``) can't give.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from ringcheck.calllog.callers import Caller, VerdictKey, judge_all, read_callers
from ringcheck.calllog.model import CallLog, Unreadable
from ringcheck.calllog.summary import country_counts, summary, timeline
from ringcheck.checker import Campaigns, prepared
from ringcheck.lookup import category_of, says_scam
from ringcheck.risk import LEVELS, NumberFacts, telling
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.campaign import Evidence

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
    home: str = "GB"  # the region the log was read for: its report names its services

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
    campaigns: Campaigns | None = None,
) -> Triage:
    """Rank the callers in ``log``. ``campaigns`` is the live campaign holding a number
    (``LiveCampaigns.find``), asked once per number: as in ``check``, a caller inside
    one gets the ``live_campaign`` reason.

    >>> from ringcheck.calllog import read_log
    >>> log = read_log(b"number,time\\n+2348031234567,2024-03-01 02:10\\n")
    >>> triage(log, settings=Settings()).numbers[0]["verdict"]["level"]
    'very_high'
    """
    home = home or settings.home
    with _collector_paused():
        return _triage(log, settings, home, window, progress, campaigns)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while triage builds its objects.

    A big log makes a hundred thousand small dicts and tuples, none of them in cycles;
    each batch of them would set off a collection that walks every object the process
    holds, which took about a third of the time of building them. Afterwards the objects
    go straight to the collector's oldest generation (``freeze`` then ``unfreeze``), as
    the ones that survive would after two collections, without walking all of them again
    now (~60 ms for the benchmark log). Not when something else in the process has frozen
    objects of its own, which ``unfreeze`` would release too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _triage(
    log: CallLog,
    settings: Settings,
    home: str,
    window: dt.timedelta,
    progress: Progress | None,
    campaigns: Campaigns | None = None,
) -> Triage:
    calls = log.calls
    if not log.ring_time:  # its seconds are talk time, or nothing: never "it rang once"
        calls = calls.with_columns(ring=pl.lit(None, pl.Float64))
    texts = calls.get_column("number").unique().drop_nulls().to_list()
    parsed = _parse(texts, home, settings, progress)
    groups, incoming = _groups(_by_spelling(calls, settings), parsed.keys, window)
    numbers, table = _judge(groups, parsed, settings, home, campaigns)
    unreadable = sorted(log.unreadable + _bad_numbers(calls, parsed.problems))
    numbers = [numbers[i] for i in _ranked(table)]
    span = (groups.get_column("first").min(), groups.get_column("last").max())
    return Triage(
        summary=summary(log, table, span, len(unreadable)),
        numbers=numbers,
        unreadable=unreadable,
        timeline=timeline(calls, incoming.join(table.select("key", "level"), on="key")),
        countries=country_counts(table),
        home=home,
    )


@dataclass
class _Parsed:
    callers: dict[str, Caller] = field(default_factory=dict)  # key -> number
    keys: dict[str, str] = field(default_factory=dict)  # spelling -> key
    problems: dict[str, str] = field(default_factory=dict)  # spelling -> why it's unreadable
    # Each distinct set of facts once, and each number's place in that list: a small
    # int hashes faster than 13 facts when 50,000 numbers are matched to verdicts.
    facts: list[NumberFacts] = field(default_factory=list)
    facts_of: dict[str, int] = field(default_factory=dict)  # key -> index in facts


_READ_AT_ONCE = 2_000  # numbers read between two progress reports (~30 ms)


def _read(
    texts: list[str], home: str, settings: Settings, progress: Progress | None
) -> Iterator[tuple[str, Caller | str]]:
    for start in range(0, len(texts), _READ_AT_ONCE):
        chunk = texts[start : start + _READ_AT_ONCE]
        yield from zip(chunk, read_callers(chunk, home, settings), strict=True)
        if progress is not None:
            progress(start + len(chunk), len(texts))


def _parse(texts: list[str], home: str, settings: Settings, progress: Progress | None) -> _Parsed:
    """Each distinct spelling read once, as ``check()`` reads it with the user's settings.

    The first spelling of a number stands for it (they differ only in how it was written).
    """
    parsed = _Parsed()
    seen: dict[NumberFacts, int] = {}
    for text, found in _read(texts, home, settings, progress):
        if isinstance(found, str):
            parsed.problems[text] = found
            continue
        parsed.keys[text] = found.key
        if found.key not in parsed.callers:
            parsed.callers[found.key] = found
            parsed.facts_of[found.key] = seen.setdefault(found.facts, len(seen))
    parsed.facts = list(seen)
    if progress is not None and not texts:
        progress(0, 0)
    return parsed


def _bad_numbers(calls: pl.DataFrame, problems: dict[str, str]) -> list[Unreadable]:
    if not problems:
        return []
    bad = calls.filter(pl.col("number").is_in(list(problems))).select("line", "number")
    return [Unreadable(line, problems[text]) for line, text in bad.iter_rows()]


def _night(settings: Settings) -> pl.Expr:
    """A call at night, as the user's settings say (``risk.at_night``, for a column)."""
    clock = pl.col("time").dt.time()
    return (clock >= dt.time(settings.night_start)) | (clock < dt.time(settings.night_end))


def _by_spelling(calls: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per spelling and direction: the counts and times a caller's row adds up.

    Everything here sums, or takes the least or greatest, across a number's spellings;
    the name is the first in the log (``name_row`` says where it was).
    """
    unanswered = pl.col("missed").fill_null(True)
    counts = {
        "calls": pl.len(),
        "missed": (pl.col("missed") == True).sum(),  # noqa: E712 (a Polars expression)
        "answered": (pl.col("missed") == False).sum(),  # noqa: E712
        "first": pl.col("time").min(),
        "last": pl.col("time").max(),
        "ring": pl.col("ring").filter(unanswered).min(),
        "night": _night(settings).sum(),
    }
    if calls.get_column("name").null_count() == calls.height:  # no names (most CSV logs)
        return (
            calls.group_by("number", "outgoing")
            .agg(**counts)
            .with_columns(name=pl.lit(None, pl.Utf8), name_row=pl.lit(None, pl.UInt32))
        )
    return (
        calls.with_row_index("row")
        .group_by("number", "outgoing")
        .agg(
            **counts,
            name=pl.col("name").drop_nulls().first(),
            name_row=pl.col("row").filter(pl.col("name").is_not_null()).first(),
        )
    )


def _groups(
    spellings: pl.DataFrame, keys: dict[str, str], window: dt.timedelta
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per caller: counts, first and last call, shortest ring, night calls; and
    the caller (``key``) of each spelling that rang in (``number``)."""
    keyed = spellings.with_columns(
        key=pl.col("number").replace_strict(keys, default=None, return_dtype=pl.Utf8)
    ).filter(pl.col("key").is_not_null())
    incoming = keyed.filter(~pl.col("outgoing"))
    groups = incoming.group_by("key").agg(
        pl.col("calls", "missed", "answered", "night").sum(),
        first=pl.col("first").min(),
        last=pl.col("last").max(),
        ring=pl.col("ring").min(),
        name=pl.col("name").sort_by("name_row").drop_nulls().first(),
    )
    back = keyed.filter(pl.col("outgoing")).group_by("key").agg(called_back=pl.col("calls").sum())
    groups = (
        groups.join(_similar(groups, window), on="key", how="left")
        .join(back, on="key", how="left")
        .with_columns(
            pl.col("similar", "called_back").fill_null(0),
            pl.col("first").dt.strftime(_ISO).alias("first_seen"),
            pl.col("last").dt.strftime(_ISO).alias("last_seen"),
        )
    )
    return groups, incoming.select("number", "key")


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


_ROW = (
    "key",
    "calls",
    "missed",
    "answered",
    "called_back",
    "first_seen",
    "last_seen",
    "similar",
    "night",
    "ring",
    "name",
)


def _judge(
    groups: pl.DataFrame,
    parsed: _Parsed,
    settings: Settings,
    home: str,
    campaigns: Campaigns | None = None,
) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    """Each caller's entry, with the verdict on its facts and the call details the log gives,
    and a table of what ranking and the summary need (one row per entry, in step).

    The same facts and details always give the same verdict, so each distinct pair is
    judged once (the facts say whether the user trusts the number, as ``check()`` does),
    counting as the same the details no rule acts on (``risk.telling``).
    """
    rows = list(zip(*(groups.get_column(name).to_list() for name in _ROW), strict=True))
    index: dict[tuple[int, float | None, int | None, int, bool, str | None], int] = {}
    wanted: list[int] = []
    facts_of = parsed.facts_of
    rules, _ = prepared(settings, home)
    live = _campaigns(parsed, campaigns)
    for key, calls, _, _, _, _, _, similar, night, ring, _ in rows:
        if parsed.callers[key].withheld:
            # One entry for every hidden caller, who may be many people and can't be
            # called back: neither how often "it" rang nor how briefly says anything.
            ring = calls = None
        rang, times = telling(ring, calls, rules)
        held = live.get(key)
        pair = (facts_of[key], rang, times, similar, bool(night), held.key if held else None)
        wanted.append(index.setdefault(pair, len(index)))
    by_key = {c.key: c for c in live.values()}
    pairs: list[VerdictKey] = [
        (parsed.facts[facts], rang, times, similar, night, by_key.get(held or ""))
        for facts, rang, times, similar, night, held in index
    ]
    found = [parsed.callers[row[0]] for row in rows]
    costs: dict[tuple[str, str], dict[str, str]] = {}  # one block per distinct cost, shared
    entries = []
    for row, caller in zip(rows, found, strict=True):
        cost = costs.get((caller.cost_band, caller.cost_text))
        if cost is None:
            cost = costs[caller.cost_band, caller.cost_text] = _cost(caller)
        entries.append(_entry(row, caller, cost))
    table = groups.select("key", "calls", "missed", "called_back", "last_seen").with_columns(
        display=pl.Series([c.display for c in found], dtype=pl.Utf8),
        country=pl.Series([c.country for c in found], dtype=pl.Utf8),
        withheld=pl.Series([c.withheld for c in found], dtype=pl.Boolean),
    )
    verdicts = judge_all(pairs, rules, home)
    scam = _categorise(entries, wanted, [p[0] for p in pairs], verdicts)
    level_of = [_LEVEL_RANK[verdict["level"]] for verdict in verdicts]
    level = pl.Series([level_of[at] for at in wanted], dtype=pl.Int8)
    return entries, table.with_columns(level=level, scam=pl.Series(scam, dtype=pl.Boolean))


def _campaigns(parsed: _Parsed, campaigns: Campaigns | None) -> dict[str, Evidence]:
    """The live campaign holding each caller that is in one, by the caller's key."""
    if campaigns is None:
        return {}
    found = {}
    for key, caller in parsed.callers.items():
        held = campaigns(caller.e164) if caller.e164 else None
        if held is not None:
            found[key] = held
    return found


def _categorise(
    entries: list[dict[str, Any]],
    wanted: list[int],
    facts: list[NumberFacts],
    verdicts: list[dict[str, Any]],
) -> list[bool]:
    """Give each entry its verdict and its category, as ``lookup`` names them; and whether
    that verdict says scam (``lookup.says_scam``), for the summary."""
    found: dict[tuple[int, str], str] = {}  # (verdict, cost band) -> category
    scam = []
    for entry, at in zip(entries, wanted, strict=True):
        verdict = entry["verdict"] = verdicts[at]
        band = entry["callback_cost"]["band"]
        category = found.get((at, band))
        if category is None:
            category = found[at, band] = category_of(
                (reason["code"] for reason in verdict["reasons"]),
                level=verdict["level"],
                withheld=facts[at].withheld,
                domestic=facts[at].domestic,
                cost_band=band,
            )
        entry["category"] = category
        scam.append(says_scam(verdict["level"], category))
    return scam


def _cost(caller: Caller) -> dict[str, str]:
    return {"band": caller.cost_band, "text": caller.cost_text}


def _entry(row: tuple[Any, ...], caller: Caller, cost: dict[str, str]) -> dict[str, Any]:
    """A caller's entry in the JSON output (its verdict is added once judged).

    Like the verdict, the ``callback_cost`` block is shared by every entry with the same
    one: entries are read-only.
    """
    _, calls, missed, answered, called_back, first, last, similar, night, ring, name = row
    return {
        "e164": caller.e164,
        "display": caller.display,
        "calls": calls,
        "missed": missed,
        "answered": answered,
        "called_back": called_back,
        "first_seen": first,
        "last_seen": last,
        "verdict": None,
        "category": None,
        "country": caller.country,
        "region": caller.region,
        "flag": caller.flag,
        "line_type": caller.line_type,
        "withheld": caller.withheld,
        "callback_cost": cost,
        "similar_numbers": similar,
        "night_calls": night,
        "shortest_ring_seconds": ring,
        "name": name,
    }


_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def _ranked(table: pl.DataFrame) -> list[int]:
    """The rows of ``table`` most worrying level first, then most calls, then most recent,
    then by display; rows equal in all four keep their order, as a stable sort would."""
    order = table.with_row_index().sort(
        ["level", "calls", pl.col("last_seen").fill_null(""), "display"],
        descending=[True, True, True, False],
        maintain_order=True,
    )
    return order.get_column("index").to_list()
