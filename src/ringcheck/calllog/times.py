"""Dates and times as call logs write them, read in bulk with Polars.

The formats are ``tabular.time_formats``: ISO 8601 (with or without seconds, a ``T``,
fractions or a zone offset, which is dropped: the wall-clock time is what "odd hours"
needs), ``dd/mm/yyyy`` (``mm/dd/yyyy`` when home is
the US or Canada), ``dd.mm.yyyy``, and Unix time in seconds or milliseconds. The format is
chosen on a sample, so a million rows are parsed in one pass; rows it doesn't fit get the
other formats.
"""

from __future__ import annotations

import polars as pl

from ringcheck.calllog.model import Unreadable
from ringcheck.tabular import time_formats

_SAMPLE = 500
_PLAIN = "%Y-%m-%d %H:%M:%S"


def parse_times(frame: pl.DataFrame, home: str) -> tuple[pl.Series, list[Unreadable]]:
    """Datetimes for ``frame["time_text"]`` and the lines whose time can't be read."""
    raw = frame.get_column("time_text")
    # The commonest case in one pass: every time is 'YYYY-MM-DD HH:MM:SS'. Nothing else
    # below reads such a text differently, so when all of them read, that is the answer.
    plain = _read(raw, _PLAIN)
    if plain.null_count() == raw.null_count():
        return plain.alias("time"), []
    text = _tidy(raw)
    result = _epoch(text)
    todo = (text.is_not_null() & result.is_null()).arg_true()
    for form in _ordered(text.gather(todo.head(_SAMPLE)), time_formats(home)):
        if todo.is_empty():
            break
        parsed = _read(text.gather(todo), form)
        read = parsed.is_not_null()
        if read.any():
            result = result.scatter(todo.filter(read), parsed.filter(read))
        todo = todo.filter(~read)
    lines = frame.get_column("line").gather(todo).to_list()
    texts = frame.get_column("time_text").gather(todo).to_list()
    bad = [
        Unreadable(line, f"The date and time '{str(t)[:40]}' can't be read.")
        for line, t in zip(lines, texts, strict=True)
    ]
    return result.alias("time"), bad


def _read(text: pl.Series, form: str) -> pl.Series:
    """The texts as times in ``form``; null where they don't fit.

    Not cached: a log's times are nearly all different, so Polars' cache of distinct texts
    (its default) only doubles the work.
    """
    return text.str.strptime(pl.Datetime("us"), form, strict=False, cache=False)


def _tidy(text: pl.Series) -> pl.Series:
    """' 2024-03-01T14:05:09.123+01:00' -> '2024-03-01 14:05:09'; empty -> null."""
    text = text.str.strip_chars()
    iso = text.str.contains(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
    tidied = (
        pl.select(
            pl.when(iso)
            .then(text.str.slice(0, 19).str.replace("T", " ", literal=True))
            .otherwise(text)
        )
        .to_series()
        .str.strip_chars()
    )
    return pl.select(pl.when(tidied == "").then(None).otherwise(tidied)).to_series()


def _epoch(text: pl.Series) -> pl.Series:
    """Unix times in seconds (10 digits) or milliseconds (13 digits)."""
    digits = text.str.contains(r"^\d{10}(\d{3})?$")
    value = text.cast(pl.Int64, strict=False)
    millis = pl.select(
        pl.when(digits & (text.str.len_chars() == 13)).then(value).when(digits).then(value * 1000)
    ).to_series()
    return pl.from_epoch(millis, time_unit="ms").cast(pl.Datetime("us"))


def _ordered(sample: pl.Series, formats: tuple[str, ...]) -> list[str]:
    """``formats``, those that read the most of the sample first."""
    if sample.is_empty():
        return list(formats)
    score = {form: int(_read(sample, form).is_not_null().sum()) for form in formats}
    return sorted(formats, key=lambda f: -score[f])
