"""Line-by-line reading for the formats (and damaged files) the fast path can't take.

Each line is split on its own, so one bad line (too long, unbalanced quotes, the wrong
number of fields) becomes one unreadable row and never stops the run.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

from ringcheck.calllog.model import Unreadable

MAX_LINE_CHARS = 10_000


class Row(NamedTuple):
    line: int
    cells: list[str]


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for every non-blank line, line endings of any kind removed."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line.strip():
            yield number, line


def split(line: str, separator: str) -> list[str]:
    """The cells of one line (quotes as in CSV)."""
    return [cell.strip() for cell in next(csv.reader([line], delimiter=separator))]


def rows(
    numbered: Iterator[tuple[int, str]], separator: str, width: int, bad: list[Unreadable]
) -> Iterator[Row]:
    """The rows of ``numbered`` lines that have ``width`` cells; the others go to ``bad``."""
    for number, line in numbered:
        if len(line) > MAX_LINE_CHARS:
            bad.append(
                Unreadable(
                    number, f"This line is too long to be a call ({len(line):,} characters)."
                )
            )
            continue
        try:
            cells = split(line, separator)
        except csv.Error:
            bad.append(Unreadable(number, "This line can't be split into columns."))
            continue
        if len(cells) < width:
            bad.append(
                Unreadable(number, f"This line has {len(cells)} columns; the header has {width}.")
            )
            continue
        yield Row(number, cells)


def parse_time(text: str, formats: tuple[str, ...]) -> dt.datetime | None:
    """``text`` read with the first of ``formats`` that fits; None when empty."""
    text = text.strip()
    if not text:
        return None
    for form in formats:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    raise ValueError(f"The date and time '{text[:40]}' can't be read.")


def parse_seconds(text: str) -> float | None:
    """'5', '5.0', '0:05', '1:02:03' (h:mm:ss) as seconds; None when empty or unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        parts = [float(part) for part in text.split(":")]
    except ValueError:
        return None
    if len(parts) > 3 or any(part < 0 for part in parts):
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds
