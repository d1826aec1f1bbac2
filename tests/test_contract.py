"""``check(...).to_dict()`` is exactly the result contract of DESIGN.md."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ringcheck
from contract import (
    ADVICE_CODES,
    CALLBACK_COST_KEYS,
    CONTEXT_EXTRA_KEYS,
    CONTEXT_KEYS,
    COST_BANDS,
    DATA_VERSION,
    LEVELS,
    LINE_TYPES,
    NUMBER_EXTRA_KEYS,
    NUMBER_KEYS,
    REASON_CODES,
    TOP_KEYS,
    VERDICT_KEYS,
    WRITTEN_AS,
    assert_matches_contract,
    contract_problems,
)
from ringcheck import CallContext, check, tables

FULL_CONTEXT = CallContext(
    claimed="HMRC",
    rang_seconds=3,
    voicemail=False,
    expected_abroad=False,
    recorded_message=True,
    times_called=4,
    similar_numbers=2,
    called_at=dt.time(23, 15),
)

INPUTS = [
    ("+234 803 123 4567", None, "GB"),
    ("+1 876 812 3456", None, "GB"),
    ("+1 212 736 5000", None, "US"),
    ("+44 7400 123456", None, "GB"),
    ("+44 7911 123456", None, "GB"),
    ("020 7123 4567", FULL_CONTEXT, "GB"),
    ("0906 123 4567", None, "GB"),
    ("07012 345678", None, "GB"),
    ("0871 123 4567", None, "GB"),
    ("07640 123456", None, "GB"),
    ("0800 123 4567", None, "GB"),
    ("0300 123 2040", None, "GB"),
    ("0551 234 5678", None, "GB"),
    ("0561 234 5678", None, "GB"),
    ("118 118", None, "GB"),
    ("159", None, "GB"),
    ("07700 900123", None, "GB"),
    ("07400 12345", None, "GB"),
    ("+881 6 3123 4567", FULL_CONTEXT, "GB"),
    ("+882 1 3123 4567", None, "GB"),
    ("+979 1 2345 6789", None, "GB"),
    ("+800 1234 5678", None, "GB"),
    ("Withheld", FULL_CONTEXT, "GB"),
    ("011 33 6 12 34 56 78", None, "US"),
    ("+33 6 12 34 56 78", CallContext(expected_abroad=True, voicemail=True), "FR"),
]
IDS = [f"{text}-{home}" for text, _, home in INPUTS]


@pytest.fixture(scope="module")
def results() -> list[dict[str, object]]:
    return [check(text, context, home=home).to_dict() for text, context, home in INPUTS]


@pytest.mark.parametrize(("text", "context", "home"), INPUTS, ids=IDS)
def test_every_result_matches_the_contract(
    text: str, context: CallContext | None, home: str
) -> None:
    assert_matches_contract(check(text, context, home=home).to_dict(), text)


def test_results_have_exactly_the_keys_of_the_contract(results: list[dict[str, object]]) -> None:
    for result in results:
        assert set(result) == TOP_KEYS
        number, verdict, context = result["number"], result["verdict"], result["context"]
        assert isinstance(number, dict) and isinstance(verdict, dict)
        assert isinstance(context, dict)
        assert set(number) == NUMBER_KEYS | NUMBER_EXTRA_KEYS
        assert set(number["callback_cost"]) == CALLBACK_COST_KEYS
        assert set(verdict) == VERDICT_KEYS
        assert set(context) == CONTEXT_KEYS | CONTEXT_EXTRA_KEYS
        assert all(set(r) == {"code", "points", "text"} for r in verdict["reasons"])
        assert all(set(a) == {"code", "text"} for a in verdict["advice"])


def test_the_design_example_number_block_is_reproduced() -> None:
    number = check("+234 803 123 4567").to_dict()["number"]
    assert {key: number[key] for key in NUMBER_KEYS - {"callback_cost"}} == {
        "e164": "+2348031234567",
        "international_format": "+234 803 123 4567",
        "national_format": "0803 123 4567",
        "country_code": 234,
        "region": "NG",
        "country": "Nigeria",
        "location": "Nigeria",
        "line_type": "mobile",
        "carrier": "MTN",
        "valid": True,
        "domestic": False,
        "written_as": "plus",
    }
    assert number["callback_cost"]["band"].startswith("international")


def test_the_context_block_echoes_what_the_person_said() -> None:
    context = check("+44 20 7123 4567", FULL_CONTEXT).to_dict()["context"]
    assert context == {
        "claimed": "HMRC",
        "rang_seconds": 3,
        "voicemail": False,
        "expected_abroad": False,
        "recorded_message": True,
        "times_called": 4,
        "similar_numbers": 2,
        "called_at": "23:15",
        "voicemail_number": None,
    }
    empty = check("+44 20 7123 4567").to_dict()["context"]
    assert set(empty.values()) == {None}


def test_enums_stay_within_the_design_lists(results: list[dict[str, object]]) -> None:
    for result in results:
        number, verdict = result["number"], result["verdict"]
        assert isinstance(number, dict) and isinstance(verdict, dict)
        assert number["line_type"] in LINE_TYPES
        assert number["callback_cost"]["band"] in COST_BANDS
        assert number["written_as"] in WRITTEN_AS | {None}
        assert verdict["level"] in LEVELS
        assert {r["code"] for r in verdict["reasons"]} <= REASON_CODES
        assert {a["code"] for a in verdict["advice"]} <= ADVICE_CODES


def test_the_data_tables_only_use_design_enums() -> None:
    data = tables()
    assert set(data.points) <= REASON_CODES
    assert set(data.wording.reason) <= REASON_CODES
    assert set(data.wording.advice) == ADVICE_CODES
    assert set(data.wording.cost) == COST_BANDS
    assert {row.line_type for row in data.uk_ranges.values()} <= LINE_TYPES
    assert {row.cost_band for row in data.uk_ranges.values()} <= COST_BANDS
    assert {row.reason for row in data.uk_ranges.values()} <= REASON_CODES | {None}
    assert {row.cost_band for row in data.networks.values()} <= COST_BANDS


def test_results_are_json_serialisable_and_survive_a_round_trip(
    results: list[dict[str, object]],
) -> None:
    for result in results:
        assert json.loads(json.dumps(result)) == result
        assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_every_result_carries_the_data_version_of_the_manifest(
    results: list[dict[str, object]],
) -> None:
    assert tables().version == DATA_VERSION
    assert {result["data_version"] for result in results} == {DATA_VERSION}


def test_the_input_is_returned_exactly_as_typed() -> None:
    text = "  Missed call from ＋４４ ２０ ７１２３ ４５６７ "
    assert check(text).to_dict()["input"] == text


def test_the_validator_notices_a_broken_result() -> None:
    good = check("+234 803 123 4567").to_dict()
    assert contract_problems(good) == []
    renamed = {**good, "number": {**good["number"], "line": good["number"]["line_type"]}}
    del renamed["number"]["line_type"]
    assert contract_problems(renamed)
    bad_level = {**good, "verdict": {**good["verdict"], "level": "safe"}}
    assert contract_problems(bad_level)
    wrong_band = {**good, "verdict": {**good["verdict"], "score": 10}}
    assert contract_problems(wrong_band)
    placeholder = {**good, "verdict": {**good["verdict"], "headline": "Call from {country}."}}
    assert contract_problems(placeholder)


INTENDED_EXPORTS = [
    "LEVELS",
    "SETTINGS",
    "Advice",
    "BadContext",
    "CallContext",
    "CallbackCost",
    "CheckResult",
    "ConfigError",
    "NotAPhoneNumber",
    "NumberInfo",
    "Reason",
    "RingcheckError",
    "Settings",
    "Tables",
    "Verdict",
    "check",
    "load_settings",
    "lookup",
    "parse_number",
    "tables",
]


def test_the_public_api_exports_exactly_the_intended_names() -> None:
    assert sorted(ringcheck.__all__) == sorted(INTENDED_EXPORTS)
    assert len(set(ringcheck.__all__)) == len(ringcheck.__all__)
    for name in ringcheck.__all__:
        assert getattr(ringcheck, name) is not None
