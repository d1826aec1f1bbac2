"""Two engines, one answer: Spark (local mode, one session for this module) gives the same
findings, unreadable records and counts as Polars on the same files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from scan_support import DATA, ZONE

from ringcheck.bulk import KEYS, longest_keys, prefix_table
from ringcheck.scan import ScanOptions, scan
from ringcheck.scan.demo import demo, generate
from ringcheck.scan.demo import write as write_plainly

ROWS = 30_000


def _spark_or_skip() -> None:
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark (pip install '.[spark]'; make test installs it)")
    if shutil.which("java") is None:
        missing.append("java (OpenJDK 17+; .ci/run installs openjdk-17-jre-headless)")
    if missing:
        reason = "Spark tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def spark() -> Any:
    _spark_or_skip()
    from ringcheck.scan.engines import spark as engine

    session = engine.session()
    yield session
    engine.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spark-demo")
    out = {}
    for fmt in ("asterisk", "freeswitch", "parquet"):
        out[fmt] = folder / f"cdr.{fmt}"
        demo(ROWS, out[fmt], fmt, seed=7)
    return out


def canonical(result: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (f.kind, f.key, f.level, f.score, sorted(f.features.items()), f.numbers, f.evidence,
         f.callbacks, f.timeline, f.within)
        for f in result.findings
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["asterisk", "freeswitch", "parquet"])
def test_spark_and_polars_give_identical_findings(
    spark: Any, files: dict[str, Path], fmt: str
) -> None:
    options = ScanOptions(tz=ZONE)
    polars_result = scan([str(files[fmt])], options)
    spark_result = scan([str(files[fmt])], options, engine="spark")
    assert spark_result.engine == "spark" and polars_result.engine == "polars"
    assert polars_result.findings, "the demo plants campaigns"
    assert canonical(spark_result) == canonical(polars_result)
    assert [(s.key, s.reason) for s in spark_result.spared] == [
        (s.key, s.reason) for s in polars_result.spared
    ]
    assert (spark_result.records, spark_result.callers) == (
        polars_result.records,
        polars_result.callers,
    )


def test_spark_lists_the_same_unreadable_records(spark: Any) -> None:
    paths = [
        str(DATA / name) for name in ("Master.csv", "freeswitch-example.csv", "cdr-header.csv")
    ]
    options = ScanOptions(tz=ZONE)
    polars_result = scan(paths, options)
    spark_result = scan(paths, options, engine="spark")
    assert spark_result.unreadable == polars_result.unreadable
    assert [f.to_dict() for f in spark_result.inputs] == [f.to_dict() for f in polars_result.inputs]


def test_spark_reads_a_semicolon_csv_after_a_sep_line_as_polars_does(
    spark: Any, tmp_path: Path
) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("sep=;\n" + (DATA / "cdr-header.csv").read_text().replace(",", ";"))
    options = ScanOptions(tz=ZONE)
    polars_result = scan([str(path)], options)
    spark_result = scan([str(path)], options, engine="spark")
    assert polars_result.records == 4 and polars_result.unreadable
    assert spark_result.unreadable == polars_result.unreadable
    assert [f.to_dict() for f in spark_result.inputs] == [f.to_dict() for f in polars_result.inputs]


def test_spark_finds_the_longest_prefixes_as_polars_does(spark: Any) -> None:
    from ringcheck.scan.engines.spark import longest_keys as spark_keys

    numbers = [
        "+18768123456", "+447400123456", "+447911123456", "+2348031234567", "+8816312345678",
        "+4490612345678", "+19991234567", "+33612345678", "+7701123456", "+441481256789",
        "+33891123456", "+499001234567", "+491801234567",
    ]  # fmt: skip
    table = prefix_table()
    expected = (
        longest_keys(pl.DataFrame({"n": numbers}).lazy(), pl.col("n").str.slice(1), table)
        .collect()
        .select("n", *(f"_k_{k}" for k in KEYS))
        .sort("n")
    )
    frame = spark.createDataFrame([(n,) for n in numbers], "n string")
    got = spark_keys(frame, "n").collect()
    rows = sorted((r["n"], *(r[f"_k_{k}"] for k in KEYS)) for r in got)
    assert rows == expected.rows()


@pytest.mark.parametrize("how", ["asterisk-crlf", "freeswitch-13", "excel-unicode-text"])
def test_spark_reads_every_writers_habit_as_polars_reads_plain_records(
    spark: Any, tmp_path: Path, how: str
) -> None:
    """Callers and callees in every written form (call-backs dialled with 00 too): the
    same findings, call-backs and billed seconds as Polars on the plainly written file."""
    from test_scan_writers import HEADER_LINES, answer
    from writers import write

    calls, _ = generate(20_000, seed=11, subscribers=4_000)
    plain = tmp_path / "plain.csv"
    write_plainly(calls, plain, "asterisk")
    options = ScanOptions(tz=ZONE)
    expected = scan([str(plain)], options)
    found = scan([str(write(calls, tmp_path / f"{how}.csv", how))], options, engine="spark")
    assert expected.summary()["callbacks"] > 0
    assert answer(found, HEADER_LINES.get(how, 0)) == answer(expected)
    assert (found.records, found.unreadable_count) == (expected.records, 0)
    for key in ("callbacks", "callback_billsec", "victims"):
        assert found.summary()[key] == expected.summary()[key]


def test_spark_lists_the_same_damage_and_scans_the_rest(spark: Any, tmp_path: Path) -> None:
    """A live file cut short, empty and binary files, NUL bytes, a 10 MB line, a record
    of 1,000 fields, a gzip file cut short: listed alike by both engines, never fatal."""
    from damage import build

    folder = tmp_path / "cdr"
    folder.mkdir()
    build(folder)
    options = ScanOptions(tz=ZONE)
    paths = [str(folder), str(tmp_path / "base.csv")]
    polars_result = scan(paths, options)
    spark_result = scan(paths, options, engine="spark")
    assert polars_result.unreadable and len(polars_result.unreadable) >= 8
    assert spark_result.unreadable == polars_result.unreadable
    assert [f.to_dict() for f in spark_result.inputs] == [f.to_dict() for f in polars_result.inputs]
    assert canonical(spark_result) == canonical(polars_result)


def _asterisk_line(start: str, n: int) -> str:
    caller, callee = "+2250712345601", f"+4474001{n:05d}"
    return (
        f'"","{caller}","{callee}","from-trunk","""Unknown"" <{caller}>","PJSIP/trunk-1","",'
        f'"Dial","PJSIP/1,30","{start}",,"{start}",2,0,"NO ANSWER","DOCUMENTATION"\n'
    )


def test_spark_reads_the_hours_the_clocks_skip_and_repeat_as_polars_does(
    spark: Any, tmp_path: Path
) -> None:
    # Europe/London: 01:30 on 29 March 2026 never happened (clocks went forward at 01:00);
    # 01:30 on 25 October 2026 happened twice (the earlier is taken).
    starts = ["2026-03-29 00:59:59", "2026-03-29 01:30:00", "2026-03-29 02:00:00",
              "2026-10-25 01:30:00", "2026-10-25 02:30:00"]  # fmt: skip
    records = tmp_path / "Master.csv"
    records.write_text("".join(_asterisk_line(s, i) for i, s in enumerate(starts)), "utf-8")
    options = ScanOptions(tz=ZONE)
    polars_result = scan([str(records)], options)
    spark_result = scan([str(records)], options, engine="spark")
    assert [u.line for u in polars_result.unreadable] == [2]
    assert spark_result.unreadable == polars_result.unreadable
    assert (spark_result.first, spark_result.last) == (polars_result.first, polars_result.last)


def test_spark_sees_the_wangiri_signature_as_polars_does(spark: Any, tmp_path: Path) -> None:
    from live_support import asterisk, background, campaign, flash_calls, write

    calls = campaign() + flash_calls(callees=150) + background()
    path = str(write(tmp_path / "Master.csv", asterisk(calls)))
    options = ScanOptions(tz="UTC")
    polars_result = scan([path], options)
    assert any(r["code"] == "signature" for f in polars_result.findings for r in f.reasons)
    assert canonical(scan([path], options, engine="spark")) == canonical(polars_result)


@pytest.mark.parametrize("home", ["US", "GB"])
def test_spark_reads_ambiguous_dates_for_the_home_as_polars_does(
    spark: Any, tmp_path: Path, home: str
) -> None:
    # 03/04/2026 is 4 March for a US home and 3 April for a UK one, in both engines
    # (03/20/2026 can only be 20 March, for either home).
    path = tmp_path / "cdr.csv"
    path.write_text(
        "Calling Number,Called Number,Setup Time,Duration,Billed Seconds\n"
        "+12025550101,+12025550102,03/04/2026 10:00:00,2,0\n"
        "+12025550103,+12025550104,03/20/2026 10:00:00,2,0\n",
        "utf-8",
    )
    options = ScanOptions(tz="UTC", home=home)
    polars_result = scan([str(path)], options)
    spark_result = scan([str(path)], options, engine="spark")
    assert (spark_result.first, spark_result.last) == (polars_result.first, polars_result.last)
    assert spark_result.unreadable == polars_result.unreadable
    expected = dt.date(2026, 3, 4) if home == "US" else dt.date(2026, 4, 3)
    ends = (polars_result.first, polars_result.last)
    assert expected in {dt.datetime.fromtimestamp(t or 0, dt.UTC).date() for t in ends}


def test_spark_counts_a_range_member_that_never_rang_once_as_polars_does(
    spark: Any, tmp_path: Path
) -> None:
    from scan_support import range_with_an_answering_member

    path = str(range_with_an_answering_member(tmp_path / "calls.csv"))
    options = ScanOptions(tz="UTC")
    polars_result = scan([path], options)
    spark_result = scan([path], options, engine="spark")
    assert canonical(spark_result) == canonical(polars_result)
    assert spark_result.spared == polars_result.spared
