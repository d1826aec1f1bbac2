"""Who the caller claimed to be: the catalogue of organisations and its matcher.

Each home has its catalogue (``data/homes.toml`` names the file): UK organisations in
``data/organisations.toml``, the US's and Germany's in files of the same format, and
kinds true anywhere (a bank, the tax office, the police) for every other home. Each
organisation has aliases people type ("hmrc", "inland revenue", "my bank"), and each
kind of organisation has the safe way to contact it. Matching is case-insensitive, on
whole words, and the longest alias wins, so "Bank of England" is not read as "a bank".

>>> match("It said it was H.M.R.C.").name
'HMRC'
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
    """One organisation callers pretend to be."""

    name: str
    kind: Kind
    aliases: tuple[str, ...]
    source: str


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
    return _catalogue(home_for(home).organisations)


@cache
def _catalogue(name: str) -> Catalogue:
    data = tomllib.loads(data_text(name))
    kinds = {
        k["id"]: Kind(k["id"], k["label"], k["safe_contact"], k["advice"]) for k in data["kind"]
    }
    orgs = tuple(
        Organisation(o["name"], kinds[o["kind"]], tuple(o["aliases"]), o["source"])
        for o in data["organisation"]
    )
    return Catalogue.build(orgs)


def match(claimed: str | None, home: str = "GB") -> Organisation | None:
    """Match free text ("they said HMRC") against the home's shipped catalogue."""
    return catalogue(home).match(claimed)
