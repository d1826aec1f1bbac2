"""From candidates' features to findings: the documented score, reasons and look-alikes.

The points and every sentence are in ``data/scan.toml`` (with the caps that spare call
centres, UK robo-diallers and, until somebody calls back, verification flash calls);
the destination's risk is the checker's own (``ringcheck.bulk``), so the scan and the
checker never disagree about where a number is or what calling it back costs.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ringcheck.bulk import classify
from ringcheck.datatables import Tables, data_text
from ringcheck.risk import LEVELS, at_least, level_for
from ringcheck.scan.features import (
    BUCKET,
    Aggregate,
    Thresholds,
    called_back,
    finish,
    has_signature,
    written,
)
from ringcheck.scan.features import needed as needed_callees
from ringcheck.verdicts import BANDS

_DESTINATION_POINTS = {"very_high": "destination_very_high", "high": "destination_high"}
# The highest score of each level: the checker's bands (a cap keeps a finding in its level).
_TOP = {level: top - 1 for (top, _), (_, level) in pairwise(BANDS)}


@dataclass(frozen=True)
class Wording:
    points: dict[str, int]
    bars: dict[str, float]  # where each signal starts to count
    reason: dict[str, str]
    spared: dict[str, str]
    headline: dict[str, str]


@cache
def wording() -> Wording:
    data = tomllib.loads(data_text("scan.toml"))
    return Wording(data["points"], data["bars"], data["reason"], data["spared"], data["headline"])


@dataclass
class Finding:
    """A caller number or range worth an operator's look, with its evidence."""

    kind: str
    key: str
    level: str
    score: int
    features: dict[str, Any]
    destination: dict[str, Any]
    reasons: list[dict[str, Any]]
    headline: str
    numbers: list[str]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # who called back, when
    timeline: list[tuple[int, int, int]] = field(default_factory=list)  # (5 min, calls, backs)
    rotation: list[tuple[int, str]] = field(default_factory=list)  # (5 min, caller) seen
    # (ring seconds, unanswered calls), by seconds
    ring_counts: list[tuple[int, int]] = field(default_factory=list)
    within: str | None = None  # the widest flagged range holding this finding

    def sort_key(self) -> tuple[Any, ...]:
        f = self.features
        return (-LEVELS.index(self.level), -self.score, -f["callbacks"], -f["callees"], self.key)


@dataclass
class Spared:
    """A candidate that looked like a campaign at first sight, and why it isn't one."""

    kind: str
    key: str
    reason: str
    text: str
    callees: int
    country: str | None


def _fmt(n: int) -> str:
    return f"{n:,}"


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share:.1%}"


def _seconds(value: float | int | None) -> str:
    if value is None:
        return "an unknown time"
    return f"{value:g} s"


def spoken_time(seconds: int, exact: bool = False) -> str:
    """A span of time as people read it: '1.5 h', '12 min' ('12 min 5 s' when
    ``exact``), '40 s'."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60} s" if exact else f"{seconds / 60:.0f} min"
    return f"{seconds} s"


def local_time(moment: int | None, zone: str) -> str:
    """Seconds since 1970 as a time in ``zone``: 'Tue 03 Nov 02:10'."""
    if moment is None:
        return ""
    return dt.datetime.fromtimestamp(moment, ZoneInfo(zone)).strftime("%a %d %b %H:%M")


def score(
    agg: Aggregate,
    features: dict[str, Any],
    destination: dict[str, Any],
    limits: Thresholds,
    zone: str,
) -> tuple[int, list[dict[str, Any]], str | None]:
    """(score, reasons, spared reason or None) for one candidate."""
    words = wording()
    bar = words.bars
    points = 0
    reasons: list[dict[str, Any]] = []  # {code, text, points}

    def add(code: str, text: str) -> None:
        nonlocal points
        points += words.points[code]
        reasons.append({"code": code, "text": text, "points": words.points[code]})

    f = features
    needed = needed_callees(agg.kind, limits)
    values = _values(f, agg) | _night_hours(limits)
    if f["callees"] >= needed:
        add("fan_out", words.reason["fan_out"].format(**values))
        if f["callees"] >= bar["big_fan_out"] * needed:
            reasons[-1]["points"] += words.points["big_fan_out"]
            points += words.points["big_fan_out"]
    if f["calls"] and f["short_unanswered"] / f["calls"] >= bar["one_ring"]:
        add("one_ring", words.reason["one_ring"].format(**values))
    if f["calls"] and f["unanswered"] / f["calls"] >= bar["unanswered"]:
        add("unanswered", words.reason["unanswered"].format(**values))
    level = destination.get("level") or "low"
    if level in _DESTINATION_POINTS or level == "caution":
        code = _DESTINATION_POINTS.get(level, "destination_caution")
        points += words.points[code]
        text = " ".join(destination.get("texts", ())) or f"Its destination rates {level}."
        reasons.append({"code": "destination", "text": text, "points": words.points[code]})
    if f["callbacks"]:
        add("callbacks", words.reason["callbacks"].format(**values))
        if f["callback_rate"] >= bar["callback_rate"]:
            reasons[-1]["points"] += words.points["callback_rate"]
            points += words.points["callback_rate"]
    if agg.kind == "range" and f["numbers_seen"] >= bar["rotation"]:
        add("rotation", words.reason["rotation"].format(**values))
    if f["sequential_share"] >= bar["sequential"]:
        add("sequential", words.reason["sequential"].format(**values))
    if f["night_share"] >= bar["night"]:
        add("night", words.reason["night"].format(**values))
    if f["repeat_share"] >= bar["repeat"]:
        add("repeat", words.reason["repeat"].format(**values))
    signed = has_signature(agg.kind, f)
    if signed:
        add("signature", words.reason["signature"].format(**values))
    points = max(0, min(100, points))
    if destination.get("domestic") and level == "low":
        return points, reasons, "domestic"
    if f["answered_share"] >= bar["answered"]:
        return points, reasons, "answered"
    if not f["callbacks"] and level != "very_high":
        points = _without_victims(points, signed, reasons)
    return points, reasons, None


def _without_victims(points: int, signed: bool, reasons: list[dict[str, Any]]) -> int:
    """The cap while nobody has called back: caution, or with the Wangiri signature high
    (very high only once someone has)."""
    if signed:
        return min(points, _TOP["high"])
    text = wording().reason["no_callbacks_yet"]
    reasons.append({"code": "no_callbacks_yet", "text": text, "points": 0})
    return min(points, _TOP["caution"])


def _values(f: dict[str, Any], agg: Aggregate) -> dict[str, str]:
    span = (
        f"{f['ring_min']} s"
        if f["ring_min"] == f["ring_max"]
        else f"{f['ring_min']}-{f['ring_max']} s"
    )
    return {
        "callees": _fmt(f["callees"]),
        "calls": _fmt(f["calls"]),
        "peak_hour": _fmt(f["peak_hour_callees"]),
        "short": _fmt(f["short_unanswered"]),
        "ring_span": span if f["ring_min"] is not None else "an unknown time",
        "median": _seconds(f["ring_median"]),
        "unanswered": _pct(f["unanswered"] / f["calls"]) if f["calls"] else "none",
        "callbacks": _fmt(f["callbacks"]),
        "rate": _pct(f["callback_rate"]),
        "billed": spoken_time(f["callback_billsec"]),
        "numbers": _fmt(f["numbers_seen"]),
        "per_number": f"{f['calls_per_number']:.1f}",
        "sequential": _pct(f["sequential_share"]),
        "night": _pct(f["night_share"]),
        "repeat": _pct(f["repeat_share"]),
        "answered": _pct(f["answered_share"]),
        "peak_minute": _fmt(f["peak_per_minute"]),
    }


def _night_hours(limits: Thresholds) -> dict[str, str]:
    return {"night_from": f"{limits.night_start:02d}:00", "night_to": f"{limits.night_end:02d}:00"}


def _destinations(keys: list[str], home: str, data: Tables | None) -> dict[str, dict[str, Any]]:
    """The checker's view of each entity's destination, by its number or range prefix."""
    if not keys:
        return {}
    found = classify(pl.DataFrame({"key": keys}), "key", home=home, data=data)
    out = {}
    for row in found.iter_rows(named=True):
        out[row["key"]] = {
            "country": row["dest_country"],
            "region": row["dest_region"],
            "country_code": row["dest_country_code"],
            "domestic": bool(row["dest_domestic"]),
            "cost_band": row["dest_cost_band"],
            "high_risk": row["dest_high_risk"],
            "network": row["dest_network"],
            "level": row["dest_level"],
            "score": row["dest_score"],
            "reasons": list(row["dest_reasons"] or ()),
            "texts": list(row["dest_texts"] or ()),
        }
    return out


def worth_a_look(candidates: pl.DataFrame, home: str, data: Tables | None = None) -> pl.DataFrame:
    """The candidates worth counting in full: all but the ranges of ordinary domestic
    numbers (their call-backs cost a normal call: a block of subscribers whose short calls
    add up is no look-alike). A domestic *number* stays, to be listed as spared. Both
    engines ask this."""
    if not candidates.height:
        return candidates
    found = classify(candidates, "key", home=home, data=data)
    ordinary = (
        pl.col("dest_domestic").fill_null(False)
        & (pl.col("dest_level") == "low")
        & (pl.col("kind") == "range")
    )
    return found.filter(~ordinary).select(candidates.columns)


def assess(
    aggregates: list[Aggregate],
    limits: Thresholds,
    home: str,
    zone: str,
    allowlist: tuple[str, ...] = (),
    data: Tables | None = None,
) -> tuple[list[Finding], list[Spared]]:
    """Findings, worst first, and the look-alikes spared (with why)."""
    destinations = _destinations([a.key for a in aggregates], home, data)
    findings, spared = [], []
    for agg in aggregates:
        backs = called_back(agg, limits)
        features = finish(agg, limits, backs)
        if features["callees"] < needed_callees(agg.kind, limits) and not has_signature(
            agg.kind, features
        ):
            continue  # looked at for the signature only (``features.rules``)
        destination = destinations.get(agg.key, {})
        if any(agg.key.startswith(prefix) for prefix in allowlist):
            spared.append(_spare(agg, "allowlisted", features, destination))
            continue
        points, reasons, why = score(agg, features, destination, limits, zone)
        if why is not None:
            spared.append(_spare(agg, why, features, destination))
            continue
        level = level_for(points)
        if not at_least(level, "caution"):
            continue
        findings.append(
            Finding(
                kind=agg.kind,
                key=agg.key,
                level=level,
                score=points,
                features=features,
                destination={k: v for k, v in destination.items() if k != "texts"},
                reasons=reasons,
                headline=_headline(agg, features, zone),
                numbers=[n for n, _ in agg.numbers],
                evidence=agg.evidence,
                callbacks=backs,
                timeline=_timeline(agg, backs),
                rotation=agg.rotation,
                ring_counts=agg.ring_counts,
            )
        )
    _nest(findings)
    findings.sort(key=Finding.sort_key)
    spared.sort(key=lambda s: (-s.callees, s.key))
    return findings, spared


def _spare(
    agg: Aggregate, why: str, features: dict[str, Any], destination: dict[str, Any]
) -> Spared:
    text = (
        wording()
        .spared[why]
        .format(
            answered=_pct(features["answered_share"]),
            country=destination.get("country") or "unknown",
        )
    )
    return Spared(agg.kind, agg.key, why, text, features["callees"], destination.get("country"))


def _headline(agg: Aggregate, f: dict[str, Any], zone: str) -> str:
    words = wording().headline
    values = _values(f, agg)
    backs = words["callbacks_some"].format(**values) if f["callbacks"] else words["callbacks_none"]
    return words["campaign"].format(
        callees=values["callees"],
        ring_span=values["ring_span"],
        where=written(agg.kind, agg.key, [n for n, _ in agg.numbers]),
        first=local_time(f["first_seen"], zone),
        last=local_time(f["last_seen"], zone),
        callbacks_text=backs,
    )


def _timeline(agg: Aggregate, backs: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    """(5-minute bucket start, calls, calls back: ``backs``) over the finding's active time."""
    buckets = {start: [calls, 0] for start, calls in agg.buckets}
    for entry in backs:
        buckets.setdefault(entry["first_call_back"] // BUCKET * BUCKET, [0, 0])[1] += 1
    return [(t, c, b) for t, (c, b) in sorted(buckets.items())]


def _nest(findings: list[Finding]) -> None:
    """Point each finding at the widest flagged range that holds it."""
    ranges = sorted((f for f in findings if f.kind == "range"), key=lambda f: len(f.key))
    for finding in findings:
        for outer in ranges:
            if (
                outer is not finding
                and finding.key.startswith(outer.key)
                and len(outer.key) < len(finding.key)
            ):
                finding.within = outer.key
                break
