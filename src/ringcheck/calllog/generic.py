"""Any CSV or TSV call log with a header row: the columns are found by their names.

The number column is the first whose name reads as ``number``, ``phone``, ``phone number``,
``msisdn``, ``caller``, ``caller id``, ``from`` or ``a-number`` (case, spaces, dashes and
underscores don't matter); the time, ring-time or duration, direction and status columns
likewise (``FIELDS``, in terms of ``tabular.ALIASES``), or named outright with
``columns``. Separate date and time columns are read together.

How long a call rang comes only from a ring-time column (the log ``ringcheck watch
fritzbox`` keeps has one), or from call records with both a duration and a billed-seconds
column (Asterisk, FreeSWITCH: ``duration - billsec`` is the time before answer). A
duration on its own is talk time, 0 for a missed call whatever the ring time was
(Android, FRITZ!Box): it says a call with talk time was answered, and nothing about
rings. Which of these a file is, is its ``source`` (``source.SOURCES``).

Read with Polars in one pass; a file Polars can't take as it is (ragged rows, blank lines)
is read line by line instead, so each bad line is reported and the rest still counts.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import polars as pl

from ringcheck import tabular
from ringcheck.calllog.model import SCHEMA, WITHHELD, CallLog, Unreadable
from ringcheck.calllog.source import MONITOR_LOG_COLUMNS, CallLogError
from ringcheck.calllog.times import parse_times
from ringcheck.tabular import ANSWERED_WORDS, normal, parse_seconds

# What a call log's columns hold, as ``tabular.ALIASES`` groups: a log's "number" is the
# other party, so its own names come first, then a caller's.
FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("number", "caller"),
    "time": ("start",),
    "ring": ("ring",),
    "duration": ("duration",),
    "billsec": ("billsec",),
    "direction": ("direction",),
    "status": ("outcome",),
}
# Words logs use for a call's direction and outcome -> (outgoing, missed).
_WORDS: dict[str, tuple[bool | None, bool | None]] = {
    **dict.fromkeys(
        ("outgoing", "outbound", "out", "dialled", "dialed", "placed", "made", "outgoing call",
         "o"),
        (True, None),
    ),
    **dict.fromkeys(("incoming", "inbound", "in", "received", "incoming call", "i"), (False, None)),
    **dict.fromkeys(
        ("missed", "missed call", "no answer", "noanswer", "unanswered", "not answered",
         "rejected", "declined", "blocked", "busy", "failed", "cancelled", "canceled",
         "voicemail", "abandoned", "missed incoming"),
        (False, True),
    ),
    **dict.fromkeys(map(normal, ANSWERED_WORDS), (None, False)),
}  # fmt: skip


def read_csv(
    text: str,
    home: str,
    columns: Mapping[str, str] | None = None,
    *,
    raw: bytes | None = None,
) -> CallLog:
    """The calls in a CSV/TSV log with a header row (columns found by name).

    ``raw`` may be the bytes ``text`` was decoded from: when they are plain ASCII, Polars
    reads them as they are rather than ``text`` encoded again.
    """
    found = tabular.header_of(tabular.lines_of(text))
    if found is None:
        raise CallLogError("empty_file", "The file is empty.")
    body, skip = _from_line(text, found.line)
    header, separator = found.names, found.separator
    roles = find_columns(header, columns or {})
    bad: list[Unreadable] = []
    cells = _fast(_bytes(text, body, raw), separator, skip)
    if cells is None or _has_blank_line(cells):
        # Line by line instead: Polars' rows for blank lines would read as calls with
        # no number (withheld), and its errors don't say which line they are on.
        cells, bad = _slow(body, separator, skip, len(header))
    cells = cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns[1:])})
    calls, more_bad = _calls(cells, roles, home)
    return CallLog(calls, "csv", sorted(bad + more_bad), source_of(header, roles))


def source_of(header: list[str], roles: Mapping[str, int]) -> str:
    """Which kind of CSV log (a key of ``SOURCES``) a header with these columns is."""
    if tuple(normal(name) for name in header) == MONITOR_LOG_COLUMNS:
        return "fritzbox-monitor"
    if "ring" in roles:
        return "csv-ring"
    if "duration" in roles and "billsec" in roles:
        return "cdr"
    return "csv"


def _bytes(text: str, body: str, raw: bytes | None) -> bytes:
    """``body`` (the end of ``text``) as UTF-8, taken from ``raw`` when that is possible.

    ASCII bytes as long as the text can only have been decoded as UTF-8 (UTF-16 would
    halve the length), so the text is exactly those bytes and its end is theirs.
    """
    if raw is not None and len(raw) == len(text) and raw.isascii():
        return raw[len(text) - len(body) :]
    return body.encode("utf-8")


def _has_blank_line(cells: pl.DataFrame) -> bool:
    """A row Polars read from a blank line (or one of only spaces or separators): every
    cell empty but the first, and that one empty or spaces."""
    first, *rest = cells.columns[1:]  # after "line"
    blank = pl.col(first).is_null() | (pl.col(first).str.strip_chars() == "")
    if rest:
        blank = blank & pl.all_horizontal(pl.col(name).is_null() for name in rest)
    return bool(cells.select(blank.any()).item())


def _from_line(text: str, number: int) -> tuple[str, int]:
    """The text from line ``number`` on (its header), and how many lines were before it
    (a ``sep=`` line, blank lines)."""
    at = 0
    for _ in range(number - 1):
        at = text.index("\n", at) + 1
    return text[at:], number - 1


def find_columns(header: list[str], given: Mapping[str, str]) -> dict[str, int]:
    """role -> column index, from names given by the user or found by common names."""
    try:
        roles = tabular.find_columns(header, FIELDS, given)
    except tabular.UnknownColumn as exc:
        raise CallLogError("unknown_column", str(exc)) from None
    normals = [normal(name) for name in header]
    if normals[roles.get("time", 0)] == "date" and "time" in normals and "time" in roles:
        clock = normals.index("time")
        if clock not in roles.values():
            roles["clock"] = clock
    if "number" not in roles:
        raise CallLogError(
            "no_number_column",
            "ringcheck can't find the column with phone numbers. Name it 'number' in the "
            "header, or say which one it is with --number-column.",
        )
    return roles


def _fast(body: bytes, separator: str, skip: int) -> pl.DataFrame | None:
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            separator=separator,
            has_header=True,
            infer_schema=False,
            quote_char='"',
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None
    return frame.with_row_index("line", offset=2 + skip).with_columns(pl.col("line").cast(pl.Int64))


def _slow(
    body: str, separator: str, skip: int, width: int
) -> tuple[pl.DataFrame, list[Unreadable]]:
    bad: list[tabular.BadLine] = []
    numbered = ((number + skip, line) for number, line in tabular.numbered_lines(body))
    next(numbered, None)  # the header
    found = list(tabular.rows(numbered, separator, width, bad))
    data: dict[str, list[object]] = {"line": [row.line for row in found]}
    for i in range(width):
        data[f"c{i}"] = [row.cells[i] for row in found]
    schema = {"line": pl.Int64, **{f"c{i}": pl.Utf8 for i in range(width)}}
    return pl.DataFrame(data, schema=schema), [Unreadable(*b) for b in bad]


def _calls(
    cells: pl.DataFrame, roles: dict[str, int], home: str
) -> tuple[pl.DataFrame, list[Unreadable]]:
    def col(role: str) -> pl.Expr:
        return pl.col(f"c{roles[role]}").str.strip_chars()

    number = col("number")
    frame = cells.select(
        "line",
        pl.when(number.is_null() | (number == ""))
        .then(pl.lit(WITHHELD))
        .otherwise(number)
        .alias("number"),
        _time_text(cells, roles).alias("time_text"),
        *_direction(cells, roles),
        _seconds(cells, roles, "ring").alias("ring_col"),
        _seconds(cells, roles, "duration").alias("duration"),
        _seconds(cells, roles, "billsec").alias("billsec"),
    )
    times, bad = parse_times(frame.select("line", "time_text"), home)
    before_answer = (pl.col("duration") - pl.col("billsec")).clip(0)
    talk = pl.col("billsec") if "billsec" in roles else pl.col("duration")
    frame = frame.with_columns(time=times).with_columns(
        ring=pl.col("ring_col") if "ring" in roles else before_answer,
        # Talk time means it was answered; none (0) may be a missed call or a short one.
        missed=pl.coalesce(
            pl.col("missed"), pl.when(~pl.col("outgoing") & (talk > 0)).then(pl.lit(False))
        ),
        name=pl.lit(None, pl.Utf8),
    )
    if bad:
        lost = pl.Series([u.line for u in bad], dtype=pl.Int64)
        frame = frame.filter(~pl.col("line").is_in(lost.implode()))
    return frame.select(list(SCHEMA)).cast(SCHEMA), bad  # type: ignore[arg-type]


def _time_text(cells: pl.DataFrame, roles: dict[str, int]) -> pl.Expr:
    if "time" not in roles:
        return pl.lit(None, pl.Utf8)
    when = pl.col(f"c{roles['time']}")
    if "clock" in roles:  # separate date and time columns
        return pl.concat_str(
            [when.str.strip_chars(), pl.col(f"c{roles['clock']}").str.strip_chars()],
            separator=" ",
        )
    return when  # parse_times tidies what doesn't read as it is


def _seconds(cells: pl.DataFrame, roles: dict[str, int], role: str) -> pl.Expr:
    if role not in roles:
        return pl.lit(None, pl.Float64)
    # Plain numbers read in bulk; anything else (spaces around, "0:25") once per distinct
    # text, by parse_seconds.
    column = cells.get_column(f"c{roles[role]}")
    numbers = column.cast(pl.Float64, strict=False)
    odd = column.filter(numbers.is_null() & column.is_not_null()).unique()
    if odd.len():
        mapping = {text: parse_seconds(text) for text in odd.to_list()}
        numbers = numbers.fill_null(
            column.replace_strict(mapping, default=None, return_dtype=pl.Float64)
        )
    return pl.lit(numbers.clip(0, 3600))


def _direction(cells: pl.DataFrame, roles: dict[str, int]) -> tuple[pl.Expr, pl.Expr]:
    found = [_words(cells, f"c{roles[r]}") for r in ("direction", "status") if r in roles]
    outgoing = pl.coalesce([o for o, _ in found] + [pl.lit(False)])
    missed = pl.coalesce([m for _, m in found] + [pl.lit(None, pl.Boolean)])
    return outgoing.alias("outgoing"), pl.when(outgoing).then(None).otherwise(missed).alias(
        "missed"
    )


def _words(cells: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """(outgoing, missed) for a direction or status column's words; null where it can't say.

    Each distinct word is looked up once; the column is then matched against the words
    with each meaning (which Polars runs in parallel with the rest).
    """
    values = cells.get_column(name).unique().drop_nulls().to_list()
    meaning = {v: _WORDS.get(normal(v), (None, None)) for v in values[:10_000]}

    def flag(which: int) -> pl.Expr:
        yes = [word for word, says in meaning.items() if says[which] is True]
        no = [word for word, says in meaning.items() if says[which] is False]
        return (
            pl.when(_among(name, yes))
            .then(pl.lit(True))
            .when(_among(name, no))
            .then(pl.lit(False))
            .otherwise(pl.lit(None, pl.Boolean))
        )

    return flag(0), flag(1)


def _among(name: str, words: list[str]) -> pl.Expr:
    """The column's value is one of ``words``: a few comparisons (cheaper than a set
    lookup for the handful of words a log uses), or a set lookup for many."""
    column = pl.col(name)
    if not words:
        return pl.lit(False)
    if len(words) > 4:
        return column.is_in(words)
    return pl.any_horizontal([column == word for word in words])
