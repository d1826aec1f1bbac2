"""The scan on one machine: Polars, streaming, in two passes over the call records.

1. One streaming pass groups the records by file and by (caller, callee) as written:
   how many calls, short rings, answers, first and last. Memory grows with the distinct
   pairs (the callers and whom they ring) and callees, not with the records. Each file's
   counts come from it; each distinct spelling of a number is then put in E.164 once
   (``numbering``), and the pairs
   counted again in E.164. Candidates (``features``) are picked from those pairs. (Only
   when some records can't be used does a filtering pass list them.)
2. A second streaming pass keeps only the records from or to a candidate's numbers, found
   by their spellings, and the candidates' ``Aggregate`` are counted from those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl

from ringcheck.scan.features import (
    BUCKET,
    EVIDENCE,
    RANGE_DIGITS,
    TUPLES,
    Aggregate,
    Thresholds,
    needed,
)
from ringcheck.scan.model import InputFile, ScanOptions, Unreadable
from ringcheck.scan.numbering import spelled
from ringcheck.scan.readers import local_zone, open_all

ENGINE = "polars"
EVIDENCE_ROWS = 10


class Scanned:
    """What an engine hands to scoring: inputs, unreadable records, candidates."""

    def __init__(
        self,
        inputs: list[InputFile],
        unreadable: list[Unreadable],
        records: int,
        callers: int,
        first: int | None,
        last: int | None,
        aggregates: list[Aggregate],
        engine: str,
        version: str,
    ) -> None:
        self.inputs = inputs
        self.unreadable = unreadable
        self.records = records
        self.callers = callers
        self.first = first
        self.last = last
        self.aggregates = aggregates
        self.engine = engine
        self.version = version


def _key(column: str, drop: int) -> pl.Expr:
    """The number in ``column`` without its last ``drop`` digits (0: the number)."""
    if drop == 0:
        return pl.col(column)
    return pl.col(column).str.slice(0, pl.col(column).str.len_chars() - drop)


def _in_period(calls: pl.LazyFrame, options: ScanOptions) -> pl.LazyFrame:
    if options.since is not None:
        calls = calls.filter(pl.col("start") >= int(options.since.timestamp()))
    if options.until is not None:
        calls = calls.filter(pl.col("start") < int(options.until.timestamp()))
    return calls


def run(
    paths: Iterable[str],
    options: ScanOptions,
    limits: Thresholds,
    keep: Callable[[pl.DataFrame], pl.DataFrame],
) -> Scanned:
    """Read, count and pick candidates (``keep`` says which are worth counting in
    full: ``detect.worth_a_look``): everything but the scoring."""
    calls, inputs = open_all(paths, options)
    calls = _in_period(calls, options)
    usable = pl.col("ok")
    short = usable & (~pl.col("answered")) & (pl.col("ring") <= limits.short_ring)
    # One pass: every record counted by file, and the one-ring calls (short, unanswered)
    # grouped by their numbers as written, so that reading a number (e164) runs once per
    # spelling, not once per record. Only callers that rang many people this way can be
    # campaigns; their other calls are counted in the second pass.
    grouped = (
        calls.with_columns(short=short)
        .group_by(
            "file",
            "ok",
            pl.when("short").then(pl.col("caller_text")).alias("caller_text"),
            # every callee as written, not only the one-ring ones: a call back to a
            # candidate is found by how its callee is spelled ('00225…' for '+225…')
            "callee_text",
            "short",
        )
        .agg(n=pl.len(), first=pl.col("start").min(), last=pl.col("start").max())
        .collect(engine="streaming")
    )
    files = grouped.group_by("file").agg(
        records=pl.col("n").sum(),
        unreadable=pl.col("n").filter(~pl.col("ok")).sum(),
        first=pl.col("first").filter(pl.col("ok")).min(),
        last=pl.col("last").filter(pl.col("ok")).max(),
    )
    inputs = _counted(inputs, files)
    unreadable: list[Unreadable] = []
    if files.height and files["unreadable"].sum():
        bad = (
            calls.filter(~usable)
            .select("file", "line", "why")
            .head(options.max_unreadable)
            .collect(engine="streaming")
        )
        unreadable = [Unreadable(*row) for row in bad.sort("file", "line").iter_rows()]
    one_ring = grouped.filter(pl.col("short"))
    spellings = _spellings(grouped.filter(pl.col("ok")), options.home)
    pairs = _pairs(one_ring, spellings)
    candidates = keep(pick(pairs, limits))
    aggregates: list[Aggregate] = []
    if candidates.height:
        texts = _texts_of(spellings, candidates)
        rows = (
            # the spellings first: only those records need their times and numbers read
            calls.filter(pl.col("caller_text").is_in(texts) | pl.col("callee_text").is_in(texts))
            .filter(usable)
            .select("file", "line", "caller", "callee", "start", "ring", "billsec", "answered")
            .collect(engine="streaming")
        )
        aggregates = _aggregates(rows, candidates, limits, options)
    callers = pairs.filter(pl.col("caller").str.starts_with("+"))["caller"].n_unique()
    return Scanned(
        inputs,
        unreadable,
        records=int(files["records"].sum()) if files.height else 0,
        callers=callers,
        first=_int(files["first"].min()) if files.height else None,
        last=_int(files["last"].max()) if files.height else None,
        aggregates=aggregates,
        engine=ENGINE,
        version=pl.__version__,
    )


def _spellings(valid: pl.DataFrame, home: str) -> pl.DataFrame:
    """Each number as written in the usable records (the one-ring callers, every
    callee), with its E.164 form (``number``): the rule runs once per spelling."""
    texts = pl.concat([valid.get_column("caller_text"), valid.get_column("callee_text")])
    return spelled(texts, home)


def _pairs(valid: pl.DataFrame, spellings: pl.DataFrame) -> pl.DataFrame:
    """(caller, callee) pairs in E.164, with their one-ring calls (``n``)."""
    named = spellings.rename({"text": "caller_text", "number": "caller"})
    called = spellings.rename({"text": "callee_text", "number": "callee"})
    return (
        valid.join(named, on="caller_text", how="left", nulls_equal=True)
        .join(called, on="callee_text", how="left", nulls_equal=True)
        .filter(pl.col("caller").is_not_null())
        .group_by("caller", "callee")
        .agg(pl.col("n").sum())
    )


def _texts_of(spellings: pl.DataFrame, candidates: pl.DataFrame) -> list[str]:
    """The spellings of every number in a candidate (its number, or within its range)."""
    tests = [
        _key("number", drop).is_in(candidates.filter(pl.col("drop") == drop)["key"].to_list())
        for drop in (0, *RANGE_DIGITS)
    ]
    found = spellings.filter(pl.col("number").is_not_null() & pl.any_horizontal(tests))
    return found["text"].drop_nulls().to_list()


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _counted(inputs: list[InputFile], files: pl.DataFrame) -> list[InputFile]:
    counts = {row[0]: row for row in files.iter_rows()}
    for item in inputs:
        found = counts.get(item.path)
        if found is not None:
            item.records, item.unreadable = int(found[1]), int(found[2])
    return inputs


def pick(pairs: pl.DataFrame, limits: Thresholds) -> pl.DataFrame:
    """Candidate entities from the one-ring (caller, callee) pairs: ``kind``, ``key``,
    ``drop``, and how many people (``callees``) they rang with one-ring calls (``calls``)."""
    e164 = pairs.filter(pl.col("caller").str.starts_with("+"))
    numbers = (
        e164.group_by("caller")
        .agg(callees=pl.len(), calls=pl.col("n").sum())
        .filter(pl.col("callees") >= limits.min_callees)
        .select(
            kind=pl.lit("number"),
            key=pl.col("caller"),
            drop=pl.lit(0, pl.Int32),
            callees="callees",
            calls="calls",
        )
    )
    ranges = [
        e164.with_columns(key=_key("caller", drop))
        .group_by("key")
        .agg(
            callees=pl.col("callee").n_unique(),
            numbers=pl.col("caller").n_unique(),
            calls=pl.col("n").sum(),
        )
        .filter((pl.col("callees") >= limits.min_range_callees) & (pl.col("numbers") >= 2))
        .select(
            kind=pl.lit("range"),
            key=pl.col("key"),
            drop=pl.lit(drop, pl.Int32),
            callees="callees",
            calls="calls",
        )
        for drop in RANGE_DIGITS
    ]
    frame = pl.concat([numbers, *ranges]).sort("drop", "key")
    return frame.cast({"callees": pl.Int64, "calls": pl.Int64})


def _members(rows: pl.LazyFrame, candidates: pl.DataFrame, side: str) -> pl.LazyFrame:
    """Each record once for every candidate whose number or range is its ``side``,
    with the candidate's ``id`` (see ``_aggregates``)."""
    parts = []
    for drop in (0, *RANGE_DIGITS):
        keys = candidates.filter(pl.col("drop") == drop).select("key", "id")
        if keys.height:
            parts.append(
                rows.with_columns(key=_key(side, drop))
                .join(keys.lazy(), on="key", how="inner")
                .drop("key")
            )
    return pl.concat(parts) if parts else rows.head(0).with_columns(id=pl.lit(0, pl.UInt32))


def _aggregates(
    rows: pl.DataFrame, candidates: pl.DataFrame, limits: Thresholds, options: ScanOptions
) -> list[Aggregate]:
    """Every candidate's ``Aggregate``, from its records (``rows``): each candidate's
    calls gathered once, then every measure of them counted side by side. A candidate
    is known by a number (``id``, in (kind, key) order) while it is counted: grouping by
    one integer is quicker than by two strings."""
    zone = options.tz or local_zone()
    candidates = candidates.sort("kind", "key").with_row_index("id")
    ranges = candidates.filter(pl.col("kind") == "range")["id"].to_list()
    is_range = pl.col("id").is_in(ranges)
    entity = ["id"]
    out = _members(rows.lazy(), candidates, "caller").collect()
    calls = out.lazy()
    unanswered = calls.filter(~pl.col("answered"))
    local_hour = (
        pl.from_epoch("start", time_unit="s")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(zone)
        .dt.hour()
    )
    night = (local_hour >= limits.night_start) | (local_hour < limits.night_end)
    totals = calls.group_by(entity).agg(
        calls=pl.len(),
        callees=pl.col("callee").n_unique(),
        answered=pl.col("answered").sum(),
        first=pl.col("start").min(),
        last=pl.col("start").max(),
        night=night.sum(),
    )
    per_callee = (
        calls.group_by([*entity, "callee"])
        .agg(n=pl.len(), first=pl.col("start").min())
        .sort([*entity, "first", "callee"])
        .collect()
    )
    digits = pl.col("callee").str.slice(1).cast(pl.Int64, strict=False)
    gap = (digits - digits.shift(1).over(entity)).abs()
    length = pl.col("callee").str.len_chars()
    same_length = length == length.shift(1).over(entity)
    need = pl.when(is_range).then(needed("range", limits)).otherwise(needed("number", limits))
    contacts = (
        per_callee.lazy()
        .with_columns(
            step=((gap >= 1) & (gap <= 10) & same_length).fill_null(False),
            rank=pl.int_range(pl.len()).over(entity) + 1,
            need=need,
        )
        .group_by(entity)
        .agg(
            repeat_callees=(pl.col("n") > 1).sum(),
            sequential_pairs=pl.col("step").sum(),
            detected_at=pl.col("first").filter(pl.col("rank") == pl.col("need")).first(),
        )
    )

    def listed(frame: pl.LazyFrame, by: str, name: str, n: pl.Expr | None = None) -> pl.LazyFrame:
        """(``by``, n) pairs per entity, in ``by`` order, as the list column ``name``."""
        return (
            frame.group_by([*entity, by])
            .agg(n=pl.len() if n is None else n)
            .sort([*entity, by])
            .group_by(entity, maintain_order=True)
            .agg(pl.struct(by, "n").alias(name))
        )

    bucketed = pl.col("start") // BUCKET * BUCKET
    rings = listed(unanswered, "ring", "ring_counts")
    buckets = listed(unanswered.with_columns(bucket=bucketed), "bucket", "buckets")
    numbers = listed(calls, "caller", "numbers")
    hours = listed(
        calls.with_columns(hour=pl.col("start") // 3600), "hour", "hour_callees",
        pl.col("callee").n_unique(),
    )  # fmt: skip
    peaks = (
        unanswered.group_by([*entity, pl.col("start") // 60])
        .agg(n=pl.len())
        .group_by(entity)
        .agg(peak_per_minute=pl.col("n").max())
    )
    evidence = calls.group_by(entity).agg(
        evidence=pl.struct(*EVIDENCE).sort_by("start", "file", "line").head(EVIDENCE_ROWS)
    )
    rotation = (  # which of a range's numbers rang when (a number is always itself)
        calls.filter(is_range)
        .select(*entity, bucket=bucketed, caller="caller")
        .unique()
        .sort([*entity, "bucket", "caller"])
        .group_by(entity, maintain_order=True)
        .agg(rotation=pl.struct("bucket", "caller"))
    )
    backs = (
        _members(rows.lazy(), candidates, "callee")
        .join(
            per_callee.lazy().select(*entity, caller="callee", rung="first"),
            on=[*entity, "caller"],
            how="inner",
        )
        .filter(pl.col("start") > pl.col("rung"))
        .sort([*entity, "caller", "start", "billsec"])
        .group_by(entity, maintain_order=True)
        .agg(callbacks=pl.struct("caller", "start", "billsec", "rung"))
    )
    parts = pl.collect_all(
        [totals, contacts, peaks, rings, buckets, numbers, hours, evidence, rotation, backs]
    )
    table = candidates.select("id", "kind", "key").join(parts[0], on="id", how="inner")
    for part in parts[1:]:
        table = table.join(part, on="id", how="left")
    return _built(table.sort("id"))


def _built(table: pl.DataFrame) -> list[Aggregate]:
    """``Aggregate.from_row`` for every row of ``table``, read column by column: each list
    of tuples comes to Python as plain lists of its fields (no dict made per item)."""
    columns = {n: table.get_column(n).to_list() for n in table.columns if n not in TUPLES}
    for name, fields in TUPLES.items():
        parts = table.select(
            pl.col(name).list.eval(pl.element().struct.field(f)).alias(f) for f in fields
        )
        columns[name] = [
            list(zip(*items, strict=True)) if items[0] is not None else None
            for items in zip(*(parts.get_column(f).to_list() for f in fields), strict=True)
        ]
    names = list(columns)
    return [
        Aggregate.from_parts(dict(zip(names, values, strict=True)))
        for values in zip(*columns.values(), strict=True)
    ]
