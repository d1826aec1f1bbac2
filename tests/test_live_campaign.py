"""A caller inside a published live campaign: one reason, ``live_campaign``, with what
the detector saw in words; ``lookup`` answers ``block`` and every adapter says the same."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from contract import assert_matches_contract, result_contradictions
from ringcheck.campaign import evidence
from ringcheck.checker import check
from ringcheck.datatables import tables
from ringcheck.lookup import callback_action, lookup
from ringcheck.phones import blocklists as blocklist
from ringcheck.phones.agi import Agi, commands
from ringcheck.settings import Settings

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
CALLER = "+33612345677"


def campaign(key: str = "+336123456xx", **changes: object) -> SimpleNamespace:
    seen = {
        "id": 7,
        "key": key,
        "subscribers": 412,
        "ring_low": 1.2,
        "ring_high": 2.0,
        "callbacks": 0,
        "first_seen": NOW - dt.timedelta(minutes=6),
        "last_seen": NOW,
        "updated_at": NOW,
        "status": "active",
    }
    return SimpleNamespace(**{**seen, **changes})


def test_a_caller_in_a_campaign_is_blocked_with_the_evidence_in_words() -> None:
    plain = lookup(CALLER, now=NOW)
    assert plain.action == "warn"  # from abroad, nothing else known: the static verdict
    found = lookup(CALLER, campaign=campaign(), now=NOW)
    assert (found.action, found.category, found.label()) == ("block", "wangiri", "SPAM Wangiri")
    assert found.reasons[0] == "live_campaign"
    assert found.result is not None
    text = found.result.verdict.reasons[0].text
    assert "numbers starting +336123456 rang 412 people for 1–2 seconds each" in text
    assert "in the last 6 minutes" in text


def test_the_result_with_a_campaign_keeps_the_contract() -> None:
    result = check(CALLER, campaign=campaign(CALLER), now=NOW).to_dict()
    assert_matches_contract(result)
    assert result_contradictions(result) == []
    assert "this number rang 412 people" in result["verdict"]["reasons"][0]["text"]
    assert result["verdict"]["advice"][0]["code"] == "dont_call_back"


def test_a_number_you_trust_is_not_blocked_by_a_campaign() -> None:
    settings = Settings(trusted=(CALLER,))
    assert lookup(CALLER, settings=settings, campaign=campaign(), now=NOW).action != "block"


def test_the_evidence_says_one_person_no_ring_time_and_call_backs_plainly() -> None:
    data = tables()
    one = evidence(campaign(subscribers=1, ring_low=None, ring_high=None), NOW, data)
    assert one == "numbers starting +336123456 rang 1 person in the last 6 minutes"
    backs = evidence(campaign(CALLER, subscribers=2_500, callbacks=3), NOW, data)
    assert backs == (
        "this number rang 2,500 people for 1–2 seconds each in the last 6 minutes, "
        "and 3 called back"
    )


def test_a_call_back_gets_the_callback_action_setting_only_for_a_campaign_number() -> None:
    found = lookup(CALLER, campaign=campaign(), now=NOW)
    assert callback_action(found, Settings()) == "warn"
    assert callback_action(found, Settings(callback_action="block")) == "block"
    assert callback_action(lookup(CALLER, now=NOW), Settings(callback_action="allow")) == "warn"


def test_agi_sets_block_for_a_campaign_caller() -> None:
    agi = Agi(Settings(), campaigns=lambda e164: campaign() if e164 == CALLER else None)
    found = agi.judge({"callerid": CALLER})
    assert found.action == "block"
    assert 'SET VARIABLE RINGCHECK_ACTION "block"\n' in commands(found, True)
    assert agi.judge({"callerid": "+33612345777"}).action == "warn"


def test_the_block_list_lists_a_campaign_range_first_and_a_number_once() -> None:
    running = [campaign(), campaign("+22890123456", id=8)]
    found = blocklist.build(Settings(), campaigns=running, level="high")
    first = found.entries[0]
    assert (first.kind, first.e164, first.level, first.label) == (
        "range",
        "+336123456",
        "very_high",
        "SPAM Wangiri",
    )
    assert "rang 412 people" in first.note
    numbers = [e for e in found.entries if e.e164 == "+22890123456"]
    assert len(numbers) == 1 and numbers[0].kind == "number"


def test_an_expected_call_from_a_campaign_number_still_says_dont_call_back() -> None:
    from ringcheck.risk import CallContext

    told = CallContext(expected_abroad=True, voicemail=True)
    result = check(CALLER, told, campaign=campaign(), now=NOW).to_dict()
    assert result_contradictions(result) == []
    assert "scam campaign" in result["verdict"]["headline"]
    codes = [a["code"] for a in result["verdict"]["advice"]]
    assert codes[0] == "dont_call_back" and "verify_before_calling_back" not in codes
