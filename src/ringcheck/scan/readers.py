"""Call records as the switches write them, read lazily with Polars into one table.

- **Asterisk** ``cdr_csv`` (``Master.csv``; asterisk/asterisk ``cdr/cdr_csv.c``): no
  header; ``accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
  start, answer, end, duration, billsec, disposition, amaflags`` and, when cdr.conf says
  so, ``uniqueid`` and ``userfield``. Strings are quoted with ``"`` doubled inside; an
  unanswered call has an empty, unquoted ``answer``. Local time unless told.
- **FreeSWITCH** ``mod_cdr_csv`` with the ``example`` template: ``caller_id_name,
  caller_id_number, destination_number, context, start_stamp, answer_stamp, end_stamp,
  duration, billsec, hangup_cause, uuid, bleg_uuid, accountcode, read_codec,
  write_codec`` (older configurations: the first 13), every field quoted; or any other
  template given as its ``${name}`` list.
- **CSV or TSV with a header**, and **Parquet**: columns found by name (``src``,
  ``caller``, ``a_number``…) or named with ``Columns``.

Many files, directories and globs; ``.gz`` CSV too, read as a stream (memory doesn't grow
with the file). Each file is surveyed first (``intake``): damage is listed, never fatal.
Numbers are read as text (a leading ``00`` is kept) and put in E.164 with the home region
(``scan.numbering``); times are read with an explicit format, in the zone given. A record
that can't be used keeps its file and line and says why (column ``why``): it is listed,
never silently dropped.
"""

from __future__ import annotations

import glob
import gzip
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ringcheck.scan.intake import HAS_NUL, TOO_MANY_FIELDS, Survey, surveyed
from ringcheck.scan.model import CALLS, WHY, Columns, InputFile, ScanError, ScanOptions
from ringcheck.scan.numbering import e164

ASTERISK = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
FREESWITCH_EXAMPLE = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
ASTERISK_TIME = "%Y-%m-%d %H:%M:%S"
DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})
# Column names a CSV/TSV/Parquet file may use (case, spaces, dashes, underscores ignored).
NAMES: dict[str, tuple[str, ...]] = {
    "caller": (
        "caller",
        "src",
        "source",
        "from",
        "a number",
        "anumber",
        "calling number",
        "calling",
        "caller id",
        "callerid",
        "caller id number",
        "cli",
        "ani",
        "origin",
    ),
    "callee": (
        "callee",
        "dst",
        "destination",
        "to",
        "b number",
        "bnumber",
        "called number",
        "called",
        "destination number",
        "dnis",
        "dialled number",
        "dialed number",
    ),
    "start": (
        "start",
        "start time",
        "start stamp",
        "calldate",
        "call date",
        "timestamp",
        "time",
        "date",
        "datetime",
        "setup time",
        "started",
        "started at",
        "seizure time",
    ),
    "ring": ("ring", "ring time", "ringing", "ring seconds", "ring duration"),
    "duration": ("duration", "total duration", "call duration", "seconds"),
    "billsec": (
        "billsec",
        "billed",
        "billable",
        "talk time",
        "answered duration",
        "billed seconds",
    ),
    "answered": ("answered", "disposition", "status", "result", "hangup cause"),
}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
)
_ANSWERED_WORDS = ("answered", "answer", "normal_clearing", "yes", "true", "1", "y", "t")
_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".gz")
_SAMPLE_LINES = 50
MORE = "_more"  # a column past a format's last: a record with too many fields fills it


def expand(paths: Iterable[str]) -> list[Path]:
    """The files to read: each path as given, each directory's call-record files (at any
    depth), each glob's matches; in a stable order, each once."""
    found: list[Path] = []
    for given in paths:
        if any(ch in given for ch in "*?["):
            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                raise ScanError("not_found", f"No files match {given}.")
            found += [Path(m) for m in matches if os.path.isfile(m)]
        elif os.path.isdir(given):
            inside = sorted(
                p for p in Path(given).rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES)
            )
            if not inside:
                raise ScanError("no_files", f"{given} holds no call-record files.")
            found += inside
        elif os.path.isfile(given):
            found.append(Path(given))
        else:
            raise ScanError("not_found", f"{given}: no such file or folder.")
    return list(dict.fromkeys(found))


def detect(path: Path, options: ScanOptions) -> str:
    """Which format ``path`` is in: the option when it names one, else read from the file."""
    if options.format != "auto":
        return options.format
    with open(path, "rb") as raw:
        head = raw.read(4)
    if head == b"PAR1":
        return "parquet"
    lines = _first_lines(path)
    if not lines:
        raise ScanError("not_call_records", f"{path} is empty.")
    if _looks_binary("".join(lines)):
        raise ScanError("unknown_format", f"{path} is not text: it is not call records.")
    if options.template:
        return "freeswitch"
    fields = _fields(lines[0])
    if _looks_asterisk(fields):
        return "asterisk"
    if _looks_freeswitch(fields):
        return "freeswitch"
    if len(fields) >= 2 and not any(_is_time(f) for f in fields):
        return "csv"
    raise ScanError(
        "unknown_format",
        f"{path} is not a call-record file ringcheck knows: not Asterisk's Master.csv, "
        "FreeSWITCH cdr_csv, a CSV or TSV with a header, or Parquet. Give --format.",
    )


def _first_lines(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as text:
            lines = []
            for line in text:
                if line.strip():
                    lines.append(line.rstrip("\r\n"))
                if len(lines) >= _SAMPLE_LINES:
                    break
            return lines
    except (OSError, EOFError) as exc:
        raise ScanError("not_call_records", f"{path} can't be read: {exc}.") from None


def _looks_binary(sample: str) -> bool:
    """Whether text read from a file (bytes that aren't UTF-8 as U+FFFD) is binary data:
    more than 1% control characters or unreadable bytes (a NUL or two is damage, listed
    record by record)."""
    odd = sum(1 for ch in sample if (ch < " " and ch not in "\t\r\n") or ch == "\ufffd")
    return odd > len(sample) // 100


def _fields(line: str) -> list[str]:
    import csv

    separator = "\t" if line.count("\t") > line.count(",") else ","
    return next(csv.reader([line], delimiter=separator), [])


def _is_time(text: str) -> bool:
    return re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?", text.strip()) is not None


def _looks_asterisk(fields: list[str]) -> bool:
    return (
        16 <= len(fields) <= 18
        and _is_time(fields[9])
        and fields[12].strip().isdigit()
        and fields[13].strip().isdigit()
        and fields[14].strip() in DISPOSITIONS
    )


def _looks_freeswitch(fields: list[str]) -> bool:
    return (
        len(fields) in (13, 15)
        and _is_time(fields[4])
        and fields[7].strip().isdigit()
        and fields[8].strip().isdigit()
        and re.fullmatch(r"[A-Z_]+", fields[9].strip()) is not None
    )


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


@dataclass(frozen=True)
class Layout:
    """Where a switch's own CSV (no header) keeps each field; ``duration`` and
    ``billsec`` are so named in both. Answered: ``disposition`` says ANSWERED (Asterisk),
    or the ``answer`` time is there (FreeSWITCH); else billed seconds above 0."""

    names: tuple[str, ...]
    caller: str
    callee: str
    start: str
    disposition: str | None = None
    answer: str | None = None


def layout(fmt: str, options: ScanOptions) -> Layout:
    """The ``Layout`` of an ``asterisk`` or ``freeswitch`` file read with ``options``."""
    if fmt == "asterisk":
        return Layout(ASTERISK, "src", "dst", "start", disposition="disposition")
    names = template_names(options.template) if options.template else FREESWITCH_EXAMPLE
    answer = "answer_stamp" if "answer_stamp" in names else None
    return Layout(names, "caller_id_number", "destination_number", "start_stamp", answer=answer)


def template_names(template: str) -> tuple[str, ...]:
    """The variable names of a FreeSWITCH cdr_csv template: '"${a}","${b}"' -> (a, b)."""
    names = tuple(re.findall(r"\$\{([A-Za-z0-9_]+)\}", template))
    needed = {"caller_id_number", "destination_number", "start_stamp", "duration", "billsec"}
    if not names or not needed <= set(names):
        raise ScanError(
            "bad_template",
            "The template must hold ${caller_id_number}, ${destination_number}, "
            "${start_stamp}, ${duration} and ${billsec}.",
        )
    return names


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
    first = _first_lines(seen.source)[0]
    separator = "\t" if first.count("\t") > first.count(",") else ","
    options = {
        "separator": separator,
        "infer_schema": False,  # every column as text: '0044…' keeps its zeros
        "truncate_ragged_lines": True,
        "row_index_name": "_line",
        "row_index_offset": 2,  # line 1 is the header
        "encoding": "utf8-lossy",
        "n_rows": None if seen.rows is None else seen.rows - 1,
    }
    return pl.scan_csv(seen.source, **options)  # type: ignore[arg-type]


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


def find_columns(names: list[str], given: Columns) -> dict[str, str | None]:
    """Which of ``names`` holds each field: as given, else the first whose name fits."""
    by_key = {_key(n): n for n in reversed(names)}
    found: dict[str, str | None] = {}
    for field, aliases in NAMES.items():
        chosen = getattr(given, field)
        if chosen is not None:
            if chosen not in names:
                raise ScanError(
                    "no_column",
                    f"There is no column {chosen!r}. The columns are: {', '.join(names)}.",
                )
            found[field] = chosen
            continue
        found[field] = next((by_key[a] for a in aliases if a in by_key), None)
    missing = [f for f in ("caller", "callee", "start") if found[f] is None]
    if missing or (found["duration"] is None and found["ring"] is None):
        what = missing or ["duration or ring"]
        raise ScanError(
            "no_column",
            f"Can't tell which column holds the {' and the '.join(what)}. Name it with "
            f"--{what[0].split()[0]}. The columns are: {', '.join(names)}.",
        )
    return found


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
    names = schema.names()
    if "_start_epoch" in names:
        start = pl.col("_start_epoch")
    else:
        start = _times(pl.col("_start").str.strip_chars(), start_format, zone)
    duration = _int("_duration", schema) if has_duration else None
    frame = frame.with_columns(
        _billsec_s=_int("_billsec", schema) if has_billsec else pl.lit(0, pl.Int64)
    )
    billsec = pl.col("_billsec_s")  # read once: the ring time and the checks use it too
    if "_answered_flag" in names:
        answered_expr = pl.col("_answered_flag")
    elif answered and schema["_answered"] == pl.Boolean:
        answered_expr = pl.col("_answered") | (billsec > 0)
    elif answered and schema["_answered"] != pl.String:  # 1 or 0
        answered_expr = (pl.col("_answered") == 1) | (billsec > 0)
    elif answered:
        answered_expr = pl.col("_answered").str.strip_chars().str.to_lowercase().is_in(
            _ANSWERED_WORDS
        ) | (billsec > 0)
    else:
        answered_expr = billsec > 0
    if ring:
        ring_expr = _int("_ring", schema)
    elif duration is not None:
        ring_expr = duration - billsec
    else:
        ring_expr = pl.lit(None, pl.Int64)
    # Each field read once (a column of its own), then the checks read those columns:
    # written as one select, the query would parse every start time twice.
    frame = frame.with_columns(_start_s=start, _ring_s=ring_expr, _answered_b=answered_expr)
    start, ring_expr = pl.col("_start_s"), pl.col("_ring_s")
    no_callee = pl.col("_callee").is_null() | (pl.col("_callee").str.strip_chars() == "")
    empty = pl.col("_callee").is_null() & pl.col("_start").is_null() & pl.col("_caller").is_null()
    texts = [c for c in ("_caller", "_callee", "_start") if schema[c] == pl.String]
    nul = pl.any_horizontal([pl.col(c).str.contains("\x00", literal=True) for c in texts])
    too_many = pl.col("_too_many") if "_too_many" in names else pl.lit(False)
    damaged = (too_many | nul).fill_null(False)
    checks = [
        (too_many, TOO_MANY_FIELDS),
        (nul.fill_null(False), HAS_NUL),
        (empty, WHY["empty"]),
        (no_callee, WHY["no_callee"]),
        (start.is_null(), WHY["start"]),
        (ring_expr.is_null() | (ring_expr < 0), WHY["ring"]),
        (billsec.is_null() | (billsec < 0), WHY["billsec"]),
    ]
    why: Any = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
    for test, text in checks[1:]:
        why = why.when(test).then(pl.lit(text))
    why = why.otherwise(None)
    # The same tests as one cheap flag: the reason is only spelled out for listing.
    ok = (
        pl.col("_callee").is_not_null()
        & (pl.col("_callee").str.len_bytes() > 0)
        & start.is_not_null()
        & (ring_expr >= 0)
        & (billsec >= 0)
        & ~damaged
    ).fill_null(False)
    home = options.home
    return frame.select(
        pl.lit(str(path)).alias("file"),
        pl.col("_line").cast(pl.Int64).alias("line"),
        e164(pl.col("_caller"), home).alias("caller"),
        e164(pl.col("_callee"), home).alias("callee"),
        pl.col("_caller").alias("caller_text"),
        pl.col("_callee").alias("callee_text"),
        start.alias("start"),
        ring_expr.alias("ring"),
        billsec.alias("billsec"),
        pl.col("_answered_b").fill_null(False).alias("answered"),
        ok.alias("ok"),
        why.alias("why"),
    ).cast(CALLS)  # type: ignore[arg-type]


def _times(text: pl.Expr, form: str | None, zone: str) -> pl.Expr:
    """Seconds since 1970 of local times in ``zone``: one format, or the first of
    ``TIME_FORMATS`` that reads each value (explicit formats only: never guessed)."""
    forms = (form,) if form else TIME_FORMATS
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


def open_all(paths: Iterable[str], options: ScanOptions) -> tuple[pl.LazyFrame, list[InputFile]]:
    """Every readable file's calls in one lazy table, and every file (the skipped too)."""
    chosen = surveyed(paths, options)
    frames = [read(s.path, i.format, options, s) for s, i in chosen if not i.skipped]
    return pl.concat(frames, how="vertical"), [i for _, i in chosen]
