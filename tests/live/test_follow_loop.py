"""The live loop end to end on 127.0.0.1: SIPp plays a one-ring campaign through Kamailio
(contrib/kamailio/ringcheck.cfg, with -A NO_EVENTS: the records are only logged),
``scan --follow``'s detector reads Kamailio's accounting log and publishes the
campaign, and ``ringcheck serve``'s lookups then make Kamailio refuse its next calls
(608), without anyone having called back. tests/live/test_live_loop.py closes the loop
the shipped way (the records posted to the events API) among legitimate traffic.

Skipped without the binaries, except when ``CI=true``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from kamailio_lab import LabParts, lab, place_calls, require

RANGE = "+88017123456"  # 10 numbers taking turns; Bangladesh: not blocked by the data alone
CALLS = 200
RATE = 20  # calls a second


@pytest.fixture(scope="module", autouse=True)
def _require_binaries() -> None:
    require()  # skipped without kamailio and sipp, failed if CI=true


def _follow_and_publish(parts: LabParts, stop: threading.Event) -> None:
    """What ``ringcheck scan kamailio.log --follow --publish --every 1s`` does."""
    import datetime as dt

    from ringcheck.risk import at_least
    from ringcheck.scan.follow import Follower
    from ringcheck.scan.live import Detector, Window, sighting
    from ringcheck.scan.model import ScanOptions
    from ringcheck.settings import Settings
    from ringcheck.store import Store

    options = ScanOptions(tz="UTC")
    follower = Follower([str(parts.proxy.log)], options)
    detector = Detector(options, Window(3600))
    database = f"sqlite:///{parts.proxy.home}/reports.db"  # the one serve uses
    with Store.open(Settings(database_url=database)) as store:
        while not stop.is_set():
            for frame in follower.poll():
                detector.feed(frame)
            for event in detector.rescore():
                if event.event != "campaign_ended" and at_least(event.finding.level, "high"):
                    store.publish_campaign(sighting(event), quiet=dt.timedelta(hours=1))
            stop.wait(1.0)
    follower.close()


def test_a_one_ring_campaign_is_refused_within_seconds_without_any_call_back(
    tmp_path: Path,
) -> None:
    with lab(tmp_path, "NO_EVENTS", callee="ringing_callee.xml", pushing=True) as parts:
        assert parts.ringcheck is not None
        assert parts.ringcheck.ask(RANGE + "00")["action"] != "block"  # not by the data
        stop = threading.Event()
        follower = threading.Thread(target=_follow_and_publish, args=(parts, stop))
        follower.start()
        try:
            calls = [
                (f"{RANGE}{i % 10:02d}", f"+4477009{10000 + i}", "1500") for i in range(CALLS)
            ]  # rings 1.5 s, then gives up
            placed = place_calls(
                tmp_path, parts.proxy.trunk_port, calls, rate=RATE, name="campaign",
                scenario="one_ring.xml",
            )  # fmt: skip
        finally:
            stop.set()
            follower.join(timeout=30)
        assert parts.ringcheck.ask(RANGE + "07")["action"] == "block"
    by_start = sorted(placed.by_id.values(), key=lambda c: c.started_ms)
    assert len(by_start) == CALLS, placed.errors
    blocked = [c for c in by_start if c.outcome == "blocked"]
    assert blocked, placed.errors
    first = blocked[0]
    rung = [c for c in by_start if c.started_ms < first.started_ms and c.outcome != "blocked"]
    seconds = (first.started_ms - by_start[0].started_ms) / 1000
    print(f"first 608 {seconds:.1f} s after the first INVITE; {len(rung)} subscribers rung")
    assert seconds <= 10 and "cause=608" in first.reason
    # once refused, the campaign's later calls stay refused
    assert all(c.outcome == "blocked" for c in by_start if c.started_ms > first.started_ms + 3000)
