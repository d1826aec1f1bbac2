"""FRITZ!Box call-list exports (CSV from the box's web interface).

Real exports vary: an optional ``sep=;`` first line; German or English headers; 7 columns
(``Typ;Datum;Name;Rufnummer;Nebenstelle;Eigene Rufnummer;Dauer``) or 8 on newer firmware
(``Landes-/Ortsnetzbereich`` after the number); ISO-8859-1 or UTF-8; tab-separated when
copied out by hand. Dates are ``dd.mm.yy HH:MM``; ``Dauer`` is talk time as ``h:mm`` in whole
minutes, so it says nothing about how long a missed call rang.

Type codes differ between firmware generations; missed is 2 in all of them:
1 incoming (answered), 2 missed, 3 outgoing, 4 blocked by a call barring rule,
9 incoming in progress, 10 rejected, 11 outgoing in progress. An empty number is a caller
who withheld it.
"""

from __future__ import annotations

from ringcheck import tabular
from ringcheck.calllog.model import WITHHELD, Call, CallLog, Unreadable, clean_name, frame
from ringcheck.calllog.source import CallLogError
from ringcheck.tabular import parse_time

# type code -> (outgoing, missed)
_TYPES: dict[str, tuple[bool, bool | None]] = {
    "1": (False, False),
    "2": (False, True),
    "3": (True, None),
    "4": (False, True),
    "9": (False, False),
    "10": (False, True),
    "11": (True, None),
}
_COLUMNS = {
    "typ": "type",
    "type": "type",
    "datum": "date",
    "date": "date",
    "name": "name",
    "rufnummer": "number",
    "number": "number",
    "phone number": "number",
}
_DATES = (
    "%d.%m.%y %H:%M",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M",
)


def read_fritzbox(text: str) -> CallLog:
    """The calls in a FRITZ!Box call-list export."""
    numbered = tabular.numbered_lines(text)
    found = tabular.header_of(line for _, line in numbered)
    if found is None:
        raise CallLogError("empty_file", "The file has no call list in it.")
    separator = found.separator
    names = [cell.lower() for cell in found.names]
    where = {_COLUMNS[name]: i for i, name in reversed(list(enumerate(names))) if name in _COLUMNS}
    if "type" not in where or "number" not in where:
        raise CallLogError(
            "not_a_call_log",
            "This looks like a FRITZ!Box call list, but its header has no Typ and Rufnummer "
            "(Type and Number) columns.",
        )
    skipped: list[tabular.BadLine] = []
    calls, bad = [], []
    for row in tabular.rows(numbered, separator, len(names), skipped):
        try:
            calls.append(_call(row.line, row.cells, where))
        except ValueError as exc:
            bad.append(Unreadable(row.line, str(exc)))
    bad = sorted(bad + [Unreadable(*b) for b in skipped])
    return CallLog(frame(calls), "fritzbox", bad)


def _call(line: int, cells: list[str], where: dict[str, int]) -> Call:
    kind = cells[where["type"]]
    if not kind.isdigit():
        raise ValueError(f"The call type '{kind[:20]}' is not a FRITZ!Box type code.")
    outgoing, missed = _TYPES.get(kind, (False, None))
    number = cells[where["number"]]
    date = cells[where["date"]] if "date" in where else ""
    name = cells[where["name"]] if "name" in where else None
    return Call(
        line=line,
        number=number or WITHHELD,
        time=parse_time(date, _DATES),
        ring=None,
        outgoing=outgoing,
        missed=missed,
        name=clean_name(name),
    )
