"""Any written form of a phone number -> ``NumberInfo``.

Reads what people paste: ``+CC…``, ``00CC…`` (or the home region's own international
prefix, such as ``011`` in the US), national numbers with a trunk ``0``, ``+44 (0)20…``,
brackets, dots, dashes, ``tel:`` URIs, full-width and other Unicode digits, and text
around the number ("Missed call from +234 …"). Caller-ID words such as "Withheld" or
"No Caller ID" give a withheld result rather than an error. Keypad letters ("0800
FLOWERS") and a letter O typed for a zero are read by the rules of ``ringcheck.written``,
which also puts a number typed as several command-line arguments back together, and
picks the number out of the text around it. Where the number goes and what calling it
back costs is ``ringcheck.destinations``' part (its names are importable from here too).

>>> parse_number("+44 (0)20 7946 0000").e164
'+442079460000'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from phonenumbers import PhoneNumber, shortnumberinfo
from phonenumbers.shortnumberinfo import ShortNumberCost

from ringcheck import phonemeta, written
from ringcheck.datatables import (
    DramaRange,
    ForeignRange,
    HighRisk,
    InboundOnly,
    Network,
    Tables,
    UkRange,
    tables,
)

# Destinations and call-back costs have their own module; their names stay importable
# from here, where callers have always found them.
from ringcheck.destinations import CROWN_DEPENDENCIES as CROWN_DEPENDENCIES
from ringcheck.destinations import MAIN_COUNTRIES as MAIN_COUNTRIES
from ringcheck.destinations import CallbackCost as CallbackCost
from ringcheck.destinations import Destination as Destination
from ringcheck.destinations import _Home
from ringcheck.destinations import _home as _home
from ringcheck.destinations import callback_cost as _cost
from ringcheck.destinations import counts_as_home as counts_as_home
from ringcheck.destinations import destination as destination
from ringcheck.destinations import flag_for as flag_for
from ringcheck.destinations import spoken_country as spoken_country
from ringcheck.errors import NotAPhoneNumber
from ringcheck.written import Reading

MAX_INPUT_CHARS = 1000
MAX_DIGITS = 17  # 15 E.164 digits behind a 2-digit international prefix
MAX_ALSO_FOUND = 10  # other numbers in one text that are read and listed
# The UK table's ranges without a trunk 0 (116 European helplines, 118 directory
# enquiries) hold six-digit numbers: 116 XXX, 118 XXX (Ofcom National Telephone
# Numbering Plan). phonenumbers lists only some of them (116 123, not 116 006).
UK_SHORT_RANGE_DIGITS = 6

_CARRIER_TYPES = frozenset({"mobile", "fixed_line_or_mobile", "pager"})
_SHORT_COST = {
    ShortNumberCost.TOLL_FREE: "free",
    ShortNumberCost.STANDARD_RATE: "normal",
    ShortNumberCost.PREMIUM_RATE: "premium",
}

_WITHHELD = re.compile(
    r"\b(withheld|private|unknown|anonymous|restricted|unavailable|hidden|"
    r"no caller ?id|caller ?id blocked|not available|no number|payphone)\b"
)
_ANDROID_WITHHELD = frozenset({"-1", "-2", "-3"})


@dataclass  # not frozen: a frozen 20-field dataclass takes ~7 µs to build, per check
class NumberInfo:
    """Everything ringcheck knows about a number, before any judgement of risk.

    Treat it as read-only: every face shares the same instance. ``_describe`` builds it
    with its fields by position: a new field goes last.
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
    foreign_range: ForeignRange | None = None  # a sourced range of another country (DE 0900)
    # Other numbers in the same text ("… or +44 20 7123 4568"), in E.164.
    also_found: tuple[str, ...] = ()
    # Letters read as digits (keypad letters, a letter O for a zero), if any.
    read_as: Reading | None = None

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
            "read_as": None
            if self.read_as is None
            else {
                "text": self.read_as.run,
                "kinds": list(self.read_as.kinds),
                "note": self.read_as.note,
            },
        }


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
    clean = written.normalise(text).strip()
    if written.ONE_NUMBER.fullmatch(clean):  # one number and nothing else: no letters
        return _read(text, clean, clean, where, data, brief)
    if written.has_letters(clean):
        return _read_with_letters(text, clean, home, where, data, brief)
    return _read_text(text, clean, home, where, data, brief)


def numbers_in_arguments(args: Sequence[str], home: str = "GB") -> list[str]:
    """Command-line arguments put back together into the numbers they spell, by the rule
    of ``ringcheck.written.group_arguments``, a number being whole when it reads as valid,
    or of a possible length, in ``home``.

    >>> numbers_in_arguments(["0906", "123", "4567", "+1 876 812 3456"])
    ['0906 123 4567', '+1 876 812 3456']
    """
    if len(args) < 2:
        return list(args)
    return written.group_arguments(args, lambda text: _grade(text, home))


def _grade(text: str, home: str) -> int:
    """``written.VALID`` or ``POSSIBLE`` for one whole number that uses all of ``text``
    (letters in it read as digits), else 0."""
    try:
        info = parse_number(text, home, brief=True)
    except NotAPhoneNumber:
        return 0
    if info.read_as is None and written.has_letters(text):
        return 0
    if info.valid:
        return written.VALID
    return written.POSSIBLE if info.e164 is not None and info.wrong_length is None else 0


def _read_text(
    text: str, clean: str, home: str, where: _Home, data: Tables, brief: bool
) -> NumberInfo:
    """The number in ``clean`` (``text`` tidied), with any other numbers it holds."""
    candidate, others = written.pick_candidates(clean)
    if candidate is None:
        return _no_digits(text, clean, data)
    info = _read(text, clean, candidate, where, data, brief)
    if others:
        info.also_found = _also_found(others, info.e164, home, data)
    return info


def _read_with_letters(
    text: str, clean: str, home: str, where: _Home, data: Tables, brief: bool
) -> NumberInfo:
    """Text with letters: read by ``ringcheck.written.read_letters``; the result says how."""
    info, reading = written.read_letters(
        clean,
        lambda tidy: _read_text(text, tidy, home, where, data, brief),
        lambda tidy: written.pick_candidates(tidy)[0],
    )
    info.read_as = reading
    return info


def _read(
    text: str, clean: str, candidate: str, where: _Home, data: Tables, brief: bool
) -> NumberInfo:
    """The number in ``candidate``, the run of ``clean`` (``text`` tidied) picked to check."""
    digits = written.NOT_DIGIT.sub("", candidate)
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


def _international(
    text: str, digits: str, written_as: str, home: _Home, data: Tables, brief: bool
) -> NumberInfo:
    split = phonemeta.split_country_code(digits)
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
    assert rules is not None  # every code split_country_code returns has rules
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
    prefix = rules.national_prefix
    if prefix and digits.startswith(prefix) and len(digits) > len(prefix) + 3:
        nsn = digits[len(prefix) :]
        found = rules.classify(nsn)
        # Read without the trunk prefix unless only the digits as typed are valid (the
        # whole digits are classified only then: most national numbers are valid).
        if found[1] is not None or (whole := rules.classify(digits))[1] is None:
            return _describe(text, rules, nsn, found, "national", home, data, brief)
    else:
        whole = rules.classify(digits)
    short = _short_code(text, digits, home, data)
    if short is not None:
        return short
    if whole[1] is not None:
        return _describe(text, rules, digits, whole, "bare", home, data, brief)
    split = phonemeta.split_country_code(digits)
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
    row = data.uk_ranges.longest(digits) if code == 44 else None
    foreign = None if code == 44 else data.foreign_ranges.longest(f"{code}{digits}")
    ranged: UkRange | ForeignRange | None = row or foreign
    if (
        inbound is None
        and not (row is not None and len(digits) == UK_SHORT_RANGE_DIGITS)
        and not shortnumberinfo.is_valid_short_number_for_region(number, region)
    ):
        return None
    if inbound is not None:
        band = inbound.cost_band
    elif ranged is not None:
        band = ranged.cost_band
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
        line_type=ranged.line_type if ranged else "short_code",
        carrier=None,
        valid=True,
        domestic=True,
        written_as="bare",
        callback_cost=_cost(band, data, foreign.cost_note if foreign else ""),
        flag=flag_for(region),
        uk_range=row,
        inbound=inbound,
        foreign_range=foreign,
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
        callback_cost=_cost("unknown", data, wording="withheld"),
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
    line_type, country, domestic, band, uk_range, network, high_risk, shared, foreign, region = (
        destination(code, region, digits, kind, home, data)
    )
    if brief:
        international, national = rules.format_international(nsn), None
        location = carrier = None
    else:
        international, national = rules.formats(nsn)
        location = phonemeta.place(digits) or country
        carrier = phonemeta.carrier(digits) if valid and line_type in _CARRIER_TYPES else None
    # By position, in NumberInfo's order: every number checked builds one, and keywords
    # cost about a microsecond more.
    return NumberInfo(
        text,  # input
        f"+{digits}",  # e164
        international,  # international_format
        national,  # national_format
        code,  # country_code
        region,
        country,
        location,
        line_type,
        carrier,
        valid,
        domestic,
        written_as,
        _cost(band, data, foreign.cost_note if foreign else ""),  # callback_cost
        flag_for(region),  # flag
        False,  # withheld
        uk_range,
        network,
        drama,
        high_risk,
        shared,  # shared_with
        None if valid or drama else rules.length_problem(nsn),  # wrong_length
        None,  # inbound
        foreign,  # foreign_range
    )
