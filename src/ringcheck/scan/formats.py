"""Which call-record format a file is in, and where each switch's own CSV keeps each field.

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
- **CSV or TSV with a header** (columns found by name: ``tabular.ALIASES``), and
  **Parquet**.

``expand`` turns paths, folders and globs into the files to read. Both engines use these.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ringcheck import tabular
from ringcheck.scan.model import Columns, ScanError, ScanOptions

ASTERISK = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)  # fmt: skip
FREESWITCH_EXAMPLE = (
    "caller_id_name", "caller_id_number", "destination_number", "context", "start_stamp",
    "answer_stamp", "end_stamp", "duration", "billsec", "hangup_cause", "uuid", "bleg_uuid",
    "accountcode", "read_codec", "write_codec",
)  # fmt: skip
ASTERISK_TIME = "%Y-%m-%d %H:%M:%S"


def time_formats(home: str) -> tuple[str, ...]:
    """What call records' start times are read with, in order, for ``home``'s records
    (explicit formats only: a time is never guessed): ``tabular.time_formats``, the rule
    the call-log triage follows too, so 03/04/2026 is 4 March in the US and Canada and
    3 April elsewhere, in both."""
    return tabular.time_formats(home, records=True)


DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})
# What a call-record file's columns hold, as ``tabular.ALIASES`` groups.
FIELDS: dict[str, tuple[str, ...]] = {
    "caller": ("caller",),
    "callee": ("callee",),
    "start": ("start",),
    "ring": ("ring",),
    "duration": ("duration",),
    "billsec": ("billsec",),
    "answered": ("outcome",),
}
# An ``answered`` column: words saying so, or a yes/no flag.
ANSWERED_WORDS = tabular.ANSWERED_WORDS + tabular.FLAG_YES
MORE = "_more"  # a column past a format's last: a record with too many fields fills it
_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".gz")


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
    lines = first_lines(path)
    if not lines:
        raise ScanError("not_call_records", f"{path} is empty.")
    if tabular.looks_binary("".join(lines)):
        raise ScanError("unknown_format", f"{path} is not text: it is not call records.")
    if options.template:
        return "freeswitch"
    return detect_lines(lines, str(path))


def detect_lines(lines: list[str], where: str = "The records") -> str:
    """The format of a text file starting with ``lines``: ``asterisk``, ``freeswitch``
    or ``csv`` (a header), else ``ScanError`` (``unknown_format``)."""
    found = tabular.header_of(lines)
    fields = found.names if found is not None else []
    if _looks_asterisk(fields):
        return "asterisk"
    if _looks_freeswitch(fields):
        return "freeswitch"
    if len(fields) >= 2 and not any(_is_time(f) for f in fields):
        return "csv"
    raise ScanError(
        "unknown_format",
        f"{where} is not a call-record file ringcheck knows: not Asterisk's Master.csv, "
        "FreeSWITCH cdr_csv, a CSV or TSV with a header, or Parquet. Give --format.",
    )


def first_lines(path: Path) -> list[str]:
    """``tabular.first_lines``, or ``ScanError`` (``not_call_records``) saying why not."""
    try:
        return tabular.first_lines(path)
    except (OSError, EOFError) as exc:
        raise ScanError("not_call_records", f"{path} can't be read: {exc}.") from None


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


def find_columns(names: list[str], given: Columns) -> dict[str, str | None]:
    """Which of ``names`` holds each field: as given, else the first whose name fits
    (``tabular.find_columns``). Raises ``ScanError`` (``no_column``) for a given name
    the file lacks, or when the caller, callee, start, or both duration and ring can't
    be found."""
    try:
        where = tabular.find_columns(names, FIELDS, {f: getattr(given, f) for f in FIELDS})
    except tabular.UnknownColumn as exc:
        raise ScanError("no_column", str(exc)) from None
    found = {field: names[where[field]] if field in where else None for field in FIELDS}
    missing = [f for f in ("caller", "callee", "start") if found[f] is None]
    if missing or (found["duration"] is None and found["ring"] is None):
        what = missing or ["duration or ring"]
        raise ScanError(
            "no_column",
            f"Can't tell which column holds the {' and the '.join(what)}. Name it with "
            f"--{what[0].split()[0]}. The columns are: {', '.join(names)}.",
        )
    return found
