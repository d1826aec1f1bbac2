"""What the operator scan reads and hands on: the calls table, options, unreadable rows.

Every reader (Asterisk, FreeSWITCH, CSV/TSV with a header, Parquet) gives the same lazy
table of calls, one row per call record:

==========  ======  ================================================================
column      type    meaning
==========  ======  ================================================================
file        Utf8    the file the record came from
line        Int64   its record number in that file (1 = first record)
caller      Utf8    the calling number in E.164, or as written when it has no E.164
                    form (an extension); null when withheld
callee      Utf8    the called number, the same way
caller_text Utf8    the calling number as written (so a pass can group before reading)
callee_text Utf8    the called number as written
start       Int64   when the call began, in seconds since 1970 (UTC)
ring        Int64   seconds it rang: duration minus billed seconds
billsec     Int64   billed (talk) seconds; 0 when not answered
answered    Bool    it was answered
ok          Bool    the record can be used
why         Utf8    null, or why it can't be (those records are listed, not used)
==========  ======  ================================================================

Numbers and seconds are integers on purpose: both engines (Polars, Spark) then count the
same things exactly and give identical findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import polars as pl

from ringcheck.errors import RingcheckError

CALLS: dict[str, Any] = {
    "file": pl.String,
    "line": pl.Int64,
    "caller": pl.String,
    "callee": pl.String,
    "caller_text": pl.String,
    "callee_text": pl.String,
    "start": pl.Int64,
    "ring": pl.Int64,
    "billsec": pl.Int64,
    "answered": pl.Boolean,
    "ok": pl.Boolean,
    "why": pl.String,
}
FORMATS = ("asterisk", "freeswitch", "csv", "parquet")


class ScanError(RingcheckError, ValueError):
    """Call records that can't be scanned at all (codes: ``no_files``, ``not_found``,
    ``unknown_format``, ``not_call_records``, ``bad_template``, ``no_column``,
    ``bad_time_zone``, ``bad_option``, ``engine_missing``, ``no_space``)."""


# Why a record can't be used, in the order the checks are made (the first that fails
# is the one listed): an empty line; no called number; a start time that can't be read
# (or doesn't exist in the zone: the hour the clocks skip); a duration or billed seconds
# that can't be read or are below 0.
WHY = {
    "empty": "it is an empty line",
    "no_callee": "it has no called number",
    "start": "the start time can't be read",
    "ring": "its duration and billed seconds can't be read",
    "billsec": "its billed seconds can't be read",
}


class Unreadable(NamedTuple):
    """A record that was left out: where it is and why, in plain words."""

    file: str
    line: int
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "why": self.why}


@dataclass(frozen=True)
class Columns:
    """Which columns of a CSV, TSV or Parquet file hold what (None: found by name)."""

    caller: str | None = None
    callee: str | None = None
    start: str | None = None
    ring: str | None = None
    duration: str | None = None
    billsec: str | None = None
    answered: str | None = None


@dataclass(frozen=True)
class ScanOptions:
    """How to read and judge the call records. Every field has a working default."""

    home: str = "GB"
    tz: str | None = None  # the zone local times are in; None: this computer's zone
    format: str = "auto"
    template: str | None = None  # a FreeSWITCH cdr_csv template of ${names}
    time_format: str | None = None  # strptime format of start times (CSV, FreeSWITCH…)
    columns: Columns = field(default_factory=Columns)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    allowlist: tuple[str, ...] = ()  # E.164 numbers or prefixes never flagged
    max_unreadable: int = 1000  # unreadable records listed (all are counted)


@dataclass
class InputFile:
    """One file that was read, for the report's header."""

    path: str
    format: str
    size: int
    records: int = 0
    unreadable: int = 0
    sha256: str | None = None
    # damage found before reading (``intake``): a skipped file's reason (line 0), or
    # a record the engine didn't read (a last record cut short)
    problems: list[Unreadable] = field(default_factory=list)

    @property
    def skipped(self) -> str | None:
        """Why the whole file was left out, or None."""
        return next((p.why for p in self.problems if p.line == 0), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "size": self.size,
            "records": self.records,
            "unreadable": self.unreadable,
            "sha256": self.sha256,
            "skipped": self.skipped,
        }


@dataclass
class Scanned:
    """What an engine hands to scoring: inputs, unreadable records, candidates' counts."""

    inputs: list[InputFile]
    unreadable: list[Unreadable]
    records: int
    callers: int  # E.164 caller numbers with at least one one-ring call
    first: int | None
    last: int | None
    aggregates: list[Any]  # features.Aggregate, one per candidate
    engine: str
    version: str
    jobs: int | None = None  # Spark jobs the scan ran (None: not counted)
