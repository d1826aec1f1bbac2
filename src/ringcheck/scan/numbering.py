"""Numbers as switches and people write them, put in E.164 once, by one rule for both engines.

``rules(home)`` is the rule: a list of (regex, replacement) pairs over a number with its
separators taken out, first match wins. Polars applies it here (``e164``), Spark with its
own ``regexp_replace`` (``spark_e164``); the patterns use ASCII classes only (``[0-9]``,
never ``\\d`` or ``\\s``, which Rust reads as Unicode and Java as ASCII), so the two
engines read every spelling alike. The forms, in order:

1. ``+`` then a calling code: ``+2250712345601``;
2. the home's international prefix then a calling code (from phonenumbers' metadata:
   ``00`` in the UK, ``011`` in North America, ``0011`` in Australia…): a subscriber
   calling back ``002250712345601`` has called ``+2250712345601``;
3. the home's trunk prefix then a national number: ``07400123456`` in the UK;
4. a bare national number, without its trunk prefix, as the home's numbering plan allows
   (phonenumbers' pattern of the home's numbers): ``7400123456`` in the UK,
   ``2125550123`` in the USA, ``0612345678`` in Italy (no trunk prefix there);
5. 11 to 17 bare digits, taken as an international number without its ``+``.

An extension or short code (at most ``EXTENSION_DIGITS`` digits: ``1001``, ``*97``) and
anything else is kept as written: it has no sure E.164 form. A hidden caller
("Anonymous", "Withheld", empty) is null.

>>> import polars as pl
>>> texts = ["+225 07 12 34 56 01", "002250712345601", "07400 123456", "7400123456", "1001"]
>>> spelled(pl.Series(texts), "GB")["number"].to_list()
['+2250712345601', '+2250712345601', '+447400123456', '+447400123456', '1001']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

import polars as pl

from ringcheck import phonemeta
from ringcheck.numbers import _home

# What a switch writes for a hidden caller (compared lower-case, with no spaces).
WITHHELD_WORDS = (
    "anonymous", "withheld", "private", "restricted", "unknown", "unavailable", "hidden",
    "nocallerid", "blocked", "none", "null", "-1", "-2", "-3",
)  # fmt: skip
# Longest extension or short code: kept as written, never read as a national number.
EXTENSION_DIGITS = 6
# "(0)" as in "+44 (0)20…", then every separator: whatever is not a digit, a letter
# (withheld words), '+', '*' or '#'. ASCII classes: both engines read them alike.
OPTIONAL_ZERO = r"\(0\)"
SEPARATORS = r"[^0-9A-Za-z+*#]"
_BLANKS = " \t\r\n"


@cache
def rules(home: str = "GB") -> tuple[tuple[str, str], ...]:
    """How ``e164`` rewrites a number (without separators), first match wins: pairs of
    (regex, replacement with ``$1``), each regex anchored with one group.

    >>> rules("GB")[3]
    ('^0([1-9][0-9]{6,9})$', '+44$1')
    """
    where = _home(home)
    meta = phonemeta.region_metadata(where.region)
    found = [
        (f"^([0-9*#]{{1,{EXTENSION_DIGITS}}})$", "$1"),  # an extension: as it is
        (r"^\+([1-9][0-9]{3,16})$", "+$1"),
    ]
    if meta is not None and meta.international_prefix:
        idd = _ascii(meta.international_prefix)
        found.append((f"^(?:{idd})([1-9][0-9]{{3,16}})$", "+$1"))
    prefix = where.rules.national_prefix
    lengths = where.rules.possible_lengths
    if prefix and lengths:
        low, high = min(lengths) - 1, max(lengths) - 1  # digits after the first one
        found.append((f"^{prefix}([1-9][0-9]{{{low},{high}}})$", f"+{where.code}$1"))
    plan = meta.general_desc.national_number_pattern if meta and meta.general_desc else None
    if plan:
        found.append((f"^((?:{_ascii(plan)}))$", f"+{where.code}$1"))
    found.append((r"^([1-9][0-9]{10,16})$", "+$1"))
    for pattern, _ in found:
        assert re.compile(pattern).groups == 1, pattern
    return tuple(found)


def _ascii(pattern: str) -> str:
    """phonenumbers' pattern with ``\\d`` as ``[0-9]`` (Rust's ``\\d`` is any Unicode digit)."""
    return pattern.replace(r"\d", "[0-9]")


def tidy(text: pl.Expr) -> pl.Expr:
    """The number without "(0)" and separators."""
    return text.str.replace_all(OPTIONAL_ZERO, "").str.replace_all(SEPARATORS, "")


def e164(text: pl.Expr, home: str = "GB") -> pl.Expr:
    """Polars: the numbers in ``text`` in E.164 where they have a sure form (``rules``).

    The rules run as one regex, their patterns as alternatives in order (the first that
    matches the whole number wins, as in the list), so each number is matched once.
    """
    tidied = tidy(text)
    alternatives, heads = [], []
    for group, (pattern, replacement) in enumerate(rules(home), start=1):
        alternatives.append(pattern[1:-1])  # each rule has one group: its number is its place
        heads.append((str(group), replacement.removesuffix("$1")))
    groups = tidied.str.extract_groups(f"^(?:{'|'.join(alternatives)})$")
    found = pl.coalesce([pl.lit(head) + groups.struct.field(name) for name, head in heads])
    said = text.str.strip_chars(_BLANKS).str.to_lowercase()
    withheld = (
        tidied.is_null()
        | (tidied == "")
        | tidied.str.to_lowercase().is_in(WITHHELD_WORDS)
        | said.is_in(WITHHELD_WORDS)
    )
    return pl.when(withheld).then(pl.lit(None, pl.String)).otherwise(pl.coalesce(found, tidied))


def spark_e164(column: Any, home: str = "GB") -> Any:
    """Spark: ``e164`` with the same rules, as built-in expressions (no Python on workers)."""
    from pyspark.sql import functions as F

    tidied = F.regexp_replace(F.regexp_replace(column, OPTIONAL_ZERO, ""), SEPARATORS, "")
    words = F.array(*[F.lit(w) for w in WITHHELD_WORDS])
    said = F.lower(F.regexp_replace(column, f"^[{_BLANKS}]+|[{_BLANKS}]+$", ""))
    withheld = (
        tidied.isNull()
        | (tidied == "")
        | F.array_contains(words, F.lower(tidied))
        | F.array_contains(words, said)
    )
    out = F.when(withheld, F.lit(None).cast("string"))
    for pattern, replacement in rules(home):
        out = out.when(tidied.rlike(pattern), F.regexp_replace(tidied, pattern, replacement))
    return out.otherwise(tidied)


def spelled(texts: pl.Series, home: str = "GB") -> pl.DataFrame:
    """Each distinct spelling in ``texts`` (``text``) with its E.164 form (``number``):
    the rule runs once per spelling, and the records join on it."""
    unique = texts.alias("text").unique(maintain_order=True).to_frame()
    return unique.with_columns(number=e164(pl.col("text"), home))


def allowlist(entries: Iterable[str], home: str = "GB") -> tuple[str, ...]:
    """Allowlisted numbers and ranges (prefixes) in E.164, however written. An entry
    with no international form raises ``ValueError`` naming it."""
    given = list(entries)
    if not given:
        return ()
    found = spelled(pl.Series(given, dtype=pl.String), home)
    number = dict(zip(found["text"].to_list(), found["number"].to_list(), strict=True))
    out = []
    for entry in given:
        value = number.get(entry)
        if not value or not value.startswith("+"):
            raise ValueError(entry)
        out.append(value)
    return tuple(out)
