"""Damaged call-record files, each with what the scan must list about it.

Built from one demo file of ``ROWS`` Asterisk records (18 fields a line): a live
Master.csv cut inside a quoted field or mid-line (in UTF-8, and in UTF-16 as Excel
writes it), an empty file, random bytes (some looking like UTF-16), NUL bytes, a 10 MB
line, a record with 1,000 fields, a gzip file cut short.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

from ringcheck.scan.demo import demo
from ringcheck.scan.intake import CUT_SHORT, EMPTY, HAS_NUL, INCOMPLETE, TOO_MANY_FIELDS

ROWS = 2_000
NOT_RECORDS = "it is not call records ringcheck knows"


def build(folder: Path) -> dict[str, list[tuple[int, str]]]:
    """Write the damaged files into ``folder``; for each, its (line, why) listed (line 0:
    the whole file skipped; a ``why`` is matched by its start)."""
    base = folder.parent / "base.csv"
    demo(ROWS, base, "asterisk")
    data = base.read_bytes()
    lines = data.splitlines(keepends=True)
    head, last = b"".join(lines[:-1]), lines[-1]
    start = last.index(b'"20')  # the start time: a quoted field
    write = {
        "cut-in-quotes.csv": head + last[: start + 5],
        "cut-mid-line.csv": head + last[: last.index(b",", start) + 1],
        "empty.csv": b"",
        "binary.csv": random.Random(1).randbytes(20_000),
        "nul.csv": lines[0] + lines[1][:12] + b"\x00\x00" + lines[1][12:] + b"".join(lines[2:]),
        "long-line.csv": lines[0] + b'"' + b"x" * 10_000_000 + b'",' + b"".join(lines[1:]),
        "wide.csv": lines[0]
        + lines[1].rstrip(b"\n")
        + b',""' * 1_000
        + b"\n"
        + b"".join(lines[2:]),
    }
    noise = random.Random(2).randbytes(10_000)
    # Binary that a text reader could take for UTF-16: NULs in every other byte, or a mark.
    write["binary-nuls.csv"] = bytes(b for x in noise for b in (x | 1, 0))
    write["binary-mark.csv"] = b"\xff\xfe" + noise
    # Excel's "Unicode text" written while being copied: cut inside the last record.
    unicode = data.decode("utf-8").encode("utf-16")
    write["cut-utf16.csv"] = unicode[: len(unicode) - 2 * (len(last) - start - 5)]
    packed = gzip.compress(data)
    write["cut.csv.gz"] = packed[: len(packed) // 2]
    for name, content in write.items():
        (folder / name).write_bytes(content)
    return {
        "cut-in-quotes.csv": [(ROWS, INCOMPLETE)],
        "cut-mid-line.csv": [(ROWS, INCOMPLETE)],
        "empty.csv": [(0, EMPTY)],
        "binary.csv": [(0, NOT_RECORDS)],
        "binary-nuls.csv": [(0, NOT_RECORDS)],
        "binary-mark.csv": [(0, NOT_RECORDS)],
        "cut-utf16.csv": [(ROWS, INCOMPLETE)],
        "nul.csv": [(2, HAS_NUL)],
        "long-line.csv": [(2, TOO_MANY_FIELDS)],
        "wide.csv": [(2, TOO_MANY_FIELDS)],
        "cut.csv.gz": [(-1, CUT_SHORT)],  # -1: some line past the first
    }
