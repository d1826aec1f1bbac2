"""From the bytes of an uploaded or given file to text, and which reader fits it.

Call logs come from phones, routers and Windows tools: UTF-8 (with or without a byte-order
mark), UTF-16 with a mark or without, or ISO-8859-1 / Windows-1252 (older FRITZ!Box
exports), any of them gzipped (``unpacked``). Files
that are plainly something else (an image, a PDF, JSON, a zip) get a clear error naming
what they look like, rather than a page of unreadable rows.
"""

from __future__ import annotations

import io
import re
from typing import Final, NamedTuple

from ringcheck import tabular
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


_HELP: Final = (
    "Export your call log as a CSV file, a FRITZ!Box call list, or an SMS Backup & Restore "
    "calls.xml, and try again."
)


CUT_SHORT: Final = (
    "The compressed file ends early (cut short while it was written or copied); "
    "the calls before the cut were read."
)


def unpacked(data: bytes, limit: int | None = None) -> tuple[bytes, bool]:
    """``data`` unpacked when it is gzip (``tabular.gunzip``; else as it is), and whether
    it was cut short (then up to its last line end). ``CallLogError`` (``too_large``)
    past ``limit`` unpacked bytes, so a small file can't unpack into a huge one."""
    if not data.startswith(tabular.GZIP_MAGIC):
        return data, False
    out, cut = bytearray(), False
    try:
        for block in tabular.gunzip(io.BytesIO(data)):
            out += block
            if limit is not None and len(out) > limit:
                raise CallLogError(
                    "too_large", f"Unpacked, this file is bigger than {limit:,} bytes."
                )
    except tabular.CutShort:
        cut = True
        del out[out.rfind(b"\n") + 1 :]
    return bytes(out), cut


def decode(data: bytes) -> str:
    """The text of ``data`` (``tabular.decode``), or a clear error for a file that is
    empty or not text."""
    if not data or data.isspace():  # (not data.strip(): that copies the whole file)
        raise CallLogError("empty_file", f"The file is empty. {_HELP}")
    what = tabular.binary_kind(data[:16])
    if what is not None:
        raise CallLogError("not_text", f"This file is {what}, not a call log. {_HELP}")
    text = tabular.decode(data)
    if "\x00" in text[:4096] or tabular.looks_binary(text[:4096]):
        raise CallLogError("not_text", f"This file is not text, so it can't be a call log. {_HELP}")
    if not text or text.isspace():
        raise CallLogError("empty_file", f"The file is empty. {_HELP}")
    return text


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
    header = tabular.header_of(head.splitlines())
    if header is not None and _FRITZ_HEADER.match(header.text.strip()):
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
