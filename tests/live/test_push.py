"""The push mode end to end on 127.0.0.1: a campaign published in ringcheck's store is
pushed into Kamailio's ``verdicts`` table by ``ringcheck kamailio push`` and its calls
are refused by the proxy (-A PUSH) without a question per call; the block list's ranges
too; released, the campaign's calls ring again.

Real ``kamailio`` and ``sipp`` binaries, a real ``ringcheck serve`` (for its store and
to say what the lookup would answer) and a real pusher process. Skipped without the
binaries, except when ``CI=true``: CI must run it. Waits are bounded; the time a change
took to reach Kamailio is printed, not asserted.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kamailio_lab import LabParts, Pusher, free_port, lab, place_calls, pushed, require

CAMPAIGN = "+8801712345xxx"  # a range the static data answers warn, not block
CAMPAIGN_CALLERS = ("+8801712345600", "+8801712345987")
LISTED = "+18768123456"  # in a curated range of the block list (+1876)
PASSING = ("+447400123456", "+33612345678", "+8801712346600")  # the last: next to the range
SUBSCRIBER = "+447400123456"
WAIT_SECONDS = 30.0


@pytest.fixture(scope="module", autouse=True)
def _require_binaries() -> None:
    require()  # skipped without kamailio and sipp, failed if CI=true


def _until(what: Callable[[], bool], message: str) -> float:
    """Seconds until ``what()`` held (at most WAIT_SECONDS, else the test fails)."""
    start = time.monotonic()
    while not what():
        if time.monotonic() - start > WAIT_SECONDS:
            pytest.fail(message)
        time.sleep(0.05)
    return time.monotonic() - start


class Pushing:
    def __init__(self, parts: LabParts, port: int, home: Path) -> None:
        self.parts, self.port, self.home = parts, port, home

    def store(self):  # type: ignore[no-untyped-def]
        from ringcheck.settings import Settings
        from ringcheck.store import Store

        assert self.parts.ringcheck is not None
        return Store.open(Settings(database_url=self.parts.ringcheck.database_url))


@pytest.fixture(scope="module")
def pushing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushing]:
    home = tmp_path_factory.mktemp("push")
    port = free_port(socket.SOCK_STREAM)
    settings = {"callback_action": "block"}
    with lab(home, "PUSH", f"PUSH_LISTEN=tcp:127.0.0.1:{port}", settings=settings) as parts:
        assert parts.ringcheck is not None
        pusher = Pusher(parts.ringcheck, port)
        try:
            _until(lambda: pushed(port, "+1876*") is not None, "the block list was not pushed")
            yield Pushing(parts, port, home)
        finally:
            pusher.stop()


def _publish(pushing: Pushing) -> int:
    from ringcheck.store.running import Sighting

    now = dt.datetime.now(dt.UTC)
    seen = Sighting(
        key=CAMPAIGN,
        level="very_high",
        score=90,
        reasons=(("live_campaign", "rang 40 subscribers for 1-2 s"),),
        subscribers=40,
        calls=40,
        first_seen=now - dt.timedelta(seconds=30),
        last_seen=now,
        ring_low=1.0,
        ring_high=2.0,
    )
    with pushing.store() as store:
        return store.publish_campaign(seen, quiet=dt.timedelta(minutes=30)).id


def test_a_published_campaign_is_refused_by_the_proxy(pushing: Pushing) -> None:
    ringcheck = pushing.parts.ringcheck
    assert ringcheck is not None
    assert all(ringcheck.ask(c)["action"] == "warn" for c in CAMPAIGN_CALLERS)  # not yet
    campaign = _publish(pushing)
    took = _until(lambda: pushed(pushing.port, CAMPAIGN) is not None, "the campaign not pushed")
    print(f"published campaign in Kamailio after {took:.2f} s")
    callers = (*CAMPAIGN_CALLERS, LISTED, *PASSING)
    calls = [(caller, f"+4474009002{i:02d}") for i, caller in enumerate(callers)]
    placed = place_calls(pushing.home, pushing.parts.proxy.trunk_port, calls, name="pushed")
    rang = pushing.parts.callee.offered()
    assert len(placed.by_id) == len(calls), placed.errors
    for call_id, call in placed.by_id.items():
        if call.caller in PASSING:
            assert call.outcome == "answered", (call, placed.errors)
            assert rang[call_id].startswith("unknown;")
        else:
            assert call.outcome == "blocked", (call, placed.errors)
            assert call_id not in rang
            assert "cause=608" in call.reason and 'text="ringcheck: SPAM"' in call.reason
    # what the lookup answers agrees (once serve's next poll of the store, within 1 s)
    _until(
        lambda: all(ringcheck.ask(c)["action"] == "block" for c in CAMPAIGN_CALLERS),
        "the lookup does not block the campaign",
    )

    # a subscriber calling a campaign number back gets callback_action (block here)
    back = [(SUBSCRIBER, CAMPAIGN_CALLERS[0])]
    placed = place_calls(pushing.home, pushing.parts.proxy.subscriber_port, back, name="back")
    assert [c.outcome for c in placed.by_id.values()] == ["blocked"], placed.errors

    # released by an analyst: it leaves the table, and its calls ring again
    with pushing.store() as store:
        store.set_campaign_status(campaign, "false_alarm", actor="test", reason="a test")
    took = _until(lambda: pushed(pushing.port, CAMPAIGN) is None, "the campaign not removed")
    print(f"released campaign gone from Kamailio after {took:.2f} s")
    again = [(CAMPAIGN_CALLERS[0], "+447400900299")]
    placed = place_calls(pushing.home, pushing.parts.proxy.trunk_port, again, name="released")
    assert [c.outcome for c in placed.by_id.values()] == ["answered"], placed.errors


def test_the_rpc_port_takes_only_the_verdicts_table(pushing: Pushing) -> None:
    import json
    import urllib.error
    import urllib.request

    def status(method: str, params: list[str]) -> int:
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1})
        request = urllib.request.Request(
            f"http://127.0.0.1:{pushing.port}/RPC",
            body.encode(),
            {"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status("core.version", []) == 403
    assert status("htable.sets", ["ringcheck", "down", "1"]) == 403  # the breaker's table
    assert status("htable.sets", ["verdicts", "+447400900777", "block"]) == 200
    assert pushed(pushing.port, "+447400900777") == "block"
    assert status("htable.delete", ["verdicts", "+447400900777"]) == 200
