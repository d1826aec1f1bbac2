"""POST /api/v1/events: a proxy's call events feed the server's live detector, which
publishes the campaigns it finds; repeats count once; the proxy is not rate limited."""

from __future__ import annotations

import json
import time
from typing import Any

from conftest import MakeClient

TOKEN = "proxy-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RANGE = "+8801712345"


def _campaign(now: float, callees: int = 60) -> list[dict[str, Any]]:
    """Subscribers rung in number order from 10 numbers of one range, 1-2 s, 1 a second."""
    return [
        {
            "call_id": f"{i}-wangiri@127.0.0.1",
            "caller": f"{RANGE}60{i % 10}",
            "callee": f"+4477009{10000 + i}",
            "invite_at": now - callees + i,
            "code": 487,
            "ring_seconds": 1.0 + i % 2,
            "talk_seconds": 0,
        }
        for i in range(callees)
    ]


def _lines(events: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(e) + "\n" for e in events).encode()


def test_events_are_off_without_the_token_setting(make_client: MakeClient) -> None:
    client = make_client()
    assert client.post("/api/v1/events", content=b"{}\n", headers=AUTH).status_code == 404


def test_events_need_the_token(make_client: MakeClient) -> None:
    client = make_client(live_events_token=TOKEN)
    answer = client.post("/api/v1/events", content=b"", headers={"Authorization": "Bearer no"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_a_campaign_posted_as_events_is_published_for_lookups(make_client: MakeClient) -> None:
    client = make_client(live_events_token=TOKEN)
    now = time.time()
    answer = client.post("/api/v1/events", content=_lines(_campaign(now)), headers=AUTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["repeated"], body["rejected"]) == (60, 0, 0)
    assert [(c["event"], c["key"], c["level"]) for c in body["campaigns"]] == [
        ("campaign_started", RANGE + "xxx", "high")
    ]
    store = client.app.state.store  # type: ignore[attr-defined]
    found = store.blocking_campaign(RANGE + "607")
    assert found is not None and found.subscribers == 60 and found.source == "live:events"


def test_a_call_sent_twice_counts_once_and_its_end_adds_the_talk_time(
    make_client: MakeClient,
) -> None:
    client = make_client(live_events_token=TOKEN)
    rung = {"call_id": "a1", "caller": "+447911000001", "callee": "+447700900001",
            "invite_at": "2026-12-01T10:00:00Z", "code": 200, "ring_seconds": 3,
            "talk_seconds": 0}  # fmt: skip
    ended = {**rung, "talk_seconds": 95}
    body = client.post("/api/v1/events", content=_lines([rung, rung, ended]), headers=AUTH)
    assert (body.json()["accepted"], body.json()["repeated"]) == (2, 1)
    calls = client.app.state.live.detector.window.calls()  # type: ignore[attr-defined]
    assert calls["billsec"].to_list() == [95]


def test_bad_lines_are_counted_and_the_rest_taken(make_client: MakeClient) -> None:
    client = make_client(live_events_token=TOKEN)
    good = _lines(_campaign(time.time(), callees=2))
    bad = b'not json\n{"call_id": "x", "code": 487}\n{"call_id": "y", "callee": "+44", ' + (
        b'"invite_at": "2026-12-01 10:00", "code": 487}\n'
    )
    body = client.post("/api/v1/events", content=bad + good, headers=AUTH).json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    assert [r["line"] for r in body["rejected_lines"]] == [1, 2, 3]
    assert body["rejected_lines"][1]["why"] == "it has no callee"


def test_the_proxy_is_not_rate_limited_and_others_are(make_client: MakeClient) -> None:
    client = make_client(live_events_token=TOKEN, rate_per_minute=1, rate_burst=1)
    for _ in range(5):
        assert client.post("/api/v1/events", content=b"", headers=AUTH).status_code == 200
    wrong = {"Authorization": "Bearer wrong"}
    codes = [client.post("/api/v1/events", content=b"", headers=wrong).status_code for _ in "ab"]
    assert codes == [401, 429]
