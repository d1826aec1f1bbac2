"""The verdict: each reason, its points, the score, the level, and the advice a person gets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import ADVICE_CODES, DESIGN_REASON_CODES, plain_text_problems
from ringcheck import (
    BadContext,
    CallContext,
    CheckResult,
    ConfigError,
    RingcheckError,
    Settings,
    check,
)
from ringcheck.organisations import match
from ringcheck.risk import level_for, telling

FRANCE = "+33 6 12 34 56 78"
LONDON = "+44 20 7123 4567"
UK_MOBILE = "07400 123456"
KYRGYZ_MOBILE = "+996 700 123 456"


def reason_codes(result: CheckResult) -> set[str]:
    return {r.code for r in result.verdict.reasons}


def advice_codes(result: CheckResult) -> list[str]:
    return [a.code for a in result.verdict.advice]


def trigger(
    code: str,
    text: str,
    context: CallContext | None = None,
    settings: Settings | None = None,
) -> Any:
    return pytest.param(code, text, context, settings, id=code)


# The smallest input that gives each reason: every reason code of DESIGN.md except
# community_reports (reports come with a later issue), plus the user's trusted numbers.
TRIGGERS = [
    trigger("international", FRANCE),
    trigger("high_risk_destination", "+234 803 123 4567"),
    trigger("looks_domestic", "+1 876 812 3456"),
    trigger("satellite_or_global_network", "+881 6 3123 4567"),
    trigger("premium_rate", "0906 123 4567"),
    trigger("directory_enquiries", "118 118"),
    trigger("personal_number", "07012 345678"),
    trigger("service_number", "0871 123 4567"),
    trigger("service_charge", "+34 901 123 456"),
    trigger("pager", "07640 123456"),
    trigger("fictional_number", "07700 900123"),
    trigger("not_in_service", "020 9551 3148"),
    trigger("wrong_length", "07400 12345"),
    trigger("inbound_only", "159"),
    trigger("crown_dependency", "+44 7911 123456"),
    trigger("uk_mobile", UK_MOBILE),
    trigger("uk_landline", "020 7123 4567"),
    trigger("claimed_uk_organisation_from_abroad", FRANCE, CallContext(claimed="HMRC")),
    trigger("claimed_organisation", LONDON, CallContext(claimed="HMRC")),
    trigger("recorded_press_button", LONDON, CallContext(recorded_message=True)),
    trigger("one_ring", LONDON, CallContext(rang_seconds=2)),
    trigger("expected_contact", FRANCE, CallContext(expected_abroad=True)),
    trigger("voicemail_left", FRANCE, CallContext(voicemail=True)),
    trigger("withheld", "Withheld"),
    trigger("repeated_attempts", LONDON, CallContext(times_called=3)),
    trigger("rotating_numbers", LONDON, CallContext(similar_numbers=2)),
    trigger("odd_hours", LONDON, CallContext(called_at=dt.time(2, 30))),
    trigger("trusted_number", FRANCE, settings=Settings(trusted=("+33612345678",))),
]


def test_the_triggers_cover_every_reason_code_but_reports_and_campaigns() -> None:
    # Both come from the store: tests/test_live_campaign.py and the community tests.
    covered = {p.values[0] for p in TRIGGERS}
    from_store = {"community_reports", "live_campaign"}
    assert covered == (DESIGN_REASON_CODES - from_store) | {"trusted_number"}


@pytest.mark.parametrize(("code", "text", "context", "settings"), TRIGGERS)
def test_each_reason_is_given_with_the_points_of_the_data_table(
    code: str,
    text: str,
    context: CallContext | None,
    settings: Settings | None,
    points: dict[str, int],
) -> None:
    result = check(text, context, settings=settings)
    found = {r.code: r.points for r in result.verdict.reasons}
    assert code in found, sorted(found)
    assert found[code] == points[code]


@pytest.mark.parametrize(("code", "text", "context", "settings"), TRIGGERS)
def test_the_score_is_the_sum_of_the_points_clipped_to_0_100(
    code: str, text: str, context: CallContext | None, settings: Settings | None
) -> None:
    verdict = check(text, context, settings=settings).verdict
    total = sum(r.points for r in verdict.reasons)
    assert verdict.score == max(0, min(100, total))
    assert verdict.level == level_for(verdict.score)


def test_a_score_over_100_is_clipped_to_100() -> None:
    context = CallContext(claimed="HMRC", recorded_message=True, rang_seconds=1)
    verdict = check("+234 803 123 4567", context).verdict
    assert sum(r.points for r in verdict.reasons) > 100
    assert verdict.score == 100
    assert verdict.level == "very_high"


def test_a_negative_score_is_clipped_to_0() -> None:
    verdict = check(UK_MOBILE).verdict
    assert sum(r.points for r in verdict.reasons) < 0
    assert verdict.score == 0
    assert verdict.level == "low"


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "low"),
        (24, "low"),
        (25, "caution"),
        (49, "caution"),
        (50, "high"),
        (74, "high"),
        (75, "very_high"),
        (100, "very_high"),
    ],
)
def test_level_bands_are_exactly_those_of_the_design(score: int, level: str) -> None:
    assert level_for(score) == level


def test_reasons_are_listed_strongest_first() -> None:
    context = CallContext(
        claimed="HMRC", recorded_message=True, rang_seconds=2, voicemail=True, times_called=5
    )
    reasons = check("+1 876 812 3456", context).verdict.reasons
    assert len(reasons) >= 6
    assert [r.points for r in reasons] == sorted((r.points for r in reasons), reverse=True)
    assert reasons[-1].code == "voicemail_left"


# --- call details and settings ---------------------------------------------------------


@pytest.mark.parametrize(("seconds", "one_ring"), [(0, True), (5, True), (5.5, False), (8, False)])
def test_one_ring_is_a_call_of_five_seconds_or_less_by_default(
    seconds: float, one_ring: bool
) -> None:
    result = check(FRANCE, CallContext(rang_seconds=seconds))
    assert ("one_ring" in reason_codes(result)) is one_ring


def test_the_one_ring_threshold_is_a_setting() -> None:
    context = CallContext(rang_seconds=8)
    result = check(FRANCE, context, settings=Settings(one_ring_seconds=10))
    assert "one_ring" in reason_codes(result)
    text = next(r.text for r in result.verdict.reasons if r.code == "one_ring")
    assert "8" in text
    assert "one_ring" not in reason_codes(check(FRANCE, context))


@pytest.mark.parametrize(
    ("at", "odd"),
    [
        (dt.time(22, 59), False),
        (dt.time(23, 0), True),
        (dt.time(0, 0), True),
        (dt.time(6, 59), True),
        (dt.time(7, 0), False),
        (dt.time(12, 0), False),
    ],
)
def test_odd_hours_are_from_11pm_to_7am(at: dt.time, odd: bool) -> None:
    result = check(LONDON, CallContext(called_at=at))
    assert ("odd_hours" in reason_codes(result)) is odd


def test_the_night_hours_are_a_setting_and_the_reason_says_them() -> None:
    late = CallContext(called_at=dt.time(22, 30))
    assert "odd_hours" not in reason_codes(check(LONDON, late))
    result = check(LONDON, late, settings=Settings(night_start=22, night_end=6))
    text = next(r.text for r in result.verdict.reasons if r.code == "odd_hours")
    assert "between 10pm and 6am" in text
    default = check(LONDON, CallContext(called_at=dt.time(23, 30)))
    said = next(r.text for r in default.verdict.reasons if r.code == "odd_hours")
    assert "between 11pm and 7am" in said


@pytest.mark.parametrize(("times", "repeated"), [(1, False), (2, False), (3, True), (50, True)])
def test_three_calls_from_one_number_are_repeated_attempts(times: int, repeated: bool) -> None:
    result = check(LONDON, CallContext(times_called=times))
    assert ("repeated_attempts" in reason_codes(result)) is repeated


def test_how_many_calls_count_as_repeated_is_a_setting() -> None:
    context = CallContext(times_called=3)
    assert "repeated_attempts" not in reason_codes(
        check(LONDON, context, settings=Settings(repeat_calls=5))
    )


@pytest.mark.parametrize(("similar", "rotating"), [(0, False), (1, True), (4, True)])
def test_near_identical_numbers_are_rotating_numbers(similar: int, rotating: bool) -> None:
    result = check(LONDON, CallContext(similar_numbers=similar))
    assert ("rotating_numbers" in reason_codes(result)) is rotating


def test_an_expected_call_only_lowers_concern_for_a_call_from_abroad() -> None:
    assert "expected_contact" not in reason_codes(
        check(UK_MOBILE, CallContext(expected_abroad=True))
    )


@pytest.mark.parametrize(
    "context",
    [
        {"rang_seconds": -1},
        {"rang_seconds": 3601},
        {"times_called": 0},
        {"similar_numbers": -1},
        {"claimed": "x" * 201},
    ],
    ids=["negative-rang", "rang-over-an-hour", "zero-calls", "negative-similar", "long-claim"],
)
def test_impossible_call_details_are_refused_with_a_clear_message(context: dict[str, Any]) -> None:
    with pytest.raises(BadContext) as caught:
        CallContext(**context)
    assert isinstance(caught.value, RingcheckError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.code.startswith("bad_")
    assert caught.value.message.strip()


def test_extra_high_risk_codes_from_settings_make_a_destination_high_risk() -> None:
    plain = check(KYRGYZ_MOBILE)
    assert "international" in reason_codes(plain)
    assert "high_risk_destination" not in reason_codes(plain)
    extra = check(KYRGYZ_MOBILE, settings=Settings(high_risk=("+996",)))
    assert "high_risk_destination" in reason_codes(extra)
    assert extra.number.callback_cost.band == "international_high"
    assert extra.verdict.score > plain.verdict.score


def test_an_extra_high_risk_plus1_area_code_applies_to_that_area_code_only() -> None:
    settings = Settings(high_risk=("+1 212",))
    assert "high_risk_destination" in reason_codes(check("+1 212 736 5000", settings=settings))
    assert "high_risk_destination" not in reason_codes(check("+1 646 736 5000", settings=settings))


@pytest.mark.parametrize("written", ["+33612345678", "+33 6 12 34 56 78", "0033 6 12 34 56 78"])
def test_a_trusted_number_needs_no_action(written: str) -> None:
    result = check(FRANCE, settings=Settings(trusted=(written,)))
    assert "trusted_number" in reason_codes(result)
    assert advice_codes(result) == ["no_action_needed"]
    assert result.verdict.level == "low"


def test_an_unreadable_trusted_number_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        check(FRANCE, settings=Settings(trusted=("my sister",)))
    assert "my sister" in caught.value.message


def test_trusting_one_number_does_not_trust_another() -> None:
    result = check("+33 6 12 34 56 79", settings=Settings(trusted=("+33612345678",)))
    assert "trusted_number" not in reason_codes(result)
    assert "dont_call_back" in advice_codes(result)


# --- claimed organisations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("claimed", "name"),
    [
        ("HMRC", "HMRC"),
        ("hmrc", "HMRC"),
        ("hMrC", "HMRC"),
        ("It said it was H.M.R.C.", "HMRC"),
        ("the taxman", "HMRC"),
        ("my bank", "your bank"),
        ("Bank of England", "Bank of England"),
        ("bank of scotland", "Bank of Scotland"),
        ("Royal Bank of Scotland", "Royal Bank of Scotland (RBS)"),
        ("Amazon", "Amazon"),
        ("an Amazon delivery driver", "Amazon Logistics (Amazon deliveries)"),
        ("I think it was my bank, Barclays", "Barclays"),
        ("Hermes", "Evri"),
        ("EE called", "EE"),
    ],
)
def test_claimed_organisations_match_case_insensitively_and_longest_alias_wins(
    claimed: str, name: str
) -> None:
    org = match(claimed)
    assert org is not None and org.name == name


@pytest.mark.parametrize(
    "claimed", ["employee", "Skyscanner", "Applebee's", "a man called Dave", "solar panels", ""]
)
def test_claims_match_whole_words_only_and_unknown_claims_match_nothing(claimed: str) -> None:
    assert match(claimed) is None
    codes = reason_codes(check(FRANCE, CallContext(claimed=claimed)))
    assert not codes & {"claimed_organisation", "claimed_uk_organisation_from_abroad"}
    assert check(FRANCE, CallContext(claimed=claimed)).verdict.score == check(FRANCE).verdict.score


def test_bank_of_england_is_not_read_as_your_bank() -> None:
    result = check(LONDON, CallContext(claimed="Bank of England"))
    assert result.verdict.organisation is not None
    assert result.verdict.organisation.name == "Bank of England"
    assert "call_159" not in advice_codes(result)
    assert "call_back_on_trusted_number" in advice_codes(result)


def test_hmrc_calling_from_abroad_is_a_strong_sign_of_fraud() -> None:
    result = check(FRANCE, CallContext(claimed="HMRC"))
    codes = reason_codes(result)
    assert "claimed_uk_organisation_from_abroad" in codes
    assert "claimed_organisation" not in codes
    text = next(r.text for r in result.verdict.reasons if r.code.startswith("claimed"))
    assert "HMRC" in text and "France" in text
    assert result.verdict.level == "very_high"
    assert "report_fraud" in advice_codes(result)


def test_hmrc_calling_from_a_uk_number_still_needs_checking() -> None:
    result = check(LONDON, CallContext(claimed="HMRC"))
    codes = reason_codes(result)
    assert "claimed_organisation" in codes
    assert "claimed_uk_organisation_from_abroad" not in codes
    assert "call_back_on_trusted_number" in advice_codes(result)
    assert "call_159" not in advice_codes(result)


def test_a_claimed_bank_gets_the_159_advice() -> None:
    result = check(LONDON, CallContext(claimed="my bank"))
    advice = {a.code: a.text for a in result.verdict.advice}
    assert "159" in advice["call_159"]


def test_a_claim_from_a_withheld_number_is_not_called_from_abroad() -> None:
    codes = reason_codes(check("Withheld", CallContext(claimed="HMRC")))
    assert "claimed_organisation" in codes
    assert "claimed_uk_organisation_from_abroad" not in codes


# --- every text a person reads ---------------------------------------------------------

SAMPLES: list[tuple[str, CallContext | None, Settings | None]] = [
    (p.values[1], p.values[2], p.values[3]) for p in TRIGGERS
] + [
    (FRANCE, CallContext(claimed="Barclays", recorded_message=True), None),
    (LONDON, CallContext(claimed="the police"), None),
    ("+1 876 812 3456", CallContext(rang_seconds=1, times_called=4, similar_numbers=3), None),
    ("+44 7624 123456", None, None),
    ("+44 1534 456789", CallContext(expected_abroad=True, voicemail=True), None),
    ("Private number", CallContext(claimed="DWP", rang_seconds=3), None),
    ("0906 123 4567", CallContext(called_at=dt.time(23, 30)), None),
    ("+870 773 111 632", None, None),
    ("+882 1 3123 4567", None, None),
]


def _all_results() -> list[CheckResult]:
    return [check(text, context, settings=settings) for text, context, settings in SAMPLES]


def test_every_reason_and_advice_text_is_plain_filled_in_text() -> None:
    problems = []
    for result in _all_results():
        verdict = result.verdict
        problems += plain_text_problems(f"{result.input}: headline", verdict.headline)
        for r in verdict.reasons:
            problems += plain_text_problems(f"{result.input}: reason {r.code}", r.text)
        for a in verdict.advice:
            problems += plain_text_problems(f"{result.input}: advice {a.code}", a.text)
    assert not problems, "\n".join(problems)


def test_the_text_samples_reach_every_advice_code() -> None:
    seen = {code for result in _all_results() for code in advice_codes(result)}
    assert seen == ADVICE_CODES


def test_very_high_risk_advice_says_how_to_report_fraud_across_the_uk() -> None:
    advice = {a.code: a.text for a in check("+1 876 812 3456").verdict.advice}
    text = advice["report_fraud"]
    assert "Report Fraud" in text
    assert "reportfraud.police.uk" in text
    assert "0300 123 2040" in text
    assert "Police Scotland" in text and "101" in text


def test_high_risk_advice_explains_the_7726_text_flow() -> None:
    advice = {a.code: a.text for a in check("0906 123 4567").verdict.advice}
    assert "7726" in advice["report_7726"]
    assert "CALL" in advice["report_7726"]
    assert "bar_premium_international" in advice


def test_dont_call_back_comes_before_everything_else() -> None:
    for text in ("+234 803 123 4567", "0906 123 4567", "+881 6 3123 4567"):
        assert advice_codes(check(text))[0] == "dont_call_back"


def test_an_ordinary_uk_number_needs_no_action() -> None:
    assert advice_codes(check(UK_MOBILE)) == ["no_action_needed"]
    assert advice_codes(check("020 7123 4567")) == ["no_action_needed"]


def test_a_withheld_call_advises_voicemail_not_calling_back() -> None:
    advice = advice_codes(check("Withheld"))
    assert advice[0] == "let_it_go_to_voicemail"
    assert "dont_call_back" not in advice


@settings(max_examples=200, deadline=None)
@given(
    number=st.sampled_from(
        (FRANCE, LONDON, UK_MOBILE, KYRGYZ_MOBILE, "+1 876 812 3456", "0906 123 4567")
    ),
    rang=st.one_of(st.none(), st.floats(0, 3600, allow_nan=False)),
    times=st.one_of(st.none(), st.integers(1, 100_000)),
    one_ring=st.floats(0, 30, allow_nan=False),
    repeat=st.integers(1, 20),
)
def test_call_details_no_rule_acts_on_never_change_the_verdict(
    number: str, rang: float | None, times: int | None, one_ring: float, repeat: int
) -> None:
    # Triage judges each distinct set of details once, taking these as equal.
    rules = Settings(one_ring_seconds=one_ring, repeat_calls=repeat)
    told_rang, told_times = telling(rang, times, rules)
    given_all = check(number, CallContext(rang_seconds=rang, times_called=times), settings=rules)
    told = check(
        number, CallContext(rang_seconds=told_rang, times_called=told_times), settings=rules
    )
    assert told.verdict == given_all.verdict
    assert (told_rang is None) == (rang is None or rang > one_ring)
    assert (told_times is None) == (times is None or times < repeat)


@pytest.mark.parametrize("caller", ["Withheld", "Private", "Unknown", "No caller ID"])
def test_a_withheld_caller_gets_no_one_ring_or_repeated_calls_wording(caller: str) -> None:
    result = check(caller, CallContext(rang_seconds=2, times_called=5))
    found = {r.code for r in result.verdict.reasons}
    assert not found & {"one_ring", "repeated_attempts"}
    text = " ".join(r.text for r in result.verdict.reasons) + result.verdict.headline
    assert "call back" not in text.lower() and "rang you" not in text
