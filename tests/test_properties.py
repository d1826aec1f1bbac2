"""Property tests: whatever text a person pastes, ``check()`` answers with a result that
matches the contract or with the one documented error, and the way a number is written
(separators, digit scripts, +44 / 0044 / 0) never changes which number it is."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from contract import assert_matches_contract
from ringcheck import NotAPhoneNumber, check

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

HOMES = ("GB", "US", "CA", "FR", "DE", "IN", "NG", "AU", "JE", "IM")
# Separators people (and phones, and web pages) put between digits.
SEPARATORS = (
    " ",
    "  ",
    "-",
    ".",
    "(",
    ")",
    "\t",
    "\u00a0",  # no-break space
    "\u2009",  # thin space
    "\u202f",  # narrow no-break space
    "\u2010",  # hyphen
    "\u2011",  # non-breaking hyphen
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2212",  # minus sign
)
# Zero of each script whose digits people paste: ASCII, full-width, Arabic-Indic, Persian,
# Devanagari, Bengali.
DIGIT_ZEROS = ("0", "\uff10", "\u0660", "\u06f0", "\u0966", "\u09e6")
PREFIXES = ("", "+", "00", "011", "0", "+44 ", "+44 (0)", "tel:", "tel:+", "(", "++", "+ ")
AROUND = ("", "Missed call from ", "Call ", "☎ ", "<b>", "Number: ")
AFTER = ("", " at 10:42", ";ext=12", " ext. 4", "!", ")", "</b>", " (mobile)")


def outcome(text: str, home: str = "GB") -> tuple[object, ...]:
    """What a person learns about the text: the number and its kind, or the error code."""
    try:
        result = check(text, home=home)
    except NotAPhoneNumber as exc:
        return ("error", exc.code)
    n = result.number
    return (n.e164, n.national_format if n.e164 is None else None, n.written_as, n.line_type)


def in_script(digits: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in digits)


@st.composite
def separated(draw: st.DrawFn, digits: str) -> str:
    """``digits`` with random separators between them (never before the first)."""
    parts = [digits[0]]
    for digit in digits[1:]:
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(SEPARATORS)))
        parts.append(digit)
    return "".join(parts)


digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=18)


@st.composite
def number_like(draw: st.DrawFn) -> str:
    """Text that looks like a pasted phone number, in any form, script and surrounding."""
    digits = draw(digit_strings)
    body = draw(separated(digits))
    zero = draw(st.sampled_from(DIGIT_ZEROS))
    body = "".join(in_script(ch, zero) if ch.isdigit() else ch for ch in body)
    prefix = draw(st.sampled_from(PREFIXES))
    return draw(st.sampled_from(AROUND)) + prefix + body + draw(st.sampled_from(AFTER))


def check_matches_contract_or_raises_not_a_phone_number(text: str, home: str) -> None:
    try:
        result = check(text, home=home)
    except NotAPhoneNumber as exc:
        assert exc.code and exc.message.strip()
        assert "Traceback" not in exc.message
        return
    assert_matches_contract(result.to_dict(), text)


@PROPERTY_SETTINGS
@given(st.text(), st.sampled_from(HOMES))
@example("", "GB")
@example("Withheld", "GB")
@example("\x00", "GB")
@example("+" * 2000, "GB")
def test_any_text_gets_a_contract_result_or_not_a_phone_number(text: str, home: str) -> None:
    check_matches_contract_or_raises_not_a_phone_number(text, home)


@PROPERTY_SETTINGS
@given(number_like(), st.sampled_from(HOMES))
@example("+44 (0)20 7123 4567", "GB")
@example("011 33 6 12 34 56 78", "US")
@example("118 118", "GB")
def test_number_like_text_gets_a_contract_result_or_not_a_phone_number(
    text: str, home: str
) -> None:
    check_matches_contract_or_raises_not_a_phone_number(text, home)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(("", "+", "00", "0", "+44 ", "0044 ")),
    digit_strings,
    st.data(),
)
def test_separators_between_digits_do_not_change_the_number(
    prefix: str, digits: str, data: st.DataObject
) -> None:
    plain = prefix + digits
    spaced = prefix + data.draw(separated(digits))
    padded = data.draw(st.sampled_from(("", " ", "  ", "\t", "\u00a0"))) + spaced + " "
    assert outcome(spaced) == outcome(plain)
    assert outcome(padded) == outcome(plain)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(("+", "00", "0", "")),
    digit_strings,
    st.sampled_from(DIGIT_ZEROS[1:]),
)
def test_unicode_digits_read_the_same_as_ascii_digits(prefix: str, digits: str, zero: str) -> None:
    assert outcome(prefix + in_script(digits, zero)) == outcome(prefix + digits)


uk_national_numbers = st.text(alphabet="0123456789", min_size=6, max_size=12).filter(
    lambda s: not s.startswith("0")
)


@PROPERTY_SETTINGS
@given(uk_national_numbers)
@example("2071234567")
@example("7400123456")
@example("7911123456")
@example("9061234567")
def test_plus44_0044_and_trunk_zero_give_the_same_number(nsn: str) -> None:
    forms = [f"+44 {nsn}", f"0044 {nsn}", f"0{nsn}"]
    e164s = {check(text).number.e164 for text in forms}
    assert e164s == {f"+44{nsn}"}
    results = [check(text) for text in forms]
    assert len({(r.number.line_type, r.number.valid, r.verdict.score) for r in results}) == 1


@PROPERTY_SETTINGS
@given(uk_national_numbers)
def test_a_trunk_zero_after_plus44_is_dropped_for_a_valid_number(nsn: str) -> None:
    plain = check(f"+44 {nsn}").number
    if plain.valid:
        assert check(f"+44 (0){nsn}").number.e164 == plain.e164
        assert check(f"+44 0 {nsn}").number.e164 == plain.e164


@PROPERTY_SETTINGS
@given(st.sampled_from(AROUND), st.sampled_from(("+44 20 7123 4567", "0906 123 4567")))
def test_words_around_a_number_do_not_change_it(before: str, number: str) -> None:
    assert outcome(f"{before}{number}") == outcome(number)
