"""From the bytes of an uploaded or given file to text, and which reader fits it.

Call logs come from phones, routers and Windows tools: UTF-8 (with or without a byte-order
mark), UTF-16 with a mark, or ISO-8859-1 / Windows-1252 (older FRITZ!Box exports). Files
that are plainly something else (an image, a PDF, JSON, a zip) get a clear error naming
what they look like, rather than a page of unreadable rows.
"""

from __future__ import annotations

import codecs
import re
from typing import Final, NamedTuple

from ringcheck.errors import RingcheckError

FORMATS: Final = ("android-xml", "fritzbox", "csv")


class Source(NamedTuple):
    """A kind of call log, and whether it records how long each call rang."""

    name: str  # for people: "an Android call log"
    ring_time: bool  # True: a short ring in it is evidence of a one-ring call
    why: str  # what its seconds mean (domain.md, "Call logs: what 'duration' means")


# Every kind of log ringcheck reads, by the name a reader gives it (``CallLog.source``).
# Only these entries say whether a log knows ring time: triage asks them, never the
# columns. A missed call's duration is talk time (0), whatever the ring time was.
SOURCES: Final[dict[str, Source]] = {
    "android-xml": Source(
        "an Android call log (SMS Backup & Restore)",
        False,
        "duration is talk time (CallLog.Calls.DURATION): 0 for a missed call",
    ),
    "fritzbox": Source(
        "a FRITZ!Box call list",
        False,
        "Dauer is talk time (0:00 for a missed call); the box exports no ring time",
    ),
    "fritzbox-monitor": Source(
        "the FRITZ!Box call monitor's log (ringcheck watch fritzbox)",
        True,
        "ring is the time from RING to CONNECT, or to DISCONNECT for a missed call",
    ),
    "cdr": Source(
        "call records with duration and billsec (Asterisk, FreeSWITCH)",
        True,
        "duration - billsec is the time before the call was answered",
    ),
    "csv-ring": Source("a call log with a ring-time column", True, "the column is ring time"),
    "csv": Source(
        "a call log without ring times",
        False,
        "a duration is talk time, as in Android's and the FRITZ!Box's logs",
    ),
}
# The header of the log ``ringcheck watch fritzbox`` keeps (``callmonitor.CallLogFile``).
MONITOR_LOG_COLUMNS: Final = ("number", "time", "direction", "status", "ring", "duration")


class CallLogError(RingcheckError, ValueError):
    """A call log that can't be read at all.

    Codes: ``empty_file``, ``not_text``, ``not_a_call_log``, ``no_number_column``,
    ``unknown_column``, ``unknown_format``, ``xml_entities``, ``too_large``.
    """


_BINARY_MAGIC: Final = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG photo"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip file (or a Word or Excel file)"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"SQLite format 3", "a database file"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Excel file"),
)
_HELP: Final = (
    "Export your call log as a CSV file, a FRITZ!Box call list, or an SMS Backup & Restore "
    "calls.xml, and try again."
)


def decode(data: bytes) -> str:
    """The text of ``data``: BOM-marked UTF-8/UTF-16, else UTF-8, else Windows-1252."""
    if not data or data.isspace():  # (not data.strip(): that copies the whole file)
        raise CallLogError("empty_file", f"The file is empty. {_HELP}")
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise CallLogError("not_text", f"This file is {what}, not a call log. {_HELP}")
    text = _decode_text(data)
    if "\x00" in text[:4096]:
        raise CallLogError("not_text", f"This file is not text, so it can't be a call log. {_HELP}")
    if not text or text.isspace():
        raise CallLogError("empty_file", f"The file is empty. {_HELP}")
    return text


def _decode_text(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if len(data) > 3 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]:
        return data.decode("utf-16-le", errors="replace")  # UTF-16 without a mark
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # ISO-8859-1 as Windows writes it (cp1252 is a superset for the printable range).
        return data.decode("cp1252", errors="replace")


_FRITZ_HEADER = re.compile(r"^(typ|type)[;\t,](datum|date)[;\t,]name[;\t,]", re.IGNORECASE)


def detect(text: str) -> str:
    """Which reader fits ``text``: one of ``FORMATS``, or a clear error."""
    head = text.lstrip()[:2048]
    lowered = head.lower()
    if head.startswith("<"):
        if "<calls" in lowered or "<call " in lowered or lowered.startswith("<?xml"):
            return "android-xml"
        raise CallLogError("not_a_call_log", f"This looks like a web page, not a call log. {_HELP}")
    if head.startswith(("{", "[")):
        raise CallLogError(
            "not_a_call_log", f"This looks like a JSON file, not a call log. {_HELP}"
        )
    lines = [line for line in head.splitlines() if line.strip()][:2]
    if lines and lines[0].strip().lower().startswith("sep="):
        lines = lines[1:]
    if lines and _FRITZ_HEADER.match(lines[0].strip()):
        return "fritzbox"
    return "csv"


def check_format(name: str | None) -> str | None:
    """``name`` if it is a format ringcheck reads (``auto`` or empty means detect)."""
    if name is None or name in ("", "auto"):
        return None
    if name not in FORMATS:
        raise CallLogError(
            "unknown_format",
            f"'{name[:40]}' is not a call-log format ringcheck reads. "
            f"Use one of: auto, {', '.join(FORMATS)}.",
        )
    return name
