"""Call-back costs and line types tell the truth for every country, not only the UK.

Numbers are sampled from phonenumbers' own metadata (its example number of every region
and line type), so each rule is checked on every country that has such a range, not on a
hand-picked list.
"""

from __future__ import annotations

from functools import cache

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringcheck import CallContext, check, phonemeta, tables

UK_AND_CROWN = frozenset({"GB", "GG", "JE", "IM"})
# Words that belong to the UK's own ranges only.
UK_ONLY_LABELS = ("084", "087", "070", "(03)", "(055)", "118")


@cache
def examples(kind: int) -> tuple[tuple[str, str], ...]:
    """(region, E.164) of phonenumbers' example number of ``kind`` in every region but
    the UK and its Crown Dependencies (the UK's own table decides those)."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS - UK_AND_CROWN):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is not None:
            found.append((region, phonenumbers.format_number(number, PhoneNumberFormat.E164)))
    return tuple(found)


def label(line_type: str) -> str:
    return tables().wording.line_type.get(line_type, line_type)


def codes(result: object) -> set[str]:
    return {r.code for r in result.verdict.reasons}  # type: ignore[attr-defined]


def test_the_samples_cover_many_countries() -> None:
    assert len(examples(PhoneNumberType.PREMIUM_RATE)) > 100
    assert len(examples(PhoneNumberType.SHARED_COST)) > 30
    assert len(examples(PhoneNumberType.TOLL_FREE)) > 100


def test_every_premium_rate_range_abroad_costs_premium_and_says_so() -> None:
    problems = []
    for region, number in examples(PhoneNumberType.PREMIUM_RATE):
        result = check(number, home="GB")
        band = result.number.callback_cost.band
        if band != "international_premium" or "premium_rate" not in codes(result):
            problems.append(f"{region} {number}: {band}, {sorted(codes(result))}")
    assert not problems, problems[:10]


def test_every_shared_cost_range_abroad_costs_more_and_says_so() -> None:
    problems = []
    for region, number in examples(PhoneNumberType.SHARED_COST):
        result = check(number, home="GB")
        band = result.number.callback_cost.band
        if band != "international_shared_cost" or "service_charge" not in codes(result):
            problems.append(f"{region} {number}: {band}, {sorted(codes(result))}")
    assert not problems, problems[:10]


@pytest.mark.parametrize(
    ("kind", "band", "reason"),
    [
        (PhoneNumberType.PREMIUM_RATE, "premium", "premium_rate"),
        (PhoneNumberType.SHARED_COST, "service", "service_charge"),
    ],
)
def test_costly_ranges_at_home_cost_more_than_a_normal_call(
    kind: int, band: str, reason: str
) -> None:
    problems = []
    for region, number in examples(kind):
        try:
            result = check(number, home=region)
        except phonenumbers.NumberParseException:  # pragma: no cover
            continue
        found = result.number.callback_cost.band
        row = result.number.foreign_range
        wanted = row.cost_band if row is not None else band
        if not result.number.domestic:
            continue  # a home whose code is shared and not its own (+1 territories)
        if found != wanted or (row is None and reason not in codes(result)):
            problems.append(f"home {region} {number}: {found}, {sorted(codes(result))}")
    assert not problems, problems[:10]


def test_ranges_abroad_never_get_the_uk_ranges_labels() -> None:
    problems = []
    for kind in vars(PhoneNumberType).values():
        if not isinstance(kind, int):
            continue
        for region, number in examples(kind):
            words = label(check(number, home="GB").number.line_type)
            if any(uk in words for uk in UK_ONLY_LABELS):
                problems.append(f"{region} {number}: {words}")
    assert not problems, problems[:10]


def test_a_home_countrys_own_toll_free_numbers_are_free_and_never_make_a_scam_money() -> None:
    money = tables().wording.advice["dont_call_back"]
    problems = []
    for region, number in examples(PhoneNumberType.TOLL_FREE):
        result = check(number, CallContext(rang_seconds=2), home=region)
        if not result.number.domestic or result.number.foreign_range is not None:
            continue
        texts = [a.text for a in result.verdict.advice]
        if result.number.callback_cost.band != "free" or money in texts:
            problems.append(f"home {region} {number}: {result.number.callback_cost.band}")
    assert not problems, problems[:10]


@pytest.mark.parametrize("number", ["0800 123 4567", "116 123", "101", "111", "08081 570123"])
def test_uk_free_numbers_never_say_calling_back_makes_a_scam_money(number: str) -> None:
    money = tables().wording.advice["dont_call_back"]
    for context in (None, CallContext(rang_seconds=2, called_at=None, times_called=5)):
        result = check(number, context)
        assert result.number.callback_cost.band == "free", number
        assert money not in [a.text for a in result.verdict.advice], number


def test_101_and_111_are_free_from_the_uk_table() -> None:
    data = tables()
    for short in ("101", "111"):
        row = data.uk_ranges[short]
        assert row.cost_band == "free" and row.source


def test_a_withheld_caller_has_no_call_back_line_that_says_not_to_call_back() -> None:
    for text in ("Withheld", "Private number", "No Caller ID", "-1"):
        cost = check(text).number.callback_cost
        assert "call back" not in cost.text.lower().replace("no number to call back", "")
        assert "don't" not in cost.text.lower()


def test_an_unknown_cost_never_comes_with_nothing_to_do() -> None:
    problems = []
    numbers = [f"{n}" for n in range(100, 1000)]  # every 3-digit short code at a UK home
    for text in numbers:
        try:
            result = check(text)
        except Exception:  # not a number at all
            continue
        advice = {a.code for a in result.verdict.advice}
        if result.number.callback_cost.band == "unknown" and "no_action_needed" in advice:
            problems.append(text)
    assert not problems, problems[:10]


def test_uk_ranges_that_are_not_landlines_or_mobiles_are_never_from_a_crown_dependency() -> None:
    problems = []
    for region in ("GG", "JE", "IM"):
        for kind in vars(PhoneNumberType).values():
            if not isinstance(kind, int):
                continue
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            if phonenumbers.region_code_for_number(number) != region:
                continue  # phonenumbers itself places its example elsewhere
            info = check(phonenumbers.format_number(number, PhoneNumberFormat.E164)).number
            own = info.line_type in ("fixed_line", "mobile", "fixed_line_or_mobile")
            if (info.region in ("GG", "JE", "IM")) != own:
                problems.append(f"{region} {info.e164}: {info.region} {info.line_type}")
    assert not problems, problems


def test_numbers_of_uk_wide_ranges_are_the_uks_wherever_phonenumbers_places_them() -> None:
    """098 premium, 070, 076, 084/087…: phonenumbers places some blocks in Guernsey,
    Jersey or the Isle of Man; only landlines and mobiles belong to a place."""
    problems, seen = [], 0
    for national, row in tables().uk_ranges.items():
        if not national.startswith("0") or row.line_type in ("fixed_line", "mobile"):
            continue
        for block in range(1000):
            nsn = (national[1:] + f"{block:03d}").ljust(10, "5")[:10]
            if tables().uk_ranges.longest("0" + nsn) is not row:
                continue  # a longer row says more (07624 inside 076)
            number = phonenumbers.parse(f"+44{nsn}")
            if phonenumbers.region_code_for_number(number) not in ("GG", "JE", "IM"):
                continue
            seen += 1
            info = check(f"+44{nsn}").number
            if info.region != "GB" or info.country != "United Kingdom":
                problems.append(f"+44{nsn}: {info.region} {info.line_type}")
    assert seen, "phonenumbers no longer places any such number in a Crown Dependency"
    assert not problems, problems[:10]


def test_crown_dependency_landlines_get_no_sentence_about_mobiles() -> None:
    for region in ("GG", "JE", "IM"):
        number = phonenumbers.example_number_for_type(region, PhoneNumberType.FIXED_LINE)
        result = check(phonenumbers.format_number(number, PhoneNumberFormat.E164))
        assert result.number.region == region
        texts = [result.verdict.headline, *(r.text for r in result.verdict.reasons)]
        assert not any("mobile" in t for t in texts), texts
        assert result.number.callback_cost.band == "normal"


def test_a_crown_dependency_mobiles_carrier_and_cost_band_agree() -> None:
    """Every mobile range with a network name that phonenumbers places in a Crown
    Dependency is priced as one (outside a plan's minutes), and named as one."""
    problems = []
    for prefix in phonemeta._carriers():
        if not prefix.startswith("447"):
            continue
        number = "+" + prefix + "0" * (12 - len(prefix))
        result = check(number)
        info = result.number
        if not info.valid or info.carrier is None:
            continue
        crown = info.region in ("GG", "JE", "IM")
        if crown != (info.callback_cost.band == "outside_plan") or crown != (
            "crown_dependency" in codes(result)
        ):
            problems.append(f"{number}: {info.region} {info.carrier} {info.callback_cost.band}")
    assert not problems, problems[:10]


@pytest.mark.parametrize("row", sorted(tables().foreign_ranges), ids=str)
def test_each_german_range_gets_its_own_cost_fact_from_any_home(row: str) -> None:
    found = tables().foreign_ranges[row]
    assert found.source
    code = "49"
    national = found.national
    digits = national.lstrip("0")
    filler = {"0900": "1234567", "0137": "1234567", "0180": "1234567", "0700": "12345678"}
    number = f"+{code}{digits}{filler.get(national, '1234567')}"
    if found.line_type == "short_code":
        results = [check(national.lstrip("0"), home="DE")]
    else:
        results = [check(number, home=home) for home in ("GB", "US", "DE")]
        results.append(check("0" + number[3:], home="DE"))
    for result in results:
        info = result.number
        assert info.foreign_range == found, info.e164
        assert found.cost_note in info.callback_cost.text
        assert not any(uk in label(info.line_type) for uk in UK_ONLY_LABELS)
        assert "service number" not in " ".join(r.text for r in result.verdict.reasons)


def test_german_0900_costs_premium_at_home_and_from_abroad() -> None:
    assert check("0900 1 234567", home="DE").number.callback_cost.band == "premium"
    assert check("+49 900 1 234567").number.callback_cost.band == "international_premium"


def test_every_region_has_an_english_name_and_every_global_code_a_network_row() -> None:
    names = phonemeta.country_names()
    missing = sorted(phonenumbers.SUPPORTED_REGIONS - set(names))
    assert not missing
    data = tables()
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        if regions == ("001",):
            assert data.networks.longest(str(code)) is not None, code


def test_no_sentence_names_a_country_international_network() -> None:
    problems = []
    for region, number in examples(PhoneNumberType.MOBILE):
        result = check(number)
        texts = " ".join(r.text for r in result.verdict.reasons)
        if "International network" in texts or result.number.country in (None, ""):
            problems.append(f"{region} {number}: {result.number.country}")
    assert not problems, problems[:10]
    assert check("+383 44 123 456").number.country == "Kosovo"


def test_global_codes_are_described_as_networks_never_as_places() -> None:
    data = tables()
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        if phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code] != ("001",):
            continue
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is None:
            continue
        result = check(phonenumbers.format_number(example, PhoneNumberFormat.E164))
        network = result.number.network
        assert network is not None and network.phrase, code
        international = [r.text for r in result.verdict.reasons if r.code == "international"]
        assert international == [
            data.wording.reason["international"].format(country=network.phrase)
        ], code


def test_names_that_take_the_read_right_in_a_sentence() -> None:
    result = check("+1 649 231 1234")
    texts = " ".join(r.text for r in result.verdict.reasons)
    assert "the Turks and Caicos Islands" in texts
    assert "The Turks and Caicos Islands is" not in texts
    for text in (r.text for r in result.verdict.reasons):
        assert text[0].isupper(), text
