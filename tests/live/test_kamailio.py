"""Kamailio with contrib/kamailio/ringcheck.cfg, end to end on 127.0.0.1: real
``kamailio`` and ``sipp`` binaries, a real ``ringcheck serve``.

What each call should get is what ringcheck's lookup answers for it (asked directly),
so the tests follow the data rather than a list of expected numbers. The calls go
through both ways of deciding: the shipped default (ringcheck's verdict worked out
inside Kamailio, app_python3) and ``-A HTTP_LOOKUP`` (each call asked over HTTP); both
must give the lookup's answers. Without the binaries these tests are skipped, except
when ``CI=true``: CI must run them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kamailio_lab import (
    Calls,
    HangingServer,
    LabParts,
    free_port,
    lab,
    place_calls,
    push,
    pushed,
    require,
)

# Callers from other networks: curated high-risk destinations (a satellite network, a
# Caribbean area code), UK numbers, numbers from abroad, and no number at all; some
# written as switches send them (an escaped +, an international 00 prefix).
CALLERS = (
    "+8816212345678",
    "+18768123456",
    "+447400123456",
    "%2B442071838750",
    "004930901820",
    "+33612345678",
    "anonymous",
)
SUBSCRIBER = "+447400123456"
DIALLED = ("+8816212345678", "+18768123456", "+442071838750", "+33612345678")
EXTRA_DELAY_MS = 1100  # ringcheck down: a call may wait at most this much longer
# ringcheck stuck: the calls already waiting go on after LOOKUP_DEADLINE (0.6 s), then
# calls go on without asking; scheduling on a busy machine adds a little
HANG_DELAY_MS = 1500


@pytest.fixture(scope="module", autouse=True)
def _require_binaries() -> None:
    require()  # skipped without kamailio and sipp, failed if CI=true


@pytest.fixture(scope="module", params=[(), ("HTTP_LOOKUP",)], ids=["embedded", "http"])
def running(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LabParts]:
    with lab(tmp_path_factory.mktemp("kamailio"), *request.param) as parts:
        yield parts


@pytest.fixture(scope="module")
def inbound(running: LabParts) -> Calls:
    calls = [(caller, f"+4474009000{i:02d}") for i, caller in enumerate(CALLERS)]
    return place_calls(running.proxy.home, running.proxy.trunk_port, calls, name="inbound")


def _expected(running: LabParts, number: str, direction: str = "in") -> dict[str, object]:
    assert running.ringcheck is not None
    return running.ringcheck.ask(number, direction)


def test_the_callers_cover_every_answer(running: LabParts) -> None:
    actions = {_expected(running, caller)["action"] for caller in CALLERS}
    assert {"block", "warn", "allow", "unknown"} <= actions


def test_a_caller_ringcheck_blocks_is_refused_and_never_rings(
    running: LabParts, inbound: Calls
) -> None:
    rang = running.callee.offered()
    blocked = [c for c in CALLERS if _expected(running, c)["action"] == "block"]
    assert blocked
    for call_id, call in inbound.by_id.items():
        if call.caller in blocked:
            assert call.outcome == "blocked", (call, inbound.errors)
            assert call_id not in rang
            assert "cause=608" in call.reason and "ringcheck: SPAM" in call.reason


def test_uk_foreign_and_unknown_callers_ring_and_are_answered(
    running: LabParts, inbound: Calls
) -> None:
    rang = running.callee.offered()
    passed = [c for c in CALLERS if _expected(running, c)["action"] != "block"]
    assert len(passed) >= 4
    seen = 0
    for call_id, call in inbound.by_id.items():
        if call.caller in passed:
            seen += 1
            assert call.outcome == "answered", (call, inbound.errors)
            said = _expected(running, call.caller)
            assert rang[call_id].startswith(f'{said["action"]};label="')
    assert seen == len(passed)


def test_a_subscriber_calling_back_gets_the_configured_answer(running: LabParts) -> None:
    calls = [(SUBSCRIBER, number) for number in DIALLED]
    placed = place_calls(running.proxy.home, running.proxy.subscriber_port, calls, name="outbound")
    rang = running.callee.offered()
    answers = {_expected(running, n, "out")["callback_action"] for n in DIALLED}
    assert {"block", "allow"} <= answers
    assert len(placed.by_id) == len(DIALLED)
    for call_id, call in placed.by_id.items():
        wanted = _expected(running, call.dialled, "out")["callback_action"]
        if wanted == "block":
            assert call.outcome == "blocked", (call, placed.errors)
            assert call_id not in rang
        else:
            assert call.outcome == "answered", (call, placed.errors)
            assert rang[call_id].startswith(f"{wanted};")


def test_every_call_attempt_leaves_one_accounting_record(running: LabParts, inbound: Calls) -> None:
    wanted = {
        call_id: ("608" if c.outcome == "blocked" else "200")
        for call_id, c in inbound.by_id.items()
    }
    records: dict[str, dict[str, str]] = {}
    deadline = time.monotonic() + 10  # records are written every 0.2 s
    while set(records) < set(wanted) and time.monotonic() < deadline:
        time.sleep(0.5)
        records = {r["callid"]: r for r in running.proxy.accounting() if r["method"] == "INVITE"}
    invites = [r["callid"] for r in running.proxy.accounting() if r["method"] == "INVITE"]
    for call_id, code in wanted.items():
        assert invites.count(call_id) == 1, call_id
        record = records[call_id]
        call = inbound.by_id[call_id]
        assert record["sip_code"] == code
        assert (record["caller"], record["callee"], record["direction"]) == (
            call.caller,
            call.dialled,
            "in",
        )
        assert record["action"] in ("block", "warn", "allow", "unknown")
        assert float(record["time"]) >= float(record["inv_ts"])


def _all_go_through(home: Path, port: int, name: str, rate: int) -> Calls:
    calls = [(caller, f"+4474009001{i:02d}") for i, caller in enumerate(CALLERS * 2)]
    placed = place_calls(home, port, calls, rate=rate, name=name)
    assert len(placed.by_id) == len(calls)
    assert placed.of("answered") == list(placed.by_id.values()), placed.errors
    return placed


def test_calls_go_through_at_once_when_ringcheck_is_stopped(
    tmp_path: Path,
) -> None:
    with lab(tmp_path, "HTTP_LOOKUP") as parts:
        assert parts.ringcheck is not None
        parts.ringcheck.stop()
        placed = _all_go_through(tmp_path, parts.proxy.trunk_port, "stopped", 10)
    for call in placed.by_id.values():
        assert call.setup_ms is not None and call.setup_ms < EXTRA_DELAY_MS, call


def test_calls_go_through_when_ringcheck_hangs_and_sip_workers_stay_free(
    tmp_path: Path,
) -> None:
    hanging = HangingServer()
    try:
        with lab(tmp_path, "HTTP_LOOKUP", "SIP_WORKERS=1", ringcheck_url=hanging.url) as parts:
            # 20 calls/s: more than 4 lookup workers waiting 1 s each could take
            placed = _all_go_through(tmp_path, parts.proxy.trunk_port, "hanging", 20)
            rang = parts.callee.offered()
    finally:
        hanging.close()
    # those that waited went on when their deadline passed, unchecked and marked so
    assert all(rang[call_id].startswith("unknown;") for call_id in placed.by_id), rang
    for call in placed.by_id.values():
        # after a failed lookup, calls don't ask for a while
        assert call.setup_ms is not None and call.setup_ms < HANG_DELAY_MS, call
        # 100 Trying came before SIPp's first INVITE retransmission (500 ms): the one
        # SIP worker was never held by a lookup
        assert call.trying_ms is not None and call.trying_ms - call.started_ms < 500, call


def test_calls_are_asked_about_again_once_ringcheck_is_back(tmp_path: Path) -> None:
    with lab(tmp_path, "HTTP_LOOKUP", "BREAKER_SECONDS=1") as parts:
        assert parts.ringcheck is not None
        blocked = [c for c in CALLERS if parts.ringcheck.ask(c)["action"] == "block"]
        parts.ringcheck.stop()
        _all_go_through(tmp_path, parts.proxy.trunk_port, "down", 10)  # the breaker opens
        parts.ringcheck.start()  # the same port and store
        time.sleep(1.5)  # the breaker half-opens: the next call asks
        probe = place_calls(tmp_path, parts.proxy.trunk_port, [(blocked[0], "+442071838750")])
        again = [(caller, "+442071838751") for caller in blocked]
        placed = place_calls(tmp_path, parts.proxy.trunk_port, again, name="back")
    assert probe.of("blocked"), probe.errors
    assert {call.caller for call in placed.of("blocked")} == set(blocked), placed.errors


def test_by_default_calls_keep_their_verdict_when_ringcheck_is_stopped(tmp_path: Path) -> None:
    with lab(tmp_path) as parts:
        assert parts.ringcheck is not None
        said = {c: parts.ringcheck.ask(c)["action"] for c in CALLERS}
        parts.ringcheck.stop()
        calls = [(caller, f"+4474009002{i:02d}") for i, caller in enumerate(CALLERS)]
        placed = place_calls(tmp_path, parts.proxy.trunk_port, calls, rate=10, name="down")
        rang = parts.callee.offered()
    assert len(placed.by_id) == len(CALLERS)
    # nothing is asked per call: the verdict is worked out in Kamailio, ringcheck or not
    for call_id, call in placed.by_id.items():
        if said[call.caller] == "block":
            assert call.outcome == "blocked", (call, placed.errors)
        else:
            assert call.outcome == "answered", (call, placed.errors)
            assert rang[call_id].startswith(f"{said[call.caller]};"), rang[call_id]
        assert call.setup_ms is not None and call.setup_ms < EXTRA_DELAY_MS, call


def test_by_default_a_reported_number_gets_the_lookups_answer_with_its_reports(
    tmp_path: Path,
) -> None:
    """One report is too few for the block list; the answer the lookup gives with it
    reaches Kamailio's ``answers`` table through the pusher, and the call carries it."""
    from ringcheck.settings import Settings
    from ringcheck.store import Store

    number = "+33612345678"
    with lab(tmp_path, pushing=True) as parts:
        assert parts.ringcheck is not None
        before = parts.ringcheck.ask(number)
        with Store.open(Settings(database_url=parts.ringcheck.database_url)) as store:
            store.add_report(number=number, category="one_ring_callback", client="t")
        deadline = time.monotonic() + 30
        while pushed(parts.proxy.push_port, number, "answers") is None:
            assert time.monotonic() < deadline, "the answer was not pushed"
            time.sleep(0.2)
        said = parts.ringcheck.ask(number)
        while said["label"] == before["label"]:  # serve's kept answer, until it re-reads
            assert time.monotonic() < deadline, "the report did not change the answer"
            time.sleep(0.2)
            said = parts.ringcheck.ask(number)
        placed = place_calls(tmp_path, parts.proxy.trunk_port, [(number, "+442071838750")])
        rang = parts.callee.offered()
    (call_id,) = placed.by_id
    assert rang[call_id] == f'{said["action"]};label="{said["label"]}"'


def test_in_push_mode_only_numbers_ringcheck_pushed_are_refused(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_STREAM)
    with lab(tmp_path, "PUSH", f"PUSH_LISTEN=tcp:127.0.0.1:{port}") as parts:
        assert parts.ringcheck is not None
        blocked = [c for c in CALLERS if parts.ringcheck.ask(c)["action"] == "block"]
        push(port, blocked[0], "block")
        calls = [(caller, "+442071838750") for caller in CALLERS]
        placed = place_calls(tmp_path, parts.proxy.trunk_port, calls, name="push")
        rang = parts.callee.offered()
    refused = {call.caller for call in placed.of("blocked")}
    assert refused == {blocked[0]}, placed.errors
    # nothing asked per call: a number not pushed rings, whatever ringcheck would say
    assert {call.caller for call in placed.of("answered")} == set(CALLERS) - refused
    assert all(header.startswith("unknown;") for header in rang.values())


def test_scan_follow_reads_the_accounting_log_as_the_calls_went(
    running: LabParts, inbound: Calls
) -> None:
    from ringcheck.scan.follow import Follower
    from ringcheck.scan.live import Window
    from ringcheck.scan.model import ScanOptions

    follower = Follower([str(running.proxy.log)], ScanOptions(tz="UTC"))
    window = Window(86_400)
    deadline = time.monotonic() + 10  # records are written every 0.2 s
    seen: dict[str, dict[str, object]] = {}
    while set(seen) < set(inbound.by_id) and time.monotonic() < deadline:
        for frame in follower.poll():
            window.add(frame)
        seen = {row["callid"]: row for row in window.calls().iter_rows(named=True)}
        time.sleep(0.5)
    follower.close()
    for call_id, call in inbound.by_id.items():
        row = seen[call_id]
        assert row["answered"] == (call.outcome == "answered"), (call, row)
        assert row["callee"] == call.dialled and row["file"] == str(running.proxy.log)
