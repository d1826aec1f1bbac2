"""The machine verdict phone systems act on (``ringcheck.lookup``): one view of check()."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringcheck import check
from ringcheck.errors import ConfigError
from ringcheck.lookup import ACTIONS, CATEGORIES, caller_id, lookup, says_scam, score9
from ringcheck.risk import LEVELS, level_for
from ringcheck.settings import Settings

BANDS = {"low": range(0, 3), "caution": range(3, 5), "high": range(5, 7), "very_high": range(7, 10)}


@given(st.integers(0, 100), st.integers(0, 100))
def test_score9_grows_with_the_score_and_stays_in_its_level_band(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert score9(low) <= score9(high)
    assert score9(a) in BANDS[level_for(a)]


ABROAD = ["234", "225", "33", "49", "881", "882", "91", "86"]


def random_numbers(count: int, seed: int = 5) -> list[str]:
    r = random.Random(seed)
    makers = [
        lambda: f"+447{r.randint(100_000_000, 999_999_999)}",
        lambda: (
            f"+44{r.choice(['20', '161', '113', '90', '87', '70', '76'])}{r.randint(10**6, 10**8)}"
        ),
        lambda: f"+1{r.randint(200, 999)}{r.randint(2_000_000, 9_999_999)}",
        lambda: f"+{r.choice(ABROAD)}{r.randint(10**6, 10**10)}",
        lambda: f"0{r.randint(10**8, 10**10)}",
        lambda: r.choice(["Withheld", "Private", "", "abc", "+", "12"]),
    ]
    return [r.choice(makers)() for _ in range(count)]


def test_each_lookup_is_a_view_of_check() -> None:
    for text in random_numbers(3000):
        found = lookup(text)
        assert found.action in ACTIONS and found.category in CATEGORIES
        assert found.label().isascii() and 0 < len(found.label()) <= 15
        for chars in (1, 8, 40):
            assert len(found.label(chars)) <= chars
        if found.result is None:
            assert (found.action, found.category, found.score9) == ("unknown", "unreadable", 0)
            continue
        result = check(caller_id(text))
        assert found.level == result.verdict.level and found.score == result.verdict.score
        assert found.reasons == tuple(r.code for r in result.verdict.reasons)
        if result.number.withheld:
            assert found.action == "unknown"
        else:
            want = {"very_high": "block", "high": "warn", "caution": "warn", "low": "allow"}
            assert found.action == want[result.verdict.level]
            assert found.label().startswith("SPAM") == says_scam(found.level, found.category)


def test_the_action_thresholds_are_settings() -> None:
    assert lookup("+33612345678").action == "warn"  # high
    strict = Settings(lookup_block_at="high", lookup_warn_at="high")
    assert lookup("+33612345678", settings=strict).action == "block"
    assert lookup("+447400123", settings=strict).action == "allow"  # caution
    with pytest.raises(ConfigError):
        Settings().updated({"lookup_block_at": "sometimes"}, "test")


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        (" 447700900123", "+447700900123"),  # '+' arrived as a space
        ("447400123456", "+447400123456"),  # bare international
        ("07400123456", "07400123456"),  # national: left for check()
        ("2079460000", "2079460000"),  # a national number without its 0: not international
        ("+44 20 7946 0000\r\n", "+44 20 7946 0000"),
        ("1234", "1234"),  # an extension
    ],
)
def test_caller_ids_as_phone_systems_send_them(sent: str, read: str) -> None:
    assert caller_id(sent) == read


def test_categories_name_the_main_trouble() -> None:
    assert lookup("+2348031234567").category == "wangiri"
    assert lookup("09098765432").category == "premium_callback"
    assert lookup("+447400123").category == "fake_caller_id"
    assert lookup("Withheld").category == "withheld"
    assert lookup("+33612345678").category == "international"
    assert lookup("+447400123456").category == "none"
    assert LEVELS  # the levels lookups map from are the checker's
