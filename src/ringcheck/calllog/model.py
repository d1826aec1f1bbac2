"""What every reader hands to triage: one table of calls and the rows it couldn't read.

The table (a Polars DataFrame) has one row per call, whatever the format:

==========  ========  ===========================================================
column      type      meaning
==========  ========  ===========================================================
line        Int64     the line of the file the call is on (for messages)
number      Utf8      the caller's number as written; "Withheld" for no caller ID
time        Datetime  local time of the call (null when the log has none)
ring        Float64   seconds it rang before it stopped or was answered (null when
                      not known; only logs whose source records ring time fill it)
outgoing    Boolean   a call the person made, not one they received
missed      Boolean   not answered (missed, rejected, blocked); null when not known
name        Utf8      the name the phone or router shows for it (null if none)
==========  ========  ===========================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import polars as pl

from ringcheck.calllog.source import SOURCES

WITHHELD = "Withheld"
SCHEMA: dict[str, Any] = {
    "line": pl.Int64,
    "number": pl.Utf8,
    "time": pl.Datetime("us"),
    "ring": pl.Float64,
    "outgoing": pl.Boolean,
    "missed": pl.Boolean,
    "name": pl.Utf8,
}
MAX_NAME_CHARS = 100


class Unreadable(NamedTuple):
    """A row that couldn't be read: its line in the file and why, in plain words."""

    line: int
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "why": self.why}


class Call(NamedTuple):
    """One call, as the per-row readers (XML, FRITZ!Box, damaged CSV) build them."""

    line: int
    number: str
    time: dt.datetime | None
    ring: float | None
    outgoing: bool
    missed: bool | None
    name: str | None


@dataclass
class CallLog:
    """A read call log: the calls, the unreadable rows, the format it was read as and the
    kind of log it is (``source``, a key of ``source.SOURCES``; the format when not given)."""

    calls: pl.DataFrame
    format: str
    unreadable: list[Unreadable] = field(default_factory=list)
    source: str = ""

    def __post_init__(self) -> None:
        self.source = self.source or self.format
        if self.source not in SOURCES:
            raise ValueError(f"unknown call-log source {self.source!r}")

    @property
    def ring_time(self) -> bool:
        """Whether the log records how long calls rang (``SOURCES``): only then is the
        ``ring`` column evidence."""
        return SOURCES[self.source].ring_time


def frame(calls: Iterable[Call]) -> pl.DataFrame:
    """The calls table from per-row records."""
    columns: list[list[Any]] = [[] for _ in SCHEMA]
    for call in calls:
        for column, value in zip(columns, call, strict=True):
            column.append(value)
    return pl.DataFrame(dict(zip(SCHEMA, columns, strict=True)), schema=SCHEMA)


def clean_name(name: str | None) -> str | None:
    """A contact name worth showing, or None for the placeholders phones write."""
    if name is None:
        return None
    name = " ".join(name.split())[:MAX_NAME_CHARS]
    if not name or name.lower() in ("(unknown)", "unknown", "null", "-"):
        return None
    return name
