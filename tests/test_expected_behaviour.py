"""The "Expected behaviour" table of issue 2, row by row.

Each row: what the person typed (and told us about the call), the levels the verdict may
have, and the reasons and advice that must appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from contract import LEVELS, assert_matches_contract
from ringcheck import CallContext, NotAPhoneNumber, check

HIGH_OR_WORSE = ("high", "very_high")
CAUTION_OR_WORSE = ("caution", "high", "very_high")


@dataclass(frozen=True)
class Row:
    text: str
    levels: tuple[str, ...]
    reasons: frozenset[str] = frozenset()
    advice: frozenset[str] = frozenset()
    context: CallContext | None = None
    not_reasons: frozenset[str] = frozenset()
    number: dict[str, Any] = field(default_factory=dict)


def row(
    text: str,
    levels: tuple[str, ...] | str,
    reasons: str = "",
    advice: str = "",
    *,
    context: CallContext | None = None,
    not_reasons: str = "",
    number: dict[str, Any] | None = None,
    id: str,
) -> Any:
    levels = (levels,) if isinstance(levels, str) else levels
    spec = Row(
        text,
        levels,
        frozenset(reasons.split()),
        frozenset(advice.split()),
        context,
        frozenset(not_reasons.split()),
        number or {},
    )
    return pytest.param(spec, id=id)


ROWS = [
    row(
        "+234 803 123 4567",
        HIGH_OR_WORSE,
        "international",
        "dont_call_back",
        number={"domestic": False, "region": "NG"},
        id="nigeria",
    ),
    row(
        "+1 876 812 3456",
        "very_high",
        "international looks_domestic high_risk_destination",
        number={"domestic": False, "region": "JM"},
        id="jamaica-looks-like-us",
    ),
    row(
        "+1 212 736 5000",
        "high",
        "international",
        not_reasons="looks_domestic high_risk_destination",
        number={"domestic": False, "region": "US"},
        id="new-york",
    ),
    row(
        "+44 7400 123456",
        "low",
        "uk_mobile",
        number={"domestic": True, "region": "GB"},
        id="uk-mobile-plus44",
    ),
    row(
        "07400 123456",
        "low",
        "uk_mobile",
        number={"domestic": True, "region": "GB"},
        id="uk-mobile-national",
    ),
    row(
        "+44 7911 123456",
        "low",
        "crown_dependency",
        not_reasons="international",
        number={"domestic": True, "region": "GG"},
        id="guernsey-mobile",
    ),
    row("020 7123 4567", "low", "uk_landline", number={"domestic": True}, id="london-landline"),
    row("0906 123 4567", HIGH_OR_WORSE, "premium_rate", id="uk-premium-rate"),
    row("07012 345678", ("caution", "high"), "personal_number", id="uk-070-personal"),
    row("0871 123 4567", "caution", "service_number", id="uk-0871-service"),
    row("07700 900123", CAUTION_OR_WORSE, "fictional_number", id="drama-mobile"),
    row("020 7946 0123", CAUTION_OR_WORSE, "fictional_number", id="drama-london"),
    row(
        "+881 6 3123 4567",
        "very_high",
        "satellite_or_global_network",
        number={"domestic": False, "region": "001"},
        id="satellite",
    ),
    row(
        "+33 6 12 34 56 78",
        "very_high",
        "claimed_uk_organisation_from_abroad recorded_press_button",
        "dont_press_buttons",
        context=CallContext(claimed="HMRC", recorded_message=True),
        id="hmrc-recording-from-france",
    ),
    row(
        "+44 20 7123 4567",
        "caution",
        "claimed_organisation",
        "call_159",
        context=CallContext(claimed="Barclays"),
        not_reasons="claimed_uk_organisation_from_abroad",
        id="barclays-from-uk-number",
    ),
    row(
        "+225 07 1234 5678",
        "very_high",
        "one_ring",
        context=CallContext(rang_seconds=2),
        id="ivory-coast-one-ring",
    ),
    row(
        "+33 6 12 34 56 78",
        ("low", "caution"),
        "expected_contact voicemail_left",
        "verify_before_calling_back",
        context=CallContext(expected_abroad=True, voicemail=True),
        id="expected-call-from-france-with-voicemail",
    ),
    row("Withheld", LEVELS, "withheld", number={"withheld": True}, id="withheld"),
]


@pytest.mark.parametrize("spec", ROWS)
def test_expected_verdict_for_each_row_of_the_issue_table(spec: Row) -> None:
    result = check(spec.text, spec.context)
    verdict = result.verdict
    reasons = {r.code for r in verdict.reasons}
    advice = {a.code for a in verdict.advice}

    assert verdict.level in spec.levels, (verdict.level, verdict.score, sorted(reasons))
    assert spec.reasons <= reasons, f"missing reasons {sorted(spec.reasons - reasons)}"
    assert spec.advice <= advice, f"missing advice {sorted(spec.advice - advice)}"
    assert not spec.not_reasons & reasons, f"unexpected {sorted(spec.not_reasons & reasons)}"
    number = result.to_dict()["number"]
    for key, value in spec.number.items():
        assert number[key] == value, (key, number[key])


@pytest.mark.parametrize("spec", ROWS)
def test_every_row_of_the_issue_table_matches_the_result_contract(spec: Row) -> None:
    assert_matches_contract(check(spec.text, spec.context).to_dict(), spec.text)


NOT_NUMBERS = [
    pytest.param("hello", id="a-word"),
    pytest.param("", id="empty"),
    pytest.param("+44", id="country-code-only"),
    pytest.param("1" * 300, id="300-digits"),
    pytest.param("<html><body><p>Call us back!</p></body></html>", id="html-page"),
    pytest.param('<a href="tel:">Ring me</a>', id="html-link-without-number"),
    pytest.param("<script>alert(1)</script>", id="html-script"),
    pytest.param("<div>" * 300 + "+44 20 7123 4567", id="html-too-long"),
]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_text_that_is_not_a_phone_number_is_an_error_with_a_code_and_message(text: str) -> None:
    with pytest.raises(NotAPhoneNumber) as caught:
        check(text)
    error = caught.value
    assert error.code and error.code.isidentifier()
    assert error.message.strip()
    assert "Traceback" not in error.message
    assert error.to_dict() == {"code": error.code, "message": error.message}
