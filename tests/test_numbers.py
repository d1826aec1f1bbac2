"""Reading numbers: every written form people paste, UK ranges, Crown Dependencies,
drama ranges, withheld caller IDs and the errors a person sees."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest

from contract import read_csv
from ringcheck import NotAPhoneNumber, check, parse_number

LONDON = "+442071234567"
FRENCH_MOBILE = "+33612345678"
NIGERIAN_MOBILE = "+2348031234567"


def param(*values: object, id: str) -> Any:
    return pytest.param(*values, id=id)


# --- written forms ---------------------------------------------------------------------

FORMS = [
    # text, home, e164, written_as
    param("+33 6 12 34 56 78", "GB", FRENCH_MOBILE, "plus", id="plus"),
    param("+33612345678", "GB", FRENCH_MOBILE, "plus", id="plus-no-spaces"),
    param("0033 6 12 34 56 78", "GB", FRENCH_MOBILE, "idd", id="00"),
    param("00 234 803 123 4567", "GB", NIGERIAN_MOBILE, "idd", id="00-spaced"),
    param("011 33 6 12 34 56 78", "US", FRENCH_MOBILE, "idd", id="011-from-us"),
    param("01133612345678", "CA", FRENCH_MOBILE, "idd", id="011-from-canada"),
    param("011 44 20 7123 4567", "US", LONDON, "idd", id="011-uk-from-us"),
    param("020 7123 4567", "GB", LONDON, "national", id="national"),
    param("02071234567", "GB", LONDON, "national", id="national-no-spaces"),
    param("0207 123 4567", "GB", LONDON, "national", id="national-old-grouping"),
    param("+44 (0)20 7123 4567", "GB", LONDON, "plus", id="plus44-bracket-zero"),
    param("+44(0)2071234567", "GB", LONDON, "plus", id="plus44-bracket-zero-tight"),
    param("+44 0 20 7123 4567", "GB", LONDON, "plus", id="plus44-space-zero"),
    param("0044 (0) 20 7123 4567", "GB", LONDON, "idd", id="0044-bracket-zero"),
    param("(020) 7123 4567", "GB", LONDON, "national", id="brackets"),
    param("(+44) 20 7123 4567", "GB", LONDON, "plus", id="bracketed-plus44"),
    param("020.7123.4567", "GB", LONDON, "national", id="dots"),
    param("020-7123-4567", "GB", LONDON, "national", id="dashes"),
    param("+1 (876) 812-3456", "GB", "+18768123456", "plus", id="us-style"),
    param("+1.876.812.3456", "GB", "+18768123456", "plus", id="us-style-dots"),
    param("+44\u201320\u20137123\u20134567", "GB", LONDON, "plus", id="en-dashes"),
    param("020\u20147123\u20144567", "GB", LONDON, "national", id="em-dashes"),
    param("020\u22127123\u22124567", "GB", LONDON, "national", id="minus-signs"),
    param("020\u20117123\u20114567", "GB", LONDON, "national", id="non-breaking-hyphens"),
    param("+44\u00a020\u00a07123\u00a04567", "GB", LONDON, "plus", id="non-breaking-spaces"),
    param("+44\u202f20\u20097123 4567", "GB", LONDON, "plus", id="thin-spaces"),
    param("\t+44 20 7123 4567\n", "GB", LONDON, "plus", id="tab-and-newline"),
    param("tel:+44-20-7123-4567", "GB", LONDON, "plus", id="tel-uri"),
    param("tel:+44-20-7123-4567;ext=123", "GB", LONDON, "plus", id="tel-uri-ext"),
    param("tel:020-7123-4567;phone-context=+44", "GB", LONDON, "national", id="tel-context"),
    param("tel:+1-876-812-3456", "GB", "+18768123456", "plus", id="tel-uri-caribbean"),
    param("＋４４ ２０ ７１２３ ４５６７", "GB", LONDON, "plus", id="full-width"),
    param("０２０ ７１２３ ４５６７", "GB", LONDON, "national", id="full-width-national"),
    param("+٤٤ ٢٠ ٧١٢٣ ٤٥٦٧", "GB", LONDON, "plus", id="arabic-indic"),
    param("+۴۴ ۲۰ ۷۱۲۳ ۴۵۶۷", "GB", LONDON, "plus", id="persian"),
    param("+४४ २० ७१२३ ४५६७", "GB", LONDON, "plus", id="devanagari"),
    param("০২০ ৭১২৩ ৪৫৬৭", "GB", LONDON, "national", id="bengali"),
    param("+44 20 ७१२३ 4567", "GB", LONDON, "plus", id="mixed-scripts"),
    param("Missed call from +234 803 123 4567", "GB", NIGERIAN_MOBILE, "plus", id="text-before"),
    param("Missed call from +234 803 123 4567 at 10:42", "GB", NIGERIAN_MOBILE, "plus", id="text"),
    param("Call +44 20 7123 4567 now!!!", "GB", LONDON, "plus", id="text-both-sides"),
    param("+44 20 7123 4567 ext. 12", "GB", LONDON, "plus", id="extension-words"),
    param("442071234567", "GB", LONDON, "bare", id="bare-e164-uk"),
    param("2348031234567", "GB", NIGERIAN_MOBILE, "bare", id="bare-e164-nigeria"),
    param("33612345678", "GB", FRENCH_MOBILE, "bare", id="bare-e164-france"),
    param("2071234567", "GB", LONDON, "bare", id="bare-uk-without-trunk-zero"),
    param("+1 212 736 5000", "US", "+12127365000", "plus", id="us-home-plus"),
    param("1 212 736 5000", "US", "+12127365000", "national", id="us-home-trunk-one"),
    param("(212) 736-5000", "US", "+12127365000", "bare", id="us-home-local"),
]


@pytest.mark.parametrize(("text", "home", "e164", "written_as"), FORMS)
def test_every_written_form_reads_as_the_same_number(
    text: str, home: str, e164: str, written_as: str
) -> None:
    number = check(text, home=home).number
    assert (number.e164, number.written_as) == (e164, written_as)
    assert number.valid


@pytest.mark.parametrize("home", ["GB", "gb", " GB "])
def test_011_is_not_an_international_prefix_for_a_uk_user(home: str) -> None:
    number = check("011 33 6 12 34 56 78", home=home).number
    assert number.written_as != "idd"
    assert number.e164 != FRENCH_MOBILE
    assert number.country_code == 44


def test_the_written_as_values_are_the_four_of_the_contract() -> None:
    seen = {
        check(text, home=home).number.written_as
        for text, home in [
            ("+44 20 7123 4567", "GB"),
            ("0044 20 7123 4567", "GB"),
            ("020 7123 4567", "GB"),
            ("442071234567", "GB"),
        ]
    }
    assert seen == {"plus", "idd", "national", "bare"}


def test_parse_number_and_check_read_a_number_the_same_way() -> None:
    assert parse_number("+44 (0)20 7123 4567") == check("+44 (0)20 7123 4567").number


def test_tel_uri_with_a_global_phone_context_prefix_is_read_in_full() -> None:
    number = check("tel:7123-4567;phone-context=+44-20").number
    assert number.e164 == LONDON


@pytest.mark.parametrize("text", ["+0 20 7123 4567", "+01 212 736 5000"])
def test_a_plus_followed_by_zero_is_not_a_country_code(text: str) -> None:
    with pytest.raises(NotAPhoneNumber) as caught:
        check(text)
    assert caught.value.code == "unknown_country_code"


# --- UK ranges refined by ringcheck's own table ----------------------------------------

UK_RANGES = [
    # text, line_type, cost band, reason (or None)
    param("0844 123 4567", "service", "service", "service_number", id="084-service"),
    param("0870 123 4567", "service", "service", "service_number", id="087-service"),
    param("0871 123 4567", "service", "service", "service_number", id="0871-service"),
    param("0873 123 4567", "service", "service", "service_number", id="0873-service"),
    param("118 118", "directory_enquiries", "premium", "directory_enquiries", id="118-118"),
    param("118118", "directory_enquiries", "premium", "directory_enquiries", id="118118"),
    param("118 500", "directory_enquiries", "premium", "directory_enquiries", id="118-500"),
    param("0300 123 2040", "non_geographic", "normal", None, id="03-non-geographic"),
    param("0345 123 4567", "non_geographic", "normal", None, id="034-non-geographic"),
    param("07012 345678", "personal", "outside_plan", "personal_number", id="070-personal"),
    param("07640 123456", "pager", "outside_plan", "pager", id="076-pager"),
    param("0800 123 4567", "freephone", "free", None, id="080-freephone"),
    param("0808 123 4567", "freephone", "free", None, id="0808-freephone"),
    param("116 123", "freephone", "free", None, id="116-helpline"),
    param("0906 123 4567", "premium_rate", "premium", "premium_rate", id="090-premium"),
    param("0911 123 4567", "premium_rate", "premium", "premium_rate", id="091-premium"),
    param("0982 123 4567", "premium_rate", "premium", "premium_rate", id="098-premium"),
    param("0551 234 5678", "corporate", "normal", None, id="055-corporate"),
    param("0561 234 5678", "voip", "normal", None, id="056-voip"),
    param("07400 123456", "mobile", "normal", "uk_mobile", id="074-mobile"),
    param("020 7123 4567", "fixed_line", "normal", "uk_landline", id="020-landline"),
    param("0118 123 4567", "fixed_line", "normal", "uk_landline", id="0118-is-reading"),
]


@pytest.mark.parametrize(("text", "line_type", "band", "reason"), UK_RANGES)
def test_uk_ranges_get_the_line_type_and_cost_of_the_numbering_plan(
    text: str, line_type: str, band: str, reason: str | None
) -> None:
    result = check(text)
    assert result.number.line_type == line_type
    assert result.number.callback_cost.band == band
    assert result.number.domestic
    if reason is not None:
        assert result.verdict.has(reason)
    assert not result.verdict.has("not_in_service")


def test_the_isle_of_man_mobile_range_07624_is_a_mobile_not_a_pager() -> None:
    result = check("07624 123456")
    assert result.number.line_type == "mobile"
    assert result.number.region == "IM"
    assert result.number.domestic
    assert not result.verdict.has("pager")
    assert result.verdict.has("crown_dependency")


# --- Crown Dependencies ----------------------------------------------------------------

CROWN_NUMBERS = [
    param("+44 7911 123456", "GG", id="guernsey-mobile-7911"),
    param("+44 7781 123456", "GG", id="guernsey-mobile-7781"),
    param("+44 7624 123456", "IM", id="isle-of-man-mobile"),
    param("07624 123456", "IM", id="isle-of-man-mobile-national"),
]
# phonenumbers' own example numbers, where phonenumbers itself places them in GG, JE or IM
# (its IM mobile example, +44 7924…, is placed in GB because GB's patterns match first).
for _region in ("GG", "JE", "IM"):
    for _kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        _example = phonenumbers.example_number_for_type(_region, _kind)
        if phonenumbers.region_code_for_number(_example) == _region:
            _text = phonenumbers.format_number(
                _example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            CROWN_NUMBERS.append(param(_text, _region, id=f"{_region}-example-{_text}"))


@pytest.mark.parametrize(("text", "region"), CROWN_NUMBERS)
def test_crown_dependency_numbers_are_domestic_with_their_own_region(
    text: str, region: str
) -> None:
    result = check(text)
    assert result.number.region == region
    assert result.number.domestic
    assert result.number.country_code == 44
    assert result.verdict.has("crown_dependency")
    assert not result.verdict.has("international")
    assert result.verdict.level == "low"


def test_a_jersey_landline_is_domestic_when_phonenumbers_says_it_is_valid() -> None:
    parsed = phonenumbers.parse("+44 1534 123456")
    if not phonenumbers.is_valid_number(parsed):
        pytest.skip("phonenumbers does not list +44 1534 123456 as a valid Jersey number")
    result = check("+44 1534 123456")
    assert result.number.region == phonenumbers.region_code_for_number(parsed) == "JE"
    assert result.number.domestic
    assert result.verdict.has("crown_dependency")


def test_a_uk_number_checked_from_abroad_is_international() -> None:
    result = check("+44 7911 123456", home="US")
    assert not result.number.domestic
    assert result.verdict.has("international")


# --- Ofcom drama ranges ----------------------------------------------------------------

DRAMA = read_csv("drama_ranges.csv")
# Ofcom's ranges; NANP's 555-01xx (with "x" for any area code) is tested with the +1 rules.
UK_DRAMA = [row for row in DRAMA if row["code"] == "44"]


def _national(number: int, width: int) -> str:
    """A UK national number with its leading 0, from the digits after +44."""
    return "0" + str(number).zfill(width)


def _inside(row: dict[str, str]) -> list[str]:
    first, last = int(row["first"]), int(row["last"])
    width = len(row["first"])
    return [_national(n, width) for n in (first, (first + last) // 2, last)]


def _outside(row: dict[str, str]) -> list[str]:
    width = len(row["first"])
    return [_national(int(row["first"]) - 1, width), _national(int(row["last"]) + 1, width)]


def test_the_drama_table_lists_every_ofcom_range_of_domain_md() -> None:
    assert len(UK_DRAMA) == 20
    for row in UK_DRAMA:
        assert row["first"].isdigit() and len(row["first"]) == len(row["last"])
        assert int(row["last"]) - int(row["first"]) == 999


@pytest.mark.parametrize(
    "national", [n for row in UK_DRAMA for n in _inside(row)], ids=lambda n: f"inside-{n}"
)
def test_a_number_inside_a_drama_range_is_fictional(national: str) -> None:
    for text in (national, "+44" + national[1:]):
        result = check(text)
        assert result.verdict.has("fictional_number"), text
        assert not result.verdict.has("uk_mobile") and not result.verdict.has("uk_landline")
        assert result.verdict.level != "low"


@pytest.mark.parametrize(
    "national", [n for row in UK_DRAMA for n in _outside(row)], ids=lambda n: f"outside-{n}"
)
def test_a_number_just_outside_a_drama_range_is_not_fictional(national: str) -> None:
    assert not check(national).verdict.has("fictional_number")


# --- withheld caller IDs ---------------------------------------------------------------

WITHHELD = [
    "Withheld",
    "Private number",
    "Private",
    "PRIVATE",
    "Unknown",
    "unknown caller",
    "No Caller ID",
    "No caller id",
    "Anonymous",
    "Number withheld",
    "Restricted",
    "  Withheld  ",
    "-1",
    "-2",
    "-3",
]


@pytest.mark.parametrize("text", WITHHELD)
def test_a_withheld_caller_id_is_a_result_not_an_error(text: str) -> None:
    result = check(text)
    assert result.number.withheld
    assert result.number.e164 is None
    assert result.verdict.has("withheld")
    assert "let_it_go_to_voicemail" in [a.code for a in result.verdict.advice]


def test_a_number_after_a_withheld_word_is_still_read() -> None:
    number = check("Withheld 07400 123456").number
    assert number.e164 == "+447400123456"
    assert not number.withheld


# --- errors ----------------------------------------------------------------------------

ERRORS = [
    # text, home, code
    param("", "GB", "empty", id="empty"),
    param("   ", "GB", "empty", id="only-spaces"),
    param("hello", "GB", "no_number", id="word"),
    param("+", "GB", "no_number", id="plus-alone"),
    param("<p>call me</p>", "GB", "no_number", id="html"),
    param("12345", "GB", "too_short", id="five-digits"),
    param("+44 20", "GB", "too_short", id="plus44-and-area-code"),
    param("1" * 300, "GB", "too_long", id="300-digits"),
    param("+44 " + "2" * 16, "GB", "too_long", id="18-digits"),
    param("x" * 1001, "GB", "too_long", id="1001-characters"),
    param("+44", "GB", "country_code_only", id="plus44"),
    param("0044", "GB", "country_code_only", id="0044"),
    param("+234", "GB", "country_code_only", id="plus234"),
    param("+999 123 4567", "GB", "unknown_country_code", id="plus999"),
    param("+80 1234567", "GB", "unknown_country_code", id="plus801"),
    param("+44 20 7123 4567", "XX", "bad_home_region", id="home-XX"),
    param("+44 20 7123 4567", "UK", "bad_home_region", id="home-UK"),
    param("+44 20 7123 4567", "", "bad_home_region", id="home-empty"),
]


@pytest.mark.parametrize(("text", "home", "code"), ERRORS)
def test_each_error_has_a_stable_code_and_a_message_a_person_understands(
    text: str, home: str, code: str
) -> None:
    with pytest.raises(NotAPhoneNumber) as caught:
        check(text, home=home)
    error = caught.value
    assert error.code == code
    assert isinstance(error, ValueError)
    assert error.message.strip() and str(error) == error.message
    for leak in ("Traceback", 'File "', "Error:", "Exception", "assert", "\n"):
        assert leak not in error.message


def test_every_documented_error_code_is_reachable() -> None:
    documented = {"empty", "no_number", "too_short", "too_long", "country_code_only"}
    documented |= {"unknown_country_code", "bad_home_region"}
    assert {p.values[2] for p in ERRORS} == documented
