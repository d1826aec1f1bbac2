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
    ("shared_cost", "service"),
    ("voip", "voip"),
    ("personal_number", "personal"),
    ("pager", "pager"),
    ("uan", "non_geographic"),
    ("voicemail", "unknown"),
)
_FIRST_GROUP = re.compile(r"(\\\d)")


@dataclass(frozen=True)
class _Desc:
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


@dataclass(frozen=True)
class RegionRules:
    """One region's validity and line-type rules."""

    region: str
    general: _Desc | None
    special: tuple[tuple[str, _Desc], ...]
    fixed: _Desc | None
    mobile: _Desc | None
    same_fixed_and_mobile: bool
    leading_digits: re.Pattern[str] | None

    def line_type(self, nsn: str) -> str | None:
        """The ringcheck line type of a national number, or None when it is not valid here."""
        if self.general is None or not self.general.matches(nsn):
            return None
        for name, desc in self.special:
            if desc.matches(nsn):
                return name
        if self.fixed is not None and self.fixed.matches(nsn):
            if self.same_fixed_and_mobile or (self.mobile is not None and self.mobile.matches(nsn)):
                return "fixed_line_or_mobile"
            return "fixed_line"
        if not self.same_fixed_and_mobile and self.mobile is not None and self.mobile.matches(nsn):
            return "mobile"
        return None


def _region_rules(region: str, meta: PhoneMetadata) -> RegionRules:
    special = tuple(
        (ours, desc)
        for attr, ours in _SPECIAL_TYPES
        if (desc := _desc(getattr(meta, attr))) is not None
    )
    return RegionRules(
        region=region,
        general=_desc(meta.general_desc),
        special=special,
        fixed=_desc(meta.fixed_line),
        mobile=_desc(meta.mobile),
        same_fixed_and_mobile=bool(meta.same_mobile_and_fixed_line_pattern),
        leading_digits=re.compile(meta.leading_digits) if meta.leading_digits else None,
    )


_Template = tuple[str | int, ...]  # literal text, or the number of a regex group


def _template(text: str) -> _Template:
    r"""'0\1 \2' -> ('0', 1, ' ', 2): expanded from a match without re's template engine."""
    parts: list[str | int] = []
    for i, piece in enumerate(re.split(r"\\(\d)", text)):
        if i % 2:
            parts.append(int(piece))
        elif piece:
            parts.append(piece)
    return tuple(parts)


@dataclass(frozen=True)
class _Format:
    leading: re.Pattern[str] | None
    pattern: re.Pattern[str]
    template: _Template
    national_template: _Template

    def apply(self, nsn: str, national: bool) -> str | None:
        """The formatted number when this format fits it, else None.

        phonenumbers runs ``pattern.sub`` after checking that the pattern matches the whole
        number, so expanding that one full match gives the same text.
        """
        if self.leading is not None and self.leading.match(nsn) is None:
            return None
        match = self.pattern.fullmatch(nsn)
        if match is None:
            return None
        template = self.national_template if national else self.template
        return "".join(p if isinstance(p, str) else match.group(p) or "" for p in template)


def _format(fmt: NumberFormat) -> _Format:
    leading = fmt.leading_digits_pattern
    template = fmt.format or ""
    national = template
    if fmt.national_prefix_formatting_rule:
        national = _FIRST_GROUP.sub(fmt.national_prefix_formatting_rule, template, count=1)
    return _Format(
        leading=re.compile(leading[-1]) if leading else None,
        pattern=re.compile(fmt.pattern or ""),
        template=_template(template),
        national_template=_template(national),
    )


@dataclass(frozen=True)
class CountryRules:
    """Everything ringcheck needs to know about one calling code."""

    code: int
    regions: tuple[RegionRules, ...]
    national_prefix: str | None
    national_formats: tuple[_Format, ...]
    international_formats: tuple[_Format, ...]

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

    def format_national(self, nsn: str) -> str:
        for fmt in self.national_formats:
            text = fmt.apply(nsn, national=True)
            if text is not None:
                return text
        return nsn

    def format_international(self, nsn: str) -> str:
        for fmt in self.international_formats:
            text = fmt.apply(nsn, national=False)
            if text is not None:
                return f"+{self.code} {text}"
        return f"+{self.code} {nsn}"


@cache
def calling_codes() -> frozenset[int]:
    """Every calling code phonenumbers knows."""
    return frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _metadata(code: int, region: str) -> PhoneMetadata | None:
    if region == NON_GEO_REGION:
        return PhoneMetadata.metadata_for_nongeo_region(code)
    return PhoneMetadata.metadata_for_region(region)


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
    national = tuple(_format(f) for f in meta.number_format)
    intl_source = meta.intl_number_format or meta.number_format
    return CountryRules(
        code=code,
        regions=tuple(compiled),
        national_prefix=meta.national_prefix,
        national_formats=national,
        international_formats=tuple(_format(f) for f in intl_source),
    )


def region_metadata(region: str) -> PhoneMetadata | None:
    """phonenumbers' metadata for a home region such as "GB" (None if unknown)."""
    return PhoneMetadata.metadata_for_region(region.upper())


def _read_tsv(name: str) -> PrefixTable[str]:
    lines = data_text(f"generated/{name}").splitlines()
    return PrefixTable(
        line.split("\t", 1)  # type: ignore[misc]
        for line in lines
        if line and not line.startswith("#")
    )


@cache
def country_names() -> dict[str, str]:
    """Region code -> English country name."""
    return _read_tsv("countries.tsv")


@cache
def _carriers() -> PrefixTable[str]:
    return _read_tsv("carriers.tsv")


@cache
def _places() -> PrefixTable[str]:
    return _read_tsv("places.tsv")


def carrier(e164_digits: str) -> str | None:
    """The network a mobile range was first given to (numbers can since have moved)."""
    return _carriers().longest(e164_digits)


def place(e164_digits: str) -> str | None:
    """A place name for +44 area codes and +1 area codes, when one is known."""
    if not e164_digits.startswith(("44", "1")):
        return None
    return _places().longest(e164_digits)
