"""Any written form of a phone number -> ``NumberInfo``.

Reads what people paste: ``+CC…``, ``00CC…`` (or the home region's own international
prefix, such as ``011`` in the US), national numbers with a trunk ``0``, ``+44 (0)20…``,
brackets, dots, dashes, ``tel:`` URIs, full-width and other Unicode digits, and text
around the number ("Missed call from +234 …"). Caller-ID words such as "Withheld" or
"No Caller ID" give a withheld result rather than an error.

>>> parse_number("+44 (0)20 7946 0000").e164
'+442079460000'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple, cast

from phonenumbers import PhoneNumber, shortnumberinfo
from phonenumbers.shortnumberinfo import ShortNumberCost

from ringcheck import phonemeta
from ringcheck.datatables import (
    DramaRange,
    HighRisk,
    InboundOnly,
    Network,
    Tables,
    UkRange,
    tables,
)
from ringcheck.errors import NotAPhoneNumber
from ringcheck.homes import charged_as_domestic

MAX_INPUT_CHARS = 1000
MAX_DIGITS = 17  # 15 E.164 digits behind a 2-digit international prefix
WHOLE_NUMBER_DIGITS = 7  # a run this long can be a whole number (shorter: a short code)
MAX_ALSO_FOUND = 10  # other numbers in one text that are read and listed

CROWN_DEPENDENCIES = frozenset({"GG", "JE", "IM"})
# The main countries of a calling code that several share. Numbers of the other members
# "look domestic" to a reader who knows the code from its main countries: +1 876 is
# Jamaica, not the USA or Canada (domain.md). Canada is a main +1 country, not a look-alike.
MAIN_COUNTRIES: dict[int, tuple[frozenset[str], str]] = {
    1: (frozenset({"US", "CA"}), "the USA and Canada"),
}
_CARRIER_TYPES = frozenset({"mobile", "fixed_line_or_mobile", "pager"})
_NETWORK_LINE_TYPES = {
    "satellite": "satellite",
    "global_network": "global_network",
    "international_premium": "premium_rate",
    "international_freephone": "freephone",
    "international_shared_cost": "service",
}
_DOMESTIC_COST = {
    "premium_rate": "premium",
    "freephone": "free",
    "service": "service",
    "directory_enquiries": "premium",
    "unknown": "unknown",
}
_SHORT_COST = {
    ShortNumberCost.TOLL_FREE: "free",
    ShortNumberCost.STANDARD_RATE: "normal",
    ShortNumberCost.PREMIUM_RATE: "premium",
}

# A number inside other text: an optional "+", then digits with the separators people use.
_CANDIDATE = re.compile(r"\+?[ \t(]*\d[\d \t().\-/]*")
# The common case: the whole text is one number, with nothing around it.
_WHOLE = re.compile(r"[ \t]*\+?[ \t(]*\d[\d \t().\-/]*")
# RFC 3966 local number with a global context: tel:7123-4567;phone-context=+44-20
_TEL_CONTEXT = re.compile(r"tel:([^;\s]+)[^\s]*?;phone-context=(\+[\d\-.()]+)", re.IGNORECASE)
_DIGITS_ONLY = re.compile(r"\D")
_DATE = re.compile(r"\s*\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}\s*")  # 01/02/2024, 2024-02-01
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_WITHHELD = re.compile(
    r"\b(withheld|private|unknown|anonymous|restricted|unavailable|hidden|"
    r"no caller ?id|caller ?id blocked|not available|no number|payphone)\b"
)
_ANDROID_WITHHELD = frozenset({"-1", "-2", "-3"})


class CallbackCost(NamedTuple):
    """What calling the number back could cost: a band and a sentence."""

    band: str
    text: str


@dataclass  # not frozen: a frozen 20-field dataclass takes ~7 µs to build, per check
class NumberInfo:
    """Everything ringcheck knows about a number, before any judgement of risk.

    Treat it as read-only: every face shares the same instance.
    """

    input: str
    e164: str | None
    international_format: str | None
    national_format: str | None
    country_code: int | None
    region: str | None
    country: str | None
    location: str | None
    line_type: str
    carrier: str | None
    valid: bool
    domestic: bool
    written_as: str | None
    callback_cost: CallbackCost
    flag: str = ""
    withheld: bool = False
    # Facts the risk rules use; not part of the JSON number block.
    uk_range: UkRange | None = None
    network: Network | None = None
    drama: DramaRange | None = None
    high_risk: HighRisk | None = None
    shared_with: str | None = None  # the main countries of the code (+1 876 -> USA, Canada)
    wrong_length: str | None = None  # 'too_short' / 'too_long' for its range, if not valid
    inbound: InboundOnly | None = None  # a number that only takes calls (159, 7726)
    # Other numbers in the same text ("… or +44 20 7123 4568"), in E.164.
    also_found: tuple[str, ...] = ()

    @property
    def digits(self) -> str:
        """E.164 digits without the plus ('' when there is no number)."""
        return self.e164[1:] if self.e164 else ""

    def to_dict(self) -> dict[str, Any]:
        """The ``number`` block of the result contract (DESIGN.md)."""
        return {
            "e164": self.e164,
            "international_format": self.international_format,
            "national_format": self.national_format,
            "country_code": self.country_code,
            "region": self.region,
            "country": self.country,
            "location": self.location,
            "line_type": self.line_type,
            "carrier": self.carrier,
            "valid": self.valid,
            "domestic": self.domestic,
            "written_as": self.written_as,
            "callback_cost": {"band": self.callback_cost.band, "text": self.callback_cost.text},
            "flag": self.flag,
            "withheld": self.withheld,
        }


@cache
def flag_for(region: str | None) -> str:
    """The flag emoji for a region code ("GB" -> the UK flag); a globe for networks."""
    if region == phonemeta.NON_GEO_REGION:
        return "\U0001f310"
    if not region or len(region) != 2 or not region.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in region.upper())


def _normalise(text: str) -> str:
    """Full-width and other Unicode digits to ASCII; Unicode dashes to '-'."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(
        str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in text
    )


def _pick_candidates(text: str) -> tuple[str | None, list[str]]:
    """The number in the text to check, and any other numbers in it (in order).

    The first run of digits long enough to be a whole number (``WHOLE_NUMBER_DIGITS``;
    dates aside) is the one to check, the later ones are the others; with no such run,
    the run with the most digits (so "Missed call from 159" reads 159).
    """
    if _WHOLE.fullmatch(text):
        return text, []
    context = _TEL_CONTEXT.search(text)
    if context is not None and not context.group(1).startswith(("0", "+")):
        # a local number: the context comes first
        return context.group(2) + context.group(1), []
    runs = [m.group() for m in _CANDIDATE.finditer(text)]
    whole = [
        run
        for run in runs
        if len(_DIGITS_ONLY.sub("", run)) >= WHOLE_NUMBER_DIGITS and not _DATE.fullmatch(run)
    ]
    if whole:
        return whole[0], whole[1:]
    best, best_count = None, 0
    for run in runs:
        count = len(_DIGITS_ONLY.sub("", run))
        if count > best_count:
            best, best_count = run, count
    return best, []


def _also_found(others: list[str], first: str | None, home: str, data: Tables) -> tuple[str, ...]:
    """E.164 of the other numbers that read as numbers (each once, not the first)."""
    found: list[str] = []
    for run in others[:MAX_ALSO_FOUND]:
        try:
            e164 = parse_number(run, home, data, brief=True).e164
        except NotAPhoneNumber:
            continue
        if e164 and e164 != first and e164 not in found:
            found.append(e164)
    return tuple(found)


def parse_number(
    text: str, home: str = "GB", data: Tables | None = None, *, brief: bool = False
) -> NumberInfo:
    """Read a phone number as a person wrote it.

    Raises ``NotAPhoneNumber`` (with a ``code`` and a message for a person) when the text
    holds no number that can be read. ``brief`` leaves out the place, the network's name
    and the national format (None), for readers that show none of them: call-log triage
    reads tens of thousands of numbers and saves about a sixth of the time.

    >>> parse_number("00 234 803 123 4567").country
    'Nigeria'
    """
    data = data or tables()
    where = _home(home)
    if not isinstance(text, str):
        raise NotAPhoneNumber("not_text", "Enter the phone number as text.")
    if _plain_e164(text):  # already '+' and digits: the steps below would change nothing
        return _international(text, text[1:], "plus", where, data, brief)
    if len(text) > MAX_INPUT_CHARS:
        raise NotAPhoneNumber(
            "too_long", f"That is {len(text)} characters long. Enter just the phone number."
        )
    clean = _normalise(text).strip()
    candidate, others = _pick_candidates(clean)
    if candidate is None:
        return _no_digits(text, clean, data)
    info = _read(text, clean, candidate, where, data, brief)
    if others:
        info.also_found = _also_found(others, info.e164, home, data)
    return info


def _read(
    text: str, clean: str, candidate: str, where: _Home, data: Tables, brief: bool
) -> NumberInfo:
    """The number in ``candidate``, the run of ``clean`` (``text`` tidied) picked to check."""
    digits = _DIGITS_ONLY.sub("", candidate)
    if len(digits) > MAX_DIGITS:
        raise NotAPhoneNumber(
            "too_long",
            f"That has {len(digits)} digits, more than any phone number. "
            "Check you copied one number only.",
        )
    if clean in _ANDROID_WITHHELD:
        return _withheld(text, data)
    if candidate.lstrip().startswith("+"):
        return _international(text, digits, "plus", where, data, brief)
    idd = where.idd.match(digits) if where.idd else None
    if idd:
        return _international(text, digits[idd.end() :], "idd", where, data, brief)
    return _national(text, digits, where, data, brief)


def _plain_e164(text: str) -> bool:
    """'+' then up to ``MAX_DIGITS`` ASCII digits and nothing else (how logs store numbers).

    Such a text needs no cleaning or picking out: it reads exactly as the general path
    reads it, from the country code on (tests compare the two over many numbers).
    """
    return (
        len(text) <= MAX_DIGITS + 1
        and text.startswith("+")
        and text.isascii()
        and text[1:].isdigit()
    )


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


def _no_digits(text: str, clean: str, data: Tables) -> NumberInfo:
    if not clean:
        raise NotAPhoneNumber("empty", "Enter the number that called you.")
    if _WITHHELD.search(clean.lower()):
        return _withheld(text, data)
    raise NotAPhoneNumber(
        "no_number",
        "That doesn't look like a phone number: it has no digits. "
        "Type the number as your phone shows it, for example +44 20 7946 0000.",
    )


def _split_country_code(digits: str) -> tuple[int, str] | None:
    """(calling code, the rest); None when no code fits. No code starts with 0."""
    if digits.startswith("0"):
        return None
    codes = phonemeta.calling_codes()
    for size in (1, 2, 3):
        if len(digits) >= size and int(digits[:size]) in codes:
            return int(digits[:size]), digits[size:]
    return None


def _international(
    text: str, digits: str, written_as: str, home: _Home, data: Tables, brief: bool
) -> NumberInfo:
    split = _split_country_code(digits)
    if split is None:
        shown = digits[:3] or "nothing"
        if digits.startswith("0"):
            raise NotAPhoneNumber(
                "unknown_country_code",
                "Country codes never start with 0. Check the digits after the + or 00.",
            )
        raise NotAPhoneNumber(
            "unknown_country_code",
            f"No country uses the code +{shown}. Check the digits after the + or 00.",
        )
    code, nsn = split
    if len(nsn) < 4:
        rules = phonemeta.country(code)
        name = phonemeta.country_names().get(rules.regions[0].region, "") if rules else ""
        where = f" ({name})" if name else ""
        if not nsn:
            raise NotAPhoneNumber(
                "country_code_only",
                f"+{code} is only the country code{where}. Enter the whole number.",
            )
        raise NotAPhoneNumber(
            "too_short", f"+{code} {nsn} is too short to be a phone number{where}."
        )
    rules = phonemeta.country(code)
    assert rules is not None  # every code _split_country_code returns has rules
    found = rules.classify(nsn)
    prefix = rules.national_prefix
    if found[1] is None and prefix and nsn.startswith(prefix):
        # '+44 (0)20 …' or '+44 0 20 …': a national prefix written after the code.
        without = rules.classify(nsn[len(prefix) :])
        if without[1] is not None:
            nsn, found = nsn[len(prefix) :], without
    return _describe(text, rules, nsn, found, written_as, home, data, brief)


def _national(text: str, digits: str, home: _Home, data: Tables, brief: bool) -> NumberInfo:
    rules = home.rules
    whole = rules.classify(digits)
    prefix = rules.national_prefix
    if prefix and digits.startswith(prefix) and len(digits) > len(prefix) + 3:
        nsn = digits[len(prefix) :]
        found = rules.classify(nsn)
        if found[1] is not None or whole[1] is None:
            return _describe(text, rules, nsn, found, "national", home, data, brief)
    short = _short_code(text, digits, home, data)
    if short is not None:
        return short
    if whole[1] is not None:
        return _describe(text, rules, digits, whole, "bare", home, data, brief)
    split = _split_country_code(digits)
    if split is not None and len(digits) >= 8:
        other = phonemeta.country(split[0])
        if other is not None and (elsewhere := other.classify(split[1]))[1] is not None:
            return _describe(text, other, split[1], elsewhere, "bare", home, data, brief)
    if len(digits) < 7:
        raise NotAPhoneNumber(
            "too_short",
            f"{digits} is too short to be a phone number. Enter the whole number, "
            "with the area code or the + and country code.",
        )
    return _describe(text, rules, digits, whole, "bare", home, data, brief)


def _short_code(text: str, digits: str, home: _Home, data: Tables) -> NumberInfo | None:
    """Short service numbers dialled without any prefix, such as 118 118 or 159."""
    if len(digits) > 6 or digits.startswith("0"):
        return None
    code, region = home.code, home.region
    number = PhoneNumber(country_code=code, national_number=int(digits))
    # 7726 is a text-only number phonenumbers doesn't list; our table has it (and 159).
    inbound = data.inbound_only.get(digits) if code == 44 else None
    if inbound is None and not shortnumberinfo.is_valid_short_number_for_region(number, region):
        return None
    row = data.uk_ranges.longest(digits) if code == 44 else None
    if inbound is not None:
        band = inbound.cost_band
    elif row is not None:
        band = row.cost_band
    else:
        cost = shortnumberinfo.expected_cost_for_region(number, region)
        band = _SHORT_COST.get(cost, "unknown")
    return NumberInfo(
        input=text,
        e164=None,
        international_format=None,
        national_format=digits,
        country_code=code,
        region=region,
        country=phonemeta.country_names().get(region),
        location=phonemeta.country_names().get(region),
        line_type=row.line_type if row else "short_code",
        carrier=None,
        valid=True,
        domestic=True,
        written_as="bare",
        callback_cost=_cost(band, data),
        flag=flag_for(region),
        uk_range=row,
        inbound=inbound,
    )


def _withheld(text: str, data: Tables) -> NumberInfo:
    return NumberInfo(
        input=text,
        e164=None,
        international_format=None,
        national_format=None,
        country_code=None,
        region=None,
        country=None,
        location=None,
        line_type="unknown",
        carrier=None,
        valid=False,
        domestic=False,
        written_as=None,
        callback_cost=_cost("unknown", data),
        withheld=True,
    )


def _describe(
    text: str,
    rules: phonemeta.CountryRules,
    nsn: str,
    found: tuple[phonemeta.RegionRules, str | None],
    written_as: str,
    home: _Home,
    data: Tables,
    brief: bool = False,
) -> NumberInfo:
    """Everything about a number once its code and national digits are known."""
    code = rules.code
    region_rules, kind = found
    region: str | None = region_rules.region
    digits = f"{code}{nsn}"
    valid = kind is not None
    if not valid and len(rules.regions) > 1:
        # phonenumbers places a number that can't exist on a shared code by a guess from
        # its first digits (+1 800 1… in the Dominican Republic, +44 1481 12 in Britain);
        # its area code or prefix says where it claims to be, if anywhere.
        region = phonemeta.region_by_prefix(code, nsn)
    drama = data.fictional(code, nsn) if code in data.fiction_codes else None
    line_type, country, domestic, band, uk_range, network, high_risk, shared_with = destination(
        code, region, digits, kind, home, data
    )
    if brief:
        international, national = rules.format_international(nsn), None
        location = carrier = None
    else:
        international, national = rules.formats(nsn)
        location = phonemeta.place(digits) or country
        carrier = phonemeta.carrier(digits) if valid and line_type in _CARRIER_TYPES else None
    return NumberInfo(
        input=text,
        e164=f"+{digits}",
        international_format=international,
        national_format=national,
        country_code=code,
        region=region,
        country=country,
        location=location,
        line_type=line_type,
        carrier=carrier,
        valid=valid,
        domestic=domestic,
        written_as=written_as,
        callback_cost=_cost(band, data),
        flag=flag_for(region),
        uk_range=uk_range,
        network=network,
        drama=drama,
        high_risk=high_risk,
        shared_with=shared_with,
        wrong_length=None if valid or drama else rules.length_problem(nsn),
    )


# What a number's calling code, region and first digits say about calling it back:
# (line type, country, domestic, cost band, UK range, network, high risk, shared with).
# A plain tuple: this runs for every number checked, and a named one costs ~1 µs more.
Destination = tuple[
    str, str | None, bool, str, UkRange | None, Network | None, HighRisk | None, str | None
]


def destination(
    code: int, region: str | None, digits: str, kind: str | None, home: _Home, data: Tables
) -> Destination:
    """The facts of a number (E.164 ``digits``, in ``region``) that its prefixes decide:
    UK ranges, networks, high-risk destinations, whether it is domestic. ``kind`` is
    phonenumbers' line type, or None for a number that isn't valid (or isn't known to be:
    ``ringcheck.bulk`` groups many numbers by their prefixes and asks this once a group).
    """
    line_type = kind or "unknown"
    uk_range = None
    if code == 44:
        uk_range = data.uk_ranges.longest("0" + digits[2:])
        if uk_range is not None:
            line_type = uk_range.line_type
    network = data.networks.longest(digits) if region == phonemeta.NON_GEO_REGION else None
    if network is not None:
        line_type = _NETWORK_LINE_TYPES.get(network.kind, line_type)
    domestic = code == home.code and region in home.domestic
    shared_with = None
    main = MAIN_COUNTRIES.get(code)
    if main is not None and region is not None and not domestic and region not in main[0]:
        shared_with = main[1]
    high_risk = None if domestic else data.high_risk.longest(digits)
    band = _cost_band(kind is not None, domestic, line_type, region, uk_range, network, high_risk)
    if network is not None:
        country: str | None = network.name
    elif region is None:
        country = None
    else:
        country = phonemeta.country_names().get(region, "International network")
    return line_type, country, domestic, band, uk_range, network, high_risk, shared_with


def _cost(band: str, data: Tables) -> CallbackCost:
    """The call-back cost of a band (one shared, immutable value per band and tables)."""
    found = data.callback_costs.get(band)
    if found is None:
        found = data.callback_costs[band] = CallbackCost(band, data.wording.cost[band])
    return cast(CallbackCost, found)


def _cost_band(
    valid: bool,
    domestic: bool,
    line_type: str,
    region: str | None,
    uk_range: UkRange | None,
    network: Network | None,
    high_risk: HighRisk | None,
) -> str:
    if network is not None:
        return network.cost_band
    if not domestic:
        return "international_high" if high_risk is not None else "international"
    if region in CROWN_DEPENDENCIES and line_type == "mobile":
        # Their networks charge more to reach, so plans often leave them out (domain.md).
        return "outside_plan"
    if uk_range is not None:
        return uk_range.cost_band
    if not valid:
        return "unknown"
    return _DOMESTIC_COST.get(line_type, "normal")
