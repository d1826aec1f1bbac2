"""ringcheck's compiled classifier gives the same answers as phonenumbers itself.

phonenumbers is the source of truth for region, line type, validity and formatting; the
compiled tables in ``ringcheck.phonemeta`` exist only to answer faster. A seeded sample of
a few thousand numbers across every calling code (phonenumbers' example numbers, the same
with one digit changed, added or dropped, and random digits) must get identical answers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache

import phonenumbers
import pytest
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from ringcheck import phonemeta

SEED = 20261127
MUTATED_EXAMPLES = 1500
RANDOM_NUMBERS = 1500

# phonenumbers' types in ringcheck's words; None means "not a valid number".
TYPE_NAMES: dict[int, str | None] = {
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.TOLL_FREE: "freephone",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "non_geographic",
    PhoneNumberType.VOICEMAIL: "unknown",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.UNKNOWN: None,
}
CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _example(code: int, region: str, kind: int) -> PhoneNumber | None:
    if region == phonemeta.NON_GEO_REGION:
        return phonenumbers.example_number_for_non_geo_entity(code)
    return phonenumbers.example_number_for_type(region, kind)


def _examples() -> list[tuple[int, str]]:
    found = set()
    for code in CODES:
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
            for kind in TYPE_NAMES:
                example = _example(code, region, kind)
                if example is not None:
                    found.add((code, phonenumbers.national_significant_number(example)))
    return sorted(found)


def _mutate(nsn: str, rng: random.Random) -> str:
    digits = list(nsn)
    how = rng.randrange(4)
    if how == 0:
        digits[rng.randrange(len(digits))] = str(rng.randrange(10))
    elif how == 1:
        digits.insert(rng.randrange(len(digits) + 1), str(rng.randrange(10)))
    elif how == 2 and len(digits) > 3:
        del digits[rng.randrange(len(digits))]
    else:
        digits[-1] = str(rng.randrange(10))
    return "".join(digits)


@cache
def sample() -> tuple[tuple[int, str], ...]:
    """(calling code, national significant number) pairs, the same on every run."""
    rng = random.Random(SEED)
    examples = _examples()
    numbers = set(examples)
    numbers.update((code, _mutate(nsn, rng)) for code, nsn in rng.choices(examples, k=1500))
    for code in CODES:  # every calling code gets random digits too
        numbers.add((code, "".join(rng.choices("0123456789", k=rng.randint(4, 13)))))
    for _ in range(RANDOM_NUMBERS):
        digits = "".join(rng.choices("0123456789", k=rng.randint(4, 14)))
        numbers.add((rng.choice(CODES), digits))
    return tuple(sorted((code, nsn) for code, nsn in numbers if nsn.strip("0")))


def as_phonenumber(code: int, nsn: str) -> PhoneNumber:
    """The PhoneNumber phonenumbers would hold for this exact national number."""
    number = PhoneNumber(country_code=code, national_number=int(nsn))
    zeros = len(nsn) - len(nsn.lstrip("0"))
    if zeros:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = zeros
    assert phonenumbers.national_significant_number(number) == nsn
    return number


def mismatches(answer: Callable[[int, str], tuple[object, object]]) -> list[str]:
    """Sample numbers where (ringcheck, phonenumbers) differ, described for a failure."""
    found = []
    for code, nsn in sample():
        ours, theirs = answer(code, nsn)
        if ours != theirs:
            found.append(f"+{code} {nsn}: ringcheck {ours!r}, phonenumbers {theirs!r}")
    return found


def _show(found: list[str]) -> str:
    return f"{len(found)} of {len(sample())} differ, e.g.:\n" + "\n".join(found[:15])


def test_the_sample_covers_every_calling_code_with_valid_and_invalid_numbers() -> None:
    numbers = sample()
    assert 3000 <= len(numbers) <= 6000
    assert {code for code, _ in numbers} == set(CODES)
    valid = sum(phonenumbers.is_valid_number(as_phonenumber(c, n)) for c, n in numbers)
    assert 0.2 < valid / len(numbers) < 0.8


def test_line_type_and_validity_agree_with_phonenumbers() -> None:
    def answer(code: int, nsn: str) -> tuple[object, object]:
        rules = phonemeta.country(code)
        assert rules is not None
        number = as_phonenumber(code, nsn)
        theirs = (
            TYPE_NAMES[phonenumbers.number_type(number)],
            phonenumbers.is_valid_number(number),
        )
        kind = rules.classify(nsn)[1]
        return (kind, kind is not None), theirs

    found = mismatches(answer)
    assert not found, _show(found)


def test_region_agrees_with_phonenumbers() -> None:
    """Where phonenumbers names no region (an invalid number on a shared code), ringcheck
    falls back to the code's main region, as documented in ``CountryRules.classify``."""

    def answer(code: int, nsn: str) -> tuple[object, object]:
        rules = phonemeta.country(code)
        assert rules is not None
        theirs = phonenumbers.region_code_for_number(as_phonenumber(code, nsn))
        return rules.classify(nsn)[0].region, theirs or rules.regions[0].region

    found = mismatches(answer)
    assert not found, _show(found)


@pytest.mark.parametrize(
    "style",
    [PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL],
    ids=["international", "national"],
)
def test_formats_agree_with_phonenumbers(style: int) -> None:
    def answer(code: int, nsn: str) -> tuple[object, object]:
        rules = phonemeta.country(code)
        assert rules is not None
        ours = (
            rules.format_international(nsn)
            if style == PhoneNumberFormat.INTERNATIONAL
            else rules.format_national(nsn)
        )
        return ours, phonenumbers.format_number(as_phonenumber(code, nsn), style)

    found = mismatches(answer)
    assert not found, _show(found)


def test_every_calling_code_has_compiled_rules_and_no_other_code_does() -> None:
    assert phonemeta.calling_codes() == frozenset(CODES)
    assert all(phonemeta.country(code) is not None for code in CODES)
    assert phonemeta.country(999) is None
    assert phonemeta.country(0) is None


@pytest.mark.parametrize(
    ("code", "nsn", "region", "kind"),
    [
        (44, "7911123456", "GG", "mobile"),
        (44, "7624123456", "IM", "mobile"),
        (44, "1534456789", "JE", "fixed_line"),
        (44, "2071234567", "GB", "fixed_line"),
        (1, "8768123456", "JM", "mobile"),
        (1, "2127365000", "US", "fixed_line_or_mobile"),
        (881, "631234567", "001", "mobile"),
    ],
)
def test_known_numbers_get_the_region_and_line_type_phonenumbers_gives(
    code: int, nsn: str, region: str, kind: str
) -> None:
    rules = phonemeta.country(code)
    assert rules is not None
    found_region, found_kind = rules.classify(nsn)
    number = as_phonenumber(code, nsn)
    assert (found_region.region, found_kind) == (region, kind)
    assert phonenumbers.region_code_for_number(number) == region
    assert TYPE_NAMES[phonenumbers.number_type(number)] == kind
