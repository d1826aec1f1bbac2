"""The Spark engine's first query: every record once, grouped three ways, and what comes of it.

One aggregation over grouping sets counts the records of each file split (for the counts
and to number lines), the unreadable records, the one-ring (caller, callee) pairs as
written, and every spelling of a number (every callee with the pairs, every caller
apart). Each spelling is put in E.164 once (kept, for the second query); the pairs in
E.164 give the candidates (``features.rules``, every rule in one aggregation), which
come to the driver with the file splits' counts and the first unreadable records, in
one trip (``first``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import polars as pl

from ringcheck.scan.engines.spark_read import why
from ringcheck.scan.features import Thresholds, rules
from ringcheck.scan.model import ScanOptions
from ringcheck.scan.numbering import spark_e164

_KEYS = ("_file", "_block", "bad_pos", "bad_why", "pair_caller", "pair_callee", "any_caller")
_SETS = {
    "blocks": ("_file", "_block", "bad_pos", "bad_why"),
    # a usable record's callee as written, with its caller when it is a one-ring call:
    # the one-ring pairs, and every callee's spelling (as the Polars engine groups them)
    "pairs": ("pair_caller", "pair_callee"),
    # every caller as written, so that a range's member whose calls were all answered or
    # long is still found by its spelling (as the Polars engine keeps them)
    "callers": ("any_caller",),
}
_CANDIDATE = {"kind": pl.String, "key": pl.String, "drop": pl.Int32}
_COUNTS = {"callees": pl.Int64, "calls": pl.Int64}


def gid(keys: tuple[str, ...], grouped: tuple[str, ...]) -> int:
    """Spark's ``grouping_id()`` of the grouping set ``grouped`` among ``keys``."""
    return sum(1 << (len(keys) - 1 - i) for i, k in enumerate(keys) if k not in grouped)


def key(column: str, drop: Any) -> Any:
    """The number in ``column`` without its last ``drop`` digits (0: the number)."""
    from pyspark.sql import functions as F

    if drop == 0:
        return F.col(column)
    return F.expr(f"substring({column}, 1, length({column}) - {drop})")


def compact(calls: Any, limits: Thresholds) -> Any:
    """The records' columns both queries use, typed, with why a record can't be used
    (``bad_why``) and whether it is a one-ring call (``_short``)."""
    from pyspark.sql import functions as F

    ok = F.col("ok")
    short = ok & ~F.col("answered") & (F.col("ring") <= limits.short_ring)
    bad = ~ok & ~F.col("_skip")
    return calls.select(
        "_file",
        "_block",
        "_pos",
        "_skip",
        "t",
        "local",
        "ok",
        "caller_text",
        "callee_text",
        "ring",
        "billsec",
        "answered",
        bad.alias("_bad"),
        F.when(bad, why()).alias("bad_why"),
        short.alias("_short"),
    )


def counted(calls: Any) -> Any:
    """One pass over every record (``compact``), grouped three ways at once: by file
    split (with the unreadable records apart), by callee as written with the caller of a
    one-ring call, and by caller as written. It grows with splits, pairs and spellings,
    not records."""
    from pyspark.sql import functions as F

    ok = F.col("ok")
    rows = calls.select(
        "_pos",
        "_skip",
        "t",
        "local",
        "ok",
        F.col("_file"),
        F.col("_block"),
        F.when(F.col("_bad"), F.col("_pos")).alias("bad_pos"),
        "bad_why",
        F.when(F.col("_short"), F.col("caller_text")).alias("pair_caller"),
        F.when(ok, F.col("callee_text")).alias("pair_callee"),
        F.when(ok, F.col("caller_text")).alias("any_caller"),
    )
    sets = [list(keys) for keys in _SETS.values()]
    return rows.groupingSets(sets, *_KEYS).agg(
        F.count(F.lit(1)).alias("n"),
        F.count(F.when(~F.col("_skip"), 1)).alias("records"),
        F.min("_pos").alias("min_pos"),
        F.min(F.when(ok, F.col("t"))).alias("first"),
        F.max(F.when(ok, F.col("t"))).alias("last"),
        F.bool_and("local").alias("local"),
        F.grouping_id().alias("g"),
    )


def part(found: Any, name: str) -> Any:
    from pyspark.sql import functions as F

    return found.filter(F.col("g") == gid(_KEYS, _SETS[name]))


def spellings(found: Any, home: str) -> Any:
    """Every spelling of a number in the usable records (every caller, every callee:
    ``text``), with its E.164 form (``number``): worked out once per spelling."""
    from pyspark.sql import functions as F

    callers = part(found, "callers").select(F.col("any_caller").alias("text"))
    texts = callers.unionByName(part(found, "pairs").select(F.col("pair_callee").alias("text")))
    texts = texts.filter(F.col("text").isNotNull()).distinct()
    return texts.withColumn("number", spark_e164(F.col("text"), home))


def _blocks(found: Any) -> Any:
    from pyspark.sql import functions as F

    return (
        part(found, "blocks")
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


def _bad(found: Any, most: int) -> Any:
    from pyspark.sql import functions as F

    return (
        part(found, "blocks")
        .filter(F.col("bad_pos").isNotNull())
        .orderBy("_file", "_block", "bad_pos")
        .limit(most)
        .select("_file", "_block", "bad_pos", "bad_why", F.lit("bad").alias("part"))
    )


def by_key(found: Any, spelled: Any, limits: Thresholds) -> Any:
    """The one-ring pairs in E.164 (callers in E.164 only) counted for every rule at
    once: per rule and key, the different callees (a missing one counts as one), the
    calls, and whether the key holds two caller numbers or more (``many``: the least and
    the greatest differ, which is all ``Rule.numbers`` asks, 1 or 2)."""
    from pyspark.sql import functions as F

    caller = spelled.select(F.col("text").alias("pair_caller"), F.col("number").alias("caller"))
    callee = spelled.select(F.col("text").alias("pair_callee"), F.col("number").alias("callee"))
    found_rules = rules(limits)
    assert all(rule.numbers <= 2 for rule in found_rules)
    each = F.array(
        *[
            F.struct(
                F.lit(rule.kind).alias("kind"),
                F.lit(rule.drop).alias("drop"),
                F.lit(rule.callees).alias("need"),
                F.lit(rule.numbers).alias("numbers"),
            )
            for rule in found_rules
        ]
    )
    pairs = (
        part(found, "pairs")
        .filter(F.col("pair_caller").isNotNull())
        .join(caller, "pair_caller")
        .join(callee, "pair_callee", "left")
        .filter(F.col("caller").startswith("+"))
        .select("caller", F.coalesce("callee", F.lit("")).alias("callee"), "n", F.explode(each))
        .select("col.*", "caller", "callee", "n")
        .withColumn("key", F.expr("substring(caller, 1, length(caller) - drop)"))
    )
    rule = ("kind", "drop", "need", "numbers", "key")
    per_callee = pairs.groupBy(*rule, "callee").agg(
        F.sum("n").alias("n"), F.min("caller").alias("low"), F.max("caller").alias("high")
    )
    return per_callee.groupBy(*rule).agg(
        F.count(F.lit(1)).alias("callees"),
        F.sum("n").alias("calls"),
        (F.min("low") < F.max("high")).alias("many"),
    )


def candidates(keyed: Any) -> Any:
    """Every candidate (``kind``, ``key``, ``drop``, ``callees``, ``calls``) of ``by_key``."""
    from pyspark.sql import functions as F

    enough = (F.col("callees") >= F.col("need")) & ((F.col("numbers") <= 1) | F.col("many"))
    return keyed.filter(enough).select("kind", "key", "drop", "callees", "calls")


class First(NamedTuple):
    """What the first query gives: ``summary``'s rows, and the spellings in E.164 (kept)."""

    rows: list[dict[str, Any]]
    spelled: Any


def first(calls: Any, options: ScanOptions, limits: Thresholds) -> First:
    """The first query on ``calls`` (``compact``): one pass over every record, kept as
    its small aggregate; the spellings in E.164, kept for the second query; and
    ``summary``, collected."""
    # Kept as short plans: the branches built on them are analysed against stored
    # tables instead of the whole read each time, and the file is read once here.
    found = counted(calls).localCheckpoint()
    spelled = spellings(found, options.home).localCheckpoint()
    keyed = by_key(found, spelled, limits)
    return First([r.asDict() for r in summary(found, keyed, options).collect()], spelled)


def summary(found: Any, keyed: Any, options: ScanOptions) -> Any:
    """What comes to the driver of the first query, told apart by ``part``: each file
    split's counts, the first unreadable records, every candidate, and how many E.164
    callers made a one-ring call."""
    from pyspark.sql import functions as F

    picked = candidates(keyed).withColumn("part", F.lit("candidate"))
    callers = (
        keyed.filter(F.col("drop") == 0)
        .agg(F.count(F.lit(1)).alias("callers"))
        .withColumn("part", F.lit("callers"))
    )
    return _union_loose([_blocks(found), _bad(found, options.max_unreadable), picked, callers])


def read_summary(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[int, int, int, str]], pl.DataFrame, int]:
    """``summary``'s rows, as collected: the file splits, the unreadable records (file,
    split, position, why), the candidates and the callers."""
    by = {p: [r for r in rows if r.get("part") == p] for p in ("block", "bad", "candidate")}
    picked = pl.DataFrame(
        [{k: r[k] for k in (*_CANDIDATE, *_COUNTS)} for r in by["candidate"]],
        schema={**_CANDIDATE, **_COUNTS},
        orient="row",
    ).sort("drop", "key")
    bad_rows = [(r["_file"], r["_block"], r["bad_pos"], r["bad_why"]) for r in by["bad"]]
    callers = next((r["callers"] for r in rows if r.get("part") == "callers"), 0)
    return by["block"], bad_rows, picked, int(callers or 0)


def _union_loose(frames: list[Any]) -> Any:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out
