"""The scan on a cluster: PySpark, with the same definitions as ``engines.polars``.

Local mode by default (``local[2]``), or any ``--master``. Every file is read as lines
with their numbers (so an unreadable record is listed by file and line, as Polars lists
it), parsed with ``from_csv`` (``escape='"'``: Asterisk doubles the quotes inside a field)
against an explicit all-text schema, and cast with ``try_cast``/``try_to_timestamp``
(Spark 4 runs in ANSI mode, where a plain cast of '12x' fails the job). Numbers go to
E.164 by the same ``scan.numbering`` rules as in Polars. The pairs, candidates and
``Aggregate`` are counted as in Polars, in integers and sorted lists, so both engines
hand identical aggregates to the same scoring. The candidates' destinations come from
the checker's prefix table, broadcast to the workers and joined on prefix equality
(never a nested-loop join).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import polars as pl

from ringcheck.bulk import KEYS, prefix_table
from ringcheck.scan.engines.polars import EVIDENCE_ROWS, Scanned
from ringcheck.scan.features import BUCKET, RANGE_DIGITS, Aggregate, Thresholds, needed
from ringcheck.scan.intake import HAS_NUL, TOO_MANY_FIELDS, Survey, surveyed
from ringcheck.scan.model import ScanError, ScanOptions, Unreadable
from ringcheck.scan.readers import (
    _ANSWERED_WORDS,
    ASTERISK,
    ASTERISK_TIME,
    FREESWITCH_EXAMPLE,
    MORE,
    TIME_FORMATS,
    find_columns,
    local_zone,
    template_names,
)

ENGINE = "spark"
# Asterisk doubles the quotes inside a field; a quoted empty field ("") is text, not null,
# as Polars reads it (so a record with more fields than its format is seen alike).
_CSV_OPTIONS = {"escape": '"', "mode": "PERMISSIVE", "nullValue": "\u0001no value\u0001"}
_SESSION: Any = None
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


def session(master: str | None = None) -> Any:
    """One Spark session for this process (local[2] unless a master is given)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ScanError(
            "engine_missing",
            "--engine spark needs PySpark: pip install 'ringcheck[spark]' (and Java 17+).",
        ) from None
    builder = (
        SparkSession.builder.master(master or "local[2]")
        .appName("ringcheck-scan")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", os.environ["SPARK_LOCAL_IP"])
        .config("spark.driver.bindAddress", os.environ["SPARK_LOCAL_IP"])
        .config("spark.sql.ansi.enabled", "true")
    )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def stop() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None


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


def numbered(frame: Any, first: int = 1) -> Any:
    """``frame`` with ``_line``: its rows numbered in file order from ``first``, in the JVM.

    A file is read in contiguous splits, one partition each, in order; within one,
    ``monotonically_increasing_id`` counts rows up from ``partition << 33``. So a row's
    number is the rows of the partitions before it plus its place in its own.
    """
    from pyspark.sql import functions as F

    tagged = frame.withColumn("_part", F.spark_partition_id()).withColumn(
        "_id", F.monotonically_increasing_id()
    )
    sizes = {
        r["_part"]: r["n"]
        for r in tagged.groupBy("_part").count().withColumnRenamed("count", "n").collect()
    }
    offsets, total = {}, first
    for part in sorted(sizes):
        offsets[part] = total
        total += sizes[part]
    if not offsets:
        return tagged.withColumn("_line", F.lit(None).cast("bigint")).drop("_part", "_id")
    start = F.create_map(*[x for part, base in offsets.items() for x in (F.lit(part), F.lit(base))])
    line = start[F.col("_part")] + F.col("_id") - F.shiftleft(F.col("_part").cast("bigint"), 33)
    return tagged.withColumn("_line", line.cast("bigint")).drop("_part", "_id")


def _raw(
    spark: Any, path: Path, fmt: str, options: ScanOptions, seen: Survey | None = None
) -> tuple[Any, dict[str, str | None]]:
    """The file as text columns (of what ``seen``, its ``intake.survey``, says to read),
    and which column holds each field."""
    from pyspark.sql import functions as F

    seen = seen or Survey(path, path)
    path = seen.source

    def upto(frame: Any) -> Any:  # a last record cut short is listed by intake, not read
        return frame if seen.rows is None else frame.filter(F.col("_line") <= seen.rows)

    if fmt in ("asterisk", "freeswitch"):
        if fmt == "asterisk":
            names: tuple[str, ...] = ASTERISK
        else:
            names = template_names(options.template) if options.template else FREESWITCH_EXAMPLE
        schema = ", ".join(f"`{n}` string" for n in (*names, MORE))
        lines = upto(numbered(spark.read.text(str(path))))
        parsed = lines.select("_line", F.from_csv("value", schema, _CSV_OPTIONS).alias("r")).select(
            "_line", "r.*"
        )
        if fmt == "asterisk":
            cols = {
                "caller": "src",
                "callee": "dst",
                "start": "start",
                "duration": "duration",
                "billsec": "billsec",
                "answered": "disposition",
                "ring": None,
            }
        else:
            cols = {
                "caller": "caller_id_number",
                "callee": "destination_number",
                "start": "start_stamp",
                "duration": "duration",
                "billsec": "billsec",
                "answered": "answer_stamp" if "answer_stamp" in names else None,
                "ring": None,
            }
        return parsed, cols
    if fmt == "parquet":
        frame = numbered(spark.read.parquet(str(path)))
    else:
        first = (
            path.open("rb").readline().decode("utf-8", "replace")
            if not path.name.endswith(".gz")
            else None
        )
        sep = "\t" if first and first.count("\t") > first.count(",") else ","
        frame = (
            spark.read.option("header", "true")
            .option("sep", sep)
            .option("escape", '"')
            .option("inferSchema", "false")
            .csv(str(path))
        )
        frame = upto(numbered(frame, first=2))  # line 1 is the header
    names_ = [n for n in frame.columns if n != "_line"]
    return frame, find_columns(names_, options.columns)


def _e164(column: Any, home: str) -> Any:
    from ringcheck.scan.numbering import spark_e164

    return spark_e164(column, home)


def _times(column: Any, form: str | None, zone: str) -> Any:
    """Seconds since 1970 of local times, as ``readers._times`` reads them: a time that
    doesn't exist in the zone (clocks going forward) is null, an ambiguous one the earlier."""
    from pyspark.sql import functions as F

    forms = (form,) if form else TIME_FORMATS
    parsed = F.coalesce(*[F.try_to_timestamp(column, F.lit(java_format(f))) for f in forms])
    utc = F.to_utc_timestamp(parsed, zone)
    exists = F.from_utc_timestamp(utc, zone) == parsed
    return F.when(exists, F.unix_timestamp(utc))


def _calls(
    frame: Any, path: Path, fmt: str, cols: dict[str, str | None], options: ScanOptions
) -> Any:
    from pyspark.sql import functions as F

    def text(field: str) -> Any:
        name = cols.get(field)
        return F.col(f"`{name}`").cast("string") if name else F.lit(None).cast("string")

    def integer(field: str) -> Any:
        return F.expr(f"try_cast(trim(`{cols[field]}`) as bigint)") if cols.get(field) else None

    zone = options.tz or local_zone()
    start_col = cols["start"]
    dtype = dict(frame.dtypes).get(start_col or "", "string")
    if dtype.startswith("timestamp"):
        start = F.unix_timestamp(F.col(f"`{start_col}`"))
    elif dtype in ("bigint", "int"):
        start = F.col(f"`{start_col}`").cast("bigint")
    else:
        default = ASTERISK_TIME if fmt in ("asterisk", "freeswitch") else None
        start = _times(F.trim(text("start")), options.time_format or default, zone)
    duration = integer("duration")
    billsec = integer("billsec") if cols.get("billsec") else F.lit(0).cast("bigint")
    if fmt == "asterisk":
        answered = F.upper(F.trim(text("answered"))) == "ANSWERED"
    elif fmt == "freeswitch":
        answered = (
            (text("answered").isNotNull() & (F.trim(text("answered")) != ""))
            if cols.get("answered")
            else billsec > 0
        )
    elif cols.get("answered"):
        words = F.array(*[F.lit(w) for w in _ANSWERED_WORDS])
        answered = F.array_contains(words, F.lower(F.trim(text("answered")))) | (billsec > 0)
    else:
        answered = billsec > 0
    if cols.get("ring"):
        ring = integer("ring")
    elif duration is not None:
        ring = duration - billsec
    else:
        ring = F.lit(None).cast("bigint")
    callee_raw, caller_raw, start_raw = text("callee"), text("caller"), text("start")
    empty = callee_raw.isNull() & start_raw.isNull() & caller_raw.isNull()
    no_callee = callee_raw.isNull() | (F.trim(callee_raw) == "")
    too_many = F.col(MORE).isNotNull() if MORE in frame.columns else F.lit(False)
    nul = F.lit(False)
    for name in ("caller", "callee", "start"):
        if cols.get(name) and dict(frame.dtypes).get(cols[name] or "") == "string":
            nul = nul | F.coalesce(F.instr(text(name), "\x00") > 0, F.lit(False))
    why = (
        F.when(too_many, TOO_MANY_FIELDS)
        .when(nul, HAS_NUL)
        .when(empty, "it is an empty line")
        .when(no_callee, "it has no called number")
        .when(start.isNull(), "the start time can't be read")
        .when(ring.isNull() | (ring < 0), "its duration and billed seconds can't be read")
        .when(billsec.isNull() | (billsec < 0), "its billed seconds can't be read")
    )
    home = options.home
    return frame.select(
        F.lit(str(path)).alias("file"),
        F.col("_line").cast("bigint").alias("line"),
        _e164(caller_raw, home).alias("caller"),
        _e164(callee_raw, home).alias("callee"),
        start.cast("bigint").alias("start"),
        ring.cast("bigint").alias("ring"),
        billsec.cast("bigint").alias("billsec"),
        F.coalesce(answered, F.lit(False)).alias("answered"),
        why.alias("why"),
    )


def _key(column: str, drop: int) -> Any:
    from pyspark.sql import functions as F

    if drop == 0:
        return F.col(column)
    return F.expr(f"substring({column}, 1, length({column}) - {drop})")


def run(
    paths: Iterable[str],
    options: ScanOptions,
    limits: Thresholds,
    keep: Callable[[pl.DataFrame], pl.DataFrame],
    master: str | None = None,
) -> Scanned:
    """What ``engines.polars.run`` does, on Spark."""
    from pyspark.sql import functions as F

    spark = session(master)
    frames, inputs = [], []
    for seen, item in surveyed(paths, options):  # damaged and skipped files: intake
        inputs.append(item)
        if not item.skipped:
            raw, cols = _raw(spark, seen.path, item.format, options, seen)
            frames.append(_calls(raw, seen.path, item.format, cols, options))
    calls = frames[0]
    for frame in frames[1:]:
        calls = calls.unionByName(frame)
    if options.since is not None:
        calls = calls.filter(F.col("start") >= int(options.since.timestamp()))
    if options.until is not None:
        calls = calls.filter(F.col("start") < int(options.until.timestamp()))
    calls = calls.cache()
    usable = calls.filter(F.col("why").isNull())
    files_rows = (
        calls.groupBy("file")
        .agg(
            F.count(F.lit(1)).alias("records"),
            F.sum(F.when(F.col("why").isNotNull(), 1).otherwise(0)).alias("unreadable"),
            F.min(F.when(F.col("why").isNull(), F.col("start"))).alias("first"),
            F.max(F.when(F.col("why").isNull(), F.col("start"))).alias("last"),
        )
        .collect()
    )
    counts = {r["file"]: r for r in files_rows}
    for item in inputs:
        if item.path in counts:
            item.records, item.unreadable = (
                int(counts[item.path]["records"]),
                int(counts[item.path]["unreadable"] or 0),
            )
    bad = (
        calls.filter(F.col("why").isNotNull())
        .select("file", "line", "why")
        .orderBy("file", "line")
        .limit(options.max_unreadable)
        .collect()
    )
    short = (~F.col("answered")) & (F.col("ring") <= limits.short_ring)
    pairs = (  # the one-ring calls only, as engines.polars counts candidates
        usable.filter(F.col("caller").isNotNull() & short)
        .groupBy("caller", "callee")
        .agg(F.count(F.lit(1)).alias("n"))
        .cache()
    )
    candidates = keep(_pick(pairs, limits))
    aggregates = (
        _aggregates(spark, usable, candidates, limits, options) if candidates.height else []
    )
    callers = pairs.filter(F.col("caller").startswith("+")).select("caller").distinct().count()
    firsts = [r["first"] for r in files_rows if r["first"] is not None]
    lasts = [r["last"] for r in files_rows if r["last"] is not None]
    import pyspark

    calls.unpersist()
    pairs.unpersist()
    return Scanned(
        inputs,
        [Unreadable(r["file"], int(r["line"]), r["why"]) for r in bad],
        records=sum(int(r["records"]) for r in files_rows),
        callers=int(callers),
        first=int(min(firsts)) if firsts else None,
        last=int(max(lasts)) if lasts else None,
        aggregates=aggregates,
        engine=ENGINE,
        version=pyspark.__version__,
    )


def _pick(pairs: Any, limits: Thresholds) -> pl.DataFrame:
    """``engines.polars.pick``, counted by Spark and handed back as a small Polars table."""
    from pyspark.sql import functions as F

    e164 = pairs.filter(F.col("caller").startswith("+"))
    numbers = (
        e164.groupBy("caller")
        .agg(F.count(F.lit(1)).alias("callees"), F.sum("n").alias("calls"))
        .filter(F.col("callees") >= limits.min_callees)
        .select(
            F.lit("number").alias("kind"),
            F.col("caller").alias("key"),
            F.lit(0).alias("drop"),
            "callees",
            "calls",
        )
    )
    parts = [numbers]
    for drop in RANGE_DIGITS:
        parts.append(
            e164.withColumn("key", _key("caller", drop))
            .groupBy("key")
            .agg(
                F.countDistinct("callee").alias("callees"),
                F.countDistinct("caller").alias("numbers"),
                F.sum("n").alias("calls"),
            )
            .filter((F.col("callees") >= limits.min_range_callees) & (F.col("numbers") >= 2))
            .select(
                F.lit("range").alias("kind"), "key", F.lit(drop).alias("drop"), "callees", "calls"
            )
        )
    frame = parts[0]
    for part in parts[1:]:
        frame = frame.unionByName(part)
    table = pl.DataFrame(
        [r.asDict() for r in frame.collect()],
        schema={
            "kind": pl.String,
            "key": pl.String,
            "drop": pl.Int32,
            "callees": pl.Int64,
            "calls": pl.Int64,
        },
        orient="row",
    )
    return table.sort("drop", "key")


def _members(rows: Any, candidates: Any, side: str) -> Any:
    from pyspark.sql import functions as F

    parts = []
    for drop in (0, *RANGE_DIGITS):
        keys = candidates.filter(F.col("drop") == drop).select("kind", "key")
        parts.append(rows.withColumn("key", _key(side, drop)).join(F.broadcast(keys), on="key"))
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out


def _aggregates(
    spark: Any, usable: Any, candidates: pl.DataFrame, limits: Thresholds, options: ScanOptions
) -> list[Aggregate]:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cands = spark.createDataFrame(
        candidates.select("kind", "key", "drop").to_dicts(), "kind string, key string, drop int"
    ).cache()
    touching = None
    for drop in (0, *RANGE_DIGITS):
        keys = [r["key"] for r in candidates.filter(pl.col("drop") == drop).to_dicts()]
        if keys:
            test = _key("caller", drop).isin(keys) | _key("callee", drop).isin(keys)
            touching = test if touching is None else touching | test
    rows = (
        usable.filter(touching)
        .select("file", "line", "caller", "callee", "start", "ring", "billsec", "answered")
        .cache()
    )
    out = _members(rows, cands, "caller").cache()
    zone = options.tz or local_zone()
    hour = F.hour(F.from_utc_timestamp(F.timestamp_seconds("start"), zone))
    night = (hour >= limits.night_start) | (hour < limits.night_end)
    entity = ["kind", "key"]
    totals = out.groupBy(*entity).agg(
        F.count(F.lit(1)).alias("calls"),
        F.countDistinct("callee").alias("callees"),
        F.sum(F.when(F.col("answered"), 1).otherwise(0)).alias("answered"),
        F.min("start").alias("first"),
        F.max("start").alias("last"),
        F.sum(F.when(night, 1).otherwise(0)).alias("night"),
    )
    unanswered = out.filter(~F.col("answered"))

    def listed(frame: Any, by: str, name: str, n: Any = None) -> Any:
        """(``by``, n) pairs per entity, in ``by`` order, as the list column ``name``."""
        counted = frame.groupBy(*entity, by).agg((F.count(F.lit(1)) if n is None else n).alias("n"))
        return counted.groupBy(*entity).agg(
            F.sort_array(F.collect_list(F.struct(by, "n"))).alias(name)
        )

    bucketed = (F.floor(F.col("start") / BUCKET) * BUCKET).cast("bigint")
    rings = listed(unanswered, "ring", "ring_counts")
    buckets = listed(unanswered.withColumn("bucket", bucketed), "bucket", "buckets")
    peaks = (
        unanswered.groupBy(*entity, F.floor(F.col("start") / 60).alias("minute"))
        .agg(F.count(F.lit(1)).alias("n"))
        .groupBy(*entity)
        .agg(F.max("n").alias("peak_per_minute"))
    )
    per_callee = (
        out.groupBy(*entity, "callee")
        .agg(F.count(F.lit(1)).alias("n"), F.min("start").alias("first"))
        .cache()
    )
    in_order = Window.partitionBy(*entity).orderBy("first", "callee")
    digits = F.expr("try_cast(substring(callee, 2) as bigint)")
    before = F.lag(digits).over(in_order)
    gap = F.abs(digits - before)
    same_length = F.length("callee") == F.lag(F.length("callee")).over(in_order)
    step = F.coalesce((gap >= 1) & (gap <= 10) & same_length, F.lit(False))
    need = F.when(F.col("kind") == "number", needed("number", limits)).otherwise(
        needed("range", limits)
    )
    contacts = (
        per_callee.withColumn("step", step)
        .withColumn("rank", F.row_number().over(in_order))
        .groupBy(*entity)
        .agg(
            F.sum(F.when(F.col("n") > 1, 1).otherwise(0)).alias("repeat_callees"),
            F.sum(F.when(F.col("step"), 1).otherwise(0)).alias("sequential_pairs"),
            F.max(F.when(F.col("rank") == need, F.col("first"))).alias("detected_at"),
        )
    )
    numbers = (
        out.groupBy(*entity, "caller")
        .agg(F.count(F.lit(1)).alias("n"))
        .groupBy(*entity)
        .agg(F.sort_array(F.collect_list(F.struct("caller", "n"))).alias("numbers"))
    )
    hours = listed(
        out.withColumn("hour", F.floor(F.col("start") / 3600).cast("bigint")),
        "hour",
        "hour_callees",
        F.countDistinct("callee"),
    )
    order = Window.partitionBy(*entity).orderBy("start", "file", "line")
    evidence = (
        out.withColumn("_rank", F.row_number().over(order))
        .filter(F.col("_rank") <= EVIDENCE_ROWS)
        .groupBy(*entity)
        .agg(
            F.sort_array(
                F.collect_list(
                    F.struct(
                        "start", "file", "line", "caller", "callee", "ring", "billsec", "answered"
                    )
                )
            ).alias("evidence")
        )
    )
    rotation = (  # which of a range's numbers rang when (a number is always itself)
        out.filter(F.col("kind") == "range")
        .select(*entity, bucketed.alias("bucket"), "caller")
        .distinct()
        .groupBy(*entity)
        .agg(F.sort_array(F.collect_list(F.struct("bucket", "caller"))).alias("rotation"))
    )
    incoming = _members(rows, cands, "callee")
    contacted = per_callee.select(
        *entity, F.col("callee").alias("caller"), F.col("first").alias("rung")
    )
    backs = (
        incoming.join(contacted, on=[*entity, "caller"])
        .filter(F.col("start") > F.col("rung"))
        .groupBy(*entity)
        .agg(
            F.sort_array(F.collect_list(F.struct("caller", "start", "billsec", "rung"))).alias(
                "callbacks"
            )
        )
    )
    table = (
        totals.join(contacts, on=entity, how="left")
        .join(peaks, on=entity, how="left")
        .join(rings, on=entity, how="left")
        .join(buckets, on=entity, how="left")
        .join(numbers, on=entity, how="left")
        .join(hours, on=entity, how="left")
        .join(evidence, on=entity, how="left")
        .join(rotation, on=entity, how="left")
        .join(backs, on=entity, how="left")
        .orderBy(*entity)
    )
    found = [_aggregate(row.asDict(recursive=True)) for row in table.collect()]
    for frame in (cands, rows, out, per_callee):
        frame.unpersist()
    return found


def _aggregate(row: dict[str, Any]) -> Aggregate:
    """Spark's row in the shape ``Aggregate.from_row`` reads: evidence in time order
    (Spark sorted its structs with the start first)."""
    evidence = sorted(row["evidence"] or [], key=lambda e: (e["start"], e["file"], e["line"]))
    return Aggregate.from_row({**row, "evidence": evidence})


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
    keys = KEYS
    best = joined.groupBy(column).agg(
        *[
            F.max_by(F.col(k), F.when(F.col(k).isNotNull(), F.col("length"))).alias(f"_k_{k}")
            for k in keys
        ]
    )
    return frame.join(best, on=column, how="left")
