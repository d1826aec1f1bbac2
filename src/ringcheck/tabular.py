"""Tables written as text: the one reader of encodings, gzip, separators, headers, column
names and date formats, shared by the call-log triage (``calllog``) and the operator scan
(``scan``).

Everything here works on what it is given, a line or a few at a time, as well as on a
whole file, so a reader that follows a growing file can use the same rules:

- **bytes to text**: ``encoding_of`` and ``decode`` (UTF-8 with or without a mark,
  UTF-16 with a mark or told by its NULs, else Windows-1252),
  ``binary_kind`` (a photo, a PDF, a zip… named), ``looks_binary``;
- **files**: ``open_text`` in the file's encoding (``text_encoding``; a ``.gz`` file is
  read as a stream: memory doesn't grow with the file), ``first_lines``, ``gunzip``
  (blocks of a gzip file, every member, stopping where a cut file ends);
- **lines**: ``sep_line`` (Excel's ``sep=;``), ``guess_separator``, ``split``,
  ``header_of`` (the header from the first lines, however they arrive), ``cells`` and
  ``rows`` (one line's cells, or why it can't be read);
- **columns**: ``ALIASES`` (every name a column is known by, each once), ``normal``,
  ``find_columns``, ``ANSWERED_WORDS`` and ``FLAG_YES`` (what a cell says);
- **times and seconds**: ``time_formats`` (every date and time form read, explicit
  formats only: never guessed), ``parse_time``, ``parse_seconds``.

Writing tables out (JSON, CSV) is ``ringcheck.tableout``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, NamedTuple

# Bytes to text --------------------------------------------------------------------------

_MAGIC: Final = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG photo"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip file (or a Word or Excel file)"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"SQLite format 3", "a database file"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Excel file"),
)


def binary_kind(head: bytes) -> str | None:
    """What a file starting with ``head`` is when it is plainly not text ('a PNG
    image'), else None."""
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


GZIP_MAGIC: Final = b"\x1f\x8b"


def encoding_of(head: bytes) -> str:
    """The encoding of text starting with ``head`` (its first 4 bytes or more): marked
    UTF-8 (``utf-8-sig``) or UTF-16 (``utf-16``, as Excel's "Unicode text" writes it),
    UTF-16 without a mark when every other byte of the first two characters is NUL
    (``utf-16-le`` or ``utf-16-be``), else ``utf-8``.

    >>> encoding_of("nu".encode("utf-16-le")), encoding_of(b"number")
    ('utf-16-le', 'utf-8')
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) > 3 and head[1:4:2] == b"\x00\x00" and head[0] and head[2]:
        return "utf-16-le"
    if len(head) > 3 and head[0:3:2] == b"\x00\x00" and head[1] and head[3]:
        return "utf-16-be"
    return "utf-8"


def decode(data: bytes) -> str:
    """The text of ``data`` (``encoding_of``); UTF-8 that isn't is ISO-8859-1 as Windows
    writes it (cp1252, a superset for the printable range).

    >>> decode("Müller".encode("cp1252"))
    'Müller'
    """
    encoding = encoding_of(data[:4])
    if encoding != "utf-8":
        return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def looks_binary(sample: str) -> bool:
    """Whether text read from a file (bytes that aren't UTF-8 as U+FFFD) is binary data:
    more than 1% control characters or unreadable bytes (a NUL or two is damage, for the
    reader to list where it is)."""
    odd = sum(1 for ch in sample if (ch < " " and ch not in "\t\r\n") or ch == "\ufffd")
    return odd > len(sample) // 100


# Files ----------------------------------------------------------------------------------

GZIP_SUFFIX: Final = ".gz"
_BLOCK: Final = 1 << 20


def is_gzip(path: Path | str) -> bool:
    return str(path).endswith(GZIP_SUFFIX)


def open_bytes(path: Path | str) -> io.BufferedIOBase:
    """``path``'s bytes, a ``.gz`` file unpacked as it is read (a stream: memory doesn't
    grow with the file)."""
    if is_gzip(path):
        return gzip.open(path, "rb")
    return open(path, "rb")


def text_encoding(path: Path | str) -> str:
    """The encoding of ``path``'s text (``encoding_of`` its first bytes, unpacked)."""
    with open_bytes(path) as raw:
        return encoding_of(raw.read(4))


def open_text(path: Path | str) -> IO[str]:
    """``path`` as text in its encoding (``text_encoding``: UTF-8, or UTF-16 with or
    without a mark; unreadable bytes as U+FFFD), a ``.gz`` file unpacked as it is read."""
    encoding = text_encoding(path)
    if is_gzip(path):
        return gzip.open(path, "rt", encoding=encoding, errors="replace")
    return open(path, encoding=encoding, errors="replace")


def first_lines(path: Path | str, count: int = 50) -> list[str]:
    """The first ``count`` lines of ``path`` that aren't blank, without their line ends.
    Raises ``OSError`` or ``EOFError`` (a gzip file cut before them)."""
    found: list[str] = []
    with open_text(path) as text:
        for line in text:
            if line.strip():
                found.append(line.rstrip("\r\n"))
            if len(found) >= count:
                break
    return found


class CutShort(Exception):
    """A gzip file that ends before its data does (cut while written or copied)."""


def gunzip(raw: IO[bytes]) -> Iterator[bytes]:
    """The unpacked bytes of a gzip stream, block by block, every member in turn.
    Raises ``CutShort`` after the last block it could unpack when the stream is cut
    short or damaged."""
    unpack = zlib.decompressobj(wbits=31)
    for block in iter(lambda: raw.read(_BLOCK), b""):
        try:
            while block:
                yield unpack.decompress(block)
                block = b""
                if unpack.eof and unpack.unused_data:  # the next gzip member
                    block, unpack = unpack.unused_data, zlib.decompressobj(wbits=31)
        except zlib.error:
            raise CutShort from None
    if not unpack.eof:
        raise CutShort


# Lines ----------------------------------------------------------------------------------

SEPARATORS: Final = (",", ";", "\t", "|")


def sep_line(line: str) -> str | None:
    """The separator Excel's first line ``sep=;`` names ('' when it names none), or None
    when ``line`` is not such a line."""
    text = line.strip()
    if not text.lower().startswith("sep="):
        return None
    return text[4:5]


def guess_separator(line: str) -> str:
    """The separator of a header or record line: the commonest of ``SEPARATORS`` outside
    quoted fields (a comma when there is none).

    >>> guess_separator('"Smith, John";"+447400123456";12')
    ';'
    """
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {sep: outside.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def split(line: str, separator: str) -> list[str]:
    """The cells of one line (quoted as in CSV; a stray CR dropped), spaces removed."""
    text = line.replace("\r", "")
    return [cell.strip() for cell in next(csv.reader([text], delimiter=separator), [])]


@dataclass(frozen=True)
class Header:
    """A header line: its ``names`` as written, the ``separator``, the ``line`` it is on
    (1, or 2 after a ``sep=`` line) and its ``text``."""

    names: list[str]
    separator: str
    line: int
    text: str


def header_of(lines: Iterable[str], separator: str | None = None) -> Header | None:
    """The header among the first ``lines`` (taken from the iterable only as far as it
    is needed, so lines may be given as they arrive): after a ``sep=`` line if there is
    one, its separator as that line names it, else ``separator``, else guessed. None
    when the lines end before a header.

    >>> header_of(["sep=;", "number;time"])
    Header(names=['number', 'time'], separator=';', line=2, text='number;time')
    """
    named = None
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if named is None and number == 1 and sep_line(line) is not None:
            named = sep_line(line) or None
            continue
        sep = named or separator or guess_separator(line)
        return Header(split(line, sep), sep, number, line)
    return None


def lines_of(text: str) -> Iterator[str]:
    """The lines of ``text`` one by one, as they are needed (no copy of the rest)."""
    at = 0
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        yield text[at:end]
        at = end + 1


def numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for every non-blank line, line ends of any kind removed."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line.strip():
            yield number, line


MAX_LINE_CHARS: Final = 10_000


class BadLine(NamedTuple):
    """A line that can't be read as a row, and why, in plain words."""

    line: int
    why: str


class Row(NamedTuple):
    line: int
    cells: list[str]


def cells(number: int, line: str, separator: str, width: int) -> Row | BadLine:
    """Line ``number``'s cells when it has at least ``width`` of them, else why not."""
    if len(line) > MAX_LINE_CHARS:
        return BadLine(number, f"This line is too long to be a call ({len(line):,} characters).")
    try:
        found = split(line, separator)
    except csv.Error:
        return BadLine(number, "This line can't be split into columns.")
    if len(found) < width:
        return BadLine(number, f"This line has {len(found)} columns; the header has {width}.")
    return Row(number, found)


def rows(
    numbered: Iterable[tuple[int, str]], separator: str, width: int, bad: list[BadLine]
) -> Iterator[Row]:
    """The rows of ``numbered`` lines that have ``width`` cells; the others go to ``bad``."""
    for number, line in numbered:
        row = cells(number, line, separator, width)
        if isinstance(row, BadLine):
            bad.append(row)
        else:
            yield row


class LineReader:
    """A table read a line at a time, as a file that is still being written gives them:
    ``feed`` each complete line (its line end removed or not) and get its ``Row``, its
    ``BadLine``, or None (a blank line, a ``sep=`` line, the header).

    ``names`` for a file without a header (a switch's CSV: its fields in order; rows
    need as many cells, or ``width`` when fewer will do); else the header is the first
    line that isn't blank, and sets ``header``. The separator is ``separator``, or the
    one a ``sep=`` line names, or guessed from the header (or first record).

    >>> reader = LineReader()
    >>> [reader.feed(line) for line in ["number;time", "+447400123456;2024-03-01 02:10"]]
    [None, Row(line=2, cells=['+447400123456', '2024-03-01 02:10'])]
    """

    def __init__(
        self,
        names: Sequence[str] | None = None,
        *,
        separator: str | None = None,
        width: int | None = None,
    ) -> None:
        self.separator = separator
        self.header: Header | None = None
        self.names = list(names) if names is not None else None
        self.width = width if width is not None else (len(self.names) if self.names else None)
        self.line = 0

    def feed(self, line: str) -> Row | BadLine | None:
        """What line number ``self.line + 1`` holds."""
        self.line += 1
        line = line.rstrip("\r\n")
        if not line.strip():
            return None
        if self.line == 1 and sep_line(line) is not None:
            self.separator = sep_line(line) or self.separator
            return None
        if self.separator is None:
            self.separator = guess_separator(line)
        if self.names is None:
            self.header = Header(split(line, self.separator), self.separator, self.line, line)
            self.names = self.header.names
            self.width = self.width or len(self.names)
            return None
        return cells(self.line, line, self.separator, self.width or 0)


# Columns --------------------------------------------------------------------------------

# Every name a column is known by (compared by ``normal``), each name once, by what the
# column holds. A reader asks for its fields as a list of these (a call log's "number"
# is the other party: ``number`` names first, then ``caller`` names).
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "number": ("number", "phone", "phone number", "msisdn", "remote number",
               "telephone number"),
    "caller": ("caller", "caller id", "callerid", "caller id number", "src", "source", "from",
               "a number", "anumber", "calling number", "calling", "caller number",
               "from number", "cli", "ani", "origin"),
    "callee": ("callee", "dst", "destination", "to", "b number", "bnumber", "called number",
               "called", "destination number", "dnis", "dialled number", "dialed number"),
    "start": ("start", "start time", "start stamp", "calldate", "call date", "setup time",
              "seizure time", "call time", "started", "started at", "datetime", "date time",
              "timestamp", "date", "time"),
    "ring": ("ring time", "ring", "ring seconds", "ring duration", "ringing", "ringing time",
             "ring time s", "ring s"),
    "duration": ("duration", "seconds", "duration s", "duration seconds", "call duration",
                 "total duration", "length", "secs"),
    "billsec": ("billsec", "billed", "billable", "billed seconds", "billable seconds",
                "talk time", "answered duration"),
    "direction": ("direction", "call direction", "type", "call type", "calltype"),
    "outcome": ("status", "call status", "result", "disposition", "outcome", "call result",
                "hangup cause", "answered"),
}  # fmt: skip
# What a column saying how a call ended (``outcome``) says when the call was answered,
# lower case: read by the call-log triage (compared by ``normal``) and by the scan
# (exactly, after trimming). ``FLAG_YES`` is how a yes/no column says yes: only the scan's
# ``answered`` column is read as one (a call log's type column uses 1 for "incoming").
ANSWERED_WORDS: Final = (
    "answered", "answer", "connected", "completed", "accepted", "ok", "picked up",
    "success", "successful", "normal_clearing",
)  # fmt: skip
FLAG_YES: Final = ("yes", "true", "1", "y", "t")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normal(name: str) -> str:
    """How column names (and the words in cells) are compared.

    >>> normal("Phone_Number ")
    'phone number'
    """
    return _NOT_WORD.sub(" ", name.lower()).strip()


class UnknownColumn(ValueError):
    """A column named by the user that the header doesn't have."""

    def __init__(self, name: str, header: Sequence[str]) -> None:
        shown = ", ".join(h[:30] for h in header[:20])
        super().__init__(
            f"There is no column called '{name[:40]}' in this file. Its columns are: {shown}."
        )


def find_columns(
    header: Sequence[str],
    fields: Mapping[str, Sequence[str]],
    given: Mapping[str, str | None] | None = None,
) -> dict[str, int]:
    """field -> column index: as ``given`` by the user (by name, exactly or as
    ``normal`` reads it), else the first column known by a name of the ``ALIASES``
    groups ``fields`` lists for it; each column holds one field. Fields not found are
    left out; a given name the header lacks raises ``UnknownColumn``.

    >>> find_columns(["Src", "DST"], {"caller": ["caller"], "callee": ["callee"]})
    {'caller': 0, 'callee': 1}
    """
    normals = [normal(name) for name in header]
    found: dict[str, int] = {}
    for field, name in (given or {}).items():
        if not name:
            continue
        if name in header:
            found[field] = list(header).index(name)
        elif normal(name) in normals:
            found[field] = normals.index(normal(name))
        else:
            raise UnknownColumn(name, header)
    for field, groups in fields.items():
        if field in found:
            continue
        for alias in (a for group in groups for a in ALIASES[group]):
            if alias in normals and normals.index(alias) not in found.values():
                found[field] = normals.index(alias)
                break
    return found


# Times and seconds ----------------------------------------------------------------------

# Every date and time form read, in order of preference ('%.f' is Polars' fraction of a
# second). A format is never guessed: a text is read with one of these or not at all.
_ISO: Final = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%d %H:%M",
)  # fmt: skip
_DAY_FIRST: Final = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M", "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
)  # fmt: skip
_MONTH_FIRST: Final = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M")
_OTHER: Final = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
MONTH_FIRST_HOMES: Final = frozenset({"US", "CA"})


def time_formats(home: str | None = None, *, records: bool = False) -> tuple[str, ...]:
    """The date and time formats to try, in order: day first, unless ``home`` writes the
    month first (the US and Canada). ``records``: only what call records are written
    in (a whole date and time to the second, ISO with or without a ``T``, a fraction or
    a ``Z``), not the shorter forms people's phones and routers use."""
    if home in MONTH_FIRST_HOMES:
        every = _ISO + _MONTH_FIRST + _DAY_FIRST + _OTHER
    else:
        every = _ISO + _DAY_FIRST + _MONTH_FIRST + _OTHER
    if records:
        return tuple(f for f in every if "%S" in f and "%Y" in f)
    return tuple(f for f in every if "%.f" not in f and "T" not in f)


def parse_time(text: str, formats: Iterable[str]) -> dt.datetime | None:
    """``text`` read with the first of ``formats`` that fits; None when empty. Raises
    ``ValueError`` (a sentence for the reader) when none fits."""
    text = text.strip()
    if not text:
        return None
    for form in formats:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    raise ValueError(f"The date and time '{text[:40]}' can't be read.")


def parse_seconds(text: str) -> float | None:
    """'5', '5.0', '0:05', '1:02:03' (h:mm:ss) as seconds; None when empty or unreadable.

    >>> parse_seconds("1:02")
    62.0
    """
    text = text.strip()
    if not text:
        return None
    try:
        parts = [float(part) for part in text.split(":")]
    except ValueError:
        return None
    if len(parts) > 3 or any(part < 0 for part in parts):
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds
