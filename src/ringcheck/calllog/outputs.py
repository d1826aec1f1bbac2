"""A triage written out: JSON and CSV for tools, and block lists for phones and routers.

Block lists hold the numbers at or above a level, in E.164 (hidden callers and numbers
without an international form can't be blocked by number, so they are left out):

- ``csv``: ``number,level,country,calls,last_seen,category``.
- ``vcard``: one vCard 3.0 contact, "Scam – do not answer" (or "Blocked – do not
  answer" when some of its numbers' verdicts don't say scam, ``lookup.says_scam``), with
  every number as a TEL line. Import it, then block the contact (or send it to voicemail).
- ``callblocker``: the JSON list the Raspberry Pi "callblocker" project
  (github.com/pamapa/callblocker) reads from its ``blocklists`` folder:
  ``{"name": …, "entries": [{"name", "number", "date_created", "date_modified"}]}``, dates
  in UTC as ``%Y-%m-%d %H:%M:%S +0000``. An entry with an empty number would block by
  *name*, so every entry has a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Final

from ringcheck import tabular
from ringcheck.calllog.core import Triage
from ringcheck.lookup import says_scam
from ringcheck.phones import blockfiles
from ringcheck.phones.blockfiles import CONTACT_NAME
from ringcheck.risk import LEVELS, at_least
from ringcheck.tabular import safe_cell

BLOCKLISTS: Final = ("csv", "vcard", "callblocker")
_CSV_COLUMNS: Final = (
    "number", "display", "country", "line_type", "level", "score", "calls", "missed",
    "first_seen", "last_seen", "headline", "what_to_do",
)  # fmt: skip


def to_json(result: Triage) -> bytes:
    """The triage as JSON bytes (``<``, ``>`` and ``&`` escaped, so no reader takes it for
    markup)."""
    return tabular.to_json(result.to_dict())


def to_csv(result: Triage) -> str:
    """One row per caller, most worrying first."""
    rows = []
    for n in result.numbers:
        verdict = n["verdict"]
        advice = verdict["advice"][0]["text"] if verdict["advice"] else ""
        rows.append(
            [
                n["e164"] or "", n["display"], n["country"] or "", n["line_type"],
                verdict["level"], verdict["score"], n["calls"], n["missed"],
                n["first_seen"] or "", n["last_seen"] or "", safe_cell(verdict["headline"]),
                safe_cell(advice),
            ]
        )  # fmt: skip
    return tabular.to_csv(_CSV_COLUMNS, rows)


def blocked(result: Triage, level: str) -> list[dict[str, Any]]:
    """The callers at or above ``level`` that can be blocked by number."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return [
        n
        for n in result.numbers
        if n["e164"] and not n["withheld"] and at_least(n["verdict"]["level"], level)
    ]


def blocklist(result: Triage, kind: str, level: str, now: dt.datetime | None = None) -> str:
    """The block list in ``kind`` (one of ``BLOCKLISTS``)."""
    numbers = blocked(result, level)
    if kind == "csv":
        return blocklist_csv(numbers)
    if kind == "vcard":
        return vcard(numbers)
    if kind == "callblocker":
        return callblocker(numbers, now or dt.datetime.now(dt.UTC))
    raise ValueError(f"unknown block list {kind!r}")


def blocklist_csv(numbers: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("number", "level", "country", "calls", "last_seen", "category"))
    for n in numbers:
        writer.writerow(
            (
                n["e164"],
                n["verdict"]["level"],
                n["country"] or "",
                n["calls"],
                n["last_seen"] or "",
                n["category"],
            )
        )
    return out.getvalue()


BLOCKED_NAME: Final = "Blocked – do not answer"


def _scam(n: dict[str, Any]) -> bool:
    return says_scam(n["verdict"]["level"], n["category"])


def vcard(numbers: list[dict[str, Any]]) -> str:
    """One vCard 3.0 contact holding every number (CRLF lines, escaped, folded at 75)."""
    if all(_scam(n) for n in numbers):
        name = CONTACT_NAME
        note = (
            "Numbers ringcheck found in your call log that look like scams. "
            "Block this contact, and don't call these numbers back."
        )
    else:
        name = BLOCKED_NAME
        note = (
            "Numbers ringcheck found in your call log at the risk level you chose to block. "
            "Block this contact. Call one back only if you were expecting a call."
        )
    return blockfiles.vcard(name, (n["e164"] for n in numbers), note)


def callblocker(numbers: list[dict[str, Any]], now: dt.datetime) -> str:
    entries = ((_entry_name(n), n["e164"], now, now) for n in numbers)
    return blockfiles.callblocker_json("ringcheck scam numbers", entries)


def _entry_name(n: dict[str, Any]) -> str:
    level = n["verdict"]["level"].replace("_", " ")
    where = f", {n['country']}" if n["country"] else ""
    return f"{CONTACT_NAME if _scam(n) else BLOCKED_NAME} ({level} risk{where})"
