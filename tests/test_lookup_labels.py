"""Caller-name labels say what is known: "SPAM" only where the verdict says scam.

The numbers are phonenumbers' example numbers of every type, every region and every
non-geographic network, judged for several homes, so no list of examples decides.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringcheck.lookup import SCAM_CATEGORIES, Lookup, lookup, says_scam
from ringcheck.risk import CallContext
from ringcheck.settings import Settings

HOMES = ("GB", "DE", "US", "FR")
TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
)
# Reasons that say only where a number is from or what it is: no evidence of a scam.
NOT_EVIDENCE = {"international", "looks_domestic", "crown_dependency", "uk_mobile", "uk_landline"}
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@cache
def examples() -> tuple[str, ...]:
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.add(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.add(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    return tuple(sorted(found))


def judged(home: str, context: CallContext | None = None) -> list[Lookup]:
    settings = Settings(home=home)
    return [lookup(number, settings=settings, context=context) for number in examples()]


@pytest.mark.parametrize("home", HOMES)
def test_a_label_says_spam_only_when_the_verdict_says_scam(home: str) -> None:
    assert len(examples()) > 900
    for found in judged(home):
        label = found.label()
        assert label.isascii() and 0 < len(label) <= 15
        if "SPAM" in label:
            assert found.level in ("high", "very_high"), (found.e164, label, found.level)
            assert set(found.reasons) - NOT_EVIDENCE, (found.e164, label, found.reasons)
            assert found.category in SCAM_CATEGORIES
        assert ("SPAM" in label) == says_scam(found.level, found.category), found.e164


@pytest.mark.parametrize("home", HOMES)
def test_a_number_from_abroad_with_nothing_against_it_is_labelled_by_its_country(
    home: str,
) -> None:
    plain = 0
    for found in judged(home):
        assert found.result is not None
        info = found.result.number
        if info.domestic or set(found.reasons) - NOT_EVIDENCE:
            continue
        plain += 1
        label = found.label()
        assert label.startswith(f"Intl +{info.country_code}"), (found.e164, label)
        if info.region and info.region != "001":
            assert label.endswith(f" {info.region}"), (found.e164, label)
        assert "SPAM" not in found.label(60) and "SPAM" not in found.label(4)
    assert plain > 500  # most of the world's ordinary landlines and mobiles


@pytest.mark.parametrize("home", ("GB", "DE"))
def test_below_high_no_label_says_spam_whatever_the_number(home: str) -> None:
    # A sensible voicemail and an expected call lower many verdicts below high.
    context = CallContext(voicemail=True, expected_abroad=True)
    lowered = [found for found in judged(home, context) if found.level in ("low", "caution")]
    assert len(lowered) > 100
    for found in lowered:
        for chars in (4, 8, 15, 60):
            assert "SPAM" not in found.label(chars), (found.e164, found.label(chars))


def test_withheld_and_unreadable_caller_ids_say_so() -> None:
    assert lookup("Withheld").label() == "Withheld number"
    assert lookup("Private").label(8) == "Withheld"
    assert lookup("not a number").label() == "Unknown number"


# The table of labels in README's "Use it from your phone system".
LABEL_TABLE = README[README.index("| caller | label |") :].split("\n\n")[0]
README_LABELS = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", LABEL_TABLE, re.M)


def test_the_readme_label_examples_are_what_lookup_answers() -> None:
    assert len(README_LABELS) >= 6
    for number, label in README_LABELS:
        assert lookup(number).label() == label, number
