"""A triage written out: JSON and CSV for tools, and the entries of its block lists.

A block list holds the callers at or above a level, in E.164 (hidden callers and numbers
without an international form can't be blocked by number, so they are left out), as
``phones.blocklists.Entry`` items that its writers turn into every format
(``phones.blocklists.FORMATS``: callblocker, csv, vcard, spamblocker), the same way as
the server's and the scan's lists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from ringcheck import tableout
from ringcheck.calllog.core import Triage
from ringcheck.lookup import says_scam
from ringcheck.phones.blocklists import BlockList, Entry, label_for, write
from ringcheck.risk import LEVELS, at_least
from ringcheck.tableout import safe_cell

_CSV_COLUMNS: Final = (
    "number", "display", "country", "line_type", "level", "score", "calls", "missed",
    "first_seen", "last_seen", "headline", "what_to_do",
)  # fmt: skip


def to_json(result: Triage) -> bytes:
    """The triage as JSON bytes (``<``, ``>`` and ``&`` escaped, so no reader takes it for
    markup)."""
    return tableout.to_json(result.to_dict())


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
    return tableout.to_csv(_CSV_COLUMNS, rows)


def blocked(result: Triage, level: str) -> list[dict[str, Any]]:
    """The callers at or above ``level`` that can be blocked by number."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return [
        n
        for n in result.numbers
        if n["e164"] and not n["withheld"] and at_least(n["verdict"]["level"], level)
    ]


def block_entries(result: Triage, level: str) -> list[Entry]:
    """The callers at or above ``level`` as block-list entries, most worrying first. A
    log's times carry no time zone, so an entry's date is the list's."""
    out = []
    for n in blocked(result, level):
        verdict, category = n["verdict"], n["category"]
        scam = says_scam(verdict["level"], category)
        reasons = tuple(r["code"] for r in verdict["reasons"])
        out.append(
            Entry(
                "number",
                n["e164"],
                label_for(category, scam),
                category,
                verdict["level"],
                scam,
                verdict["score"],
                country=n["country"] or "",
                reasons=reasons,
            )
        )
    return out


def blocklist(result: Triage, kind: str, level: str, now: dt.datetime | None = None) -> str:
    """The block list in ``kind`` (one of ``phones.blocklists.FORMATS``), made ``now``."""
    made = BlockList(block_entries(result, level), now or dt.datetime.now(dt.UTC))
    return write(made, kind, result.home)[0]
