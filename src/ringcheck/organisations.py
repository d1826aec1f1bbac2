"""Who the caller claimed to be: the catalogue of organisations and its matcher.

Each home has its catalogue (``data/homes.toml`` names the file): UK organisations in
``data/organisations.toml``, the US's and Germany's in files of the same format, and
kinds true anywhere (a bank, the tax office, the police) for every other home. Each
organisation has aliases people type ("hmrc", "inland revenue", "my bank"), and each
kind of organisation has the safe way to contact it. Matching is case-insensitive, on
whole words, and the longest alias wins, so "Bank of England" is not read as "a bank".

A caller who claimed to be someone the person knows ("my daughter", "a friend") is not an
organisation: ``is_person`` reads that from the words in ``data/people.toml``. An
organisation named in the claim wins ("the police, about my son" is the police).

>>> match("It said it was H.M.R.C.").name
'HMRC'
>>> match("they said NHS").said, is_person("My daughter, from a new number")
('the NHS', True)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from ringcheck.datatables import data_text
from ringcheck.homes import home_for

_NOT_WORD = re.compile(r"[^0-9a-z]+")


class Kind(NamedTuple):
    """A kind of organisation and the safe way to get in touch with it."""

    id: str
    label: str
    safe_contact: str
    advice: str


class Organisation(NamedTuple):
    """One organisation callers pretend to be.

    ``said`` is how a sentence names it ("the NHS", "your local council"); ``country`` is
    the region whose numbers it calls from (None: it works across borders, like Interpol
    or Microsoft, so a number from abroad says nothing about it).
    """

    name: str
    kind: Kind
    aliases: tuple[str, ...]
    source: str
    said: str = ""
    country: str | None = "GB"  # the catalogue's home, unless the row names another


def _words(text: str) -> str:
    """Lower-case words separated by single spaces: 'H.M.R.C.' -> 'h m r c'."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Organisations with a compiled matcher over all their aliases."""

    organisations: tuple[Organisation, ...]
    by_alias: dict[str, Organisation]
    pattern: re.Pattern[str]

    @classmethod
    def build(cls, organisations: tuple[Organisation, ...]) -> Catalogue:
        by_alias = {_words(a): org for org in organisations for a in (org.name, *org.aliases)}
        by_alias.pop("", None)
        alternatives = sorted(by_alias, key=len, reverse=True)
        pattern = re.compile(
            r"(?<![0-9a-z])(?:" + "|".join(map(re.escape, alternatives)) + r")(?![0-9a-z])"
        )
        return cls(organisations, by_alias, pattern)

    def match(self, claimed: str | None) -> Organisation | None:
        """The organisation a caller claimed to be, or None when none is recognised."""
        if not claimed:
            return None
        words = _words(claimed)
        found = [m.group() for m in self.pattern.finditer(words)]
        if not found:
            return None
        return self.by_alias[max(found, key=len)]


def catalogue(home: str = "GB") -> Catalogue:
    """The shipped catalogue for a home region (each file loaded once).

    >>> catalogue("US").match("they said it was the IRS").name
    'the IRS'
    """
    return _catalogue(home_for(home).organisations, home.upper())


@cache
def _catalogue(name: str, home: str) -> Catalogue:
    # An organisation calls from the home whose catalogue lists it, unless its row names
    # a country (or "" for bodies that work across borders).
    data = tomllib.loads(data_text(name))
    kinds = {
        k["id"]: Kind(k["id"], k["label"], k["safe_contact"], k["advice"]) for k in data["kind"]
    }
    orgs = tuple(
        Organisation(
            o["name"],
            kinds[o["kind"]],
            tuple(o["aliases"]),
            o["source"],
            o.get("said") or _said(o["name"]),
            o.get("country", home) or None,
        )
        for o in data["organisation"]
    )
    return Catalogue.build(orgs)


def _said(name: str) -> str:
    """A name as it reads inside a sentence: 'Your GP surgery' -> 'your GP surgery'."""
    first, _, rest = name.partition(" ")
    if first in ("Your", "The", "A", "An") and rest:
        return f"{first.lower()} {rest}"
    return name


@cache
def _person_pattern() -> re.Pattern[str]:
    words = tomllib.loads(data_text("people.toml"))["words"]
    alternatives = sorted({_words(w) for w in words}, key=len, reverse=True)
    return re.compile(
        r"(?<![0-9a-z])(?:" + "|".join(map(re.escape, alternatives)) + r")(?![0-9a-z])"
    )


def is_person(claimed: str | None) -> bool:
    """Whether the caller claimed to be someone the person knows: family, a friend, a
    neighbour or a colleague (``data/people.toml``). Check ``match`` first: a named
    organisation wins."""
    return bool(claimed) and _person_pattern().search(_words(claimed or "")) is not None


def match(claimed: str | None, home: str = "GB") -> Organisation | None:
    """Match free text ("they said HMRC") against the home's shipped catalogue."""
    return catalogue(home).match(claimed)
