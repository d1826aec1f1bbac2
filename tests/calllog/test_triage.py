"""Triage: the log's story reaches the core rules; ranking, grouping and the JSON shape."""

from __future__ import annotations

import gc
import json

import pytest

from ringcheck.calllog import read_log, triage
from ringcheck.calllog.summary import summary_line
from ringcheck.risk import LEVELS
from ringcheck.settings import Settings


def codes(entry):
    return {r["code"] for r in entry["verdict"]["reasons"]}


def by_e164(result):
    return {n["e164"]: n for n in result.numbers}


def test_json_has_exactly_the_promised_shape(run, sample):
    result = run(sample("generic.csv"))
    payload = json.loads(json.dumps(result.to_dict()))
    assert set(payload) == {"summary", "numbers", "unreadable_rows"}
    entry = payload["numbers"][0]
    assert {"e164", "calls", "missed", "first_seen", "last_seen", "verdict"} <= set(entry)
    assert set(entry["verdict"]) == {"level", "score", "headline", "reasons", "advice"}
    assert {"country", "line_type", "flag", "withheld"} <= set(entry)
    assert payload["unreadable_rows"][0].keys() == {"line", "why"}


def test_near_identical_numbers_at_night_that_rang_once_are_a_rotating_campaign(run, sample):
    numbers = by_e164(run(sample("generic.csv")))
    jamaica = numbers["+18768123456"]
    assert {"rotating_numbers", "odd_hours", "one_ring"} <= codes(jamaica)
    assert jamaica["similar_numbers"] == 2
    assert jamaica["verdict"]["level"] == "very_high"


def test_the_same_number_ringing_again_and_again_is_repeated_attempts(run, sample):
    premium = by_e164(run(sample("generic.csv")))["+449061234567"]
    assert premium["calls"] == 3 and premium["missed"] == 3
    assert "repeated_attempts" in codes(premium)
    assert "odd_hours" not in codes(premium)


def test_the_night_hours_are_the_users_settings():
    header = b"Date,Time,Caller ID,Direction,Status,Ring time\n"
    log = read_log(header + b"2024-03-01,22:30,+33 6 12 34 56 78,Incoming,Missed,20\n")
    france = by_e164(triage(log, settings=Settings()))["+33612345678"]
    assert "odd_hours" not in codes(france)
    late = by_e164(triage(log, settings=Settings(night_start=22)))["+33612345678"]
    assert "odd_hours" in codes(late)
    assert "between 10pm and 7am" in " ".join(r["text"] for r in late["verdict"]["reasons"])


def test_withheld_callers_are_one_entry(run, sample):
    result = run(sample("generic.csv"))
    hidden = [n for n in result.numbers if n["withheld"]]
    assert len(hidden) == 1
    assert hidden[0]["calls"] == 2 and hidden[0]["e164"] is None
    assert "withheld" in codes(hidden[0])


def test_answered_and_called_back_are_counted_apart_from_missed(run, sample):
    landline = by_e164(run(sample("generic.csv")))["+442079460123"]
    assert landline["calls"] == 1 and landline["missed"] == 0 and landline["answered"] == 1
    assert landline["called_back"] == 1


def test_text_that_is_no_number_is_an_unreadable_row_with_its_line(run, sample):
    result = run(sample("generic.csv"))
    lines = {u.line: u.why for u in result.unreadable}
    assert 9 in lines and 13 in lines
    assert result.summary["unreadable_rows"] == len(result.unreadable)


def test_ranking_is_level_first_then_calls(run, sample):
    result = run(sample("generic.csv"))
    keys = [(-LEVELS.index(n["verdict"]["level"]), -n["calls"]) for n in result.numbers]
    assert keys == sorted(keys)


def test_two_spellings_of_one_number_are_one_caller(run):
    data = b"number,time\n07400 123456,2024-03-01 10:00\n+447400123456,2024-03-01 11:00\n"
    result = run(data)
    assert len(result.numbers) == 1 and result.numbers[0]["calls"] == 2


def test_numbers_far_apart_in_time_are_not_a_rotating_run(run):
    data = b"number,time\n+18768123456,2024-03-01 10:00\n+18768123457,2024-03-09 10:00\n"
    assert all("rotating_numbers" not in codes(n) for n in run(data).numbers)


def test_android_log_gives_missed_calls_from_a_rotating_jamaican_range(run, sample):
    result = run(sample("android_calls.xml"))
    jamaica = by_e164(result)["+18768123456"]
    assert "rotating_numbers" in codes(jamaica)
    assert jamaica["called_back"] == 1
    assert "called 1 of them back" in result.summary["text"]


def test_fritzbox_log_triaged_with_a_german_home(run, sample):
    result = run(sample("fritzbox_de_7col.csv"), home="DE")
    ivory = by_e164(result)["+225071234567"]
    assert ivory["calls"] == 2 and "odd_hours" in codes(ivory)
    assert by_e164(result)["+493012345678"]["verdict"]["level"] == "low"


def test_summary_sentence_reads_plainly():
    assert summary_line(12, 12, 5, 3, 0) == (
        "12 missed calls from 5 countries; 3 numbers look like scams; don't call them back."
    )
    assert "1 number looks like a scam; don't call it back." in summary_line(1, 1, 1, 1, 0)
    assert summary_line(0, 0, 0, 0, 0).startswith("There are no calls")
    assert "none of the numbers" in summary_line(4, 0, 1, 0, 0)
    assert summary_line(3, 3, 1, 1, 0, careful=2) == (
        "3 missed calls from 1 country; 1 number looks like a scam; don't call it back. "
        "2 more numbers need care: don't call back unless you were expecting a call."
    )


def test_the_summary_calls_scams_only_what_the_verdicts_call_scams(run):
    # Ordinary landlines abroad: high because unexpected, but nothing says scam.
    data = b"number,time,status\n+33142685300,2024-03-01 10:00,missed\n"
    data += b"+4930123456,2024-03-02 10:00,missed\n+18768123456,2024-03-03 10:00,missed\n"
    result = run(data)
    assert result.summary["scam_numbers"] == 1
    assert "1 number looks like a scam" in result.summary["text"]
    assert "2 more numbers need care" in result.summary["text"]
    assert {n["e164"]: n["category"] for n in result.numbers} == {
        "+18768123456": "wangiri",
        "+33142685300": "international",
        "+4930123456": "international",
    }


def test_a_log_of_only_outgoing_calls_has_nothing_to_rank(run):
    result = run(b"number,direction\n+18768123456,outgoing\n")
    assert result.numbers == [] and result.summary["calls"] == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_triage_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    log = read_log(b"number,time\n+2348031234567,2024-03-01 02:10\n+447700900123,\n")
    was = gc.isenabled()
    gc.freeze()  # objects someone else froze (a pre-forking server does this)
    frozen = gc.get_freeze_count()
    try:
        if not enabled:
            gc.disable()
        triage(log, settings=Settings())
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


def test_triage_freezes_nothing_for_good() -> None:
    log = read_log(b"number,time\n+2348031234567,2024-03-01 02:10\n")
    assert gc.get_freeze_count() == 0
    triage(log, settings=Settings())
    assert gc.get_freeze_count() == 0
