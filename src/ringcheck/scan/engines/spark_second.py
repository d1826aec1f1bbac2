"""The Spark engine's second query: the kept candidates' records, counted.

The records from or to a kept candidate's spellings are found on the lines as read
(broadcast joins on the spellings, before any field is typed), so only those records
are typed; they are counted by one grouping-sets aggregation (``features.MEASURES``),
with the call-backs and the first records as evidence; that table, the candidates'
counts only, comes to the driver once, and ``features.assemble`` makes the
``Aggregate`` of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from ringcheck.scan import features
from ringcheck.scan.engines.spark_first import gid, key
from ringcheck.scan.engines.spark_read import Group, texts, utc
from ringcheck.scan.features import Aggregate, Thresholds
from ringcheck.scan.model import ScanOptions
from ringcheck.scan.numbering import spark_e164
from ringcheck.scan.readers import local_zone

Offsets = dict[tuple[int, int], tuple[int, int]]
_DROPS = (0, *features.RANGE_DIGITS)


def aggregates(
    spark: Any,
    read: list[tuple[Any, Group]],
    typed: Callable[[Any, Group], Any],
    spelled: Any,
    kept: pl.DataFrame,
    files: list[Path],
    line: Callable[[int, int, int], int],
    options: ScanOptions,
    limits: Thresholds,
) -> list[Aggregate]:
    """The kept candidates' ``Aggregate``: their records found by spelling in ``read``
    (each group's lines as read), typed by ``typed``, counted as ``features.MEASURES``
    says, with call-backs and evidence, in one trip to the driver. ``line(file, split,
    position)`` numbers a record."""
    kept = kept.sort("kind", "key").with_row_index("id")
    cands = _table(
        spark, [(int(r["id"]), r["key"], int(r["drop"])) for r in kept.iter_rows(named=True)]
    )
    wanted = _wanted(spelled, cands)
    found = [typed(_spelled_as(frame, group, wanted, options), group) for frame, group in read]
    # The candidates' records are few: counted in as many parts as there are cores.
    cores = spark.sparkContext.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(cores))
    # (merged after they are kept: merged before, the records' ids would change)
    rows = _touching(_union(found), files, options).localCheckpoint().coalesce(cores)
    result = [r.asDict() for r in _measured(rows, cands, limits, options).collect()]
    return _assembled(result, kept, files, line, limits)


def _union(frames: list[Any]) -> Any:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def _table(spark: Any, rows: list[tuple[int, str, int]]) -> Any:
    """The candidates (id, key, drop) as a table held in the query itself: made from a
    Python list by ``createDataFrame``, it would start Python on the workers."""
    values = ", ".join(f"({i}, '{key.replace(chr(39), '')}', {drop})" for i, key, drop in rows)
    return spark.sql(f"SELECT * FROM VALUES {values} AS t(id, key, drop)")


def _wanted(spelled: Any, cands: Any) -> Any:
    """The spellings of every number in a candidate (its number, or in its range)."""
    from pyspark.sql import functions as F

    return _union(
        [
            spelled.withColumn("key", key("number", drop))
            .join(F.broadcast(cands.filter(F.col("drop") == drop).select("key")), "key")
            .select("text")
            for drop in _DROPS
        ]
    ).distinct()


def _spelled_as(frame: Any, group: Group, wanted: Any, options: ScanOptions) -> Any:
    """The lines of ``frame`` whose caller or callee is written as one of ``wanted``:
    tested on the text as read, so that only they are typed."""
    from pyspark.sql import functions as F

    caller, callee = texts(group, options)
    marks = []
    for side, text in (("caller", caller), ("callee", callee)):
        if text is None:
            continue
        mark = wanted.select(F.col("text").alias(f"_{side}_text"), F.lit(True).alias(f"_{side}"))
        frame = frame.join(F.broadcast(mark), text == F.col(f"_{side}_text"), "left")
        marks.append(f"_{side}")
    hit = F.lit(False)
    for mark in marks:
        hit = hit | F.col(mark).isNotNull()
    dropped = [f"_{side}_text" for side in ("caller", "callee")] + marks
    return frame.filter(hit).drop(*dropped)


def _touching(calls: Any, files: list[Path], options: ScanOptions) -> Any:
    """The usable records from or to a candidate's spellings, with their numbers in
    E.164 (few records: each is read there, as the Polars engine reads them), the start
    in UTC, and ``file_rank`` (the file's place by name: evidence is ordered by file
    name)."""
    from pyspark.sql import functions as F

    ranks = sorted(range(len(files)), key=lambda i: str(files[i]))
    rank = F.create_map(*[x for place, i in enumerate(ranks) for x in (F.lit(i), F.lit(place))])
    zone = options.tz or local_zone()
    return calls.filter(F.col("ok")).select(
        "_file",
        "_block",
        "_pos",
        rank[F.col("_file")].alias("file_rank"),
        spark_e164(F.col("caller_text"), options.home).alias("caller"),
        spark_e164(F.col("callee_text"), options.home).alias("callee"),
        F.when(F.col("local"), utc(F.col("t"), zone)).otherwise(F.col("t")).alias("start"),
        "ring",
        "billsec",
        "answered",
    )


def _members(rows: Any, cands: Any, side: str) -> Any:
    """Each record once for every candidate whose number or range is its ``side``."""
    from pyspark.sql import functions as F

    return _union(
        [
            rows.withColumn("key", key(side, drop))
            .join(F.broadcast(cands.filter(F.col("drop") == drop).select("key", "id")), "key")
            .drop("key")
            for drop in _DROPS
        ]
    )


def _derived(limits: Thresholds, zone: str) -> dict[str, Any]:
    """``features``' derived columns of a call: bucket, minute, hour, night."""
    from pyspark.sql import functions as F

    hour = F.hour(F.from_utc_timestamp(F.timestamp_seconds("start"), zone))
    return {
        "bucket": (F.floor(F.col("start") / features.BUCKET) * features.BUCKET).cast("bigint"),
        "minute": F.floor(F.col("start") / 60).cast("bigint"),
        "hour": F.floor(F.col("start") / 3600).cast("bigint"),
        "night": (hour >= limits.night_start) | (hour < limits.night_end),
    }


def _measures(calls: Any) -> list[Any]:
    """``MEASURES`` as one grouping-sets aggregation: a table each."""
    from pyspark.sql import functions as F

    names = {
        m.name: tuple(f"u_{k}" if m.unanswered else k for k in m.by) for m in features.MEASURES
    }
    keys = ("id", *dict.fromkeys(k for by in names.values() for k in by))
    plain = {k: k.removeprefix("u_") for k in keys}
    calls = calls.select(
        "*",
        *[F.when(~F.col("answered"), F.col(v)).alias(k) for k, v in plain.items() if k != v],
    )
    grouped = calls.groupingSets([["id", *by] for by in names.values()], *keys).agg(
        F.count(F.lit(1)).alias("n"),
        F.min("start").alias("first"),
        F.max("start").alias("last"),
        F.grouping_id().alias("g"),
    )
    parts = []
    for measure in features.MEASURES:
        by = names[measure.name]
        part = grouped.filter(F.col("g") == gid(keys, ("id", *by)))
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
    return parts


def _measured(rows: Any, cands: Any, limits: Thresholds, options: ScanOptions) -> Any:
    """``MEASURES``, then call-backs and evidence: one table, told apart by ``m``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    derived = _derived(limits, options.tz or local_zone())
    calls = _members(rows, cands, "caller").select("*", *[e.alias(k) for k, e in derived.items()])
    parts = _measures(calls)
    callees = parts[[m.name for m in features.MEASURES].index("callees")]
    backs = (
        _members(rows, cands, "callee")
        .join(
            callees.select("id", F.col("callee").alias("caller"), F.col("first").alias("rung")),
            ["id", "caller"],
        )
        .filter(F.col("start") > F.col("rung"))
        .select("id", *features.CALLBACK, F.lit("callbacks").alias("m"))
    )
    order = Window.partitionBy("id").orderBy("start", "file_rank", "_block", "_pos")
    evidence = (
        calls.withColumn("_rank", F.row_number().over(order))
        .filter(F.col("_rank") <= features.EVIDENCE_ROWS)
        .select(
            "id", "_file", "_block", "_pos", *features.EVIDENCE[2:], F.lit("evidence").alias("m")
        )
    )
    out = parts[0]
    for frame in [*parts[1:], backs, evidence]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out


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
    line: Callable[[int, int, int], int],
    limits: Thresholds,
) -> list[Aggregate]:
    def table(name: str, columns: tuple[str, ...]) -> pl.DataFrame:
        rows = [{c: r[c] for c in columns} for r in result if r["m"] == name]
        return pl.DataFrame(rows, schema={c: _TYPES[c] for c in columns}, orient="row")

    tables = {
        m.name: table(m.name, ("id", *(m.then or m.by), "n", "first", "last"))
        for m in features.MEASURES
    }
    for item in result:
        if item["m"] == "evidence":
            item["file"] = str(files[item["_file"]])
            item["line"] = line(item["_file"], item["_block"], item["_pos"])
    evidence = table("evidence", ("id", *features.EVIDENCE))
    callbacks = table("callbacks", ("id", *features.CALLBACK))
    return features.assemble(kept, tables, callbacks, evidence, limits)
