"""Load ringcheck's curated data tables (``src/ringcheck/data``).

Every table row carries its source and review date; the files say where each fact comes
from. Tables load once, on first use. Lookups take a ``Tables`` so tests can pass small
ones, and a user's config can add high-risk codes without touching the shipped files.
"""

from __future__ import annotations

import bisect
import csv
import io
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Generic, NamedTuple, TypeVar

T = TypeVar("T")


class PrefixTable(dict[str, T], Generic[T]):
    """Rows keyed by digit prefixes; ``longest(digits)`` finds the longest that fits.

    It remembers which key lengths it holds, so a lookup tries only those.
    """

    def __init__(self, rows: Iterable[tuple[str, T]] | Mapping[str, T] = ()) -> None:
        super().__init__(rows)
        self.lengths = tuple(sorted({len(key) for key in self}, reverse=True))

    def longest(self, digits: str) -> T | None:
        """The row whose key is the longest prefix of ``digits``, or None."""
        size = len(digits)
        for length in self.lengths:
            if length <= size:
                found = self.get(digits[:length])
                if found is not None:
                    return found
        return None


class UkRange(NamedTuple):
    """A UK number range (national digits with the leading 0, e.g. "0871")."""

    prefix: str
    line_type: str
    cost_band: str
    reason: str | None
    description: str
    source: str


class DramaRange(NamedTuple):
    """An Ofcom drama range, as national digits with the leading 0."""

    first: str
    last: str
    area: str
    source: str


class HighRisk(NamedTuple):
    """A destination named in call-back fraud warnings (E.164 digits, e.g. "1876")."""

    prefix: str
    destination: str
    sources: tuple[str, ...]


class Network(NamedTuple):
    """An international non-geographic code such as +881 (satellite)."""

    prefix: str
    kind: str
    name: str
    cost_band: str
    source: str


@dataclass(frozen=True, eq=False)
class Wording:
    """Every sentence shown to a person, by section and code."""

    reason: Mapping[str, str]
    advice: Mapping[str, str]
    cost: Mapping[str, str]
    headline: Mapping[str, str]
    level: Mapping[str, str]
    line_type: Mapping[str, str]
    category: Mapping[str, str] = field(default_factory=dict)
    category_name: Mapping[str, str] = field(default_factory=dict)


class Source(NamedTuple):
    """One table and the sources it cites, for ``ringcheck data``."""

    file: str
    what: str
    sources: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Tables:
    """All curated tables together, with the data version shown in every result."""

    version: str
    uk_ranges: PrefixTable[UkRange]
    drama: tuple[DramaRange, ...]
    high_risk: PrefixTable[HighRisk]
    networks: PrefixTable[Network]
    points: Mapping[str, int]
    wording: Wording
    sources: tuple[Source, ...] = field(default=())

    def with_extra_high_risk(self, prefixes: Iterable[str], source: str) -> Tables:
        """A copy where each E.164 digit prefix given is also a high-risk destination."""
        merged = dict(self.high_risk)
        for prefix in prefixes:
            old = merged.get(prefix)
            if old is None:
                merged[prefix] = HighRisk(prefix, f"+{prefix}", (source,))
            else:
                merged[prefix] = old._replace(sources=(*old.sources, source))
        return replace(self, high_risk=PrefixTable(merged))

    def is_drama(self, national: str) -> DramaRange | None:
        """The drama range holding a UK national number (with its leading 0), if any."""
        rows = self.drama
        at = bisect.bisect_right(rows, (len(national), national), key=_drama_key) - 1
        if at >= 0:
            row = rows[at]
            if len(row.first) == len(national) and national <= row.last:
                return row
        return None


DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def data_text(name: str) -> str:
    """A shipped data file's text (``name`` is relative to ``ringcheck/data``).

    A plain os.path, not importlib.resources or pathlib: the package is always installed
    as files, and this keeps ~20 ms off every command's start-up.
    """
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as file:
        return file.read()


def _rows(name: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(data_text(name)))


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads(data_text(name))


def _uk_ranges() -> PrefixTable[UkRange]:
    return PrefixTable(
        (
            r["prefix"],
            UkRange(
                prefix=r["prefix"],
                line_type=r["line_type"],
                cost_band=r["cost_band"],
                reason=r["reason"] or None,
                description=r["description"],
                source=r["source"],
            ),
        )
        for r in _rows("uk_ranges.csv")
    )


def _drama_key(row: DramaRange) -> tuple[int, str]:
    return (len(row.first), row.first)


def _drama() -> tuple[DramaRange, ...]:
    """Drama ranges sorted by (length, first number), for a binary search."""
    rows = [
        DramaRange(r["first"], r["last"], r["area"], r["source"]) for r in _rows("drama_ranges.csv")
    ]
    return tuple(sorted(rows, key=_drama_key))


def _high_risk() -> PrefixTable[HighRisk]:
    merged: dict[str, HighRisk] = {}
    for r in _rows("high_risk.csv"):
        old = merged.get(r["prefix"])
        sources = (*old.sources, r["source"]) if old else (r["source"],)
        merged[r["prefix"]] = HighRisk(r["prefix"], r["destination"], sources)
    return PrefixTable(merged)


def _networks() -> PrefixTable[Network]:
    return PrefixTable(
        (r["prefix"], Network(r["prefix"], r["kind"], r["name"], r["cost_band"], r["source"]))
        for r in _rows("networks.csv")
    )


def _wording() -> Wording:
    data = _toml("wording.toml")
    return Wording(
        data["reason"],
        data["advice"],
        data["cost"],
        data["headline"],
        data["level"],
        data["line_type"],
        data.get("category", {}),
        data.get("category_name", {}),
    )


@cache
def tables() -> Tables:
    """The shipped tables (loaded once)."""
    manifest = _toml("manifest.toml")
    return Tables(
        version=manifest["version"],
        uk_ranges=_uk_ranges(),
        drama=_drama(),
        high_risk=_high_risk(),
        networks=_networks(),
        points={r["code"]: int(r["points"]) for r in _rows("points.csv")},
        wording=_wording(),
        sources=tuple(Source(t["file"], t["what"], tuple(t["sources"])) for t in manifest["table"]),
    )
