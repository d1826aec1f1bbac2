"""Issue 10: every sentence a worried person reads agrees with the facts and the level.

Each rule is tested over many inputs (phonenumbers' example numbers of every region,
seeded random numbers and every combination of what happened on the call), not only the
rows of the issue's table, which are checked at the end.
"""

from __future__ import annotations

import itertools
import random
import re
from functools import cache

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from contract import LEVELS, advice, assert_matches_contract, at_least, codes
from ringcheck import CallContext, CheckResult, check
from ringcheck.phonemeta import nanp_region, region_by_prefix

SEED = 20261201
NANP_REGIONS = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]
MAIN_NANP = {"US", "CA"}
CROWN_DEPENDENCIES = ("GG", "JE", "IM")
CD_MOBILES = ("7624", "7781", "7911", "7797")


@cache
def examples(region: str) -> tuple[str, ...]:
    """E.164 example numbers phonenumbers gives for a region, one per line type (only those
    it places in that region: NANP members share the US toll-free example)."""
    found = []
    for kind in (
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.VOIP,
        PhoneNumberType.PAGER,
    ):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is not None and phonenumbers.region_code_for_number(number) == region:
            found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return tuple(dict.fromkeys(found))


def random_valid(region: str, count: int, rng: random.Random) -> list[str]:
    """Up to ``count`` random valid E.164 numbers of ``region`` for each of its example
    numbers (the example's first digits kept, the rest random)."""
    code = phonenumbers.country_code_for_region(region)
    found: list[str] = []
    for example in examples(region):
        nsn = example[1 + len(str(code)) :]
        kept = 0
        for _ in range(300):
            keep = rng.randint(3, max(3, len(nsn) - 2))
            digits = nsn[:keep] + "".join(rng.choice("0123456789") for _ in nsn[keep:])
            number = phonenumbers.parse(f"+{code}{digits}")
            if phonenumbers.is_valid_number(number) and (
                phonenumbers.region_code_for_number(number) == region
            ):
                found.append(f"+{code}{digits}")
                kept += 1
            if kept >= count:
                break
    return found


# --- 1. +1 numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("region", NANP_REGIONS)
def test_only_nanp_members_other_than_the_usa_and_canada_look_domestic(region: str) -> None:
    numbers = [*examples(region), *random_valid(region, 20, random.Random(f"{SEED}{region}"))]
    assert numbers, region
    for number in numbers:
        result = check(number)
        assert result.number.region == region, number
        assert ("looks_domestic" in codes(result)) == (region not in MAIN_NANP), number


@pytest.mark.parametrize("region", sorted(MAIN_NANP))
def test_no_sentence_says_the_usa_or_canada_costs_more_than_the_other(region: str) -> None:
    for number in random_valid(region, 40, random.Random(f"{SEED}{region}-cost")):
        result = check(number)
        text = " ".join([result.verdict.headline, *(r.text for r in result.verdict.reasons)])
        assert "costs more" not in text and "cost more" not in text, (number, text)
        premium = result.number.line_type == "premium_rate"  # +1 900: pay-per-call
        assert result.number.callback_cost.band == (
            "international_premium" if premium else "international"
        )


def test_the_look_alike_sentence_names_both_main_countries() -> None:
    reason = next(r for r in check("+1 876 812 3456").verdict.reasons if r.code == "looks_domestic")
    assert "the USA and Canada" in reason.text and "Jamaica" in reason.text


def test_the_area_code_table_agrees_with_phonenumbers_on_valid_numbers() -> None:
    rng = random.Random(SEED)
    for region in NANP_REGIONS:
        for number in [*examples(region), *random_valid(region, 10, rng)]:
            assert nanp_region(number[2:]) == region, number


SHARED_CODES = sorted(
    code for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) > 1
)


@pytest.mark.parametrize("code", SHARED_CODES)
def test_the_prefix_tables_place_valid_numbers_where_phonenumbers_does(code: int) -> None:
    rng = random.Random(f"{SEED}-{code}")
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
        for number in [*examples(region), *random_valid(region, 20, rng)]:
            nsn = number[1 + len(str(code)) :]
            assert region_by_prefix(code, nsn) == region, number


def test_an_invalid_number_on_a_shared_code_is_placed_by_its_prefix() -> None:
    assert check("+44 1481 12").number.region == "GG"
    assert check("+44 7781 12345").number.region == "GG"
    assert check("+44 20 7123 456").number.region == "GB"
    assert check("+7 701 123 45").number.region == "KZ"


def test_an_invalid_plus1_number_is_placed_by_its_area_code_or_nowhere() -> None:
    rng = random.Random(SEED)
    seen_none = seen_placed = 0
    for _ in range(3000):
        nsn = str(rng.randint(200, 999)) + "".join(rng.choice("0123456789") for _ in range(7))
        parsed = phonenumbers.parse("+1" + nsn)
        if phonenumbers.is_valid_number(parsed):
            continue
        result = check("+1" + nsn)
        assert result.number.region == nanp_region(nsn), nsn
        if result.number.region is None:
            seen_none += 1
            assert result.number.country is None and result.number.flag == ""
            assert not codes(result) & {"looks_domestic", "high_risk_destination"} or (
                "high_risk_destination" in codes(result)
            )
        else:
            seen_placed += 1
        assert codes(result) & {"not_in_service", "wrong_length", "fictional_number"}, nsn
        assert_matches_contract(result.to_dict(), "+1" + nsn)
    assert seen_none and seen_placed


def test_a_malformed_toll_free_number_is_not_placed_in_the_dominican_republic() -> None:
    result = check("+1 800 123 4567")
    assert result.number.region != "DO"
    assert "looks_domestic" not in codes(result)
    assert "not_in_service" in codes(result)


# --- 2. fictional numbers --------------------------------------------------------------


def test_nanp_555_0100_to_0199_is_fictional_in_any_area_code() -> None:
    rng = random.Random(SEED)
    areas = [*rng.sample(range(200, 1000), 60), 212, 416, 876, 800]
    for area in areas:
        for line in ("0100", "0150", "0199", f"01{rng.randint(0, 99):02d}"):
            result = check(f"+1 {area} 555 {line}")
            assert "fictional_number" in codes(result), (area, line)
            assert not codes(result) & {"not_in_service", "wrong_length"}
            assert at_least(result.verdict.level, "caution")
        for line in ("0099", "0200", "1212", "0000"):
            assert "fictional_number" not in codes(check(f"+1 {area} 555 {line}")), (area, line)


def test_555_numbers_outside_north_america_are_not_nanp_fiction() -> None:
    for text in ("+44 20 5550 1000", "+33 5 55 01 00 12", "+61 2 5550 1234"):
        assert "fictional_number" not in codes(check(text)), text


# --- 3. wrong length -------------------------------------------------------------------

WRONG_LENGTH_REGIONS = ("GB", "US", "CA", "FR", "DE", "ES", "IE", "IN", "NG", "AU", "JM", "GG")


@pytest.mark.parametrize("region", WRONG_LENGTH_REGIONS)
def test_a_valid_number_with_a_digit_added_has_the_wrong_length(region: str) -> None:
    rng = random.Random(f"{SEED}{region}-long")
    for number in [*examples(region), *random_valid(region, 15, rng)]:
        longer = number + rng.choice("0123456789")
        if phonenumbers.is_valid_number(phonenumbers.parse(longer)):
            continue
        result = check(longer)
        assert "wrong_length" in codes(result), longer
        assert "not_in_service" not in codes(result)
        assert "too many digits" in _reason_text(result, "wrong_length")


@pytest.mark.parametrize("region", WRONG_LENGTH_REGIONS)
def test_a_valid_number_with_its_last_digit_dropped_has_the_wrong_length(region: str) -> None:
    rng = random.Random(f"{SEED}{region}-short")
    for number in [*examples(region), *random_valid(region, 15, rng)]:
        shorter = number[:-1]
        if phonenumbers.is_valid_number(phonenumbers.parse(shorter)):
            continue
        result = check(shorter)
        assert "wrong_length" in codes(result), shorter
        assert "too few digits" in _reason_text(result, "wrong_length")


def _reason_text(result: CheckResult, code: str) -> str:
    return next(r.text for r in result.verdict.reasons if r.code == code)


def test_a_domestic_number_of_the_wrong_length_asks_to_check_the_digits_first() -> None:
    for text in ("07400 12345", "07400 1234567", "020 7123 456", "+44 7911 12345", "0161 496"):
        result = check(text)
        assert "wrong_length" in codes(result), text
        assert result.verdict.level == "caution", text
        headline = result.verdict.headline
        digit, faked = headline.find("digit"), headline.find("faked")
        assert 0 <= digit < faked, headline


def test_a_possible_length_in_no_range_stays_not_in_service() -> None:
    rng = random.Random(SEED)
    found = 0
    for _ in range(4000):
        nsn = str(rng.randint(10**9, 10**10 - 1))
        result = check("+44" + nsn)
        if result.number.valid or "fictional_number" in codes(result):
            continue
        assert codes(result) & {"not_in_service", "wrong_length"}, nsn
        found += "not_in_service" in codes(result)
    assert found > 50
    assert "not_in_service" in codes(check("020 9551 3148"))


# --- 4. numbers that never ring anyone -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("159", "normal"),
        (" 159 ", "normal"),
        ("Missed call from 159", "normal"),
        ("7726", "free"),
        ("77 26", "free"),
    ],
)
def test_a_number_that_only_takes_calls_was_faked_as_a_caller_id(text: str, band: str) -> None:
    result = check(text)
    assert "inbound_only" in codes(result)
    assert at_least(result.verdict.level, "caution")
    assert result.number.callback_cost.band == band
    assert "never calls people" in result.verdict.headline
    # Calling 159 yourself is the safe way to your bank: never "don't call back" here.
    assert "dont_call_back" not in advice(result)
    assert "call_159" in advice(result)
    assert_matches_contract(result.to_dict(), text)


def test_other_short_numbers_still_read_as_short_numbers() -> None:
    for text in ("118 118", "100", "999"):
        assert "inbound_only" not in codes(check(text)), text


# --- 5. Crown Dependency mobiles -------------------------------------------------------


@pytest.mark.parametrize("region", CROWN_DEPENDENCIES)
def test_crown_dependency_mobiles_may_be_outside_the_plan_but_stay_low(region: str) -> None:
    rng = random.Random(f"{SEED}{region}-cd")
    # domain.md's Crown Dependency mobile ranges, and phonenumbers' examples' neighbours.
    seeded = [f"+44{p}{rng.randint(0, 999999):06d}" for p in CD_MOBILES for _ in range(10)]
    numbers = [*random_valid(region, 30, rng), *seeded]
    mobiles = [
        n
        for n in numbers
        if (r := check(n).number).valid and r.line_type == "mobile" and r.region == region
    ]
    assert mobiles, region
    for number in mobiles:
        result = check(number)
        assert result.number.domestic and result.number.region == region
        assert result.number.callback_cost.band == "outside_plan", number
        assert "plan" in result.number.callback_cost.text
        assert result.verdict.level == "low", number


def test_uk_mobiles_cost_a_normal_call_and_070_and_076_may_be_outside_the_plan() -> None:
    assert check("07400 123456").number.callback_cost.band == "normal"
    assert check("07012 345678").number.callback_cost.band == "outside_plan"
    assert check("07640 123456").number.callback_cost.band == "outside_plan"


# --- 6 and 7. the headline agrees with the level ---------------------------------------

KINDS = {
    "uk_mobile": "+44 7400 123456",
    "uk_landline": "+44 20 7123 4567",
    "0800": "0800 123 4567",
    "0845": "0845 123 4567",
    "09": "0906 123 4567",
    "070": "07012 345678",
    "crown_dependency_mobile": "+44 7911 123456",
    "eu_mobile": "+34 612 345 678",
    "us": "+1 212 736 5000",
    "canada": "+1 416 979 1234",
    "caribbean": "+1 876 812 3456",
    "satellite": "+881 6 3123 4567",
    "withheld": "Withheld",
    "drama": "07700 900123",
    "wrong_length": "07400 12345",
}
CLAIMS = (None, "HMRC", "Sarah")  # none, a UK organisation, a person's name
CONTEXTS = [
    CallContext(
        claimed=claimed,
        rang_seconds=rang,
        voicemail=voicemail,
        expected_abroad=expected,
        recorded_message=recorded,
    )
    for claimed, rang, voicemail, expected, recorded in itertools.product(
        CLAIMS, (1, 40), (False, True), (False, True), (False, True)
    )
]
SCAM_WORDS = re.compile(r"\bscam\b|don't call back", re.IGNORECASE)


def test_every_kind_of_number_is_the_kind_it_stands_for() -> None:
    assert not check(KINDS["canada"]).number.domestic
    assert check(KINDS["crown_dependency_mobile"]).number.region == "GG"
    assert "wrong_length" in codes(check(KINDS["wrong_length"]))
    assert "fictional_number" in codes(check(KINDS["drama"]))
    assert check(KINDS["0800"]).number.line_type == "freephone"
    assert check(KINDS["0845"]).number.line_type == "service"


@pytest.mark.parametrize("kind", KINDS)
def test_the_headline_agrees_with_the_level_for_every_story_of_the_call(kind: str) -> None:
    for context in CONTEXTS:
        result = check(KINDS[kind], context)
        verdict = result.verdict
        where = (kind, context, verdict.level, verdict.headline)
        found = codes(result)
        if verdict.level == "low":
            assert not SCAM_WORDS.search(verdict.headline), where
            assert "dont_call_back" not in advice(result), where
        if "don't call back" in verdict.headline.lower():
            assert at_least(verdict.level, "caution"), where
        if found & {"expected_contact", "voicemail_left"}:
            assert "before you call back" in verdict.headline, where
            assert "verify_before_calling_back" in advice(result), where
        if context.recorded_message:
            assert at_least(verdict.level, "caution"), where
            if verdict.organisation is not None:
                assert at_least(verdict.level, "high"), where
        assert_matches_contract(result.to_dict(), KINDS[kind])


def test_a_claimed_organisation_is_recognised_and_a_persons_name_is_not() -> None:
    assert check(KINDS["uk_landline"], CallContext(claimed="HMRC")).verdict.organisation
    assert check(KINDS["uk_landline"], CallContext(claimed="Sarah")).verdict.organisation is None


def test_no_headline_that_says_scam_or_dont_call_back_may_show_on_a_low_verdict() -> None:
    from ringcheck import tables

    for code, line in tables().wording.headline.items():
        # default_<level> and verify_<level> are shown at that level only.
        own_level = next((level for level in LEVELS if code.endswith(f"_{level}")), None)
        lowest = own_level if code.startswith(("default_", "verify_")) else line.at_least
        if SCAM_WORDS.search(line.text):
            assert lowest != "low", code


# --- 8. one reader of ring times -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3", 3),
        ("3s", 3),
        ("3 s", 3),
        ("3 sec", 3),
        ("4 seconds", 4),
        ("1.5", 1.5),
        ("1,5", 1.5),
        ("1 min", 60),
        ("2 minutes", 120),
        ("1 min 30 s", 90),
        ("1m30s", 90),
        ("0:03", 3),
        ("1:05", 65),
        ("0:01:05", 65),
        (" 7 ", 7),
    ],
)
def test_ring_times_are_read_however_they_are_written(text: str, seconds: float) -> None:
    from ringcheck.risk import ring_seconds

    assert ring_seconds(text) == seconds


# --- 9. several numbers in one text ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "others"),
    [
        ("+44 20 7123 4567 or +44 20 7123 4568", "+442071234567", ["+442071234568"]),
        (
            "07400 123456, 07400 123457 and 0906 123 4567",
            "+447400123456",
            ["+447400123457", "+449061234567"],
        ),
        ("Missed call from +234 803 123 4567 at 10:42", "+2348031234567", []),
        ("On 01/02/2024 +44 20 7123 4567 rang", "+442071234567", []),
        ("+44 20 7123 4567 / twice: +44 20 7123 4567", "+442071234567", []),
    ],
)
def test_the_first_number_in_a_text_is_checked_and_the_others_listed(
    text: str, first: str, others: list[str]
) -> None:
    result = check(text)
    assert result.number.e164 == first
    payload = result.to_dict()
    if others:
        assert payload["also_found"] == others
    else:
        assert "also_found" not in payload
    assert_matches_contract(payload, text)


# --- the issue's table, row by row -----------------------------------------------------


def test_issue_table_toronto_is_a_main_country_of_plus1() -> None:
    result = check("+1 416 979 1234")
    assert result.number.region == "CA" and "looks_domestic" not in codes(result)


def test_issue_table_fictional_new_york_number() -> None:
    assert "fictional_number" in codes(check("+1 212 555 0123"))


def test_issue_table_159_as_a_missed_call() -> None:
    result = check("159")
    assert "inbound_only" in codes(result) and "faked" in result.verdict.headline


def test_issue_table_guernsey_mobile_may_not_be_in_the_plan() -> None:
    result = check("+44 7911 123456")
    assert result.verdict.level == "low" and result.number.domestic
    assert result.number.callback_cost.band == "outside_plan"


def test_issue_table_uk_mobile_ringing_once_is_low_and_says_so() -> None:
    result = check("+44 7400 123456", CallContext(rang_seconds=1))
    assert result.verdict.level == "low"
    assert not SCAM_WORDS.search(result.verdict.headline)


def test_issue_table_recorded_press_1_from_a_uk_mobile_is_at_least_caution() -> None:
    result = check("+44 7400 123456", CallContext(recorded_message=True))
    assert at_least(result.verdict.level, "caution")


def test_issue_table_expected_call_with_voicemail_says_verify() -> None:
    context = CallContext(expected_abroad=True, voicemail=True, rang_seconds=2)
    headline = check("+34 612 345 678", context).verdict.headline
    assert "before you call back" in headline and "scam" not in headline
