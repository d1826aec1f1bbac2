"""POST /api/v1/events: a proxy's call events feed the server's live detector, which
publishes the campaigns it finds; repeats count once; the proxy is not rate limited."""

from __future__ import annotations

import base64
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
    # the worker has just read the (no) campaigns: it would not ask again for a second
    assert client.get(f"/api/v1/lookup/{RANGE}607", headers=AUTH).json()["action"] != "block"
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
    # this worker's lookups block it at once, without waiting for the next poll
    looked = client.get(f"/api/v1/lookup/{RANGE}607", headers=AUTH).json()
    assert looked["action"] == "block" and "live_campaign" in json.dumps(looked)


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


def test_the_proxy_s_lookups_are_not_rate_limited_with_its_token_as_basic_password(
    make_client: MakeClient,
) -> None:
    # Kamailio's http_client sends credentials as HTTP Basic (user:token in its URL)
    basic = {"Authorization": "Basic " + base64.b64encode(f"kamailio:{TOKEN}".encode()).decode()}
    client = make_client(live_events_token=TOKEN, rate_per_minute=1, rate_burst=1)
    for _ in range(5):
        assert client.get("/api/v1/lookup/+447700900123", headers=basic).status_code == 200
        assert client.get("/api/v1/lookup/+447700900123", headers=AUTH).status_code == 200
    assert client.post("/api/v1/events", content=b"", headers=basic).status_code == 200
    wrong = {"Authorization": "Basic " + base64.b64encode(b"kamailio:wrong").decode()}
    codes = [client.get("/api/v1/lookup/+447700900123", headers=wrong).status_code for _ in "ab"]
    assert codes == [200, 429]
    assert client.post("/api/v1/events", content=b"", headers=wrong).status_code == 429


def _acc(call_id: str, method: str, code: int, at: float, **numbers: str) -> dict[str, Any]:
    """A record as contrib/kamailio/ringcheck.cfg's acc_json writes it."""
    return {"time": at, "method": method, "from_tag": "1", "to_tag": "2", "callid": call_id,
            "sip_code": str(code), "sip_reason": "x", "inv_ts": str(at - 1.5),
            "direction": "in", "action": "allow", "src_ip": "127.0.0.1", **numbers}  # fmt: skip


def test_kamailio_accounting_records_are_taken_as_they_are(make_client: MakeClient) -> None:
    client = make_client(live_events_token=TOKEN)
    now = time.time()
    campaign = [
        _acc(e["call_id"], "INVITE", 487, e["invite_at"] + 1.5, caller=e["caller"],
             callee=e["callee"])
        for e in _campaign(now)
    ]  # fmt: skip
    cancelled_twice = campaign[:1]  # acc can log a cancelled call as missed and failed
    answered = _acc("b1", "INVITE", 200, now, caller="+447911000001", callee="+447700900001")
    hung_up = {**_acc("b1", "BYE", 200, now + 95), "inv_ts": ""}
    stray_bye = _acc("c1", "BYE", 200, now)
    lines = campaign + cancelled_twice + [answered, hung_up, stray_bye]
    body = client.post("/api/v1/events", content=_lines(lines), headers=AUTH).json()
    assert (body["accepted"], body["repeated"], body["rejected"], body["other"]) == (62, 1, 0, 1)
    assert [(c["key"], c["level"]) for c in body["campaigns"]] == [(RANGE + "xxx", "high")]
    calls = client.app.state.live.detector.window.calls()  # type: ignore[attr-defined]
    talked = calls.filter(calls["callid"] == "b1")
    assert talked["billsec"].to_list() == [95] and talked["ring"].to_list() == [2]


def test_the_detector_s_window_is_a_setting(make_client: MakeClient) -> None:
    client = make_client(live_events_token=TOKEN, live_window_minutes=10)
    assert client.app.state.live.detector.window.seconds == 600  # type: ignore[attr-defined]
