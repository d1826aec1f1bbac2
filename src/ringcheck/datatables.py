"""Load ringcheck's curated data tables (``src/ringcheck/data``).

Every table row carries its source and review date; the files say where each fact comes
from. Tables load once, on first use. Lookups take a ``Tables`` so tests can pass small
ones, and a user's config can add high-risk codes without touching the shipped files.
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import Any, Generic, NamedTuple, TypeVar

T = TypeVar("T")


class PrefixTable(dict[str, T], Generic[T]):
    """Rows keyed by digit prefixes; ``longest(digits)`` finds the longest that fits.

    It remembers which key lengths it holds, so a lookup tries only those.
    """

    def __init__(self, rows: Iterable[tuple[str, T]] | Mapping[str, T] = ()) -> None:
        super().__init__(rows)
        self.lengths = tuple(sorted({len(key) for key in self}, reverse=True))
        # Every key starts with one of these (as long as the shortest key): most numbers
        # are in no table, and one set lookup tells so.
        self.shortest = self.lengths[-1] if self.lengths else 0
        self.heads = frozenset(key[: self.shortest] for key in self)
        # The three, read by longest() in one attribute look-up (it runs several times
        # for every number checked).
        self._probe = (self.shortest, self.heads, self.lengths)

    def longest(self, digits: str) -> T | None:
        """The row whose key is the longest prefix of ``digits``, or None."""
        shortest, heads, lengths = self._probe
        if digits[:shortest] not in heads:
            return None
        get = self.get
        # No length check: a key longer than ``digits`` can't be found, and a cut longer
        # than ``digits`` is all of it, the same key a cut of its own length finds.
        for length in lengths:
            found = get(digits[:length])
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


class ForeignRange(NamedTuple):
    """A range of another country whose cost phonenumbers doesn't tell (E.164 digits,
    e.g. "49900" for Germany's 0900), with the cost fact a call-back sentence adds."""

    prefix: str
    region: str
    national: str  # as dialled in its country: "0900"
    line_type: str
    cost_band: str  # when called from its own country; from abroad see destinations.destination
    description: str
    cost_note: str
    source: str


class DramaRange(NamedTuple):
    """A range kept for fiction: Ofcom's drama ranges, NANPA's 555-0100 to 555-0199.

    ``first`` and ``last`` are the digits after the calling code; leading ``x``s stand for
    any digit (NANP's fictional numbers are the same in every area code).
    """

    code: int
    first: str
    last: str
    area: str
    source: str
    any_digits: int = 0  # how many leading digits may be anything (the x's)

    def holds(self, nsn: str) -> bool:
        """Whether the national significant number ``nsn`` lies in this range."""
        skip = self.any_digits
        return len(nsn) == len(self.first) and self.first[skip:] <= nsn[skip:] <= self.last[skip:]


class InboundOnly(NamedTuple):
    """A UK number that only takes calls (159, 7726): it never rings anyone."""

    number: str
    name: str
    cost_band: str
    description: str
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
    phrase: str = ""  # how a sentence names it: "an Inmarsat satellite phone"


class Headline(NamedTuple):
    """A headline and when it may be shown: between two levels, and maybe only beside
    another reason (``needs``)."""

    text: str
    at_least: str = "low"
    at_most: str = "very_high"
    needs: str | None = None


@dataclass(frozen=True, eq=False)
class Wording:
    """Every sentence shown to a person, by section and code."""

    reason: Mapping[str, str]
    advice: Mapping[str, str]
    cost: Mapping[str, str]
    headline: Mapping[str, Headline]
    level: Mapping[str, str]
    line_type: Mapping[str, str]
    category: Mapping[str, str] = field(default_factory=dict)
    category_name: Mapping[str, str] = field(default_factory=dict)
    # Other wordings of a reason or an advice code, for where its usual sentence isn't true
    # (one ring on a number that costs a normal call; how to check someone you know).
    reason_variant: Mapping[str, str] = field(default_factory=dict)
    advice_variant: Mapping[str, str] = field(default_factory=dict)
    # Advice said differently when calling back costs no more than a normal call.
    advice_no_charge: Mapping[str, str] = field(default_factory=dict)
    # Call-back lines that replace a band's sentence (a withheld caller's).
    cost_instead: Mapping[str, str] = field(default_factory=dict)
    # The evidence of a live campaign, in words (ringcheck/campaign.py).
    campaign: Mapping[str, str] = field(default_factory=dict)


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
    inbound_only: Mapping[str, InboundOnly] = field(default_factory=dict)
    foreign_ranges: PrefixTable[ForeignRange] = field(default_factory=PrefixTable)
    reviewed: str = ""  # the day the tables were last reviewed (manifest.toml), ISO
    # Advice codes of services the home doesn't have, and the code given instead
    # (ringcheck.homes.for_home fills it in: 7726 and 159 are UK services).
    instead: Mapping[str, str] = field(default_factory=dict)
    # Filled in by ringcheck.numbers: one call-back cost value per band.
    callback_costs: dict[Any, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def fiction_codes(self) -> frozenset[int]:
        """The calling codes that have ranges kept for fiction."""
        return frozenset(row.code for row in self.drama)

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

    def fictional(self, code: int, nsn: str) -> DramaRange | None:
        """The range kept for fiction that holds ``+code nsn``, if any.

        >>> tables().fictional(44, "2079460123").area, tables().fictional(1, "2125550123").area
        ('London', 'Any North American area code')
        """
        for skip, cut, blocks, others in self._fiction_index.get((code, len(nsn)), ()):
            found = blocks.get(nsn[skip:cut])
            if found is not None:
                return found
            for row in others:
                if row.holds(nsn):
                    return row
        return None

    @cached_property
    def _fiction_index(self) -> dict[tuple[int, int], list[_FictionGroup]]:
        """The ranges kept for fiction grouped by calling code, length and leading x's,
        found by (calling code, length of the national number).

        Nearly every range is a whole block (the same digits, then 000-999 or 00-99), so
        a number is looked up by its digits before the block: one dict lookup each.
        """
        groups: dict[tuple[int, int, int, int], tuple[dict[str, DramaRange], list[DramaRange]]]
        groups = {}
        for row in self.drama:
            tail = _block_tail(row)
            cut = len(row.first) - tail
            blocks, others = groups.setdefault(
                (row.code, len(row.first), row.any_digits, cut), ({}, [])
            )
            if tail:
                blocks[row.first[row.any_digits : cut]] = row
            else:
                others.append(row)
        index: dict[tuple[int, int], list[_FictionGroup]] = {}
        for (code, length, skip, cut), (blocks, others) in groups.items():
            index.setdefault((code, length), []).append((skip, cut, blocks, tuple(others)))
        return index


# (leading digits to skip, where the block's own digits end, blocks, other ranges)
_FictionGroup = tuple[int, int, dict[str, DramaRange], tuple[DramaRange, ...]]


def _block_tail(row: DramaRange) -> int:
    """How many last digits run from all 0s to all 9s in ``row`` (0: not a whole block)."""
    first, last = row.first, row.last
    for tail in range(len(first) - row.any_digits, 0, -1):
        if (
            first[-tail:] == "0" * tail
            and last[-tail:] == "9" * tail
            and first[:-tail] == last[:-tail]
        ):
            return tail
    return 0


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
    return _by_prefix("uk_ranges.csv", UkRange, optional=("reason",))


def _drama() -> tuple[DramaRange, ...]:
    """Ranges kept for fiction, as the table lists them."""
    rows = tuple(
        DramaRange(
            int(r["code"]),
            r["first"],
            r["last"],
            r["area"],
            r["source"],
            len(r["first"]) - len(r["first"].lstrip("x")),
        )
        for r in _rows("drama_ranges.csv")
    )
    for row in rows:
        if (
            "x" in row.first[row.any_digits :]
            or row.last[: row.any_digits] != row.first[: row.any_digits]
        ):
            raise ValueError(f"drama_ranges.csv: 'x' may only lead a range: {row.first}")
    return rows


def _inbound_only() -> dict[str, InboundOnly]:
    return {
        r["number"]: InboundOnly(
            r["number"], r["name"], r["cost_band"], r["description"], r["source"]
        )
        for r in _rows("inbound_only.csv")
    }


def _high_risk() -> PrefixTable[HighRisk]:
    """high_risk.csv by E.164 digit prefix. A row names a country (``region``); one with
    no ``prefix`` stands for every +1 area code of that country, as phonenumbers' data
    gives them (generated/nanp_areas.tsv), so a new overlay counts as soon as it exists."""
    areas = _nanp_areas_by_region()
    merged: dict[str, HighRisk] = {}
    for r in _rows("high_risk.csv"):
        prefixes = [r["prefix"]] if r["prefix"] else [f"1{a}" for a in areas.get(r["region"], ())]
        if not prefixes:
            raise ValueError(f"high_risk.csv: {r['region']} has no +1 area codes; give a prefix")
        for prefix in prefixes:
            old = merged.get(prefix)
            sources = (*old.sources, r["source"]) if old else (r["source"],)
            merged[prefix] = HighRisk(prefix, r["destination"], tuple(dict.fromkeys(sources)))
    return PrefixTable(merged)


def _nanp_areas_by_region() -> dict[str, list[str]]:
    """Region -> its +1 area codes (generated/nanp_areas.tsv, 10-digit numbers only)."""
    found: dict[str, list[str]] = {}
    for line in data_text("generated/nanp_areas.tsv").splitlines():
        if line and not line.startswith("#"):
            area, region = line.split("\t")
            if area.isdigit():
                found.setdefault(region, []).append(area)
    return found


def _networks() -> PrefixTable[Network]:
    return _by_prefix("networks.csv", Network)


def _foreign_ranges() -> PrefixTable[ForeignRange]:
    return _by_prefix("foreign_ranges.csv", ForeignRange)


R = TypeVar("R", bound=NamedTuple)


def _by_prefix(name: str, row: type[R], optional: tuple[str, ...] = ()) -> PrefixTable[R]:
    """A table whose columns hold ``row``'s fields (and more: source_url, reviewed…), by
    its ``prefix`` column; an empty cell of an ``optional`` column is None."""
    make: Callable[..., R] = row
    return PrefixTable(
        (r["prefix"], make(**{f: (r[f] or None) if f in optional else r[f] for f in row._fields}))
        for r in _rows(name)
    )


def _headline(entry: str | dict[str, str]) -> Headline:
    return Headline(entry) if isinstance(entry, str) else Headline(**entry)


def _wording() -> Wording:
    data = _toml("wording.toml")
    return Wording(
        data["reason"],
        data["advice"],
        data["cost"],
        {code: _headline(entry) for code, entry in data["headline"].items()},
        data["level"],
        data["line_type"],
        data.get("category", {}),
        data.get("category_name", {}),
        data.get("reason_variant", {}),
        data.get("advice_variant", {}),
        data.get("advice_no_charge", {}),
        data.get("cost_instead", {}),
        data.get("campaign", {}),
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
        inbound_only=_inbound_only(),
        foreign_ranges=_foreign_ranges(),
        reviewed=str(manifest.get("reviewed", "")),
    )
