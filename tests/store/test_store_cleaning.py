"""Comments are shown without other phone numbers or e-mail addresses; the reported
number itself may stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringcheck.store.checks import EMAIL_REMOVED, NUMBER_REMOVED, clean_comment

NUMBER = "+442079460000"
DIGIT_RUN = re.compile(r"\d(?:[\s().\-]*\d){6,}")
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("call 07700 900123 now", f"call {NUMBER_REMOVED} now"),
        ("ring +1 (876) 812-3456!", f"ring {NUMBER_REMOVED}!"),
        ("mail scam@example.co.uk", f"mail {EMAIL_REMOVED}"),
        ("it was 020 7946 0000 itself", "it was 020 7946 0000 itself"),
        ("it was +44 20 7946 0000", "it was +44 20 7946 0000"),
        ("0044 20 7946 0001 rang", f"{NUMBER_REMOVED} rang"),
        ("１２３４５６７８ wide digits", f"{NUMBER_REMOVED} wide digits"),
        ("cost £12.50 at 10:30", "cost £12.50 at 10:30"),
    ],
)
def test_other_numbers_and_emails_are_replaced(text, shown):
    assert clean_comment(text, NUMBER) == shown


def test_a_foreign_number_written_nationally_is_recognised_as_itself():
    assert clean_comment("0803 123 4567 rang", "+2348031234567") == "0803 123 4567 rang"


PIECES = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\+?[0-9][0-9 ()\-.]{6,16}[0-9]", fullmatch=True),
    st.emails(),
    st.sampled_from(["020 7946 0000", "+442079460000", "\n", " ", "@", "."]),
)


@given(st.lists(PIECES, max_size=8).map("".join))
def test_cleaned_comments_hold_no_email_and_no_other_number(text):
    cleaned = clean_comment(text, NUMBER)
    assert not EMAIL.search(cleaned)
    for run in DIGIT_RUN.findall(cleaned):
        assert clean_comment(run, NUMBER) == run  # only the reported number survives
    assert clean_comment(cleaned, NUMBER) == cleaned
