"""Tables written out: JSON and CSV files as every face writes them (``tabular`` reads).

- ``records_format`` (JSON Lines or CSV, by a file's name);
- ``to_json`` (escaped, so no reader takes it for markup);
- ``to_csv`` and ``safe_cell`` (text a spreadsheet won't run as a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import orjson

_RECORD_FORMATS: Final = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


def records_format(name: str | Path) -> str | None:
    """``"jsonl"`` or ``"csv"`` as a file's name ends (``reports.NDJSON``), else None."""
    return _RECORD_FORMATS.get(Path(name).suffix.lower())


def to_json(value: Any, *, indent: bool = False) -> bytes:
    """``value`` as JSON bytes with ``<``, ``>`` and ``&`` escaped, as every JSON answer
    of ringcheck's is: no reader takes it for markup."""
    body = orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else None)
    return body.replace(b"&", b"\\u0026").replace(b"<", b"\\u003c").replace(b">", b"\\u003e")


def safe_cell(text: str) -> str:
    """Text a spreadsheet won't run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file as spreadsheets read it (CRLF line ends), header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
