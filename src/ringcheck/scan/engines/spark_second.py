"""The Spark engine's second query: the kept candidates' records, counted.

The records from or to a kept candidate's spellings are found by broadcast joins on the
spellings as written, so only those are put in E.164, record by record, and kept (few);
they are counted by one grouping-sets aggregation (``features.MEASURES``), with the
call-backs and the first records as evidence; that table, the candidates' counts only,
comes to the driver once (``measured``), and ``assembled`` makes the ``Aggregate`` of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from ringcheck.scan import features
from ringcheck.scan.engines.spark_first import gid, key
from ringcheck.scan.engines.spark_read import utc
from ringcheck.scan.features import Aggregate, Thresholds
from ringcheck.scan.model import ScanOptions
from ringcheck.scan.numbering import spark_e164
from ringcheck.scan.readers import local_zone

_DROPS = (0, *features.RANGE_DIGITS)


def measured(
    spark: Any,
    calls: Any,
    spelled: Any,
    kept: pl.DataFrame,
    files: list[Path],
    options: ScanOptions,
    limits: Thresholds,
) -> list[dict[str, Any]]:
    """The kept candidates' counts (``kept``: ``id``, ``key``, ``drop``), collected in
    one trip, told apart by ``m``: their records found by spelling in ``calls``
    (``spark_first.compact``), with ``spelled`` the spellings in E.164."""
    from pyspark.sql import functions as F

    cands = values(
        spark, [(int(r["id"]), r["key"], int(r["drop"])) for r in kept.iter_rows(named=True)]
    )
    rows = _touching(_spelled_as(calls, _wanted(spelled, cands)), files, options)
    # The candidates' records are few: kept, and counted in as many parts as there are
    # cores (merged after they are kept: merged before, the records' ids would change).
    cores = spark.sparkContext.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(cores))
    # Only the usable ones, once kept: a test on ``ok`` before would be moved down to the
    # reading, where each field it reads would parse the line again.
    rows = rows.localCheckpoint().filter(F.col("ok")).drop("ok").coalesce(cores)
    return [r.asDict() for r in _measured(rows, cands, limits, options).collect()]


def values(spark: Any, rows: list[tuple[int, str, int]]) -> Any:
    """The candidates (id, key, drop) as a table held in the query itself: made from a
    Python list by ``createDataFrame``, it would start Python on the workers."""
    values = ", ".join(f"({i}, '{key.replace(chr(39), '')}', {drop})" for i, key, drop in rows)
    return spark.sql(f"SELECT * FROM VALUES {values} AS t(id, key, drop)")


def _keys(column: str) -> Any:
    """Each of a number's keys (``drop``, ``key``): the number, its ranges."""
    from pyspark.sql import functions as F

    each = [F.struct(F.lit(d).alias("drop"), key(column, d).alias("key")) for d in _DROPS]
    return F.explode(F.array(*each)).alias("_k")


def _wanted(spelled: Any, cands: Any) -> Any:
    """The spellings of every number in a candidate (its number, or in its range)."""
    from pyspark.sql import functions as F

    return (
        spelled.filter(F.col("number").isNotNull())
        .select("text", _keys("number"))
        .select("text", "_k.drop", "_k.key")
        .join(F.broadcast(cands.select("drop", "key")), ["drop", "key"])
        .select("text")
        .distinct()
    )


def _spelled_as(calls: Any, wanted: Any) -> Any:
    """The records of ``calls`` whose caller or callee is written as one of ``wanted``
    (usable or not: see ``measured``)."""
    from pyspark.sql import functions as F

    frame = calls
    for side in ("caller", "callee"):
        mark = wanted.select(F.col("text").alias(f"_{side}_text"), F.lit(True).alias(f"_{side}"))
        frame = frame.join(
            F.broadcast(mark), F.col(f"{side}_text") == F.col(f"_{side}_text"), "left"
        )
    hit = F.col("_caller").isNotNull() | F.col("_callee").isNotNull()
    return frame.filter(hit).drop("_caller_text", "_callee_text", "_caller", "_callee")


def _touching(calls: Any, files: list[Path], options: ScanOptions) -> Any:
    """The records from or to a candidate's spellings, with their numbers in
    E.164 (few records: each is read there, as the Polars engine reads them), the start
    in UTC, and ``file_rank`` (the file's place by name: evidence is ordered by file
    name)."""
    from pyspark.sql import functions as F

    ranks = sorted(range(len(files)), key=lambda i: str(files[i]))
    rank = F.create_map(*[x for place, i in enumerate(ranks) for x in (F.lit(i), F.lit(place))])
    zone = options.tz or local_zone()
    return calls.select(
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
        "ok",
    )


def _members(rows: Any, cands: Any, side: str) -> Any:
    """Each record once for every candidate whose number or range is its ``side``."""
    from pyspark.sql import functions as F

    return (
        rows.select("*", _keys(side))
        .select("*", "_k.drop", "_k.key")
        .drop("_k")
        .join(F.broadcast(cands.select("drop", "key", "id")), ["drop", "key"])
        .drop("drop", "key")
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


def _measures(calls: Any) -> tuple[Any, Any]:
    """``MEASURES`` as one grouping-sets aggregation, in one table told apart by ``m``;
    and the callees' table apart (the call-backs are found with it)."""
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
    name, wanted = F.lit(None).cast("string"), F.lit(False)
    for measure in features.MEASURES:
        by = names[measure.name]
        mine = F.col("g") == gid(keys, ("id", *by))
        name = F.when(mine, F.lit(measure.name)).otherwise(name)
        if not measure.then:  # (an unanswered measure's keys are null for answered calls)
            wanted = wanted | (mine & F.col(by[0]).isNotNull() if measure.unanswered else mine)
    # each grouping set groups by one of a column and its unanswered twin: coalesce them
    columns = {
        v: F.coalesce(*[F.col(k) for k in keys if plain[k] == v])
        for v in dict.fromkeys(plain.values())
    }
    out = [*[c.alias(v) for v, c in columns.items()], "n", "first", "last", name.alias("m")]
    table = grouped.select(*out)
    parts = [grouped.filter(wanted).select(*out)]
    for measure in features.MEASURES:
        if measure.then:
            part = (
                table.filter(F.col("m") == measure.name)
                .groupBy("id", *measure.then)
                .agg(
                    F.count(F.lit(1)).alias("n"),
                    F.min("first").alias("first"),
                    F.max("last").alias("last"),
                )
            )
            parts.append(part.withColumn("m", F.lit(measure.name)))
    found = parts[0]
    for part in parts[1:]:
        found = found.unionByName(part, allowMissingColumns=True)
    return found, table.filter(F.col("m") == "callees")


def _measured(rows: Any, cands: Any, limits: Thresholds, options: ScanOptions) -> Any:
    """``MEASURES``, then call-backs and evidence: one table, told apart by ``m``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    derived = _derived(limits, options.tz or local_zone())
    calls = _members(rows, cands, "caller").select("*", *[e.alias(k) for k, e in derived.items()])
    counts, callees = _measures(calls)
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
    out = counts
    for frame in (backs, evidence):
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


def assembled(
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
