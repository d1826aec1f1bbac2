"""One set of calls written through real writers' habits, for the tests that hold the
scan's answer the same whoever wrote the records.

Habits (asterisk/asterisk ``cdr/cdr_csv.c``, FreeSWITCH ``mod_cdr_csv``; see
/work/shared/formats/operator-scan.md §2): Asterisk quotes every string and doubles the
quotes inside (a clid with an empty name is ``"" <1001>``, written with its quotes
doubled and the whole quoted),
leaves an unanswered call's ``answer`` empty and unquoted, may add ``uniqueid`` and
``userfield``; names may hold commas, quotes and Latin-1 bytes; some hosts end lines
with CRLF. FreeSWITCH's ``example`` template quotes every field, with or without the two
codec columns. Excel's "Unicode text" export is UTF-16 (little-endian, with a byte-order
mark), tab-separated with CRLF line ends, a header row, fields quoted only when they hold
a quote, and dates as the locale shows them (``03/11/2026 02:10:05`` in the UK); a .NET
``StreamWriter`` given ``UnicodeEncoding(false, false)`` writes UTF-16 without the mark
(here an Asterisk file so written, then gzipped). Each number is written in every form
a switch or a subscriber uses, by turns: callers ``+CC…`` or ``CC…`` without the ``+``
(UK ones also ``0…`` and ``0044…``), callees ``00CC…`` (a UK subscriber dialling
abroad) or ``+CC…`` (UK ones ``0…``, bare national, ``+44 (0)…``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl

from ringcheck.scan.demo import _table

NAMES = ("", 'Smith, John "JJ"', "Zo\xe9 M\xfcller", "Unknown", "O'Brien, Pat")


def spellings(number: str, turn: int, side: str) -> str:
    """``number`` (E.164) as the ``turn``-th record writes it on ``side``: callers as a
    trunk presents them, callees as subscribers dial them (``00`` abroad)."""
    digits = number[1:]
    if side == "caller":  # without the +: only as long as the rule reads it (11+ digits)
        forms = [number, digits] if len(digits) >= 11 else [number]
        if number.startswith("+44"):
            forms += ["0" + digits[2:], "0044" + digits[2:]]
    else:
        forms = ["00" + digits, number]
        if number.startswith("+44"):
            forms = ["0" + digits[2:], digits[2:], "+44 (0)" + digits[2:5] + " " + digits[5:]]
    return forms[turn % len(forms)]


def _quoted(text: str | None) -> str:
    return "" if text is None else '"' + text.replace('"', '""') + '"'


def _clid(name: str, number: str) -> str:
    return f'"{name}" <{number}>'


def _excel_cell(text: str) -> str:
    return _quoted(text) if '"' in text or "\t" in text else text


def _excel_unicode_text(t: pl.DataFrame, out: Path) -> Path:
    header = ["Caller ID", "Destination", "Start Time", "Duration", "Billsec", "Disposition",
              "Caller Name"]  # fmt: skip
    lines = ["\t".join(header)]
    for i, row in enumerate(t.iter_rows(named=True)):
        start = row["start_text"]  # 2026-11-03 02:10:05 as a UK Excel shows it
        shown = f"{start[8:10]}/{start[5:7]}/{start[:4]} {start[11:]}"
        cells = [spellings(row["caller"], i, "caller"), spellings(row["callee"], i // 3, "callee"),
                 shown, str(row["duration"]), str(row["billsec"]),
                 "ANSWERED" if row["answered"] else "NO ANSWER", NAMES[i % len(NAMES)]]  # fmt: skip
        lines.append("\t".join(_excel_cell(c) for c in cells))
    out.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))  # BOM, little-endian
    return out


def write(calls: pl.DataFrame, out: Path, how: str) -> Path:
    """``calls`` (``demo.generate``'s) written to ``out`` the way ``how`` says:
    ``asterisk`` (16 columns, LF), ``asterisk-crlf`` (18 columns, CRLF, Latin-1 names),
    ``freeswitch`` (15 fields), ``freeswitch-13`` (no codecs), ``excel-unicode-text``
    or ``asterisk-utf16-gz`` (UTF-16 without a mark, gzipped: ``out`` + ``.gz``)."""
    t = _table(calls)
    if how == "excel-unicode-text":
        return _excel_unicode_text(t, out)
    lines = []
    for i, row in enumerate(t.iter_rows(named=True)):
        caller = spellings(row["caller"], i, "caller")
        callee = spellings(row["callee"], i // 3, "callee")
        name = NAMES[i % len(NAMES)]
        answered = row["answered"]
        if how.startswith("asterisk"):
            fields = [
                _quoted(""), _quoted(caller), _quoted(callee), _quoted("from-trunk"),
                _quoted(_clid(name, caller)), _quoted(f"SIP/trunk-{i}"), _quoted(f"SIP/{i}"),
                _quoted("Dial"), _quoted(f"SIP/trunk/{callee},30"), _quoted(row["start_text"]),
                _quoted(row["answer_text"]), _quoted(row["end_text"]), str(row["duration"]),
                str(row["billsec"]), _quoted("ANSWERED" if answered else "NO ANSWER"),
                _quoted("DOCUMENTATION"),
            ]  # fmt: skip
            if how == "asterisk-crlf":
                fields += [_quoted(row["uuid"]), _quoted("note, with a comma")]
        else:
            fields = [
                _quoted(name), _quoted(caller), _quoted(callee), _quoted("public"),
                _quoted(row["start_text"]), _quoted(row["answer_text"] or ""),
                _quoted(row["end_text"]), _quoted(str(row["duration"])),
                _quoted(str(row["billsec"])),
                _quoted("NORMAL_CLEARING" if answered else "ORIGINATOR_CANCEL"),
                _quoted(row["uuid"]), _quoted(""), _quoted(""),
            ]  # fmt: skip
            if how == "freeswitch":
                fields += [_quoted("PCMA"), _quoted("PCMA")]
        lines.append(",".join(fields))
    end = "\r\n" if how == "asterisk-crlf" else "\n"
    encoding = {"asterisk-crlf": "latin-1", "asterisk-utf16-gz": "utf-16-le"}.get(how, "utf-8")
    data = (end.join(lines) + end).encode(encoding)
    if how == "asterisk-utf16-gz":
        out = out.with_name(out.name + ".gz")
        data = gzip.compress(data)
    out.write_bytes(data)
    return out


HABITS = (
    "asterisk", "asterisk-crlf", "freeswitch", "freeswitch-13", "excel-unicode-text",
    "asterisk-utf16-gz",
)  # fmt: skip
