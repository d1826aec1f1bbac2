"""Android call logs saved by the "SMS Backup & Restore" app (``calls.xml``).

::

    <?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
    <calls count="2" backup_date="1700000000000" type="full">
      <call number="+447400123456" duration="0" date="1700000000000" type="3"
            presentation="1" readable_date="14 Nov 2023 22:13:20" contact_name="(Unknown)" />
    </calls>

``date`` is milliseconds since 1970 (UTC); ``duration`` is talk time in seconds, so it says
nothing about how long a missed call rang. ``type``: 1 incoming, 2 outgoing, 3 missed,
4 voicemail, 5 rejected, 6 blocked, 7 answered on another device. ``presentation`` 2
(restricted), 3 (unknown) or 4 (payphone), or an empty or negative ``number``, means
there was no caller ID.

Parsed as a stream with expat. A file that declares its own entities is refused outright:
that is how "billion laughs" and external-entity attacks on XML readers start, and a real
backup never needs them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.parsers import expat

from ringcheck.calllog.model import WITHHELD, Call, CallLog, Unreadable, clean_name, frame
from ringcheck.calllog.source import CallLogError

_OUTGOING = frozenset({"2"})
_MISSED = frozenset({"3", "4", "5", "6"})
_NO_CALLER_ID = frozenset({"2", "3", "4"})
_CHUNK = 1 << 20
# Emoji in contact names are sometimes written as two numeric references to UTF-16 halves
# (&#55357;&#56832;), which XML forbids; join them into the one character they mean.
_SURROGATE_PAIR = re.compile(r"&#(5[5-6]\d{3});&#(5[6-7]\d{3});")
_LONE_SURROGATE = re.compile(r"&#(5[5-7]\d{3});")


class _Refused(Exception):
    pass


def read_android(text: str, tz: dt.tzinfo) -> CallLog:
    """The calls in an SMS Backup & Restore ``calls.xml`` (times in the zone ``tz``)."""
    reader = _Reader(tz)
    parser = expat.ParserCreate()
    parser.StartElementHandler = reader.start
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    reader.parser = parser
    text = _LONE_SURROGATE.sub("&#65533;", _SURROGATE_PAIR.sub(_join_pair, text))
    try:
        for start in range(0, len(text), _CHUNK):
            parser.Parse(text[start : start + _CHUNK], False)
        parser.Parse("", True)
    except _Refused:
        raise CallLogError(
            "xml_entities",
            "This XML file defines its own entities, which call-log backups never do. "
            "ringcheck won't read it, to stay safe.",
        ) from None
    except expat.ExpatError as exc:
        if reader.root is None:
            raise CallLogError(
                "not_a_call_log",
                "This file is not a call log ringcheck can read: its XML is damaged near "
                f"line {exc.lineno}.",
            ) from None
        reader.unreadable.append(
            Unreadable(
                exc.lineno, "The file is damaged here, so no calls after this line could be read."
            )
        )
    if reader.root is None:
        raise CallLogError("empty_file", "The file is empty.")
    return CallLog(frame(reader.calls), "android-xml", reader.unreadable)


def _join_pair(match: re.Match[str]) -> str:
    high, low = int(match.group(1)), int(match.group(2))
    if not (0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF):
        return "&#65533;&#65533;"
    return f"&#{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)};"


def _refuse(*_args: Any) -> int:
    raise _Refused


class _Reader:
    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.root: str | None = None
        self.calls: list[Call] = []
        self.unreadable: list[Unreadable] = []
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = tag
            if tag != "calls":
                raise CallLogError("not_a_call_log", _wrong_root(tag))
            return
        if tag != "call":
            return
        line = self.parser.CurrentLineNumber
        try:
            self.calls.append(_call(line, attrs, self.tz))
        except ValueError as exc:
            self.unreadable.append(Unreadable(line, str(exc)))


def _wrong_root(tag: str) -> str:
    if tag == "smses":
        return (
            "This is a backup of text messages, not calls. In SMS Backup & Restore, back up "
            "your call log and use the calls file."
        )
    return "This XML file is not an SMS Backup & Restore call log (calls.xml)."


def _call(line: int, attrs: dict[str, str], tz: dt.tzinfo) -> Call:
    number = attrs.get("number", "").strip()
    withheld = not number or number.startswith("-") or attrs.get("presentation") in _NO_CALLER_ID
    kind = attrs.get("type", "").strip()
    if not kind.isdigit():
        raise ValueError("This call has no type, so ringcheck can't tell if you missed it.")
    return Call(
        line=line,
        number=WITHHELD if withheld else number,
        time=_time(attrs.get("date", ""), tz),
        ring=None,
        outgoing=kind in _OUTGOING,
        missed=kind in _MISSED,
        name=clean_name(attrs.get("contact_name")),
    )


def _time(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"The date of this call can't be read: '{text[:30]}'.") from None
    return moment.astimezone(tz).replace(tzinfo=None)
