"""What changes with the user's home region: which numbers are charged like home, which
services to report to, which organisations callers pretend to be.

The facts live in ``data/homes.toml``, one entry per home with a table of its own (the UK,
the US, Germany) and an ``anywhere`` entry for every other home, whose words are true
anywhere (and the base of every home outside the UK). ``for_home`` gives the tables a
home reads results with: wording.toml's sentences with the home's own in their place, and
the advice codes of services the home doesn't have (7726, 159) swapped for ones it does.

>>> sorted(charged_as_domestic("PR"))[:3], home_for("FR").id
(['AS', 'CA', 'GU'], 'anywhere')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any, NamedTuple

from ringcheck.datatables import Tables, data_text

ANYWHERE = "anywhere"
UK = "uk"
# Sections of wording.toml a home may give its own sentences for.
_SECTIONS = ("advice", "reason", "category")


class Contact(NamedTuple):
    """A link or number shown beside an advice code (``tel:``, ``sms:`` or ``https:``)."""

    advice: str
    name: str
    href: str
    label: str


class Home(NamedTuple):
    """One entry of homes.toml."""

    id: str
    regions: frozenset[str]
    organisations: str
    instead: Mapping[str, str]
    wording: Mapping[str, Mapping[str, str]]
    contacts: tuple[Contact, ...]
    source: str
    claimed_examples: str = ""


def _home(entry: dict[str, Any]) -> Home:
    return Home(
        id=entry["id"],
        regions=frozenset(entry["regions"]),
        organisations=entry["organisations"],
        instead=dict(entry.get("instead", {})),
        wording={s: dict(entry[s]) for s in _SECTIONS if s in entry},
        contacts=tuple(Contact(**c) for c in entry.get("contact", ())),
        source=entry["source"],
        claimed_examples=entry.get("claimed_examples", ""),
    )


@cache
def _table() -> dict[str, Any]:
    return tomllib.loads(data_text("homes.toml"))


@cache
def homes() -> dict[str, Home]:
    """Every [[home]] of homes.toml by id (loaded once)."""
    found = {}
    for entry in _table()["home"]:
        home = _home(entry)
        found[home.id] = home
    return found


@cache
def _by_region() -> dict[str, Home]:
    return {region: home for home in homes().values() for region in home.regions}


def home_for(region: str | None) -> Home:
    """The entry for a home region ("GB", "us"); the ``anywhere`` entry when it has none."""
    return _by_region().get((region or "").strip().upper()) or homes()[ANYWHERE]


@cache
def charged_as_domestic(region: str) -> frozenset[str]:
    """The regions whose numbers are charged like home for a home in ``region``: itself,
    and those homes.toml's ``charged_alike`` lists for it (the US territories for a US
    home, the Crown Dependencies for a UK one). Every other region, on the home's calling
    code or not, is abroad.

    >>> sorted(charged_as_domestic("JE")), sorted(charged_as_domestic("RU"))
    (['GB', 'GG', 'IM', 'JE'], ['RU'])
    """
    region = (region or "").strip().upper()
    found = {region}
    for group in _table()["charged_alike"]:
        if region in group["homes"]:
            found.update(group["alike"])
    return frozenset(found)


def is_uk(region: str | None) -> bool:
    """Whether UK services (7726, Report Fraud, 159) and words are the home's own."""
    return home_for(region).id == UK


@lru_cache(maxsize=256)  # asked once per check: a cache hit costs less than the look-up
def for_home(region: str | None, data: Tables) -> Tables:
    """``data`` as results for a home in ``region`` read it (``data`` itself for the UK).

    >>> from ringcheck.datatables import tables
    >>> for_home("US", tables()).wording.advice["report_fraud"][:30]
    'Report it to the FTC at Report'
    """
    return _for_home(home_for(region).id, data)


@lru_cache(maxsize=64)
def _for_home(home_id: str, data: Tables) -> Tables:
    """One copy per home and tables, so results cached by tables stay shared."""
    if home_id == UK:  # wording.toml is written for UK homes
        return data
    # Every home outside the UK starts from the words true anywhere, then its own.
    layers = [homes()[ANYWHERE], homes()[home_id]]
    instead = {k: v for home in layers for k, v in home.instead.items()}
    words = data.wording
    own = {
        s: {k: v for home in layers for k, v in home.wording.get(s, {}).items()} for s in _SECTIONS
    }
    advice = {code: text for code, text in words.advice.items() if code not in instead}
    wording = replace(
        words,
        advice={**advice, **own["advice"]},
        reason={**words.reason, **own["reason"]},
        category={**words.category, **own["category"]},
    )
    return replace(data, wording=wording, instead=instead, callback_costs={})


def contacts(region: str | None) -> dict[str, tuple[Contact, ...]]:
    """The links and numbers to show beside each advice code, for a home in ``region``."""
    found: dict[str, tuple[Contact, ...]] = {}
    for contact in home_for(region).contacts:
        found[contact.advice] = (*found.get(contact.advice, ()), contact)
    return found


def help_for(region: str | None) -> dict[str, Any]:
    """What a page needs to speak for the home: whether UK services (159, Report Fraud,
    7726) are the home's (its "lost money?" footer), otherwise the home's own reporting
    sentence, and who callers pretend to be there (the form's hint)."""
    from ringcheck.datatables import tables

    return {
        "uk_home": is_uk(region),
        "claimed_examples": home_for(region).claimed_examples,
        "report_text": for_home(region, tables()).wording.advice["report_fraud"],
    }
