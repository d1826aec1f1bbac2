"""Compiled views of phonenumbers' metadata: region, line type, formats, names.

phonenumbers is the source of truth for which numbers exist and what kind of line they
are. Its public functions re-derive a lot on every call (parse, then region, then type,
then format each look the metadata up again), so a full answer through them costs several
times one ``parse()``. This module compiles the same metadata once per calling code, on
first use, and answers with a few regex matches. Tests compare it with phonenumbers'
own ``number_type``, ``region_code_for_number`` and ``format_number`` over many numbers.

English country, carrier and place names come from compact tables that
``tools/gen_phonedata.py`` generates from phonenumbers (so its 40 MB geocoder is never
loaded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonemetadata import NumberFormat, PhoneNumberDesc

from ringcheck.datatables import PrefixTable, data_text

NON_GEO_REGION = "001"

# phonenumbers' own order for deciding a number's type (see its _number_type_helper):
# the first special type that matches wins; fixed line and mobile are looked at last.
_SPECIAL_TYPES = (
    ("premium_rate", "premium_rate"),
    ("toll_free", "freephone"),
    ("shared_cost", "shared_cost"),
    ("voip", "voip"),
    ("personal_number", "personal"),
    ("pager", "pager"),
    ("uan", "non_geographic"),
    ("voicemail", "unknown"),
)
_FIRST_GROUP = re.compile(r"(\\\d)")


class _Desc(NamedTuple):
    pattern: re.Pattern[str]
    lengths: frozenset[int]

    def matches(self, nsn: str) -> bool:
        if self.lengths and len(nsn) not in self.lengths:
            return False
        return self.pattern.fullmatch(nsn) is not None


def _desc(desc: PhoneNumberDesc | None) -> _Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = frozenset(n for n in (desc.possible_length or ()) if n > 0)
    return _Desc(re.compile(desc.national_number_pattern), lengths)


def _guarded(desc: _Desc) -> str:
    """A desc as one regex: its possible lengths become a lookahead in front of it."""
    if not desc.lengths:
        return f"(?:{desc.pattern.pattern})"
    sizes = "|".join(f"\\d{{{n}}}" for n in sorted(desc.lengths))
    return f"(?=(?:{sizes})\\Z)(?:{desc.pattern.pattern})"


@dataclass(eq=False)
class RegionRules:
    """One region's validity and line-type rules.

    phonenumbers tries each line type's pattern in turn; here they are joined into one
    regex whose alternatives keep that order, so one ``fullmatch`` finds the first type
    that fits (``lastgroup`` names it).
    """

    region: str
    general: _Desc | None
    types: re.Pattern[str] | None
    kinds: dict[str, str]
    mobile: _Desc | None
    same_fixed_and_mobile: bool
    leading_digits: re.Pattern[str] | None
    range_lengths: tuple[int, ...] = ()  # every length a range here has

    def line_type(self, nsn: str) -> str | None:
        """The ringcheck line type of a national number, or None when it is not valid here."""
        general, types = self.general, self.types
        if general is None or types is None:
            return None
        # general.matches(nsn), inlined: this runs for every number checked
        if general.lengths and len(nsn) not in general.lengths:
            return None
        if general.pattern.fullmatch(nsn) is None:
            return None
        match = types.fullmatch(nsn)
        if match is None or match.lastgroup is None:
            return None
        kind = self.kinds[match.lastgroup]
        if kind == "fixed_line" and (
            self.same_fixed_and_mobile or (self.mobile is not None and self.mobile.matches(nsn))
        ):
            return "fixed_line_or_mobile"
        return kind

    def length_problem(self, nsn: str) -> str | None:
        """'too_short' or 'too_long' when ``nsn`` begins like a number of one of this
        region's ranges, but that range's numbers have more or fewer digits; else None.

        A range fits a longer number if the number cut to the range's length is valid
        there, and a shorter one if it becomes valid filled up to that length with 0s, 5s
        or 9s (a range's last digits are nearly always any digit). Meant for numbers that
        are not valid as they are.

        >>> country(44).regions[0].length_problem("740012345")
        'too_short'
        """
        size, types = len(nsn), self.types
        if types is None:
            return None
        for length in self.range_lengths:  # one regex holds every range (see line_type)
            if length < size and types.fullmatch(nsn[:length]):
                return "too_long"
            if length > size and any(
                types.fullmatch(nsn + digit * (length - size)) for digit in "059"
            ):
                return "too_short"
        return None


def _region_rules(region: str, meta: PhoneMetadata) -> RegionRules:
    same = bool(meta.same_mobile_and_fixed_line_pattern)
    ordered = [(ours, _desc(getattr(meta, attr))) for attr, ours in _SPECIAL_TYPES]
    ordered.append(("fixed_line", _desc(meta.fixed_line)))
    if not same:  # phonenumbers looks at the mobile pattern only when it differs
        ordered.append(("mobile", _desc(meta.mobile)))
    present = [(ours, desc) for ours, desc in ordered if desc is not None]
    kinds = {f"t{i}": ours for i, (ours, _) in enumerate(present)}
    joined = "|".join(f"(?P<t{i}>{_guarded(desc)})" for i, (_, desc) in enumerate(present))
    return RegionRules(
        region=region,
        general=_desc(meta.general_desc),
        types=re.compile(joined) if present else None,
        kinds=kinds,
        mobile=_desc(meta.mobile),
        same_fixed_and_mobile=same,
        leading_digits=re.compile(meta.leading_digits) if meta.leading_digits else None,
        range_lengths=tuple(sorted({n for _, desc in present for n in desc.lengths})),
    )


_Template = tuple[str, tuple[int, ...]]  # str.format text, and the regex groups it takes


def _template(text: str, offset: int) -> _Template:
    r"""'0\1 \2' -> ('0{} {}', (1 + offset, 2 + offset)): expanded straight from a match."""
    pieces = re.split(r"\\(\d)", text.replace("{", "{{").replace("}", "}}"))
    groups = tuple(int(p) + offset for p in pieces[1::2])
    return "{}".join(pieces[0::2]), groups


def _expand(match: re.Match[str], template: _Template) -> str:
    """The template filled in from the match, a group that took no part read as ''."""
    text, groups = template
    if len(groups) > 1:  # one call for all the groups (a tuple), the common case
        values = match.group(*groups)
        if None in values:
            values = tuple(value or "" for value in values)
        return text.format(*values)
    return text.format(*[match.group(g) or "" for g in groups])


@dataclass(eq=False, repr=False)
class _Formats:
    """A region's number formats joined into one regex, first fitting format first.

    phonenumbers picks the first format whose leading digits match the start of the
    number and whose pattern matches all of it, then runs ``pattern.sub``; a leading-digits
    lookahead in front of each pattern does the same in one ``fullmatch``.
    """

    pattern: re.Pattern[str] | None
    international: dict[str, _Template]
    national: dict[str, _Template]

    def match(self, nsn: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(nsn) if self.pattern is not None else None


def _formats(formats: list[NumberFormat]) -> _Formats:
    pieces, intl_parts, national_parts = [], {}, {}
    group = 0
    for i, fmt in enumerate(formats):
        leads = fmt.leading_digits_pattern
        lead = f"(?={leads[-1]})" if leads else ""
        pieces.append(f"(?P<f{i}>{lead}(?:{fmt.pattern or ''}))")
        group += 1  # the named group itself
        offset = group + (re.compile(leads[-1]).groups if leads else 0)
        template = fmt.format or ""
        national = template
        if fmt.national_prefix_formatting_rule:
            national = _FIRST_GROUP.sub(fmt.national_prefix_formatting_rule, template, count=1)
        intl_parts[f"f{i}"] = _template(template, offset)
        national_parts[f"f{i}"] = _template(national, offset)
        group = offset + re.compile(fmt.pattern or "").groups
    pattern = re.compile("|".join(pieces)) if pieces else None
    return _Formats(pattern, intl_parts, national_parts)


@dataclass(eq=False)
class CountryRules:
    """Everything ringcheck needs to know about one calling code."""

    code: int
    regions: tuple[RegionRules, ...]
    national_prefix: str | None
    national_formats: _Formats
    international_formats: _Formats

    def length_problem(self, nsn: str) -> str | None:
        """'too_short' or 'too_long' when a number that is not valid has the wrong number
        of digits: no number on this code is that long (phonenumbers' possible-length
        check), or it begins like a range of one of the code's regions whose numbers are
        longer or shorter (see ``RegionRules.length_problem``). None: a length that fits.
        """
        for rules in self.regions:
            if rules.leading_digits is not None and not rules.leading_digits.match(nsn):
                continue  # none of its numbers start like this one (+44 1481 is Guernsey)
            found = rules.length_problem(nsn)
            if found is not None:
                return found
        lengths = self.possible_lengths
        if lengths and len(nsn) not in lengths:
            return "too_short" if len(nsn) < max(lengths) else "too_long"
        return None

    @property
    def possible_lengths(self) -> frozenset[int]:
        """Every length a national number on this code can have."""
        return frozenset(n for r in self.regions if r.general for n in r.general.lengths)

    def classify(self, nsn: str) -> tuple[RegionRules, str | None]:
        """The region a national number belongs to and its line type (None: not valid).

        Mirrors phonenumbers: with several regions on one code, the first whose leading
        digits match, or else whose patterns accept the number, wins.
        """
        if len(self.regions) == 1:
            rules = self.regions[0]
            return rules, rules.line_type(nsn)
        for rules in self.regions:
            if rules.leading_digits is not None:
                if rules.leading_digits.match(nsn):
                    return rules, rules.line_type(nsn)
            else:
                kind = rules.line_type(nsn)
                if kind is not None:
                    return rules, kind
        return self.regions[0], None

    def formats(self, nsn: str) -> tuple[str, str]:
        """(international, national) formats, as phonenumbers' ``format_number`` gives them."""
        national = intl = nsn
        formats = self.national_formats
        match = formats.pattern.fullmatch(nsn) if formats.pattern is not None else None
        if match is not None and match.lastgroup is not None:
            national = _expand(match, formats.national[match.lastgroup])
        if self.international_formats is not formats:
            formats = self.international_formats
            match = formats.pattern.fullmatch(nsn) if formats.pattern is not None else None
        if match is not None and match.lastgroup is not None:
            intl = _expand(match, formats.international[match.lastgroup])
        return f"+{self.code} {intl}", national

    def format_international(self, nsn: str) -> str:
        """The international format alone (``formats()[0]`` without the national one)."""
        intl = nsn
        match = self.international_formats.match(nsn)
        if match is not None and match.lastgroup is not None:
            intl = _expand(match, self.international_formats.international[match.lastgroup])
        return f"+{self.code} {intl}"

    def format_national(self, nsn: str) -> str:
        return self.formats(nsn)[1]


@cache
def calling_codes() -> frozenset[int]:
    """Every calling code phonenumbers knows."""
    return frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def split_country_code(digits: str) -> tuple[int, str] | None:
    """(calling code, the rest) of E.164 digits; None when no code fits. No code starts
    with 0.

    >>> split_country_code("447400123456"), split_country_code("0044")
    ((44, '7400123456'), None)
    """
    if digits.startswith("0"):
        return None
    codes = _calling_codes()
    for size in (1, 2, 3):
        code = codes.get(digits[:size]) if len(digits) >= size else None
        if code is not None:
            return code, digits[size:]
    return None


@cache
def _calling_codes() -> dict[str, int]:
    """Every calling code by its digits ("44" -> 44): one look-up, no int() of the text."""
    return {str(code): code for code in calling_codes()}


def _metadata(code: int, region: str) -> PhoneMetadata | None:
    if region == NON_GEO_REGION:
        return PhoneMetadata.metadata_for_nongeo_region(code)
    return PhoneMetadata.metadata_for_region(region)


def main_region(code: int) -> str | None:
    """The first region of a calling code in use (``country(code).regions[0].region``),
    without compiling its rules: the bulk prefix table asks this for every code.

    >>> main_region(44), main_region(1), main_region(999)
    ('GB', 'US', None)
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if not regions or _metadata(code, regions[0]) is None:
        return None
    return regions[0]


@cache
def country(code: int) -> CountryRules | None:
    """Compiled rules for a calling code, or None for a code not in use."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if not regions:
        return None
    metas = [(region, _metadata(code, region)) for region in regions]
    compiled = [_region_rules(region, meta) for region, meta in metas if meta is not None]
    meta = metas[0][1]
    if meta is None or not compiled:
        return None
    national = _formats(meta.number_format)
    intl = _formats(meta.intl_number_format) if meta.intl_number_format else national
    return CountryRules(
        code=code,
        regions=tuple(compiled),
        national_prefix=meta.national_prefix,
        national_formats=national,
        international_formats=intl,
    )


def region_metadata(region: str) -> PhoneMetadata | None:
    """phonenumbers' metadata for a home region such as "GB" (None if unknown)."""
    return PhoneMetadata.metadata_for_region(region.upper())


def _read_tsv(name: str) -> PrefixTable[str]:
    """A generated ``key<TAB>value`` table (comment lines first, starting with #).

    Split in one pass over the whole text rather than line by line: the carriers'
    table has 29,000 rows, and each process that shows a mobile's network reads it.
    """
    text = data_text(f"generated/{name}")
    while text.startswith("#"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    parts = text.replace("\t", "\n").split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    if len(parts) % 2:
        raise ValueError(f"generated/{name} is not key<TAB>value lines")
    return PrefixTable(zip(parts[0::2], parts[1::2], strict=True))


@cache
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """(region -> name, name -> the name as a sentence says it) from countries.tsv,
    whose lines are ``region<TAB>name<TAB>article``."""
    text = data_text("generated/countries.tsv")
    names, in_sentence = {}, {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            region, name, article = line.split("\t")
            names[region] = name
            in_sentence[name] = f"{article} {name}" if article else name
    return names, in_sentence


@cache  # asked for every number checked: a cached call costs less than the indexing
def country_names() -> dict[str, str]:
    """Region code -> English country name."""
    return _countries()[0]


def in_sentence(name: str) -> str:
    """A country's name as an English sentence says it, with "the" where English has
    it (generated from data/country_names.csv); any other name as it is.

    >>> in_sentence("Turks and Caicos Islands"), in_sentence("Jamaica"), in_sentence("Kosovo")
    ('the Turks and Caicos Islands', 'Jamaica', 'Kosovo')
    """
    return _countries()[1].get(name, name)


@cache
def cost_prefixes() -> PrefixTable[str]:
    """E.164 digit prefix -> 'premium_rate' or 'shared_cost' where every number starting
    so is of that type, 'maybe' where only the whole number tells (not +44)."""
    return _read_tsv("cost_prefixes.tsv")


@cache
def _carriers() -> PrefixTable[str]:
    return _read_tsv("carriers.tsv")


@cache
def _places() -> PrefixTable[str]:
    return _read_tsv("places.tsv")


@cache
def nanp_areas() -> dict[str, str]:
    """+1 area code -> the region of its valid numbers (generated/nanp_areas.tsv); keys
    'area:length' for the few ranges whose national numbers aren't 10 digits long."""
    return _read_tsv("nanp_areas.tsv")


def nanp_region(nsn: str) -> str | None:
    """The region of a +1 area code (its first 3 digits), from the numbers phonenumbers
    knows there; None for an area code with no valid numbers.

    >>> nanp_region("8761234567"), nanp_region("4161234567"), nanp_region("9991234567")
    ('JM', 'CA', None)
    """
    areas = nanp_areas()
    if len(nsn) != 10:  # a few ranges have other lengths: '310' then 4 digits in Canada
        found = areas.get(f"{nsn[:3]}:{len(nsn)}")
        if found is not None:
            return found
    return areas.get(nsn[:3])


@cache
def region_prefixes() -> PrefixTable[str]:
    """E.164 digit prefix -> region, for the codes several regions share (not +1)."""
    return _read_tsv("region_prefixes.tsv")


def region_by_prefix(code: int, nsn: str) -> str | None:
    """The region a number on ``code`` belongs to by its first digits alone: on +1 by its
    area code (None when no numbers there exist), on another code that several regions
    share by the generated table of their prefixes (else the code's main region), on any
    other code its one region.

    >>> region_by_prefix(44, "1481256789"), region_by_prefix(44, "2071234567")
    ('GG', 'GB')
    """
    if code == 1:
        return nanp_region(nsn)
    rules = country(code)
    if rules is None:
        return None
    if len(rules.regions) > 1:
        found = region_prefixes().longest(f"{code}{nsn}")
        if found is not None:
            return found
    return rules.regions[0].region


def carrier(e164_digits: str) -> str | None:
    """The network a mobile range was first given to (numbers can since have moved)."""
    return _carriers().longest(e164_digits)


def place(e164_digits: str) -> str | None:
    """A place name for +44 area codes and +1 area codes, when one is known."""
    if not e164_digits.startswith(("44", "1")):
        return None
    return _places().longest(e164_digits)
