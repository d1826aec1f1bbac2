"""Call records as the switches write them, read lazily with Polars into one table.

Asterisk's ``Master.csv``, FreeSWITCH ``cdr_csv``, CSV or TSV with a header, and Parquet
(``scan.formats`` says which a file is and where each keeps each field).

Many files, directories and globs; ``.gz`` CSV too, read as a stream (memory doesn't grow
with the file). Each file is surveyed first (``intake``): damage is listed, never fatal.
Numbers are read as text (a leading ``00`` is kept) and put in E.164 with the home region
(``scan.numbering``); times are read with an explicit format, in the zone given. A record
that can't be used keeps its file and line and says why (column ``why``): it is listed,
never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from ringcheck import tabular
from ringcheck.scan.formats import (
    ANSWERED_WORDS,
    ASTERISK_TIME,
    MORE,
    find_columns,
    first_lines,
    layout,
    time_formats,
)
from ringcheck.scan.intake import HAS_NUL, TOO_MANY_FIELDS, Survey, surveyed
from ringcheck.scan.model import CALLS, WHY, InputFile, ScanError, ScanOptions
from ringcheck.scan.numbering import e164


def read(path: Path, fmt: str, options: ScanOptions, seen: Survey | None = None) -> pl.LazyFrame:
    """The calls in one file, lazily, in ``model.CALLS``' columns (of what ``seen``,
    its ``intake.survey``, says to read)."""
    seen = seen or Survey(path, path)
    if fmt in ("asterisk", "freeswitch"):
        form = layout(fmt, options)
        raw = _csv(seen, form.names, ",")
        return _calls(
            raw,
            path,
            form.caller,
            form.callee,
            form.start,
            options,
            disposition=form.disposition,
            answer=form.answer,
        )
    if fmt == "parquet":
        return _named(pl.scan_parquet(path).with_row_index("_line", offset=1), path, options)
    if fmt == "csv":
        return _named(_header_csv(seen), path, options)
    raise ScanError(
        "unknown_format", f"Unknown format {fmt!r}: use one of asterisk, freeswitch, csv, parquet."
    )


def _csv(seen: Survey, names: tuple[str, ...], separator: str) -> pl.LazyFrame:
    """A headerless CSV as text columns, ``MORE`` holding what lies past the last."""
    schema = {name: pl.String for name in (*names, MORE)}
    options = {
        "has_header": False,
        "separator": separator,
        "quote_char": '"',
        "schema": schema,
        "truncate_ragged_lines": True,
        "missing_columns": "insert",  # Asterisk writes uniqueid and userfield only if asked
        "row_index_name": "_line",
        "row_index_offset": 1,
        "encoding": "utf8-lossy",  # a Latin-1 byte in a caller's name is no reason to stop
        "n_rows": seen.rows,
    }
    # a .gz file is read as a stream: memory doesn't grow with the file
    return pl.scan_csv(seen.source, **options)  # type: ignore[arg-type]


def _header_csv(seen: Survey) -> pl.LazyFrame:
    header = tabular.header_of(first_lines(seen.source))
    assert header is not None  # detect found it
    options = {
        "separator": header.separator,
        "infer_schema": False,  # every column as text: '0044…' keeps its zeros
        "truncate_ragged_lines": True,
        "row_index_name": "_line",
        "row_index_offset": header.line + 1,  # the header's line and any before it
        "encoding": "utf8-lossy",
        "n_rows": None if seen.rows is None else seen.rows - header.line,
    }
    if header.line > 1:  # a sep= line (or blank lines) before the header
        options["skip_rows"] = header.line - 1
    return pl.scan_csv(seen.source, **options)  # type: ignore[arg-type]


def _named(raw: pl.LazyFrame, path: Path, options: ScanOptions) -> pl.LazyFrame:
    schema = raw.collect_schema()
    names = [n for n in schema.names() if n != "_line"]
    cols = find_columns(names, options.columns)
    # Numbers always as text; counts and answered flags as the file types them (Parquet's
    # integers and booleans need no reading), anything else as text to be read.
    kept = {"ring", "duration", "billsec", "answered"}
    text = {
        k: pl.col(v) if k in kept and _typed(schema[v]) else pl.col(v).cast(pl.String)
        for k, v in cols.items()
        if v is not None
    }
    start = cols["start"]
    assert start is not None  # find_columns insists on it
    typed = _typed_time(pl.col(start), schema[start], options.tz or local_zone())
    frame = raw.select(
        "_line",
        *(expr.alias(f"_{k}") for k, expr in text.items()),
        *([typed.alias("_start_epoch")] if typed is not None else []),
    )
    return _canonical(
        frame,
        path,
        options,
        start_format=options.time_format,
        ring="_ring" in {f"_{k}" for k in text},
        has_duration="duration" in text,
        has_billsec="billsec" in text,
        answered="answered" in text,
    )


def _typed(dtype: pl.DataType) -> bool:
    return dtype.is_integer() or dtype == pl.Boolean


def _typed_time(column: pl.Expr, dtype: pl.DataType, zone: str) -> pl.Expr | None:
    """Seconds since 1970 of a column that already holds times (None for text)."""
    if isinstance(dtype, pl.Datetime):
        moment = column if dtype.time_zone else column.dt.replace_time_zone(zone)
        return moment.dt.epoch("s")
    if dtype.is_integer():
        return column.cast(pl.Int64)
    return None


def _calls(
    raw: pl.LazyFrame,
    path: Path,
    caller: str,
    callee: str,
    start: str,
    options: ScanOptions,
    *,
    disposition: str | None = None,
    answer: str | None = None,
) -> pl.LazyFrame:
    answered: pl.Expr | None = None
    if disposition is not None:
        answered = pl.col(disposition).str.strip_chars().str.to_uppercase() == "ANSWERED"
    elif answer is not None:
        answered = pl.col(answer).is_not_null() & (pl.col(answer).str.strip_chars() != "")
    frame = raw.select(
        "_line",
        pl.col(caller).alias("_caller"),
        pl.col(callee).alias("_callee"),
        pl.col(start).alias("_start"),
        pl.col("duration").alias("_duration"),
        pl.col("billsec").alias("_billsec"),
        *([answered.alias("_answered_flag")] if answered is not None else []),
        pl.col(MORE).is_not_null().alias("_too_many"),
    )
    return _canonical(
        frame,
        path,
        options,
        start_format=options.time_format or ASTERISK_TIME,
        ring=False,
        has_duration=True,
        has_billsec=True,
        answered=False,
    )


def _int(column: str, schema: pl.Schema) -> pl.Expr:
    if schema[column] != pl.String:  # already a number: Parquet
        return pl.col(column).cast(pl.Int64, strict=False)
    return pl.col(column).str.strip_chars().cast(pl.Int64, strict=False)


def _canonical(
    frame: pl.LazyFrame,
    path: Path,
    options: ScanOptions,
    *,
    start_format: str | None,
    ring: bool,
    has_duration: bool,
    has_billsec: bool,
    answered: bool,
) -> pl.LazyFrame:
    """Text columns ``_caller``, ``_callee``, ``_start``… into ``model.CALLS``
    (``_start_epoch``, when present, holds the start already in seconds: Parquet)."""
    zone = options.tz or local_zone()
    schema = frame.collect_schema()
    if "_start_epoch" in schema.names():
        start = pl.col("_start_epoch")
    else:
        start = _times(pl.col("_start").str.strip_chars(), start_format, zone, options.home)
    frame = frame.with_columns(
        _billsec_s=_int("_billsec", schema) if has_billsec else pl.lit(0, pl.Int64)
    )
    billsec = pl.col("_billsec_s")  # read once: the ring time and the checks use it too
    duration = _int("_duration", schema) if has_duration else None
    # Each field read once (a column of its own), then the checks read those columns:
    # written as one select, the query would parse every start time twice.
    frame = frame.with_columns(
        _start_s=start,
        _ring_s=_ring(schema, ring, duration, billsec),
        _answered_b=_answered(schema, answered, billsec),
    )
    why, ok = _checks(schema, pl.col("_start_s"), pl.col("_ring_s"), billsec)
    home = options.home
    return frame.select(
        pl.lit(str(path)).alias("file"),
        pl.col("_line").cast(pl.Int64).alias("line"),
        e164(pl.col("_caller"), home).alias("caller"),
        e164(pl.col("_callee"), home).alias("callee"),
        pl.col("_caller").alias("caller_text"),
        pl.col("_callee").alias("callee_text"),
        pl.col("_start_s").alias("start"),
        pl.col("_ring_s").alias("ring"),
        billsec.alias("billsec"),
        pl.col("_answered_b").fill_null(False).alias("answered"),
        ok.alias("ok"),
        why.alias("why"),
    ).cast(CALLS)  # type: ignore[arg-type]


def _answered(schema: pl.Schema, column: bool, billsec: pl.Expr) -> pl.Expr:
    """Answered: a switch's own flag, else the ``_answered`` column (a flag, 1 or 0, or
    words) or billed seconds, else billed seconds alone."""
    if "_answered_flag" in schema.names():
        return pl.col("_answered_flag")
    if not column:
        return billsec > 0
    if schema["_answered"] == pl.Boolean:
        return pl.col("_answered") | (billsec > 0)
    if schema["_answered"] != pl.String:  # 1 or 0
        return (pl.col("_answered") == 1) | (billsec > 0)
    words = pl.col("_answered").str.strip_chars().str.to_lowercase()
    return words.is_in(ANSWERED_WORDS) | (billsec > 0)


def _ring(schema: pl.Schema, column: bool, duration: pl.Expr | None, billsec: pl.Expr) -> pl.Expr:
    """Seconds it rang: the ``_ring`` column, else duration minus billed seconds."""
    if column:
        return _int("_ring", schema)
    if duration is not None:
        return duration - billsec
    return pl.lit(None, pl.Int64)


def _checks(
    schema: pl.Schema, start: pl.Expr, ring: pl.Expr, billsec: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """(why a record can't be used, or null; whether it can): the same tests twice, as
    one cheap flag and, only for listing, the first reason that holds."""
    callee = pl.col("_callee")
    no_callee = callee.is_null() | (callee.str.strip_chars() == "")
    empty = callee.is_null() & pl.col("_start").is_null() & pl.col("_caller").is_null()
    texts = [c for c in ("_caller", "_callee", "_start") if schema[c] == pl.String]
    nul = pl.any_horizontal([pl.col(c).str.contains("\x00", literal=True) for c in texts])
    too_many = pl.col("_too_many") if "_too_many" in schema.names() else pl.lit(False)
    checks = [
        (too_many, TOO_MANY_FIELDS),
        (nul.fill_null(False), HAS_NUL),
        (empty, WHY["empty"]),
        (no_callee, WHY["no_callee"]),
        (start.is_null(), WHY["start"]),
        (ring.is_null() | (ring < 0), WHY["ring"]),
        (billsec.is_null() | (billsec < 0), WHY["billsec"]),
    ]
    why: Any = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
    for test, text in checks[1:]:
        why = why.when(test).then(pl.lit(text))
    ok = (
        callee.is_not_null()
        & (callee.str.len_bytes() > 0)
        & start.is_not_null()
        & (ring >= 0)
        & (billsec >= 0)
        & ~(too_many | nul).fill_null(False)
    ).fill_null(False)
    return why.otherwise(None), ok


def _times(text: pl.Expr, form: str | None, zone: str, home: str) -> pl.Expr:
    """Seconds since 1970 of local times in ``zone``: one format, or the first of
    ``time_formats(home)`` that reads each value (explicit formats only: never guessed)."""
    forms = (form,) if form else time_formats(home)
    parsed = pl.coalesce(
        [text.str.strptime(pl.Datetime("us"), f, strict=False, cache=False) for f in forms]
    )
    local = parsed.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    return local.dt.epoch("s")


def local_zone() -> str:
    """This computer's time zone name (TZ, /etc/timezone, /etc/localtime), else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if (name and "/" in name) or name == "UTC":
        return name
    try:
        with open("/etc/timezone", encoding="utf-8") as file:
            found = file.read().strip()
            if found:
                return found
    except OSError:
        pass
    target = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in target:
        return target.split("zoneinfo/", 1)[1]
    return "UTC"


def open_all(
    paths: Iterable[str], options: ScanOptions, *, check_gzip: bool = True
) -> tuple[pl.LazyFrame, list[InputFile]]:
    """Every readable file's calls in one lazy table, and every file (the skipped too).
    ``check_gzip=False``: a gzip file is not unpacked to its end first (``intake``), so
    reading one cut short fails, and the caller asks again with the check."""
    chosen = surveyed(paths, options, check_gzip=check_gzip)
    frames = [read(s.path, i.format, options, s) for s, i in chosen if not i.skipped]
    return pl.concat(frames, how="vertical"), [i for _, i in chosen]
