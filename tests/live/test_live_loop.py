"""The closed loop, end to end on 127.0.0.1: a one-ring campaign played by SIPp through
Kamailio (contrib/kamailio/ringcheck.cfg) is seen in the proxy's accounting records,
which Kamailio posts to ``ringcheck serve``'s events API; the server's live detector
publishes the campaign, ``ringcheck kamailio push`` puts it in the proxy's table, and the
proxy (its shipped default mode) refuses the campaign's next calls. Legitimate
traffic runs beside it the whole time and is never refused; a subscriber calling a
campaign number back gets ``callback_action``; with ringcheck stopped, calls go through.

Real ``kamailio`` and ``sipp`` binaries, a real ``ringcheck serve``. Skipped without the
binaries, except when ``CI=true``: CI must run it. Times are printed (benchmarks/live.py
measures them against the goals); the assertions are about which calls were refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from kamailio_lab import Calls, LabParts, lab, place_calls, require
from traffic import (
    CALLBACK_ACTION,
    CAMPAIGN_CALLS,
    CAMPAIGN_RANGE,
    answered_calls,
    call_centre_calls,
    campaign_calls,
    flash_calls,
    play,
)


@pytest.fixture(scope="module", autouse=True)
def _require_binaries() -> None:
    require()  # skipped without kamailio and sipp, failed if CI=true


class Played:
    def __init__(self, parts: LabParts, before: dict[str, object], groups: dict[str, Calls]):
        # before: each caller's action from the static data alone
        self.parts, self.before, self.groups = parts, before, groups
        self.rang = parts.callee.offered()
        self.callbacks: Calls | None = None
        self.stopped: Calls | None = None


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    home = tmp_path_factory.mktemp("loop")
    settings = {"callback_action": CALLBACK_ACTION}
    with lab(home, callee="ringing_callee.xml", settings=settings, pushing=True) as parts:
        assert parts.ringcheck is not None
        port = parts.proxy.trunk_port
        plan = {
            "campaign": (campaign_calls(), 20, "one_ring.xml"),
            "answered": (answered_calls(60, 21), 3, "caller.xml"),
            "call_centre": (call_centre_calls(80), 4, "caller.xml"),
            "flash": (flash_calls(100, 22), 5, "one_ring.xml"),
        }
        # what the static data alone answers, before any call
        before = {
            c[0]: parts.ringcheck.ask(c[0])["action"]
            for calls, _, _ in plan.values()
            for c in calls
        }
        groups = play(home, port, plan)
        result = Played(parts, before, groups)
        numbers = sorted({c.caller for c in groups["campaign"].of("blocked")})[:2]
        back = [("+447400910001", n) for n in numbers] + [("+447400910002", "+33612345678")]
        result.callbacks = place_calls(home, parts.proxy.subscriber_port, back, name="callback")
        result.rang = parts.callee.offered()
        parts.ringcheck.stop()
        result.stopped = place_calls(home, port, answered_calls(20, 23), rate=10, name="stopped")
        _print_figures(result)
        yield result


def _print_figures(played: Played) -> None:
    campaign = played.groups["campaign"]
    starts = [c.started_ms for c in campaign.by_id.values()]
    blocked = campaign.of("blocked")
    if starts and blocked:
        first = min(c.ended_ms or 0 for c in blocked)
        rung = sum(1 for i in campaign.by_id if i in played.rang)
        print(
            f"\nfirst block {(first - min(starts)) / 1000:.1f} s after the campaign's first "
            f"INVITE; {rung} of {len(starts)} campaign calls rang, {len(blocked)} refused"
        )


def test_no_caller_is_blocked_by_the_static_data_alone(played: Played) -> None:
    assert "block" not in played.before.values()
    assert {played.before[c[0]] for c in campaign_calls(10)} == {"warn"}


def test_the_campaign_is_refused_while_it_runs(played: Played) -> None:
    campaign = played.groups["campaign"]
    assert len(campaign.by_id) == CAMPAIGN_CALLS, campaign.errors
    blocked = campaign.of("blocked")
    assert blocked, campaign.errors
    first = min(c.ended_ms or 0 for c in blocked)
    for call_id, call in campaign.by_id.items():
        if call.outcome == "blocked":
            assert call_id not in played.rang
            assert "cause=608" in call.reason and "ringcheck:" in call.reason
        # once refused, every call the campaign starts after that is refused too, unless
        # its lookup failed (fail open: it reached the callee marked unknown)
        if call.started_ms > first and call.outcome != "blocked":
            assert played.rang.get(call_id, "").startswith("unknown;"), call
    # blocked before it ended: most of it never rang
    assert len(blocked) > CAMPAIGN_CALLS // 2


def test_no_legitimate_call_is_refused(played: Played) -> None:
    for name in ("answered", "call_centre"):
        calls = played.groups[name]
        assert calls.by_id and calls.of("answered") == list(calls.by_id.values()), (
            name,
            calls.errors,
        )
    flash = played.groups["flash"]
    assert flash.by_id and flash.of("cancelled") == list(flash.by_id.values()), flash.errors
    for calls in played.groups.values():
        assert all(c.caller.startswith(CAMPAIGN_RANGE) for c in calls.of("blocked"))


def test_a_call_back_to_a_campaign_number_gets_the_callback_action(played: Played) -> None:
    assert played.callbacks is not None
    calls = list(played.callbacks.by_id.values())
    assert len(calls) == 3, played.callbacks.errors
    for call in calls:
        if call.dialled.startswith(CAMPAIGN_RANGE):
            assert call.outcome == "blocked", call  # callback_action = block
        else:
            assert call.outcome == "answered", call


def test_calls_go_through_when_ringcheck_is_stopped(played: Played) -> None:
    assert played.stopped is not None
    calls = list(played.stopped.by_id.values())
    assert len(calls) == 20 and all(c.outcome == "answered" for c in calls), played.stopped.errors


def test_the_campaign_was_published_from_the_proxy_s_records(played: Played) -> None:
    records = [r for r in played.parts.proxy.accounting() if r["method"] == "INVITE"]
    refused = [r for r in records if r["sip_code"] == "608" and r["direction"] == "in"]
    assert refused and all(r["caller"].startswith(CAMPAIGN_RANGE) for r in refused)
    # every post was taken (refused connections once ringcheck was stopped aside)
    log = Path(played.parts.proxy.log).read_text(errors="replace")
    assert not re.search(r"not posted \(rc=[1-9][0-9][0-9]\)", log)
