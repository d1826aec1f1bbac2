"""The scan on a cluster: PySpark, with the definitions of ``features``, in two queries.

1. Every file ``intake.surveyed`` passes is read once (damaged and skipped files are
   listed there, as for Polars): text lines parsed with ``from_csv`` against an explicit
   all-text schema (so every line, even an empty one, keeps its place; ``escape='"'``:
   Asterisk doubles the quotes inside a field), or Parquet as typed. Integers are read
   with ``try_cast`` (Spark 4 runs in ANSI mode, where a plain cast of '12x' fails the
   job); times as the wall clock they show, turned into UTC only where needed. One
   aggregation over grouping sets counts the records of each file split (for the counts
   and to number lines), the unreadable records, the one-ring (caller, callee) pairs as
   written, and every spelling of a number. Each spelling is put in E.164 once; the
   pairs in E.164 give the candidates (``features.rules``), which come to the driver to
   be kept or not (``detect.worth_a_look``).
2. The records from or to a kept candidate's spellings (broadcast joins) are counted by
   one grouping-sets aggregation (``features.MEASURES``), with the call-backs and the
   first records as evidence; that table, the candidates' counts only, comes to the
   driver once, and ``features.assemble`` makes the ``Aggregate`` of it.

No Python runs on the workers. Local mode by default (``local[2]``), or any master.
"""

from __future__ import annotations

import math
import os
import sys
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import polars as pl

from ringcheck.scan.engines.spark_read import calls as read_calls
from ringcheck.scan.engines.spark_read import (
    groups,
    in_utc,
    java_format,
    longest_keys,
    read,
    utc,
    why,
)
from ringcheck.scan.features import (
    BUCKET,
    CALLBACK,
    EVIDENCE,
    EVIDENCE_ROWS,
    MEASURES,
    RANGE_DIGITS,
    Aggregate,
    Thresholds,
    assemble,
    rules,
)
from ringcheck.scan.intake import surveyed
from ringcheck.scan.model import InputFile, ScanError, Scanned, ScanOptions, Unreadable
from ringcheck.scan.numbering import spark_e164
from ringcheck.scan.readers import local_zone

__all__ = ["java_format", "longest_keys", "run", "session", "stop"]

ENGINE = "spark"
_SESSION: Any = None
_SPLIT_BYTES = 64 << 20  # input bytes per shuffle partition (AQE merges small ones)


def session(master: str | None = None) -> Any:
    """One Spark session for this process (local[2] unless a master is given)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    local = not master or master.startswith("local")
    if local or urlparse(master).hostname in ("127.0.0.1", "localhost"):
        # On this machine only: on a cluster the workers must reach the driver's address.
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
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")  # times are read as wall clocks
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
    )
    if os.environ.get("SPARK_LOCAL_IP"):
        address = os.environ["SPARK_LOCAL_IP"]
        builder = builder.config("spark.driver.host", address).config(
            "spark.driver.bindAddress", address
        )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def stop() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None


def e164(column: Any, home: str) -> Any:
    """Numbers as written, in E.164 by ``numbering.spark_e164`` (the rule Polars uses; a
    hidden caller is null): the one place the Spark engine reads a number, run once per
    distinct spelling."""
    return spark_e164(column, home)


def _key(column: str, drop: int) -> Any:
    """The number in ``column`` without its last ``drop`` digits (0: the number)."""
    from pyspark.sql import functions as F

    if drop == 0:
        return F.col(column)
    return F.expr(f"substring({column}, 1, length({column}) - {drop})")


# -- the two queries -------------------------------------------------------------------


def run(
    paths: Iterable[str],
    options: ScanOptions,
    limits: Thresholds,
    keep: Callable[[pl.DataFrame], pl.DataFrame],
    master: str | None = None,
) -> Scanned:
    """What ``engines.polars.run`` does, on Spark."""
    import pyspark

    seen = surveyed(paths, options)  # damaged and skipped files: intake lists them
    spark = session(master)
    found, inputs, sources = groups(seen, options)
    files = [survey.path for survey, _ in seen]
    ids = {str(source): i for i, source in enumerate(sources)}
    size = sum(item.size for item in inputs)
    parts = max(spark.sparkContext.defaultParallelism, math.ceil(size / _SPLIT_BYTES))
    spark.conf.set("spark.sql.shuffle.partitions", str(min(parts, 2000)))
    context = spark.sparkContext
    label = f"ringcheck-scan-{uuid.uuid4().hex}"
    context.setJobGroup(label, "ringcheck scan")
    try:
        calls = _union([read_calls(read(spark, g, ids), g, options, limits) for g in found])
        calls = _in_period(calls, options)
        counted = _first_query(calls, options, limits)
        blocks, bad, candidates, callers = _first_results(counted, options, limits)
        _counts(inputs, blocks, options)
        offsets = _offsets(blocks)
        unreadable = [
            Unreadable(str(files[f]), _line(offsets, f, b, p), why)
            for f, b, p, why in sorted(bad, key=lambda r: (str(files[r[0]]), r[1], r[2]))
        ]
        unreadable.sort(key=lambda u: (u.file, u.line))
        kept = keep(candidates)
        aggregates: list[Aggregate] = []
        if kept.height:
            aggregates = _second_query(spark, calls, counted, kept, files, offsets, options, limits)
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
    usable = [b for b in blocks if b["first"] is not None]
    first = min((_utc_of(b, "first", options) for b in usable), default=None)
    last = max((_utc_of(b, "last", options) for b in usable), default=None)
    return Scanned(
        inputs,
        unreadable,
        records=sum(int(b["records"]) for b in blocks),
        callers=callers,
        first=first,
        last=last,
        aggregates=aggregates,
        engine=ENGINE,
        version=pyspark.__version__,
        jobs=len(context.statusTracker().getJobIdsForGroup(label)),
    )


def _union(frames: list[Any]) -> Any:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def _in_period(calls: Any, options: ScanOptions) -> Any:
    """Only the calls in ``since``/``until`` (compared in UTC, so worked out per row
    only when asked)."""
    from pyspark.sql import functions as F

    if options.since is None and options.until is None:
        return calls
    zone = options.tz or local_zone()
    moment = F.when(F.col("local"), utc(F.col("t"), zone)).otherwise(F.col("t"))
    if options.since is not None:
        calls = calls.filter(moment >= int(options.since.timestamp()))
    if options.until is not None:
        calls = calls.filter(moment < int(options.until.timestamp()))
    return calls


_FIRST_KEYS = (
    "_file",
    "_block",
    "bad_pos",
    "bad_why",
    "pair_caller",
    "pair_callee",
    "caller_spelling",
    "callee_spelling",
)
_FIRST_SETS = {
    "blocks": ("_file", "_block", "bad_pos", "bad_why"),
    "pairs": ("pair_caller", "pair_callee"),
    "callers": ("caller_spelling",),
    "callees": ("callee_spelling",),
}


def _gid(keys: tuple[str, ...], grouped: tuple[str, ...]) -> int:
    """Spark's ``grouping_id()`` of the grouping set ``grouped`` among ``keys``."""
    return sum(1 << (len(keys) - 1 - i) for i, k in enumerate(keys) if k not in grouped)


def _first_query(calls: Any, options: ScanOptions, limits: Thresholds) -> Any:
    """One pass over every record, grouped four ways at once: by file split (with the
    unreadable records apart), by one-ring pair as written, and by spelling of callers
    and of callees. It grows with splits, pairs and spellings, not records."""
    from pyspark.sql import functions as F

    ok = F.col("ok")
    short = ok & ~F.col("answered") & (F.col("ring") <= limits.short_ring)
    bad = ~ok & ~F.col("_skip")
    rows = calls.select(
        "_pos",
        "_skip",
        "t",
        "local",
        "ok",
        F.col("_file"),
        F.col("_block"),
        F.when(bad, F.col("_pos")).alias("bad_pos"),
        F.when(bad, why()).alias("bad_why"),
        F.when(short, F.col("caller_text")).alias("pair_caller"),
        F.when(short, F.col("callee_text")).alias("pair_callee"),
        F.when(ok, F.col("caller_text")).alias("caller_spelling"),
        F.when(ok, F.col("callee_text")).alias("callee_spelling"),
    )
    sets = [list(keys) for keys in _FIRST_SETS.values()]
    counted = rows.groupingSets(sets, *_FIRST_KEYS).agg(
        F.count(F.lit(1)).alias("n"),
        F.count(F.when(~F.col("_skip"), 1)).alias("records"),
        F.min("_pos").alias("min_pos"),
        F.min(F.when(ok, F.col("t"))).alias("first"),
        F.max(F.when(ok, F.col("t"))).alias("last"),
        F.bool_and("local").alias("local"),
        F.grouping_id().alias("g"),
    )
    # Run now, and kept as a short plan: the branches built on it are then analysed
    # against a stored table instead of the whole read each time.
    return counted.localCheckpoint()


def _part(counted: Any, name: str) -> Any:
    from pyspark.sql import functions as F

    return counted.filter(F.col("g") == _gid(_FIRST_KEYS, _FIRST_SETS[name]))


def _spellings(counted: Any, home: str) -> Any:
    """Every spelling of a number in the usable records, with its E.164 form."""
    from pyspark.sql import functions as F

    texts = _part(counted, "callers").select(F.col("caller_spelling").alias("text"))
    texts = texts.unionByName(
        _part(counted, "callees").select(F.col("callee_spelling").alias("text"))
    )
    texts = texts.filter(F.col("text").isNotNull()).distinct()
    return texts.withColumn("number", e164(F.col("text"), home))


def _first_results(
    counted: Any, options: ScanOptions, limits: Thresholds
) -> tuple[list[dict[str, Any]], list[tuple[int, int, int, str]], pl.DataFrame, int]:
    """From the first pass, in one trip to the driver: each file split's counts, the
    first unreadable records, the candidates (``features.rules``) and how many E.164
    callers made a one-ring call."""
    from pyspark.sql import functions as F

    blocks = (
        _part(counted, "blocks")
        .groupBy("_file", "_block")
        .agg(
            F.sum("n").alias("n"),
            F.sum("records").alias("records"),
            F.sum(F.when(F.col("bad_pos").isNotNull(), F.col("n"))).alias("bad"),
            F.min("min_pos").alias("min_pos"),
            F.min("first").alias("first"),
            F.max("last").alias("last"),
            F.bool_and("local").alias("local"),
        )
        .withColumn("part", F.lit("block"))
    )
    bad = (
        _part(counted, "blocks")
        .filter(F.col("bad_pos").isNotNull())
        .orderBy("_file", "_block", "bad_pos")
        .limit(options.max_unreadable)
        .select("_file", "_block", "bad_pos", "bad_why", F.lit("bad").alias("part"))
    )
    spellings = _spellings(counted, options.home)
    caller = spellings.select(F.col("text").alias("pair_caller"), F.col("number").alias("caller"))
    callee = spellings.select(F.col("text").alias("pair_callee"), F.col("number").alias("callee"))
    pairs = (
        _part(counted, "pairs")
        .filter(F.col("pair_caller").isNotNull())
        .join(caller, "pair_caller")
        .join(callee, "pair_callee", "left")
        .filter(F.col("caller").startswith("+"))
        .groupBy("caller", "callee")
        .agg(F.sum("n").alias("n"))
    )
    found = [
        pairs.groupBy(_key("caller", rule.drop).alias("key"))
        .agg(
            F.countDistinct(F.coalesce("callee", F.lit(""))).alias("callees"),
            F.countDistinct("caller").alias("numbers"),
            F.sum("n").alias("calls"),
        )
        .filter((F.col("callees") >= rule.callees) & (F.col("numbers") >= rule.numbers))
        .select(
            F.lit(rule.kind).alias("kind"),
            "key",
            F.lit(rule.drop).alias("drop"),
            "callees",
            "calls",
            F.lit("candidate").alias("part"),
        )
        for rule in rules(limits)
    ]
    callers = pairs.agg(F.countDistinct("caller").alias("callers"), F.lit("callers").alias("part"))
    table = _union_loose([blocks, bad, *found, callers])
    rows = [r.asDict() for r in table.collect()]
    by = {p: [r for r in rows if r["part"] == p] for p in ("block", "bad", "candidate", "callers")}
    candidates = pl.DataFrame(
        [{k: r[k] for k in ("kind", "key", "drop", "callees", "calls")} for r in by["candidate"]],
        schema={
            "kind": pl.String,
            "key": pl.String,
            "drop": pl.Int32,
            "callees": pl.Int64,
            "calls": pl.Int64,
        },
        orient="row",
    ).sort("drop", "key")
    bad_rows = [(r["_file"], r["_block"], r["bad_pos"], r["bad_why"]) for r in by["bad"]]
    return by["block"], bad_rows, candidates, int(by["callers"][0]["callers"] or 0)


def _union_loose(frames: list[Any]) -> Any:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out


def _offsets(blocks: list[dict[str, Any]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(file, split) -> (lines before the split, the split's first ``_pos``)."""
    out = {}
    for file in sorted({b["_file"] for b in blocks}):
        seen = 0
        for block in sorted((b for b in blocks if b["_file"] == file), key=lambda b: b["_block"]):
            out[(file, block["_block"])] = (seen, block["min_pos"])
            seen += int(block["n"])
    return out


def _line(offsets: dict[tuple[int, int], tuple[int, int]], file: int, block: int, pos: int) -> int:
    """A record's line: 1 for the first line of its file (a header's line counts)."""
    before, first = offsets[(file, block)]
    return before + pos - first + 1


def _counts(inputs: list[InputFile], blocks: list[dict[str, Any]], options: ScanOptions) -> None:
    for i, item in enumerate(inputs):
        mine = [b for b in blocks if b["_file"] == i]
        item.records = sum(int(b["records"]) for b in mine)
        item.unreadable = sum(int(b["bad"] or 0) for b in mine)


def _utc_of(block: dict[str, Any], name: str, options: ScanOptions) -> int:
    value = int(block[name])
    return in_utc(value, options.tz or local_zone()) if block["local"] else value


def _second_query(
    spark: Any,
    calls: Any,
    counted: Any,
    kept: pl.DataFrame,
    files: list[Path],
    offsets: dict[tuple[int, int], tuple[int, int]],
    options: ScanOptions,
    limits: Thresholds,
) -> list[Aggregate]:
    """The kept candidates' ``Aggregate``: their records found by spelling, counted as
    ``features.MEASURES`` says, with call-backs and evidence, in one trip to the driver."""

    kept = kept.sort("kind", "key").with_row_index("id")
    cands = _table(
        spark, [(int(r["id"]), r["key"], int(r["drop"])) for r in kept.iter_rows(named=True)]
    )
    spellings = _spellings(counted, options.home)
    rows = _touching(calls, spellings, cands, files, options).localCheckpoint()
    found = _measured(rows, cands, limits, options.tz or local_zone())
    result = [r.asDict() for r in found.collect()]
    return _assembled(result, kept, files, offsets, limits)


def _table(spark: Any, rows: list[tuple[int, str, int]]) -> Any:
    """The candidates (id, key, drop) as a table held in the query itself: made from a
    Python list by ``createDataFrame``, it would start Python on the workers."""
    values = ", ".join(f"({i}, '{key.replace(chr(39), '')}', {drop})" for i, key, drop in rows)
    return spark.sql(f"SELECT * FROM VALUES {values} AS t(id, key, drop)")


def _touching(
    calls: Any, spellings: Any, cands: Any, files: list[Path], options: ScanOptions
) -> Any:
    """The usable records from or to a candidate's spellings, with their numbers in
    E.164 (joined on spelling), the start in UTC, and ``file_rank`` (the file's place
    by name: evidence is ordered by file name)."""
    from pyspark.sql import functions as F

    wanted = _union(
        [
            spellings.withColumn("key", _key("number", drop))
            .join(F.broadcast(cands.filter(F.col("drop") == drop).select("key")), "key")
            .select("text")
            for drop in (0, *RANGE_DIGITS)
        ]
    ).distinct()
    mark = [
        F.broadcast(wanted.select(F.col("text").alias(f"{side}_text"), F.lit(True).alias(side)))
        for side in ("caller", "callee")
    ]
    ranks = sorted(range(len(files)), key=lambda i: str(files[i]))
    rank = F.create_map(*[x for place, i in enumerate(ranks) for x in (F.lit(i), F.lit(place))])
    named = spellings.select(F.col("text").alias("caller_text"), F.col("number").alias("caller"))
    called = spellings.select(F.col("text").alias("callee_text"), F.col("number").alias("callee"))
    zone = options.tz or local_zone()
    return (
        calls.filter(F.col("ok"))
        .join(mark[0], "caller_text", "left")
        .join(mark[1], "callee_text", "left")
        .filter(F.col("caller").isNotNull() | F.col("callee").isNotNull())
        .drop("caller", "callee")
        .join(named, "caller_text", "left")
        .join(called, "callee_text", "left")
        .select(
            "_file",
            "_block",
            "_pos",
            rank[F.col("_file")].alias("file_rank"),
            "caller",
            "callee",
            F.when(F.col("local"), utc(F.col("t"), zone)).otherwise(F.col("t")).alias("start"),
            "ring",
            "billsec",
            "answered",
        )
    )


def _members(rows: Any, cands: Any, side: str) -> Any:
    """Each record once for every candidate whose number or range is its ``side``."""
    from pyspark.sql import functions as F

    return _union(
        [
            rows.withColumn("key", _key(side, drop))
            .join(F.broadcast(cands.filter(F.col("drop") == drop).select("key", "id")), "key")
            .drop("key")
            for drop in (0, *RANGE_DIGITS)
        ]
    )


def _measured(rows: Any, cands: Any, limits: Thresholds, zone: str) -> Any:
    """``MEASURES`` as one grouping-sets aggregation, then call-backs and evidence: one
    table, told apart by ``m``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    hour = F.hour(F.from_utc_timestamp(F.timestamp_seconds("start"), zone))
    unanswered = ~F.col("answered")
    derived = {
        "bucket": (F.floor(F.col("start") / BUCKET) * BUCKET).cast("bigint"),
        "minute": F.floor(F.col("start") / 60).cast("bigint"),
        "hour": F.floor(F.col("start") / 3600).cast("bigint"),
        "night": (hour >= limits.night_start) | (hour < limits.night_end),
    }
    calls = _members(rows, cands, "caller").select("*", *[e.alias(k) for k, e in derived.items()])
    names = {m.name: tuple(f"u_{k}" if m.unanswered else k for k in m.by) for m in MEASURES}
    keys = ("id", *dict.fromkeys(k for by in names.values() for k in by))
    plain = {k: k.removeprefix("u_") for k in keys}
    calls = calls.select(
        "*",
        *[F.when(unanswered, F.col(v)).alias(k) for k, v in plain.items() if k != v],
    )
    grouped = calls.groupingSets([["id", *by] for by in names.values()], *keys).agg(
        F.count(F.lit(1)).alias("n"),
        F.min("start").alias("first"),
        F.max("start").alias("last"),
        F.grouping_id().alias("g"),
    )
    parts = []
    for measure in MEASURES:
        by = names[measure.name]
        part = grouped.filter(F.col("g") == _gid(keys, ("id", *by)))
        if measure.unanswered:
            part = part.filter(F.col(by[0]).isNotNull())
        part = part.select("id", *[F.col(k).alias(plain[k]) for k in by], "n", "first", "last")
        if measure.then:
            part = part.groupBy("id", *measure.then).agg(
                F.count(F.lit(1)).alias("n"),
                F.min("first").alias("first"),
                F.max("last").alias("last"),
            )
        parts.append(part.withColumn("m", F.lit(measure.name)))
    callees = parts[[m.name for m in MEASURES].index("callees")]
    backs = (
        _members(rows, cands, "callee")
        .join(
            callees.select("id", F.col("callee").alias("caller"), F.col("first").alias("rung")),
            ["id", "caller"],
        )
        .filter(F.col("start") > F.col("rung"))
        .select("id", *CALLBACK, F.lit("callbacks").alias("m"))
    )
    order = Window.partitionBy("id").orderBy("start", "file_rank", "_block", "_pos")
    evidence = (
        calls.withColumn("_rank", F.row_number().over(order))
        .filter(F.col("_rank") <= EVIDENCE_ROWS)
        .select("id", "_file", "_block", "_pos", *EVIDENCE[2:], F.lit("evidence").alias("m"))
    )
    return _union_loose([*parts, backs, evidence])


_TYPES: dict[str, Any] = {
    "id": pl.UInt32,
    "answered": pl.Boolean,
    "night": pl.Boolean,
    "caller": pl.String,
    "callee": pl.String,
    "ring": pl.Int64,
    "bucket": pl.Int64,
    "minute": pl.Int64,
    "hour": pl.Int64,
    "n": pl.Int64,
    "first": pl.Int64,
    "last": pl.Int64,
    "start": pl.Int64,
    "billsec": pl.Int64,
    "rung": pl.Int64,
    "file": pl.String,
    "line": pl.Int64,
}


def _assembled(
    result: list[dict[str, Any]],
    kept: pl.DataFrame,
    files: list[Path],
    offsets: dict[tuple[int, int], tuple[int, int]],
    limits: Thresholds,
) -> list[Aggregate]:
    def table(name: str, columns: tuple[str, ...]) -> pl.DataFrame:
        rows = [{c: r[c] for c in columns} for r in result if r["m"] == name]
        return pl.DataFrame(rows, schema={c: _TYPES[c] for c in columns}, orient="row")

    tables = {
        m.name: table(m.name, ("id", *(m.then or m.by), "n", "first", "last")) for m in MEASURES
    }
    for item in result:
        if item["m"] == "evidence":
            item["file"] = str(files[item["_file"]])
            item["line"] = _line(offsets, item["_file"], item["_block"], item["_pos"])
    evidence = table("evidence", ("id", *EVIDENCE))
    return assemble(kept, tables, table("callbacks", ("id", *CALLBACK)), evidence, limits)
