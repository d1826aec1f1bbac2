"""``ringcheck scan demo``: realistic, labelled call records to try the scan on.

A week of calls at a small UK operator, written as a real switch writes them (Asterisk
``Master.csv``, FreeSWITCH ``cdr_csv``, CSV with a header, or Parquet), with a side file
``<out>.labels.json`` that says what was planted:

- **background**: subscribers (+44 74…) calling each other along a fixed social graph,
  both ways, mostly by day; a few contacts abroad (family and work: few numbers, both
  ways, long calls), some in countries named in fraud warnings;
- **Wangiri campaigns** (the ones to find): one to hundreds of caller numbers in one
  range of a destination named in call-back warnings, ringing hundreds to tens of
  thousands of subscribers for 1-4 seconds within a few hours (some at night, some
  dialling subscribers in number order); 1-5% of them call back within two days and are
  kept on the line 30-300 seconds;
- **hard negatives** (to spare): flash-call verification ranges (1-2 s, unanswered,
  rotating numbers, one call per person, nobody calls back), call centres in the UK and
  abroad (many people, answered, minutes long), a UK robo-dialler (many people, short,
  from a UK number), an IVR verification line (answered, short).

Randomness comes from Polars' hash of row numbers with the seed, so the same seed and
row count give the same file, fast: ten million rows take seconds to build.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)  # a Monday
DAYS = 7
ZONE = "Europe/London"
SUBSCRIBERS_PREFIX = 447400000000  # +44 7400 000000 and up: UK mobiles
DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class Campaign:
    """A planted Wangiri campaign."""

    prefix: str  # E.164 digits of the range, with '+'
    digits: int  # E.164 digits of its numbers
    numbers: int  # caller numbers used in the range
    victims: int
    hours: float
    start_hour: int  # local hour it starts on its day
    day: int
    sequential: bool
    callback_rate: float  # share of victims who call back

    @property
    def shape(self) -> str:
        order = "sequential" if self.sequential else "random"
        return f"{self.numbers} number(s), {order} victims, {self.hours:g} h"


# Campaign shapes: (range, digits of its numbers, numbers, victims as a share of
# subscribers, hours, start hour, day, sequential, call-back rate). Ranges are on
# destinations named in high_risk.csv or networks.csv.
_CAMPAIGNS = (
    ("+2250712345", 13, 1, 0.08, 2.0, 2, 1, False, 0.03),
    ("+23276543", 11, 40, 0.15, 3.0, 23, 2, True, 0.02),
    ("+18768123", 11, 200, 0.25, 6.0, 1, 3, False, 0.015),
    ("+2348034567", 13, 8, 0.05, 1.5, 14, 4, True, 0.05),
    ("+8816312", 12, 500, 0.10, 4.0, 3, 5, False, 0.01),
    ("+21622333", 11, 3, 0.02, 1.0, 20, 6, False, 0.04),
)
# Flash-call verification ranges (ordinary destinations), and how many people each rings.
_FLASH = (("+46765432", 0.10), ("+3725123", 0.06), ("+33755512", 0.04))
_CALL_CENTRES = (("+442071230000", 0.30, True), ("+912233445566", 0.15, False))
_ROBO = "+441614961999"  # a UK robo-dialler: short calls from a UK number
_IVR = "+448000461234"  # a UK verification line: answered, short
# Contacts abroad: family and work, a few each, some on warned destinations.
_ABROAD = ("+336123", "+4915123", "+121273", "+9198765", "+486012", "+23480312", "+88017123")


def _rand(n: int, seed: int, salt: int, low: int, high: int) -> pl.Expr:
    """A deterministic pseudo-random integer in [low, high) for each of n rows."""
    span = max(1, high - low)
    return (pl.int_range(n, dtype=pl.UInt64).hash(seed * 1_000_003 + salt) % span).cast(
        pl.Int64
    ) + low


def _diurnal(hour_roll: pl.Expr) -> pl.Expr:
    """A local hour of day, mostly 8-22, from a roll in 0..99."""
    return (
        pl.when(hour_roll < 3)
        .then(hour_roll % 7)  # 0-6: 3% of calls at night
        .when(hour_roll < 10)
        .then(7 + hour_roll % 2)
        .otherwise(9 + hour_roll % 14)
    )


def _local_day_start(day: int) -> int:
    moment = dt.datetime(2026, 11, 2 + day)
    from zoneinfo import ZoneInfo

    return int(moment.replace(tzinfo=ZoneInfo(ZONE)).timestamp())


def subscribers_for(rows: int) -> int:
    return max(400, min(2_000_000, rows // 40))


def _background(rows: int, subs: int, seed: int) -> pl.DataFrame:
    """Subscribers calling each other (and a few contacts abroad), both ways."""
    edges = subs * 4
    frame = pl.select(
        edge=_rand(rows, seed, 1, 0, edges),
        flip=_rand(rows, seed, 2, 0, 2),
        day=_rand(rows, seed, 3, 0, DAYS),
        hour=_diurnal(_rand(rows, seed, 4, 0, 100)),
        second=_rand(rows, seed, 5, 0, HOUR),
        answered=_rand(rows, seed, 6, 0, 100) < 78,
        talk=_rand(rows, seed, 7, 15, 900),
        ring=_rand(rows, seed, 8, 8, 35),
        short=_rand(rows, seed, 9, 0, 100) < 3,
    )
    a = pl.col("edge") % subs
    b = (pl.col("edge") * 7919 + 104_729) % subs
    abroad_edge = pl.col("edge") % 97 == 0  # about 1% of pairs: a contact abroad
    contact = pl.lit(pl.Series(_ABROAD)).get((pl.col("edge") // 97) % len(_ABROAD)) + (
        pl.col("edge") % 100_000
    ).cast(pl.String).str.zfill(5)
    me = pl.lit("+") + (a + SUBSCRIBERS_PREFIX).cast(pl.String)
    other = (
        pl.when(abroad_edge)
        .then(contact)
        .otherwise(pl.lit("+") + (b + SUBSCRIBERS_PREFIX).cast(pl.String))
    )
    starts = (
        pl.lit(_local_day_start(0)) + pl.col("day") * DAY + pl.col("hour") * HOUR + pl.col("second")
    )
    ring = (
        pl.when(pl.col("answered"))
        .then(pl.col("ring") % 12 + 3)
        .when(pl.col("short"))
        .then(pl.col("ring") % 4 + 2)
        .otherwise(pl.col("ring"))
    )
    return frame.select(
        caller=pl.when(pl.col("flip") == 1).then(other).otherwise(me),
        callee=pl.when(pl.col("flip") == 1).then(me).otherwise(other),
        start=starts,
        ring=ring,
        billsec=pl.when(pl.col("answered")).then(pl.col("talk")).otherwise(0),
        label=pl.lit("background"),
    )


def _campaign(c: Campaign, subs: int, seed: int, salt: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The campaign's calls, and its victims' call-backs."""
    n = c.victims
    first = _local_day_start(c.day) + c.start_hour * HOUR
    span = int(c.hours * HOUR)
    if c.sequential:  # subscribers dialled in number order, from somewhere in the list
        victim = (pl.int_range(n) + (seed * 7919 + salt * 104_729) % subs) % subs
    else:
        victim = _rand(n, seed, salt, 0, subs)
    offset = pl.int_range(n) * span // n + _rand(n, seed, salt + 1, 0, 30)
    width = c.digits - (len(c.prefix) - 1)
    caller = _rand(n, seed, salt + 2, 0, c.numbers) + 1
    calls = pl.select(
        caller=pl.lit(c.prefix) + caller.cast(pl.String).str.zfill(width),
        callee=pl.lit("+") + (victim + SUBSCRIBERS_PREFIX).cast(pl.String),
        start=pl.lit(first) + offset,
        ring=_rand(n, seed, salt + 3, 1, 5),
        billsec=pl.lit(0, pl.Int64),
        label=pl.lit(f"wangiri:{c.prefix}"),
    )
    back = calls.filter(_rand(n, seed, salt + 4, 0, 10_000) < int(c.callback_rate * 10_000))
    m = back.height
    callbacks = back.select(
        caller=pl.col("callee"),
        callee=pl.col("caller"),
        start=pl.col("start") + _rand(m, seed, salt + 5, 60, 48 * HOUR),
        ring=_rand(m, seed, salt + 6, 2, 6),
        billsec=_rand(m, seed, salt + 7, 30, 300),
        label=pl.lit(f"callback:{c.prefix}"),
    )
    return calls, callbacks


def _fan_out(
    source: pl.Expr,
    n: int,
    subs: int,
    seed: int,
    salt: int,
    label: str,
    *,
    answered: bool,
    talk: tuple[int, int],
    ring: tuple[int, int],
    hours: tuple[int, int] = (8, 20),
) -> pl.DataFrame:
    """One source ringing n subscribers once each, over the week."""
    hour = _rand(n, seed, salt + 1, hours[0], hours[1])
    day = _rand(n, seed, salt + 2, 0, DAYS)
    pick = _rand(n, seed, salt + 3, 0, 100)
    took = (pick < 65) if answered else pl.lit(False)
    return pl.select(
        caller=source,
        callee=pl.lit("+") + (_rand(n, seed, salt, 0, subs) + SUBSCRIBERS_PREFIX).cast(pl.String),
        start=pl.lit(_local_day_start(0))
        + day * DAY
        + hour * HOUR
        + _rand(n, seed, salt + 4, 0, HOUR),
        ring=_rand(n, seed, salt + 5, ring[0], ring[1]),
        billsec=pl.when(took).then(_rand(n, seed, salt + 6, talk[0], talk[1])).otherwise(0),
        label=pl.lit(label),
    )


def generate(
    rows: int, seed: int = 1, subscribers: int | None = None
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """About ``rows`` calls, sorted by time, and the labels of what was planted. The
    subscriber count follows the rows unless given (benchmarks keep it fixed)."""
    subs = subscribers or subscribers_for(rows)
    parts, campaigns = _campaigns(subs, seed)
    found, negatives = _negatives(subs, seed)
    parts += found
    labels: dict[str, Any] = {
        "seed": seed,
        "subscribers": subs,
        "campaigns": campaigns,
        "negatives": negatives,
    }
    planted = sum(p.height for p in parts)
    parts.append(_background(max(0, rows - planted), subs, seed))
    calls = pl.concat(parts, how="vertical").sort("start", "caller", "callee", maintain_order=True)
    labels["rows"] = calls.height
    return calls, labels


def _campaigns(subs: int, seed: int) -> tuple[list[pl.DataFrame], list[dict[str, Any]]]:
    """The planted campaigns' calls and call-backs, and their labels."""
    parts: list[pl.DataFrame] = []
    labels = []
    for i, shape in enumerate(_CAMPAIGNS):
        prefix, digits, numbers, share, hours, hour, day, sequential, rate = shape
        victims = max(30, int(subs * share))
        campaign = Campaign(prefix, digits, numbers, victims, hours, hour, day, sequential, rate)
        calls, callbacks = _campaign(campaign, subs, seed, 100 + i * 10)
        parts += [calls, callbacks]
        labels.append(
            {
                "prefix": prefix,
                "numbers": sorted(set(calls["caller"].to_list())),
                "victims": calls["callee"].n_unique(),
                "calls": calls.height,
                "callbacks": callbacks.height,
                "first": int(calls["start"].min()),  # type: ignore[arg-type]
                "last": int(calls["start"].max()),  # type: ignore[arg-type]
                "shape": campaign.shape,
            }
        )
    return parts, labels


def _singles() -> list[tuple[str, float, int, str, str, bool, tuple[int, int], tuple[int, int]]]:
    """The single-number hard negatives: (number, share of subscribers rung, salt, label,
    label kind, answered, talk seconds, ring seconds)."""
    centres = [
        (number, share, 400 + i * 10, "call_centre",
         "call_centre" if domestic else "call_centre_abroad", True, (40, 600), (5, 25))
        for i, (number, share, domestic) in enumerate(_CALL_CENTRES)
    ]  # fmt: skip
    return [
        *centres,
        (_ROBO, 0.2, 500, "robo", "robo_dialler_uk", False, (0, 1), (1, 5)),
        (_IVR, 0.1, 600, "ivr", "ivr_verification", True, (5, 25), (1, 4)),
    ]


def _negatives(subs: int, seed: int) -> tuple[list[pl.DataFrame], list[dict[str, Any]]]:
    """The hard negatives' calls (flash-call ranges, call centres, a robo-dialler, an IVR
    line), and their labels."""
    parts: list[pl.DataFrame] = []
    labels: list[dict[str, Any]] = []
    for i, (prefix, share) in enumerate(_FLASH):
        n = max(30, int(subs * share))
        source = pl.lit(prefix) + _rand(n, seed, 300 + i, 0, 1000).cast(pl.String).str.zfill(3)
        flash = f"flash:{prefix}"
        parts.append(
            _fan_out(
                source, n, subs, seed, 310 + i * 10, flash,
                answered=False, talk=(0, 1), ring=(1, 3), hours=(0, 24),
            )
        )  # fmt: skip
        labels.append({"kind": "flash_call", "prefix": prefix, "calls": n})
    for number, share, salt, tag, kind, answered, talk, ring in _singles():
        n = max(30, int(subs * share))
        label = f"{tag}:{number}"
        parts.append(
            _fan_out(
                pl.lit(number), n, subs, seed, salt, label, answered=answered, talk=talk, ring=ring
            )
        )
        labels.append({"kind": kind, "number": number, "calls": n})
    return parts, labels


def _stamps(column: str) -> pl.Expr:
    return (
        pl.from_epoch(pl.col(column), time_unit="s")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(ZONE)
        .dt.strftime("%Y-%m-%d %H:%M:%S")
    )


def _table(calls: pl.DataFrame) -> pl.DataFrame:
    """The calls with what every format writes: times, durations, answer, uuids."""
    return (
        calls.with_row_index("n")
        .with_columns(
            duration=pl.col("ring") + pl.col("billsec"),
            answered=pl.col("billsec") > 0,
            answer=pl.col("start") + pl.col("ring"),
            end=pl.col("start") + pl.col("ring") + pl.col("billsec"),
        )
        .with_columns(
            start_text=_stamps("start"),
            answer_text=pl.when(pl.col("answered")).then(_stamps("answer")),
            end_text=_stamps("end"),
            uuid=pl.format("{}.{}", pl.col("start"), pl.col("n")),
        )
    )


def _asterisk(t: pl.DataFrame) -> pl.DataFrame:
    return t.select(
        accountcode=pl.lit(""),
        src=pl.col("caller"),
        dst=pl.col("callee"),
        dcontext=pl.lit("from-trunk"),
        clid=pl.format('"Unknown" <{}>', pl.col("caller")),
        channel=pl.format("SIP/trunk-{}", pl.col("n")),
        dstchannel=pl.format("SIP/{}-{}", pl.col("callee").str.slice(-4), pl.col("n")),
        lastapp=pl.lit("Dial"),
        lastdata=pl.format("SIP/{},30", pl.col("callee")),
        start=pl.col("start_text"),
        answer=pl.col("answer_text"),
        end=pl.col("end_text"),
        duration=pl.col("duration"),
        billsec=pl.col("billsec"),
        disposition=pl.when(pl.col("answered"))
        .then(pl.lit("ANSWERED"))
        .otherwise(pl.lit("NO ANSWER")),
        amaflags=pl.lit("DOCUMENTATION"),
        uniqueid=pl.col("uuid"),
        userfield=pl.lit(""),
    )


def _freeswitch(t: pl.DataFrame) -> pl.DataFrame:
    return t.select(
        caller_id_name=pl.lit("Unknown"),
        caller_id_number=pl.col("caller"),
        destination_number=pl.col("callee"),
        context=pl.lit("public"),
        start_stamp=pl.col("start_text"),
        answer_stamp=pl.col("answer_text").fill_null(""),
        end_stamp=pl.col("end_text"),
        duration=pl.col("duration").cast(pl.String),
        billsec=pl.col("billsec").cast(pl.String),
        hangup_cause=pl.when(pl.col("answered"))
        .then(pl.lit("NORMAL_CLEARING"))
        .otherwise(pl.lit("ORIGINATOR_CANCEL")),
        uuid=pl.col("uuid"),
        bleg_uuid=pl.lit(""),
        accountcode=pl.lit(""),
        read_codec=pl.lit("PCMA"),
        write_codec=pl.lit("PCMA"),
    )


def _plain(t: pl.DataFrame, start: pl.Expr) -> pl.DataFrame:
    return t.select(
        caller=pl.col("caller"),
        callee=pl.col("callee"),
        start=start,
        duration=pl.col("duration"),
        billsec=pl.col("billsec"),
        answered=pl.col("answered"),
    )


def write(calls: pl.DataFrame, out: Path, fmt: str) -> None:
    """Write the calls in ``fmt``: asterisk, freeswitch, csv or parquet."""
    t = _table(calls)
    if fmt == "asterisk":
        _asterisk(t).write_csv(out, include_header=False, quote_style="non_numeric")
    elif fmt == "freeswitch":
        _freeswitch(t).write_csv(out, include_header=False, quote_style="always")
    elif fmt == "csv":
        _plain(t, pl.col("start_text")).write_csv(out)
    elif fmt == "parquet":
        moment = pl.from_epoch(pl.col("start"), time_unit="s").dt.replace_time_zone("UTC")
        _plain(t, moment).write_parquet(out)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def demo(
    rows: int, out: Path, fmt: str = "asterisk", seed: int = 1, subscribers: int | None = None
) -> dict[str, Any]:
    """Write ``out`` and ``out.labels.json``; return the labels."""
    calls, labels = generate(rows, seed, subscribers)
    write(calls, out, fmt)
    labels.update({"format": fmt, "zone": ZONE, "file": out.name})
    Path(f"{out}.labels.json").write_text(json.dumps(labels, indent=2) + "\n", encoding="utf-8")
    return labels
