"""Reading call records for the Spark engine: each file once, as typed columns.

Text files are read as lines and parsed with ``from_csv`` against an explicit all-text
schema, so every line, even an empty one, keeps its place (``escape='"'``: Asterisk
doubles the quotes inside a field); Parquet as typed. Each record carries its file, the
start of its file split and an id that rises by one a record within a split: enough to
number every record as it stands in its file without a second read. Integers are read
with ``try_cast`` (Spark 4 runs in ANSI mode, where a plain cast of '12x' fails the
job); start times as the wall clock they show, turned into UTC only where needed.
The broadcast prefix-table lookup (``longest_keys``) lives here too.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

import polars as pl

from ringcheck import tabular
from ringcheck.bulk import KEYS, prefix_table
from ringcheck.scan.features import Thresholds
from ringcheck.scan.formats import (
    ANSWERED_WORDS,
    ASTERISK_TIME,
    MORE,
    Layout,
    find_columns,
    first_lines,
    layout,
    time_formats,
)
from ringcheck.scan.intake import HAS_NUL, TOO_MANY_FIELDS, Survey, whole_records
from ringcheck.scan.model import WHY, InputFile, ScanError, ScanOptions
from ringcheck.scan.readers import local_zone

# Asterisk doubles the quotes inside a field; a quoted empty field ("") is text, not null,
# as Polars reads it (so a record with more fields than its format is seen alike).
_CSV_OPTIONS = {"escape": '"', "mode": "PERMISSIVE", "nullValue": "\u0001no value\u0001"}

# strptime directives and the Java DateTimeFormatter letters Spark parses them with.
_JAVA = {
    "%Y": "yyyy",
    "%m": "MM",
    "%d": "dd",
    "%H": "HH",
    "%M": "mm",
    "%S": "ss",
    "%y": "yy",
    "%.f": ".SSSSSS",
    "T": "'T'",
    "Z": "'Z'",
}


def java_format(form: str) -> str:
    """A strptime format as a Spark (Java) datetime pattern: '%Y-%m-%d %H:%M:%S' ->
    'yyyy-MM-dd HH:mm:ss'. Directives Spark can't read raise ``ScanError``."""
    out, i = "", 0
    while i < len(form):
        for piece in ("%.f", *(k for k in _JAVA if k != "%.f")):
            if form.startswith(piece, i):
                out += _JAVA[piece]
                i += len(piece)
                break
        else:
            ch = form[i]
            if ch == "%":
                raise ScanError("bad_option", f"The time format {form!r} can't be read by Spark.")
            out += f"'{ch}'" if ch.isalpha() else ch
            i += 1
    return out


class Group:
    """Files read alike (one format, one column list), in one read."""

    def __init__(self, fmt: str, names: tuple[str, ...], sep: str, header: str | None) -> None:
        self.fmt, self.names, self.sep, self.header = fmt, names, sep, header
        self.paths: list[Path] = []


def groups(
    seen: list[tuple[Survey, InputFile]], options: ScanOptions
) -> tuple[list[Group], list[InputFile], list[Path]]:
    """The files ``intake.surveyed`` says to read, in groups read alike; every file's
    ``InputFile``; and what is read of each (``intake.whole_records``), in that order."""
    groups: dict[tuple[Any, ...], Group] = {}
    sources = []
    for survey, item in seen:
        path = whole_records(survey) if not item.skipped else survey.path
        sources.append(path)
        if item.skipped:
            continue
        fmt = item.format
        spec: tuple[str, tuple[str, ...], str, str | None]
        if fmt in ("asterisk", "freeswitch"):
            spec = (fmt, (*layout(fmt, options).names, MORE), ",", None)
        elif fmt == "parquet":
            spec = (fmt, tuple(pl.scan_parquet(path).collect_schema().names()), "", None)
        else:
            header = tabular.header_of(first_lines(path))
            assert header is not None  # intake found it
            spec = (fmt, tuple(header.names), header.separator, header.text)
        groups.setdefault(spec, Group(*spec)).paths.append(path)
    return list(groups.values()), [item for _, item in seen], sources


def _fields(group: Group, options: ScanOptions) -> tuple[dict[str, str | None], Layout | None]:
    """Which column holds each field, and a switch's ``Layout`` (None: found by name)."""
    if group.fmt in ("asterisk", "freeswitch"):
        form = layout(group.fmt, options)
        found: dict[str, str | None] = {
            "caller": form.caller,
            "callee": form.callee,
            "start": form.start,
            "duration": "duration",
            "billsec": "billsec",
            "ring": None,
        }
        return found, form
    return find_columns(list(group.names), options.columns), None


def read(spark: Any, group: Group, ids: dict[str, int]) -> Any:
    """The group's records as columns, with ``_file`` (its id), ``_block`` (the start of
    the file split) and ``_pos`` (an id rising by one a record within a split): enough
    to number every record as it stands in its file, without a second read."""
    from pyspark.sql import functions as F

    paths = [str(p) for p in group.paths]
    frame = spark.read.parquet(*paths) if group.fmt == "parquet" else spark.read.text(paths)
    names = {}
    for uri in frame.inputFiles():
        local = unquote(urlparse(uri).path)
        names[uri] = next(ids[str(p)] for p in group.paths if os.path.abspath(p) == local)
    table = F.create_map(*[x for uri, i in names.items() for x in (F.lit(uri), F.lit(i))])
    frame = frame.select(
        "*",
        table[F.input_file_name()].alias("_file"),
        F.input_file_block_start().alias("_block"),
        F.monotonically_increasing_id().alias("_pos"),
    )
    if group.fmt == "parquet":
        return frame.withColumn("_skip", F.lit(False))
    schema = ", ".join(f"`{n.replace('`', '')}` string" for n in group.names)
    csv = {**_CSV_OPTIONS, "sep": group.sep}
    skip = F.lit(False)
    if group.header is not None:  # the header, and Excel's sep= line before it
        skip = (F.col("value") == group.header) | F.lower(F.col("value")).startswith("sep=")
    return frame.select(
        "_file", "_block", "_pos", skip.alias("_skip"), F.from_csv("value", schema, csv).alias("r")
    ).select("_file", "_block", "_pos", "_skip", *[F.col(f"r.`{n}`") for n in group.names])


def _column(name: str | None) -> Any:
    from pyspark.sql import functions as F

    return F.col(f"`{name}`") if name else None


def _text(name: str | None) -> Any:
    """The column ``name`` as text (a missing one: null)."""
    from pyspark.sql import functions as F

    return _column(name).cast("string") if name else F.lit(None).cast("string")


def _integer(name: str | None, types: dict[str, str]) -> Any:
    """The column ``name`` as a whole number (null when it isn't one)."""
    from pyspark.sql import functions as F

    if not name:
        return None
    if types[name] in ("bigint", "int", "smallint", "tinyint"):
        return _column(name).cast("bigint")
    return F.expr(f"try_cast(trim(cast(`{name}` as string)) as bigint)")


def _start(name: str, types: dict[str, str], form: Layout | None, options: ScanOptions) -> Any:
    """The start as seconds since 1970, and whether of the wall clock (else of UTC)."""
    from pyspark.sql import functions as F

    kind = types.get(name, "string")
    if kind.startswith("timestamp") and kind != "timestamp_ntz":
        return F.unix_timestamp(_column(name)), False
    if kind == "timestamp_ntz":
        return F.unix_timestamp(_column(name).cast("timestamp")), True
    if kind in ("bigint", "int"):
        return _column(name).cast("bigint"), False
    given = options.time_format or (ASTERISK_TIME if form is not None else None)
    trimmed = F.trim(_text(name))
    formats = (given,) if given else time_formats(options.home)
    parsed = F.coalesce(*[F.try_to_timestamp(trimmed, F.lit(java_format(f))) for f in formats])
    return F.unix_timestamp(parsed), True


def calls(frame: Any, group: Group, options: ScanOptions, limits: Thresholds) -> Any:
    """The records in ``model.CALLS``' terms: numbers as written, ``t`` (the start, as
    seconds since 1970 of its wall clock when ``local``, else of UTC), ``ok``, ``why``."""
    from pyspark.sql import functions as F

    cols, form = _fields(group, options)
    types = dict(frame.dtypes)
    start_name = cols["start"] or ""
    start, local = _start(start_name, types, form, options)
    billsec = _integer(cols.get("billsec"), types)
    billsec = billsec if billsec is not None else F.lit(0).cast("bigint")
    answered = _answered(form, cols, billsec)
    if cols.get("ring"):
        ring = _integer(cols["ring"], types)
    elif cols.get("duration"):
        ring = _integer(cols["duration"], types) - billsec
    else:
        ring = F.lit(None).cast("bigint")
    exists = _exists(F.col("t"), options.tz or local_zone()) if local else F.lit(True)
    nul = F.lit(False)
    for field in ("caller", "callee", "start"):
        if cols.get(field) and types.get(cols[field] or "") == "string":
            nul = nul | F.coalesce(F.instr(_text(cols[field]), "\x00") > 0, F.lit(False))
    typed = frame.select(
        "_file",
        "_block",
        "_pos",
        "_skip",
        _text(cols.get("caller")).alias("caller_text"),
        _text(cols.get("callee")).alias("callee_text"),
        F.col(f"`{start_name}`").isNull().alias("_no_start_text"),
        start.cast("bigint").alias("t"),
        ring.cast("bigint").alias("ring"),
        billsec.cast("bigint").alias("billsec"),
        F.coalesce(answered, F.lit(False)).alias("answered"),
        (F.col(MORE).isNotNull() if MORE in types else F.lit(False)).alias("_too_many"),
        nul.alias("_nul"),
    ).withColumn("t", F.when(exists, F.col("t")))
    return typed.withColumn("ok", _ok() & ~F.col("_skip")).withColumn("local", F.lit(local))


def _ok() -> Any:
    from pyspark.sql import functions as F

    return F.coalesce(
        F.col("callee_text").isNotNull()
        & (F.length("callee_text") > 0)
        & F.col("t").isNotNull()
        & (F.col("ring") >= 0)
        & (F.col("billsec") >= 0)
        & ~F.col("_too_many")
        & ~F.col("_nul"),
        F.lit(False),
    )


def _answered(form: Layout | None, cols: dict[str, str | None], billsec: Any) -> Any:
    from pyspark.sql import functions as F

    if form is not None and form.disposition:
        return F.upper(F.trim(F.col(f"`{form.disposition}`"))) == "ANSWERED"
    if form is not None:
        if not form.answer:
            return billsec > 0
        stamp = F.col(f"`{form.answer}`")
        return stamp.isNotNull() & (F.trim(stamp) != "")
    if not cols.get("answered"):
        return billsec > 0
    words = F.array(*[F.lit(w) for w in ANSWERED_WORDS])
    return F.array_contains(words, F.lower(F.trim(_text(cols["answered"])))) | (billsec > 0)


def why() -> Any:
    """``model.WHY`` for a record that is not ``ok``, the first check that fails."""
    from pyspark.sql import functions as F

    callee, ring, billsec = F.col("callee_text"), F.col("ring"), F.col("billsec")
    empty = callee.isNull() & F.col("_no_start_text") & F.col("caller_text").isNull()
    return (
        F.when(F.col("_too_many"), TOO_MANY_FIELDS)
        .when(F.col("_nul"), HAS_NUL)
        .when(empty, WHY["empty"])
        .when(callee.isNull() | (F.trim(callee) == ""), WHY["no_callee"])
        .when(F.col("t").isNull(), WHY["start"])
        .when(ring.isNull() | (ring < 0), WHY["ring"])
        .when(billsec.isNull() | (billsec < 0), WHY["billsec"])
    )


@cache
def _skipped(zone: str) -> tuple[tuple[int, int], ...]:
    """The times of day (seconds from midnight, [from, to)) that ``zone``'s clocks have
    ever skipped going forward, 1900-2100: only a wall clock in one of them can fail to
    exist, so only those are checked."""
    tz = ZoneInfo(zone)

    def offset(moment: dt.datetime) -> dt.timedelta:
        return moment.astimezone(tz).utcoffset() or dt.timedelta()

    windows: set[tuple[int, int]] = set()
    step = 7 * 86400  # zones change their clocks weeks apart at the closest
    week = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    before = offset(week)
    while week.year < 2100:
        after = offset(week + dt.timedelta(seconds=step))
        if after > before:  # the clocks went forward: find when, to the second
            low, high = 0, step
            while high - low > 1:
                middle = (low + high) // 2
                if offset(week + dt.timedelta(seconds=middle)) == before:
                    low = middle
                else:
                    high = middle
            wall = int((week.timestamp() + high + before.total_seconds()) % 86400)
            end = wall + int((after - before).total_seconds())
            windows.add((wall, min(end, 86400)))
            if end > 86400:
                windows.add((0, end - 86400))
        before = after
        week += dt.timedelta(seconds=step)
    return tuple(sorted(windows))


def _exists(wall: Any, zone: str) -> Any:
    """Whether the wall clock ``wall`` (seconds) happens in ``zone`` (not skipped when
    the clocks go forward): checked by a round trip only at the times of day skipped."""
    from pyspark.sql import functions as F

    windows = _skipped(zone)
    if not windows:
        return F.lit(True)
    moment = F.timestamp_seconds(wall)
    back = F.from_utc_timestamp(F.to_utc_timestamp(moment, zone), zone)
    second = F.pmod(wall, F.lit(86400))
    risky = F.lit(False)
    for low, high in windows:
        risky = risky | ((second >= low) & (second < high))
    return F.when(risky, back == moment).otherwise(True)


def utc(wall: Any, zone: str) -> Any:
    """Seconds since 1970 in UTC of the wall clock ``wall`` in ``zone`` (a repeated hour:
    the earlier)."""
    from pyspark.sql import functions as F

    return F.unix_seconds(F.to_utc_timestamp(F.timestamp_seconds(wall), zone))


def in_utc(wall: int, zone: str) -> int:
    """``_utc`` on the driver, for one value."""
    naive = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=wall)
    return int(naive.replace(tzinfo=ZoneInfo(zone), fold=0).timestamp())


def longest_keys(frame: Any, column: str) -> Any:
    """``bulk.longest_keys`` on Spark: each value of ``column`` exploded into its prefixes,
    equi-joined with the broadcast prefix table, and per table the longest match kept."""
    from pyspark.sql import functions as F

    table = prefix_table()
    spark = frame.sparkSession
    rows = table.rows.to_dicts()
    strings = ", ".join(f"{key} string" for key in KEYS[1:])  # KEYS[0]: the calling code
    prefixes = spark.createDataFrame(rows, f"prefix string, length int, code int, {strings}")
    digits = F.when(F.col(column).rlike(r"^\+[0-9]{2,17}$"), F.substring(F.col(column), 2, 17))
    lengths = F.array(*[F.lit(n) for n in table.lengths])
    exploded = (
        frame.withColumn("_digits", digits)
        .withColumn("_len", F.explode(lengths))
        .withColumn("_prefix", F.expr("substring(_digits, 1, _len)"))
        .filter(F.length("_prefix") == F.col("_len"))
    )
    joined = exploded.join(F.broadcast(prefixes), exploded["_prefix"] == prefixes["prefix"])
    best = joined.groupBy(column).agg(
        *[
            F.max_by(F.col(k), F.when(F.col(k).isNotNull(), F.col("length"))).alias(f"_k_{k}")
            for k in KEYS
        ]
    )
    return frame.join(best, on=column, how="left")
