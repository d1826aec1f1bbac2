"""Issue 18, section 3: what happened on the call changes the advice, and consistently.

Each rule is checked over many numbers (phonenumbers' example numbers of every region and
line type, for several homes) and every story of the call, so a new number or a new
combination that breaks a rule is caught, not only the examples in the issue.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import replace
from functools import cache

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from contract import LEVELS, advice, assert_matches_contract, at_least, codes
from ringcheck import CallContext, CheckResult, Settings, check
from ringcheck.cli.check import render
from ringcheck.datatables import DATA_DIR, tables
from ringcheck.organisations import catalogue

HOMES = ("GB", "US", "DE", "FR", "AU", "IN")
TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.VOIP,
    PhoneNumberType.UAN,
)
SCAM_PATH = {"dont_call_back", "block_number", "report_7726", "bar_premium_international"}
DONT_CALL_BACK = re.compile(r"don't (call|ring)( this number| it)? back|don't ring it", re.I)


def sentences(result: CheckResult) -> list[str]:
    verdict = result.verdict
    return [verdict.headline, *(r.text for r in verdict.reasons), *(a.text for a in verdict.advice)]


@cache
def example_numbers() -> tuple[str, ...]:
    """One E.164 example number per region and line type that phonenumbers knows."""
    found = []
    for region, kind in itertools.product(sorted(phonenumbers.SUPPORTED_REGIONS), TYPES):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is not None:
            found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return tuple(dict.fromkeys(found))


@cache
def checked(number: str, home: str) -> CheckResult:
    return check(number, home=home)


def premium(result: CheckResult) -> bool:
    """Premium-rate by the classifier's own line type (not by a list of prefixes)."""
    return result.number.line_type in ("premium_rate", "directory_enquiries")


def stories(**fixed: object) -> list[CallContext]:
    """Every combination of the other details of a call, with ``fixed`` ones set."""
    found = []
    for claimed, rang in itertools.product((None, "HMRC"), (None, 1)):
        found.append(CallContext(**{"claimed": claimed, "rang_seconds": rang, **fixed}))  # type: ignore[arg-type]
    found.append(CallContext(**{"recorded_message": True, "rang_seconds": 2, **fixed}))  # type: ignore[arg-type]
    return found


# --- an expected call or a sensible voicemail: one path, check first ---------------------


def _genuine_cases() -> list[tuple[str, str, CallContext]]:
    cases = []
    for home in HOMES:
        for number in example_numbers():
            plain = checked(number, home)
            if plain.number.domestic:
                continue
            cases += [(number, home, c) for c in stories(expected_abroad=True)]
            if not premium(plain):
                cases += [(number, home, c) for c in stories(voicemail=True)]
    return cases


@pytest.mark.parametrize("home", HOMES)
def test_an_expected_call_or_sensible_voicemail_from_abroad_says_only_check_first(
    home: str,
) -> None:
    cases = [case for case in _genuine_cases() if case[1] == home]
    assert len(cases) > 500
    for number, _, context in cases:
        result = check(number, context, home=home)
        where = (number, home, context, result.verdict.level)
        assert "verify_before_calling_back" in advice(result), where
        assert not SCAM_PATH & set(advice(result)), (where, advice(result))
        for text in sentences(result):
            assert not DONT_CALL_BACK.search(text), (where, text)
        assert "before you call back" in result.verdict.headline, where


def test_the_check_first_advice_says_how_to_check() -> None:
    result = check("+34 612 345 678", CallContext(expected_abroad=True))
    text = next(a.text for a in result.verdict.advice if a.code == "verify_before_calling_back")
    assert "voicemail" in text and "number you already have" in text


# --- a voicemail that wants a premium call-back -----------------------------------------


@cache
def premium_numbers() -> tuple[str, ...]:
    """Premium-rate numbers as the classifier sees them: every region's example, UK 09/118."""
    found = [n for n in example_numbers() if premium(checked(n, "GB"))]
    return tuple(dict.fromkeys((*found, "+449061234567", "+979123456789")))


def test_the_premium_numbers_are_many_and_read_by_the_classifier() -> None:
    numbers = premium_numbers()
    assert len(numbers) > 40
    assert {checked(n, "GB").number.country_code for n in numbers} > {44, 33, 49}


@pytest.mark.parametrize("home", ("GB", "US", "DE"))
def test_a_voicemail_from_a_premium_number_raises_concern(home: str) -> None:
    for number in premium_numbers():
        for context in [*stories(), *stories(expected_abroad=True)]:
            without = check(number, context, home=home)
            told = replace(context, voicemail=True)
            result = check(number, told, home=home)
            where = (number, home, context)
            assert "voicemail_premium_callback" in codes(result), where
            assert not codes(result) & {"voicemail_left", "expected_contact"}, where
            assert result.verdict.score > without.verdict.score or result.verdict.score == 100
            assert LEVELS.index(result.verdict.level) >= LEVELS.index(without.verdict.level)
            assert at_least(result.verdict.level, "high"), where
            assert "dont_call_back" in advice(result), where
            assert "verify_before_calling_back" not in advice(result), where


CALLERS = ("+447400123456", "+442071234567", "Withheld", "+33612345678", "+12125550199")


def test_a_voicemail_asking_you_to_ring_a_premium_number_raises_concern() -> None:
    for caller, asked in itertools.product(CALLERS, premium_numbers()):
        for context in [*stories(), *stories(voicemail=True), *stories(expected_abroad=True)]:
            without = check(caller, context)
            told = replace(context, voicemail_number=asked)
            result = check(caller, told)
            where = (caller, asked, context)
            assert "voicemail_premium_callback" in codes(result), where
            assert not codes(result) & {"voicemail_left", "expected_contact"}, where
            assert result.verdict.score >= without.verdict.score, where
            assert at_least(result.verdict.level, "high"), where
            assert "dont_call_back" in advice(result), where
            assert "verify_before_calling_back" not in advice(result), where
            assert result.context.voicemail_number == checked(asked, "GB").number.e164
            assert_matches_contract(result.to_dict(), caller)


def test_a_voicemail_asking_you_to_ring_an_ordinary_number_is_no_premium_scam() -> None:
    ordinary = [n for n in example_numbers() if checked(n, "GB").number.line_type == "mobile"]
    for asked in ordinary[:150]:
        result = check("+447400123456", CallContext(voicemail=True, voicemail_number=asked))
        assert "voicemail_premium_callback" not in codes(result), asked
        assert "voicemail_left" in codes(result)


def test_a_voicemail_number_that_is_not_a_number_is_a_clear_error() -> None:
    from ringcheck.risk import BadContext

    with pytest.raises(BadContext) as caught:
        check("+447400123456", CallContext(voicemail_number="call me maybe"))
    assert caught.value.code == "bad_voicemail_number"
    assert "voicemail" in caught.value.message


# --- a claim to be someone you know -----------------------------------------------------


@cache
def person_words() -> tuple[str, ...]:
    with open(DATA_DIR + "/people.toml", "rb") as file:
        return tuple(tomllib.load(file)["words"])


PERSON_CLAIMS = ("my {}", "a {}", "It was my {}", "said he was her {}", "{}")


def test_a_claim_to_be_someone_you_know_is_checked_not_blocked() -> None:
    numbers = [n for n in example_numbers()[::7]] + ["+447400123456", "Withheld"]
    for word, template in itertools.product(person_words(), PERSON_CLAIMS):
        claim = template.format(word)
        for number in numbers[:: max(1, len(person_words()) // 20)]:
            result = check(number, CallContext(claimed=claim, rang_seconds=1))
            where = (number, claim, result.verdict.level)
            assert result.verdict.organisation is None, where
            assert "claimed_person" in codes(result), where
            assert "verify_before_calling_back" in advice(result), where
            assert not SCAM_PATH & set(advice(result)), (where, advice(result))
            assert any("really them" in a.text for a in result.verdict.advice), where


def test_every_person_word_reads_as_a_person_on_many_numbers() -> None:
    for word in person_words():
        for number in example_numbers()[::40]:
            result = check(number, CallContext(claimed=f"my {word}"))
            assert "claimed_person" in codes(result), (word, number)
            assert "block_number" not in advice(result), (word, number)


@pytest.mark.parametrize(
    "claim", ["the police, about my son", "my bank manager", "HMRC, for my husband"]
)
def test_an_organisation_named_beside_a_person_is_the_organisation(claim: str) -> None:
    result = check("+234 803 123 4567", CallContext(claimed=claim))
    assert result.verdict.organisation is not None
    assert "claimed_person" not in codes(result)


def test_no_person_word_is_an_organisation_alias() -> None:
    for word in person_words():
        assert catalogue().match(f"my {word}") is None, word


# --- organisations named right ----------------------------------------------------------

ABROAD = ("+2348031234567", "+919876543210", "+33612345678", "+18768123456")


def test_every_organisation_is_named_as_a_sentence_names_it() -> None:
    for org in catalogue().organisations:
        result = check("+447400123456", CallContext(claimed=org.aliases[0]))
        assert result.verdict.organisation == org
        text = next(r.text for r in result.verdict.reasons if r.code == "claimed_organisation")
        assert f"they were {org.said}." in text, (org.name, text)
        assert not re.search(r"they were (The|Your|A|An) ", text), text
    assert check("020 7123 4567", CallContext(claimed="NHS")).verdict.organisation
    nhs = check("020 7123 4567", CallContext(claimed="nhs")).verdict.reasons
    assert any("they were the NHS." in r.text for r in nhs)


def test_a_body_that_works_across_borders_is_never_called_a_uk_organisation() -> None:
    across = [org for org in catalogue().organisations if org.country is None]
    assert {"Interpol", "Microsoft", "DHL"} <= {org.name for org in across}
    for org, number in itertools.product(across, ABROAD):
        result = check(number, CallContext(claimed=org.aliases[0]))
        assert "claimed_uk_organisation_from_abroad" not in codes(result), (org.name, number)
        assert "claimed_organisation" in codes(result)
        for text in sentences(result):
            assert "UK organisation" not in text and "United Kingdom" not in text, text


def test_a_number_from_the_organisations_own_country_is_never_from_abroad() -> None:
    # Each home matches claims against its own catalogue (homes.toml).
    for home in HOMES:
        own = [org for org in catalogue(home).organisations if org.country is not None]
        for region in sorted({org.country or "" for org in own}):
            places = {region, *(("GG", "JE", "IM") if region == "GB" else ())}
            numbers = [n for n in example_numbers() if checked(n, "GB").number.region in places]
            assert numbers, region
            theirs = [org for org in own if org.country == region][::5]
            for number, org in itertools.product(numbers, theirs):
                result = check(number, CallContext(claimed=org.aliases[0]), home=home)
                where = (org.name, number, home)
                assert "claimed_uk_organisation_from_abroad" not in codes(result), where
                assert not result.verdict.headline.startswith("Almost certainly"), where


def test_a_uk_body_claimed_from_another_country_says_where_real_ones_call_from() -> None:
    own = [org for org in catalogue().organisations if org.country == "GB"]
    for org, number in itertools.product(own[::3], ABROAD):
        result = check(number, CallContext(claimed=org.aliases[0]))
        reason = next(r for r in result.verdict.reasons if r.code.startswith("claimed_"))
        assert reason.code == "claimed_uk_organisation_from_abroad", (org.name, number)
        assert "in the United Kingdom call from numbers there" in reason.text


def test_bailiffs_are_not_a_court() -> None:
    for claim in ("bailiffs", "a bailiff", "the bailiffs", "enforcement agent", "debt collector"):
        org = check("+447400123456", CallContext(claimed=claim)).verdict.organisation
        assert org is not None and "court" not in org.name.lower(), claim


# --- domestic numbers: no "abroad", no "trick" on a normal-cost call-back ----------------


def _domestic(home: str) -> list[str]:
    return [n for n in example_numbers() if checked(n, home).number.domestic]


@pytest.mark.parametrize("home", HOMES)
def test_calling_abroad_is_never_mentioned_for_a_domestic_number(home: str) -> None:
    numbers = _domestic(home)
    assert numbers
    for number in numbers:
        for context in [*stories(voicemail=True), *stories(expected_abroad=True)]:
            result = check(number, context, home=home)
            for text in [*sentences(result), result.number.callback_cost.text]:
                assert "abroad" not in text.lower(), (number, home, context, text)


@pytest.mark.parametrize("home", HOMES)
def test_one_short_ring_on_a_normal_cost_number_is_not_called_a_trick(home: str) -> None:
    seen = 0
    for number in _domestic(home):
        for rang in (0.5, 1, 3, Settings().one_ring_seconds):
            result = check(number, CallContext(rang_seconds=rang), home=home)
            reason = next(r for r in result.verdict.reasons if r.code == "one_ring")
            cheap = result.number.callback_cost.band in ("free", "normal")
            assert ("trick" in reason.text) != cheap, (number, home, reason.text)
            if result.verdict.level == "low":
                assert not any("trick" in text for text in sentences(result)), number
                seen += 1
    assert home != "GB" or seen


@pytest.mark.parametrize("home", HOMES)
def test_one_short_ring_alone_never_says_a_call_back_makes_money(home: str) -> None:
    seen = 0
    for number in _domestic(home):
        result = check(number, CallContext(rang_seconds=1), home=home)
        if result.number.callback_cost.band not in ("free", "normal"):
            continue
        if codes(result) - {"one_ring", "uk_mobile", "uk_landline", "crown_dependency"}:
            continue
        assert "dont_call_back" not in advice(result), (number, home, result.verdict.level)
        seen += 1
    assert seen, home


def test_one_ring_from_abroad_is_still_called_the_trick_it_is() -> None:
    result = check("+34 612 345 678", CallContext(rang_seconds=1))
    assert "trick" in next(r.text for r in result.verdict.reasons if r.code == "one_ring")


# --- the human output never prints an empty heading ------------------------------------


def _empty_headings(text: str) -> list[str]:
    lines = text.splitlines()
    return [
        line
        for i, line in enumerate(lines)
        if line.strip().endswith(":") and (i + 1 == len(lines) or not lines[i + 1].strip())
    ]


def test_the_cli_never_prints_an_empty_heading() -> None:
    data = tables()
    numbers = [*example_numbers()[::3], "0800 123 4567", "Withheld", "+44 7911 123456"]
    for number in numbers:
        for context in (None, CallContext(voicemail=True), CallContext(claimed="my son")):
            text = click_unstyle(render(check(number, context), data))
            assert _empty_headings(text) == [], (number, text)


def click_unstyle(text: str) -> str:
    import click

    return click.unstyle(text)
