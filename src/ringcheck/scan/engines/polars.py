"""The scan on one machine: Polars, streaming, in two passes over the records.

1. One streaming pass groups the records by file and by (caller, callee) as written:
   how many calls, short rings, answers, first and last. Memory grows with the distinct
   pairs (the callers and whom they ring) and callees, not with the records. Each file's
   counts come from it; each distinct spelling of a number is then put in E.164 once
   (``numbering``), and the pairs counted again in E.164. Candidates (``features``) are
   picked from those pairs. When the text files are too big to stay in the page cache
   (``SPILL_FROM_BYTES``), the same read writes the usable records, typed and compact,
   to a temporary file (and the unreadable ones, with why, to another), so the file is
   read once; a smaller file (or any Parquet file) is cheaper to read again.
2. A second streaming pass over those records (or the file) keeps only the
   records from or to a candidate's numbers, found by their spellings, and the
   candidates' ``Aggregate`` are counted from those.

The time measures of a candidate (its calls per minute and per 5 minutes, people rung
per hour, ring times, call-backs, evidence) need its records: aggregates of every
caller by minute or hour would grow with the records, so they are counted for the
candidates only, from the records kept. Memory holds the groups and those records.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final, NamedTuple

import polars as pl

from ringcheck.scan.features import (
    BUCKET,
    CALLBACK,
    EVIDENCE,
    EVIDENCE_ROWS,
    MEASURES,
    RANGE_DIGITS,
    Aggregate,
    Measure,
    Thresholds,
    assemble,
    rules,
)
from ringcheck.scan.model import InputFile, ScanError, Scanned, ScanOptions, Unreadable
from ringcheck.scan.numbering import spelled
from ringcheck.scan.readers import local_zone, open_all
from ringcheck.tabular import is_gzip

ENGINE = "polars"


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
    full: ``detect.worth_a_look``): everything but the scoring. A gzip file is read
    once, as a stream; only if one turns out cut short is each checked to its end and
    the scan run again (``intake``: a cut file is read up to the cut)."""
    calls, inputs = open_all(paths, options, check_gzip=False)
    spill = _worth_spilling(inputs)
    try:
        return count(calls, inputs, options, limits, keep, spill=spill)
    except (OSError, pl.exceptions.ComputeError) as exc:
        if "No space left" in str(exc):
            raise ScanError("no_space", _NO_SPACE.format(tempfile.gettempdir())) from None
        if not any(is_gzip(item.path) for item in inputs):
            raise
    calls, inputs = open_all(paths, options)
    return count(calls, inputs, options, limits, keep, spill=spill)


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):  # not a POSIX system
        return 8 << 30


# Reading a text file twice costs little while it fits in the page cache (the second
# read comes from memory): measured on 10M records (2.66 GB, 24 GB of memory, quiet),
# two reads took 8.5-9.0 s against 11.6-12.9 s for one read plus writing the records
# out, and the same for its gzip. Beyond a quarter of the memory the file is read once
# and its records kept on disk (50M records, 13.45 GB: 56.5 s against 88.0 s).
SPILL_FROM_BYTES = _memory_bytes() // 4


def _worth_spilling(inputs: list[InputFile]) -> bool:
    """Whether to read the text files once and keep their records on disk for the
    second pass (``SPILL_FROM_BYTES``); a Parquet file is always cheap to read again."""
    text = [item for item in inputs if not item.skipped and item.format != "parquet"]
    return bool(text) and sum(item.size for item in text) >= SPILL_FROM_BYTES


_NO_SPACE = (
    "The temporary folder {} is full: the scan keeps the records there while it counts "
    "(about 30 bytes a record). Free space there, or set TMPDIR to a folder on a bigger disk."
)


def count(
    calls: pl.LazyFrame,
    inputs: list[InputFile],
    options: ScanOptions,
    limits: Thresholds,
    keep: Callable[[pl.DataFrame], pl.DataFrame],
    *,
    spill: bool = False,
) -> Scanned:
    """``run`` on calls already read (``model.CALLS``' columns, from ``inputs``): the
    live detector counts its window with this, so it finds what the batch scan finds.
    ``spill``: the file is read once, its usable records kept in a temporary file for
    the second pass (worth it when reading is dear: text, gzip)."""
    calls = _in_period(calls, options)
    with tempfile.TemporaryDirectory(prefix="ringcheck-scan-") as folder:
        first = _first_pass(calls, limits, Path(folder) if spill else None)
        files = first.grouped.group_by("file").agg(
            records=pl.col("n").sum(),
            unreadable=pl.col("n").filter(~pl.col("ok")).sum(),
            first=pl.col("first").filter(pl.col("ok")).min(),
            last=pl.col("last").filter(pl.col("ok")).max(),
        )
        unreadable: list[Unreadable] = []
        if files.height and files["unreadable"].sum():
            bad = first.bad.head(options.max_unreadable).collect(engine="streaming")
            unreadable = [Unreadable(*row) for row in bad.sort("file", "line").iter_rows()]
        pairs, aggregates = _second_pass(first, options, limits, keep)
    callers = pairs.filter(pl.col("caller").str.starts_with("+"))["caller"].n_unique()
    return Scanned(
        _counted(inputs, files),
        unreadable,
        records=int(files["records"].sum()) if files.height else 0,
        callers=callers,
        first=_int(files["first"].min()) if files.height else None,
        last=_int(files["last"].max()) if files.height else None,
        aggregates=aggregates,
        engine=ENGINE,
        version=pl.__version__,
    )


class _First(NamedTuple):
    """What the first pass gives: the grouped counts, and where to find the usable
    records (``model.CALLS``) and the unreadable ones (file, line, why) again."""

    grouped: pl.DataFrame
    usable: pl.LazyFrame
    bad: pl.LazyFrame
    callers: pl.Series  # every caller as written, in any usable record


def _first_pass(calls: pl.LazyFrame, limits: Thresholds, folder: Path | None) -> _First:
    """One pass: every record counted by file, and the one-ring calls (short, unanswered)
    grouped by their numbers as written, so that reading a number (e164) runs once per
    spelling, not once per record. Only callers that rang many people this way can be
    campaigns; their other calls are counted in the second pass. With a ``folder``, the
    same read also writes the records there (usable ones, and unreadable ones apart),
    compactly, for the second pass and the list to read instead of the file."""
    short = pl.col("ok") & (~pl.col("answered")) & (pl.col("ring") <= limits.short_ring)
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
    )
    usable = calls.filter(pl.col("ok"))
    bad = calls.filter(~pl.col("ok")).select("file", "line", "why")
    # every caller as written (memory: the distinct callers), so that a range's member
    # whose calls were all answered or long is still found by its spelling
    callers = usable.select(pl.col("caller_text").unique())
    if folder is None:
        grouped_now, callers_now = pl.collect_all([grouped, callers], engine="streaming")
        return _First(grouped_now, usable, bad, callers_now["caller_text"])
    kept, listed = folder / "usable.arrow", folder / "unreadable.arrow"
    spilled = usable.select(pl.col("file").cast(pl.Categorical), *_SPILLED)
    done = pl.collect_all(
        [
            grouped,
            callers,
            spilled.sink_ipc(kept, compression=SPILL_COMPRESSION, lazy=True),
            bad.sink_ipc(listed, lazy=True),
        ],
        engine="streaming",
    )
    usable = pl.scan_ipc(kept).with_columns(pl.col("file").cast(pl.String), ok=pl.lit(True))
    return _First(done[0], usable, pl.scan_ipc(listed), done[1]["caller_text"])


# The records kept compress to about 30 bytes each (10M records in 300 MB).
SPILL_COMPRESSION: Final = "lz4"
# What the second pass reads of a usable record besides its file (numbers as written:
# only the few records it keeps have theirs put in E.164).
_NUMBERS = ("caller_text", "callee_text")
_SPILLED = ("line", *_NUMBERS, "start", "ring", "billsec", "answered")


def _second_pass(
    first: _First,
    options: ScanOptions,
    limits: Thresholds,
    keep: Callable[[pl.DataFrame], pl.DataFrame],
) -> tuple[pl.DataFrame, list[Aggregate]]:
    """The one-ring pairs in E.164, and the ``Aggregate`` of each candidate picked from
    them (``keep``), counted from the candidates' records."""
    grouped = first.grouped
    one_ring = grouped.filter(pl.col("short"))
    spellings = _spellings(grouped.filter(pl.col("ok")), first.callers, options.home)
    pairs = _pairs(one_ring, spellings)
    candidates = keep(pick(pairs, limits))
    if not candidates.height:
        return pairs, []
    texts = _texts_of(spellings, candidates)
    rows = _members_of(first.usable, texts, spellings, options.home)
    return pairs, _aggregates(rows, candidates, limits, options)


def _members_of(
    calls: pl.LazyFrame, texts: list[str], spellings: pl.DataFrame, home: str
) -> pl.DataFrame:
    """The usable records from or to one of ``texts`` (spellings): the spellings are
    tested first, so only those records are read further. Their numbers are put in
    E.164 by ``spellings`` (``text``, ``number``), the few it lacks by the same rule."""
    found = (
        calls.filter(pl.col("caller_text").is_in(texts) | pl.col("callee_text").is_in(texts))
        .filter(pl.col("ok"))
        .select("file", "line", *_NUMBERS, "start", "ring", "billsec", "answered")
        .collect(engine="streaming")
    )
    seen = pl.concat([found[name] for name in _NUMBERS]).unique().drop_nulls()
    missing = seen.filter(~seen.is_in(spellings["text"].implode()))
    if missing.len():
        spellings = pl.concat([spellings, spelled(missing, home)])
    for name in _NUMBERS:
        number = spellings.rename({"text": name, "number": name.removesuffix("_text")})
        found = found.join(number, on=name, how="left", nulls_equal=True, maintain_order="left")
    return found.select("file", "line", "caller", "callee", "start", "ring", "billsec", "answered")


def _spellings(valid: pl.DataFrame, callers: pl.Series, home: str) -> pl.DataFrame:
    """Each number as written in the usable records (every caller, every callee), with
    its E.164 form (``number``): the rule runs once per spelling."""
    texts = pl.concat([callers, valid.get_column("callee_text")])
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
    """Candidate entities (``features.rules``) from the one-ring (caller, callee) pairs:
    ``kind``, ``key``, ``drop``, and how many people (``callees``) they rang with one-ring
    calls (``calls``)."""
    e164 = pairs.filter(pl.col("caller").str.starts_with("+"))
    found = [
        e164.group_by(key=_key("caller", rule.drop))
        .agg(
            callees=pl.col("callee").n_unique(),
            numbers=pl.col("caller").n_unique(),
            calls=pl.col("n").sum(),
        )
        .filter((pl.col("callees") >= rule.callees) & (pl.col("numbers") >= rule.numbers))
        .select(
            kind=pl.lit(rule.kind),
            key="key",
            drop=pl.lit(rule.drop, pl.Int32),
            callees="callees",
            calls="calls",
        )
        for rule in rules(limits)
    ]
    frame = pl.concat(found).sort("drop", "key")
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
    calls gathered once, then ``features.MEASURES`` counted side by side. A candidate is
    known by a number (``id``, in (kind, key) order) while it is counted: grouping by one
    integer is quicker than by two strings."""
    zone = options.tz or local_zone()
    candidates = candidates.sort("kind", "key").with_row_index("id")
    local_hour = (
        pl.from_epoch("start", time_unit="s")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(zone)
        .dt.hour()
    )
    calls = (
        _members(rows.lazy(), candidates, "caller")
        .with_columns(
            bucket=pl.col("start") // BUCKET * BUCKET,
            minute=pl.col("start") // 60,
            hour=pl.col("start") // 3600,
            night=(local_hour >= limits.night_start) | (local_hour < limits.night_end),
        )
        .collect()
        .lazy()
    )

    def counted(measure: Measure) -> pl.LazyFrame:
        frame = calls.filter(~pl.col("answered")) if measure.unanswered else calls
        spans = {"first": pl.col("start").min(), "last": pl.col("start").max()}
        grouped = frame.group_by("id", *measure.by).agg(n=pl.len(), **spans)
        if measure.then:
            grouped = grouped.group_by("id", *measure.then).agg(
                n=pl.len(), first=pl.col("first").min(), last=pl.col("last").max()
            )
        return grouped

    measures = [counted(m) for m in MEASURES]
    callees = measures[[m.name for m in MEASURES].index("callees")]
    backs = (
        _members(rows.lazy(), candidates, "callee")
        .join(callees.select("id", caller="callee", rung="first"), on=["id", "caller"], how="inner")
        .filter(pl.col("start") > pl.col("rung"))
        .select("id", *CALLBACK)
    )
    evidence = (
        calls.select("id", *EVIDENCE)
        .sort("id", "start", "file", "line")
        .group_by("id", maintain_order=True)
        .head(EVIDENCE_ROWS)
    )
    parts = pl.collect_all([*measures, backs, evidence])
    tables = {m.name: part for m, part in zip(MEASURES, parts, strict=False)}
    return assemble(candidates, tables, parts[-2], parts[-1], limits)
