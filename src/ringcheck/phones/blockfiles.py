"""Block-list files phones and call blockers import, written one way for every face.

- ``vcard``: vCard 3.0 (RFC 2426) text, CRLF lines, values escaped, lines folded at 75
  octets: one contact holding every number as a TEL line (import it, then block the
  contact).
- ``callblocker_json``: the list the Raspberry Pi callblocker (pamapa/callblocker)
  reads from its ``blocklists`` folder, ``{"name": …, "entries": [{"name", "number",
  "date_created", "date_modified"}]}``, dates in UTC as ``%Y-%m-%d %H:%M:%S +0000``. Its
  daemon matches an entry as a prefix of the caller's number (``strncmp``), so a range
  is one entry; an entry with an empty number would block by *name*, so none has one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Final

CONTACT_NAME: Final = "Scam – do not answer"


def vcard(name: str, numbers: Iterable[str], note: str) -> str:
    """One vCard 3.0 contact called ``name`` holding ``numbers`` (E.164)."""
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{escape(name)}",
        f"N:{escape(name)};;;;",
        *(f"TEL;TYPE=VOICE:{number}" for number in numbers),
        f"NOTE:{escape(note)}",
        "END:VCARD",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def escape(text: str) -> str:
    """RFC 2426 text value: backslash, comma, semicolon and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """Lines longer than 75 octets split with CRLF + space, never inside a character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        room = limit if not parts else limit - 1  # continuation lines start with a space
        if size + width > room:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def stamp(moment: dt.datetime) -> str:
    """A time as callblocker's lists write it: ``2026-12-01 12:00:00 +0000``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def callblocker_json(
    title: str, entries: Iterable[tuple[str, str, dt.datetime, dt.datetime]]
) -> str:
    """callblocker's list: ``entries`` are (name, number or prefix, created, modified)."""
    rows = [
        {
            "name": name[:200],  # callblocker's own list writers cut names at 200
            "number": number,
            "date_created": stamp(created),
            "date_modified": stamp(modified),
        }
        for name, number, created, modified in entries
        if number
    ]
    return json.dumps({"name": title, "entries": rows}, indent=2) + "\n"
