"""Where a number goes and what calling it back costs, from its calling code, region and
first digits: UK and foreign ranges, networks, high-risk destinations, whether it is
domestic for the user's home, and the call-back cost band and sentence.

``ringcheck.numbers`` reads the number and asks ``destination`` once it knows the code
and national digits; ``ringcheck.bulk`` asks it once per group of numbers that share
their first digits. Both therefore price a number the same way.

>>> from ringcheck.datatables import tables
>>> destination(44, "GB", "449098790000", "premium_rate", _home("GB"), tables())[3]
'premium'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from ringcheck import phonemeta
from ringcheck.datatables import ForeignRange, HighRisk, Network, Tables, UkRange
from ringcheck.errors import NotAPhoneNumber
from ringcheck.homes import charged_as_domestic

CROWN_DEPENDENCIES = frozenset({"GG", "JE", "IM"})
# The main countries of a calling code that several share. Numbers of the other members
# "look domestic" to a reader who knows the code from its main countries: +1 876 is
# Jamaica, not the USA or Canada (domain.md). Canada is a main +1 country, not a look-alike.
MAIN_COUNTRIES: dict[int, tuple[frozenset[str], str]] = {
    1: (frozenset({"US", "CA"}), "the USA and Canada"),
}
_NETWORK_LINE_TYPES = {
    "satellite": "satellite",
    "global_network": "global_network",
    "international_premium": "premium_rate",
    "international_freephone": "freephone",
    "international_shared_cost": "shared_cost",
}
# What calling a range costs from its own country, by line type (when no table says).
_DOMESTIC_COST = {
    "premium_rate": "premium",
    "freephone": "free",
    "service": "service",
    "shared_cost": "service",
    "mass_traffic": "service",
    "directory_enquiries": "premium",
    "unknown": "unknown",
}
# The same ranges called from another country: an international call plus their charge.
_ABROAD_COST = {"premium": "international_premium", "service": "international_shared_cost"}
# phonenumbers places some UK-wide ranges (098 premium, 070, 076…) in Guernsey, Jersey or
# the Isle of Man because their operators hold them; only landlines and mobiles belong to
# a place, so only those are the Crown Dependency's (the others cost what UK ones cost).
_PLACE_LINE_TYPES = frozenset({"fixed_line", "mobile", "fixed_line_or_mobile"})


class CallbackCost(NamedTuple):
    """What calling the number back could cost: a band and a sentence."""

    band: str
    text: str


def spoken_country(country: str | None, network: Network | None) -> str | None:
    """Where a number is from as a sentence names it: a network's phrase ("an Inmarsat
    satellite phone"), never its name as if it were a place; a country as it is."""
    if network is not None:
        return network.phrase or network.name
    return country


@cache
def flag_for(region: str | None) -> str:
    """The flag emoji for a region code ("GB" -> the UK flag); a globe for networks."""
    if region == phonemeta.NON_GEO_REGION:
        return "\U0001f310"
    if not region or len(region) != 2 or not region.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in region.upper())


@dataclass(eq=False, repr=False)
class _Home:
    """The user's own region, with what reading a number needs to know about it."""

    region: str
    code: int
    rules: phonemeta.CountryRules
    idd: re.Pattern[str] | None  # its international prefix: 00 in the UK, 011 in the US
    domestic: frozenset[str]  # regions whose numbers count as domestic


@cache
def _home(home: str) -> _Home:
    region = (home or "").strip().upper()
    meta = phonemeta.region_metadata(region)
    rules = phonemeta.country(meta.country_code) if meta and meta.country_code else None
    if meta is None or rules is None or meta.country_code is None:
        raise NotAPhoneNumber(
            "bad_home_region",
            f"'{home}' is not a region code ringcheck knows. Use two letters, such as GB or US.",
        )
    idd = re.compile(meta.international_prefix) if meta.international_prefix else None
    domestic = charged_as_domestic(region)  # the home's own words: data/homes.toml
    return _Home(region, meta.country_code, rules, idd, domestic)


def counts_as_home(code: int | None, region: str | None, home: str) -> bool:
    """Whether a number (calling code, region) is domestic for ``home``: the same rule
    as ``NumberInfo.domestic``, for another home (a claimed organisation's country).

    >>> counts_as_home(44, "JE", "GB"), counts_as_home(1, "JM", "US")
    (True, False)
    """
    place = _home(home)
    return code == place.code and region in place.domestic


# What a number's calling code, region and first digits say about calling it back:
# (line type, country, domestic, cost band, UK range, network, high risk, shared with,
# foreign range, region). A plain tuple: this runs for every number checked, and a named
# one costs ~1 µs more.
Destination = tuple[
    str,
    str | None,
    bool,
    str,
    UkRange | None,
    Network | None,
    HighRisk | None,
    str | None,
    ForeignRange | None,
    str | None,
]


def destination(
    code: int, region: str | None, digits: str, kind: str | None, home: _Home, data: Tables
) -> Destination:
    """The facts of a number (E.164 ``digits``, in ``region``) that its prefixes decide:
    UK and foreign ranges, networks, high-risk destinations, whether it is domestic, and
    the region itself where phonenumbers' is not where the number is (see
    ``_PLACE_LINE_TYPES``). ``kind`` is phonenumbers' line type, or None for a number
    that isn't valid (or isn't known to be: ``ringcheck.bulk`` groups many numbers by
    their prefixes and asks this once a group).
    """
    line_type = kind or "unknown"
    uk_range = foreign = None
    known = kind is not None  # the line type is known (phonenumbers', or its prefix's)
    unsure = False  # only the whole number tells whether it is a costly range
    if code == 44:
        uk_range = data.uk_ranges.longest("0" + digits[2:])
        if uk_range is not None:
            line_type = uk_range.line_type
            if region in CROWN_DEPENDENCIES and line_type not in _PLACE_LINE_TYPES:
                region = phonemeta.main_region(code)
    else:
        foreign = data.foreign_ranges.longest(digits)
        costly = phonemeta.cost_prefixes().longest(digits) if foreign is None else None
        if foreign is not None:
            line_type = foreign.line_type
        elif costly == "maybe":
            unsure = not known
        elif costly is not None:
            line_type, known = costly, True
    network = data.networks.longest(digits) if region == phonemeta.NON_GEO_REGION else None
    if network is not None:
        line_type = _NETWORK_LINE_TYPES.get(network.kind, line_type)
    domestic = code == home.code and region in home.domestic
    shared_with = None
    main = MAIN_COUNTRIES.get(code)
    if main is not None and region is not None and not domestic and region not in main[0]:
        shared_with = main[1]
    high_risk = None if domestic else data.high_risk.longest(digits)
    band = _cost_band(known, domestic, line_type, region, uk_range or foreign)
    if network is not None:
        band = network.cost_band
    elif not domestic:
        band = _ABROAD_COST.get(band) or (
            "unknown" if unsure else "international_high" if high_risk else "international"
        )
    if network is not None:
        country: str | None = network.name
    else:
        country = phonemeta.country_names().get(region) if region else None
    facts = (line_type, country, domestic, band, uk_range, network, high_risk, shared_with)
    return (*facts, foreign, region)


def callback_cost(
    band: str, data: Tables, note: str = "", wording: str | None = None
) -> CallbackCost:
    """The call-back cost of a band, with a range's own cost fact (``note``) after it, or
    the sentence ``wording`` names instead of the band's; one shared, immutable value each.
    """
    key = (band, note, wording)
    found: CallbackCost | None = data.callback_costs.get(key)  # not cast(): one call less
    if found is None:
        text = data.wording.cost_instead[wording] if wording else data.wording.cost[band]
        found = CallbackCost(band, f"{text} {note}" if note else text)
        data.callback_costs[key] = found
    return found


def _cost_band(
    valid: bool,
    domestic: bool,
    line_type: str,
    region: str | None,
    row: UkRange | ForeignRange | None,
) -> str:
    """What calling the number costs from its own country (``destination`` then prices
    it from abroad): a range table's band, else by phonenumbers' line type."""
    if domestic and region in CROWN_DEPENDENCIES and line_type == "mobile":
        # Their networks charge more to reach, so plans often leave them out (domain.md).
        return "outside_plan"
    if row is not None:
        return row.cost_band
    if not valid:
        return "unknown"
    return _DOMESTIC_COST.get(line_type, "normal")
