"""What the scan measures about each caller number and caller range, defined once.

An **entity** is a caller number (E.164), or a caller range: the number without its last
2 digits ("+22507123456xx", a block of 100) or its last 3 (a block of 1,000). Campaigns
rotate through near-identical numbers, so a range can show what no single number does.

Both engines (``engines.polars``, ``engines.spark``) compute the same ``Aggregate`` for
every candidate entity, in integers and sorted lists only; the ratios, medians and peaks
below are then worked out here, in Python, from those integers, so both engines give
identical findings. A **candidate** rang at least ``min_callees`` different numbers
(``min_range_callees`` for a range, which must also hold at least two numbers).

Features (``finish``):

- ``calls``, ``callees`` (distinct numbers rung), ``answered_share``;
- ``ring_median``, ``ring_p90``: seconds unanswered calls rang (linear interpolation
  between the two nearest ranks, as Polars' and Spark's exact quantiles do);
- ``peak_per_minute``: the most unanswered calls that began in one clock minute;
- ``peak_hour_callees``: the most different numbers rung in one clock hour;
- ``sequential_share``: of the numbers rung, taken in the order they were first rung,
  the share whose number is 1 to 10 more or less than the one before (dialling down a
  list);
- ``numbers`` and ``calls_per_number`` (rotation inside a range);
- ``repeat_share``: the share of numbers rung more than once;
- ``night_share``: calls between ``night_start`` and ``night_end`` (settings: 23:00 and
  07:00) in the scan's time zone (the callees' local time: they are the operator's own
  subscribers);
- ``callbacks``, ``callback_rate``, ``callback_billsec``: numbers rung that then called
  the entity (its number, or any number in its range) within ``callback_hours`` of
  being rung, and the seconds billed on those calls back: the money at risk;
- ``detected_at``: when, in the calls' own time, the entity had rung ``min_callees``
  different numbers: the earliest a live scan could have flagged it.

``has_signature`` tests those features for the Wangiri signature (subscribers rung in
number order from rotating numbers of one range, short rings, at a rate verification
services don't send; thresholds in ``data/scan.toml``, ``[signature]``); ``rules`` looks
at ranges from the signature's smaller floor, so both engines and the live detector
(``scan.live``) see a signed campaign early.

What an engine counts is declared here too, and each engine only writes it in its own
syntax: the candidates (``RULES``: one-ring pairs grouped by the caller's number or
range), and for each candidate its calls grouped as ``MEASURES`` says, over these
columns of a call:

- ``caller``, ``callee`` (E.164), ``start`` (seconds since 1970), ``ring``, ``answered``;
- ``bucket``: ``start // BUCKET * BUCKET``; ``minute``: ``start // 60``; ``hour``:
  ``start // 3600`` (all aligned to 1970, so in UTC);
- ``night``: the hour of ``start`` in the scan's time zone is ``night_start`` or later,
  or before ``night_end``.

Besides, ``callbacks`` (calls to the candidate from a number it rang, after it first
rang it) and ``evidence`` (its first ``EVIDENCE_ROWS`` calls by start, file and line).
``assemble`` turns those tables into ``Aggregate``; the sums, ranks and orders are
worked out there, once, for both engines.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import polars as pl

from ringcheck.settings import Settings

_DEFAULTS = Settings()


@dataclass(frozen=True)
class Thresholds:
    """The numbers the scan judges by (the report prints them). Each is a setting,
    declared once in ``ringcheck.settings``; ``from_settings`` reads a user's."""

    # a caller number is looked at once it rang this many people
    min_callees: int = _DEFAULTS.scan_min_callees
    # a range, this many (across at least 2 of its numbers)
    min_range_callees: int = _DEFAULTS.scan_min_range_callees
    # seconds: an unanswered call this short is a one-ring call (ring times are whole
    # seconds, so one_ring_seconds rounded down gives the same calls)
    short_ring: int = math.floor(_DEFAULTS.one_ring_seconds)
    # a call back counts within this long of being rung
    callback_hours: int = _DEFAULTS.scan_callback_hours
    night_start: int = _DEFAULTS.night_start  # local hour
    night_end: int = _DEFAULTS.night_end  # local hour (exclusive)

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The thresholds a user's settings give (``Thresholds()``: the defaults').

        >>> Thresholds.from_settings(Settings(one_ring_seconds=3.5)).short_ring
        3
        """
        return cls(
            min_callees=settings.scan_min_callees,
            min_range_callees=settings.scan_min_range_callees,
            short_ring=math.floor(settings.one_ring_seconds),
            callback_hours=settings.scan_callback_hours,
            night_start=settings.night_start,
            night_end=settings.night_end,
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


RANGE_DIGITS = (2, 3)
BUCKET = 300  # seconds: the timeline's and the rotation's step
EVIDENCE_ROWS = 10  # raw records kept per candidate, earliest first


@dataclass(frozen=True)
class Rule:
    """Which one-ring callers are candidates: E.164 callers grouped by their number
    without its last ``drop`` digits (0: the number), kept when the group rang at least
    ``callees`` different numbers (a missing callee counts as one) from at least
    ``numbers`` different caller numbers."""

    kind: str
    drop: int
    callees: int
    numbers: int


def rules(limits: Thresholds) -> tuple[Rule, ...]:
    """The candidate rules: a number, and a range of 100 or of 1,000 numbers. A range is
    looked at from ``signature().min_callees`` people on when that is fewer than
    ``min_range_callees``: below ``needed`` it is a finding only with the signature
    (``has_signature``; ``detect.judge`` drops the others unseen)."""
    floor = min(limits.min_range_callees, signature().min_callees)
    ranges = (Rule("range", drop, floor, 2) for drop in RANGE_DIGITS)
    return (Rule("number", 0, limits.min_callees, 1), *ranges)


@dataclass(frozen=True)
class Signature:
    """The Wangiri signature's thresholds (``data/scan.toml``, ``[signature]``, where
    each is explained)."""

    min_callees: int
    min_numbers: int
    min_sequential: float
    min_ring_median: float
    max_ring_p90: float
    min_unanswered: float
    min_per_minute: int


@cache
def signature() -> Signature:
    """The signature's thresholds as ``data/scan.toml`` sets them."""
    from ringcheck.datatables import data_text

    table = tomllib.loads(data_text("scan.toml"))["signature"]
    return Signature(**table)


def has_signature(kind: str, features: dict[str, Any], sig: Signature | None = None) -> bool:
    """Whether a candidate's ``finish`` features show the Wangiri signature: subscribers
    rung in number order from rotating numbers in one range, short rings, at a rate no
    verification service sends (``data/scan.toml`` says why each test is there)."""
    sig = sig or signature()
    f = features
    median, p90 = f["ring_median"], f["ring_p90"]
    return (
        kind == "range"
        and f["callees"] >= sig.min_callees
        and f["numbers_seen"] >= sig.min_numbers
        and f["sequential_share"] >= sig.min_sequential
        and median is not None
        and p90 is not None
        and median >= sig.min_ring_median
        and p90 <= sig.max_ring_p90
        and f["calls"] > 0
        and f["unanswered"] / f["calls"] >= sig.min_unanswered
        and f["peak_per_minute"] >= sig.min_per_minute
    )


@dataclass(frozen=True)
class Measure:
    """A candidate's calls (``unanswered``: its unanswered calls only) grouped by ``by``:
    how many (``n``), the first and the last start of each group. With ``then``, the
    groups are grouped again by ``then``: ``n`` is then how many groups each holds
    (different callees per hour), ``first``/``last`` their earliest and latest."""

    name: str
    by: tuple[str, ...]
    unanswered: bool = False
    then: tuple[str, ...] = ()


MEASURES = (
    Measure("kinds", ("answered", "night")),  # calls, answered, night, first, last
    Measure("callees", ("callee",)),  # people rung, when first, how often
    Measure("numbers", ("caller",)),  # a range's numbers
    Measure("rings", ("ring",), unanswered=True),
    Measure("buckets", ("bucket",), unanswered=True),
    Measure("minutes", ("minute",), unanswered=True),  # the peak minute
    Measure("hours", ("hour", "callee"), then=("hour",)),  # people rung per hour
    Measure("rotation", ("bucket", "caller")),  # kept for ranges
)
# Columns of ``callbacks``: who called back, when, billed seconds, when they were rung.
CALLBACK = ("caller", "start", "billsec", "rung")
# What an evidence record holds, in this order.
EVIDENCE = (
    "file",
    "line",
    "caller",
    "callee",
    "start",
    "ring",
    "billsec",
    "answered",
)  # a range is a number without its last 2, or its last 3, digits


@dataclass
class Aggregate:
    """What an engine counts for one candidate entity (integers and sorted lists).

    Per-call lists are summed up by the engine (ring seconds as counts, calls per 5
    minutes, the peak minute), so what crosses from an engine to Python grows with the
    entity's people and minutes, not with its calls."""

    kind: str  # "number" or "range"
    key: str  # the E.164 number, or the range's prefix with '+'
    calls: int
    callees: int
    answered: int
    first: int  # epoch seconds of its first call
    last: int
    night: int
    repeat_callees: int  # numbers rung more than once
    # consecutive numbers rung (by first call to them) that are 1-10 apart, same length
    sequential_pairs: int
    peak_per_minute: int  # most unanswered calls begun in one clock minute
    # when the entity had first rung its ``min_callees``-th (a range: ``min_range_callees``)
    # different number; None if it never rang that many
    detected_at: int | None
    numbers: list[tuple[str, int]]  # (caller number, calls), by number
    ring_counts: list[tuple[int, int]]  # (ring seconds, unanswered calls), by seconds
    buckets: list[tuple[int, int]]  # (5-minute bucket start, unanswered calls), by time
    hour_callees: list[tuple[int, int]]  # (epoch hour, distinct numbers rung), by hour
    # Calls to the entity from numbers it rang, after it first rang them: (who, start,
    # billsec, when it first rang them), sorted. ``finish`` keeps those within
    # ``callback_hours``.
    callbacks: list[tuple[str, int, int, int]]
    # (5-min bucket, caller) seen, for a range (a number's would only repeat itself)
    rotation: list[tuple[int, str]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # up to 10 raw records

    def canonical(self) -> tuple[Any, ...]:
        """Everything, in a fixed order (engines are compared on this)."""
        return tuple(asdict(self).values())


def needed(kind: str, limits: Thresholds) -> int:
    """How many different people an entity of ``kind`` must ring to be looked at."""
    return limits.min_callees if kind == "number" else limits.min_range_callees


def quantile(values: list[int], q: float) -> float | None:
    """The q-quantile of sorted ``values``, interpolating linearly between ranks.

    >>> quantile([1, 2, 3, 4], 0.5), quantile([1, 2, 3, 4], 0.9), quantile([], 0.5)
    (2.5, 3.7, None)
    """
    return counted_quantile([(v, 1) for v in values], q)


def counted_quantile(counts: list[tuple[int, int]], q: float) -> float | None:
    """``quantile`` of the values that ``counts`` ((value, how many), by value) hold.

    >>> counted_quantile([(1, 1), (2, 2), (9, 1)], 0.5), counted_quantile([], 0.9)
    (2.0, None)
    """
    total = sum(n for _, n in counts)
    if not total:
        return None
    position = (total - 1) * q
    low = math.floor(position)
    high = min(low + 1, total - 1)
    low_value = high_value = None
    seen = 0
    for value, n in counts:
        seen += n
        if low_value is None and low < seen:
            low_value = value
        if high < seen:
            high_value = value
            break
    assert low_value is not None and high_value is not None
    return round(low_value + (high_value - low_value) * (position - low), 6)


def called_back(agg: Aggregate, limits: Thresholds) -> list[dict[str, Any]]:
    """The people ``agg`` rang who called it back within ``callback_hours`` of being rung:
    number, when rung, first call back, calls and seconds billed; by first call back."""
    window = limits.callback_hours * 3600
    found: dict[str, dict[str, Any]] = {}
    for who, when, billed, rung in agg.callbacks:
        if not 0 < when - rung <= window:
            continue
        entry = found.setdefault(
            who, {"number": who, "rung": rung, "first_call_back": when, "billsec": 0, "calls": 0}
        )
        entry["billsec"] += billed
        entry["calls"] += 1
    return sorted(found.values(), key=lambda e: (e["first_call_back"], e["number"]))


def written(kind: str, key: str, numbers: list[str]) -> str:
    """An entity as people read it: a number, or a range with an x for each digit its key
    leaves out (by its numbers' length): '+18768123xxx'."""
    if kind != "range" or not numbers:
        return key
    return key + "x" * (len(numbers[0]) - len(key))


def finish(
    agg: Aggregate, limits: Thresholds, backs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The features of ``agg`` by name (see the module docstring); ``backs`` is
    ``called_back(agg, limits)`` when the caller has it already."""
    unanswered = agg.calls - agg.answered
    numbers = len(agg.numbers)
    if backs is None:
        backs = called_back(agg, limits)
    return {
        "calls": agg.calls,
        "callees": agg.callees,
        "answered": agg.answered,
        "answered_share": round(agg.answered / agg.calls, 6) if agg.calls else 0.0,
        "unanswered": unanswered,
        "short_unanswered": sum(n for r, n in agg.ring_counts if r <= limits.short_ring),
        "ring_median": counted_quantile(agg.ring_counts, 0.5),
        "ring_p90": counted_quantile(agg.ring_counts, 0.9),
        "ring_min": agg.ring_counts[0][0] if agg.ring_counts else None,
        "ring_max": agg.ring_counts[-1][0] if agg.ring_counts else None,
        "peak_per_minute": agg.peak_per_minute,
        "peak_hour_callees": max((n for _, n in agg.hour_callees), default=0),
        "sequential_share": (
            round(agg.sequential_pairs / (agg.callees - 1), 6) if agg.callees > 1 else 0.0
        ),
        "numbers_seen": numbers,
        "calls_per_number": round(agg.calls / numbers, 6) if numbers else 0.0,
        "repeat_share": round(agg.repeat_callees / agg.callees, 6) if agg.callees else 0.0,
        "night_share": round(agg.night / agg.calls, 6) if agg.calls else 0.0,
        "callbacks": len(backs),
        "callback_rate": round(len(backs) / agg.callees, 6) if agg.callees else 0.0,
        "callback_billsec": sum(b["billsec"] for b in backs),
        "first_seen": agg.first,
        "last_seen": agg.last,
        "detected_at": agg.detected_at,
    }


def assemble(
    candidates: pl.DataFrame,
    tables: dict[str, pl.DataFrame],
    callbacks: pl.DataFrame,
    evidence: pl.DataFrame,
    limits: Thresholds,
) -> list[Aggregate]:
    """Every candidate's ``Aggregate`` from what an engine counted: ``candidates`` (``id``,
    ``kind``, ``key``), a table per ``MEASURES`` item (``id``, its ``by`` or ``then``
    columns, ``n``, ``first``, ``last``), the ``callbacks`` (``id`` and ``CALLBACK``) and
    ``evidence`` (``id`` and ``EVIDENCE``, any number per candidate). By ``id``."""
    kinds = (
        tables["kinds"]
        .group_by("id")
        .agg(
            calls=pl.col("n").sum(),
            answered=pl.col("n").filter(pl.col("answered")).sum(),
            night=pl.col("n").filter(pl.col("night")).sum(),
            first=pl.col("first").min(),
            last=pl.col("last").max(),
        )
    )
    peaks = tables["minutes"].group_by("id").agg(peak_per_minute=pl.col("n").max())
    table = (
        candidates.select("id", "kind", "key")
        .join(kinds, on="id", how="inner")
        .join(_contacts(tables["callees"], candidates, limits), on="id", how="left")
        .join(peaks, on="id", how="left")
        .sort("id")
    )
    lists = {
        "numbers": _lists(tables["numbers"], ("caller", "n")),
        "ring_counts": _lists(tables["rings"], ("ring", "n")),
        "buckets": _lists(tables["buckets"], ("bucket", "n")),
        "hour_callees": _lists(tables["hours"], ("hour", "n")),
        "callbacks": _lists(callbacks, CALLBACK),
        "rotation": _lists(tables["rotation"], ("bucket", "caller")),
    }
    evidence = evidence.sort("id", "start", "file", "line").group_by("id").head(EVIDENCE_ROWS)
    records: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in evidence.select("id", *EVIDENCE).iter_rows(named=True):
        records[item.pop("id")].append(item)
    return [_aggregate(row, lists, records) for row in table.iter_rows(named=True)]


def _aggregate(
    row: dict[str, Any],
    lists: dict[str, dict[int, list[tuple[Any, ...]]]],
    records: dict[int, list[dict[str, Any]]],
) -> Aggregate:
    """One candidate's ``Aggregate`` from its ``assemble`` row, lists and evidence."""
    got = {name: lists[name].get(row["id"], []) for name in lists}
    if row["kind"] != "range":
        got["rotation"] = []  # a number's rotation would only repeat itself
    return Aggregate(
        kind=row["kind"],
        key=row["key"],
        calls=row["calls"],
        callees=row["callees"] or 0,
        answered=row["answered"] or 0,
        first=row["first"],
        last=row["last"],
        night=row["night"] or 0,
        repeat_callees=row["repeat_callees"] or 0,
        sequential_pairs=row["sequential_pairs"] or 0,
        peak_per_minute=row["peak_per_minute"] or 0,
        detected_at=row["detected_at"],
        evidence=records.get(row["id"], []),
        **got,
    )


def _contacts(callees: pl.DataFrame, candidates: pl.DataFrame, limits: Thresholds) -> pl.DataFrame:
    """Per candidate, from its callees in the order it first rang them: how many, how
    many it rang more than once, consecutive ones 1-10 apart (``sequential_pairs``), and
    when it rang the ``needed``-th (``detected_at``)."""
    digits = pl.col("callee").str.slice(1).cast(pl.Int64, strict=False)
    gap = (digits - digits.shift(1).over("id")).abs()
    length = pl.col("callee").str.len_chars()
    same_length = length == length.shift(1).over("id")
    need = (
        pl.when(pl.col("kind") == "range")
        .then(needed("range", limits))
        .otherwise(needed("number", limits))
    )
    return (
        callees.join(candidates.select("id", "kind"), on="id", how="inner")
        .sort("id", "first", "callee")
        .with_columns(
            step=((gap >= 1) & (gap <= 10) & same_length).fill_null(False),
            rank=pl.int_range(pl.len()).over("id") + 1,
            need=need,
        )
        .group_by("id")
        .agg(
            callees=pl.len(),
            repeat_callees=(pl.col("n") > 1).sum(),
            sequential_pairs=pl.col("step").sum(),
            detected_at=pl.col("first").filter(pl.col("rank") == pl.col("need")).first(),
        )
    )


def _lists(frame: pl.DataFrame, columns: tuple[str, ...]) -> dict[int, list[tuple[Any, ...]]]:
    """``columns`` of ``frame`` as tuples by ``id``, each list sorted."""
    frame = frame.sort("id", *columns)
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in zip(frame["id"].to_list(), *(frame[c].to_list() for c in columns), strict=True):
        out[row[0]].append(row[1:])
    return out
