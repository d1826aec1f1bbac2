"""The scan on a cluster: PySpark, with the definitions of ``features``, in two queries.

1. Every file ``intake.surveyed`` passes is read (damaged and skipped files are listed
   there, as for Polars; ``spark_read``). One aggregation over grouping sets counts the
   file splits, the unreadable records, the one-ring pairs and the spellings; each
   spelling is put in E.164 once, and the candidates come to the driver with the counts,
   in one trip, to be kept or not (``detect.worth_a_look``): ``spark_first``.
2. The files are read again for the kept candidates' records, found by spelling; those
   are counted as ``features.MEASURES`` says, and their counts only come to the driver,
   once (``spark_second``).

No Python runs on the workers. Local mode by default (``local[2]``), or any master.
"""

from __future__ import annotations

import math
import os
import sys
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlparse

import polars as pl

from ringcheck.scan.engines import spark_first, spark_second
from ringcheck.scan.engines.spark_read import calls as read_calls
from ringcheck.scan.engines.spark_read import groups, in_utc, java_format, longest_keys, read, utc
from ringcheck.scan.features import Aggregate, Thresholds
from ringcheck.scan.intake import surveyed
from ringcheck.scan.model import InputFile, ScanError, Scanned, ScanOptions, Unreadable
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
    _size_shuffles(spark, sum(item.size for item in inputs))
    context = spark.sparkContext
    label = f"ringcheck-scan-{uuid.uuid4().hex}"
    context.setJobGroup(label, "ringcheck scan")

    try:
        # Every group's records, typed: built once (each build is analysed on the
        # driver, about a second here), read by both queries.
        typed = [read_calls(read(spark, g, ids), g, options, limits) for g in found]
        records = spark_first.compact(_in_period(_union(typed), options), limits)
        first = spark_first.first(records, options, limits)
        blocks, bad, picked, callers = spark_first.read_summary(first.rows)
        _counts(inputs, blocks)
        offsets = _offsets(blocks)

        def line(file: int, block: int, pos: int) -> int:
            return _line(offsets, file, block, pos)

        unreadable = sorted(
            (Unreadable(str(files[f]), line(f, b, p), why) for f, b, p, why in bad),
            key=lambda u: (u.file, u.line),
        )
        kept = keep(picked).sort("kind", "key").with_row_index("id")
        aggregates: list[Aggregate] = []
        if kept.height:
            rows = spark_second.measured(
                spark, records, first.spelled, kept, files, options, limits
            )
            aggregates = spark_second.assembled(rows, kept, files, line, limits)
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
    usable = [b for b in blocks if b["first"] is not None]
    return Scanned(
        inputs,
        unreadable,
        records=sum(int(b["records"]) for b in blocks),
        callers=callers,
        first=min((_utc_of(b, "first", options) for b in usable), default=None),
        last=max((_utc_of(b, "last", options) for b in usable), default=None),
        aggregates=aggregates,
        engine=ENGINE,
        version=pyspark.__version__,
        jobs=len(context.statusTracker().getJobIdsForGroup(label)),
    )


def _size_shuffles(spark: Any, size: int) -> None:
    """Shuffle partitions sized to the input (AQE merges the small ones)."""
    parts = max(spark.sparkContext.defaultParallelism, math.ceil(size / _SPLIT_BYTES))
    spark.conf.set("spark.sql.shuffle.partitions", str(min(parts, 2000)))


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


def _counts(inputs: list[InputFile], blocks: list[dict[str, Any]]) -> None:
    for i, item in enumerate(inputs):
        mine = [b for b in blocks if b["_file"] == i]
        item.records = sum(int(b["records"]) for b in mine)
        item.unreadable = sum(int(b["bad"] or 0) for b in mine)


def _utc_of(block: dict[str, Any], name: str, options: ScanOptions) -> int:
    value = int(block[name])
    return in_utc(value, options.tz or local_zone()) if block["local"] else value
