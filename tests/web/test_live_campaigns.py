"""A campaign the live detector publishes drives every face at once: the lookup, caller
name, check API, number page, block list (its ETag changes) and CardDAV book all block it
with the same reason, in every worker within a second of the store changing, whatever
the answer caches keep; an analyst's false alarm releases it the same way.

Campaigns are published straight into the store the apps share (as ``scan --follow
--publish`` does); each app is one worker. The workers' one-second poll runs on a clock
the test moves, so nothing here waits.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

import pytest

from ringcheck.settings import Settings
from ringcheck.store import Sighting, Store

RANGE = "+336123456xx"  # a French mobile range: the static data says 'warn', not 'block'
CALLER = "+33612345677"
ELSEWHERE = "+33612345777"  # same country, another range
QUIET = dt.timedelta(minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def sighting(key: str = RANGE, subscribers: int = 412) -> Sighting:
    now = dt.datetime.now(dt.UTC)
    return Sighting(
        key=key,
        level="high",
        score=80,
        reasons=(("one_ring_fanout", "one-ring calls to many subscribers"),),
        subscribers=subscribers,
        calls=subscribers + 3,
        first_seen=now - dt.timedelta(minutes=5, seconds=30),
        last_seen=now,
        ring_low=1.0,
        ring_high=2.0,
    )


@pytest.fixture
def store(database_url: str) -> Any:
    with Store.open(Settings(database_url=database_url)) as opened:
        yield opened


def worker(make_client: Any, clock: Clock, **settings: Any) -> Any:
    client = make_client(**settings)
    client.app.state.campaigns._clock = clock
    return client


def lookup(client: Any, number: str = CALLER, query: str = "") -> dict[str, Any]:
    answer = client.get(f"/api/v1/lookup/{number.replace('+', '%2B')}{query}")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def test_a_published_campaign_reaches_every_worker_within_a_second_despite_caches(
    make_client: Any, store: Store
) -> None:
    clock = Clock()
    workers = [worker(make_client, clock) for _ in range(2)]
    for client in workers:  # each worker answers and keeps its answer
        assert lookup(client)["action"] == "warn"
        assert client.get(f"/api/v1/cid/{CALLER}").text == "Intl +33 FR"
    store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 0.5  # within the poll interval the kept answers may still be given
    assert lookup(workers[0])["action"] == "warn"
    clock.now += 0.5  # one second after the last poll: every worker asks and sees it
    for client in workers:
        found = lookup(client)
        assert (found["action"], found["category"], found["label"]) == (
            "block",
            "wangiri",
            "SPAM Wangiri",
        )
        assert found["reasons"][0] == "live_campaign"
        assert client.get(f"/api/v1/cid/{CALLER}").text == "SPAM Wangiri"
        assert "action=block" in client.get(f"/api/v1/cid/{CALLER}?format=hash").text
        assert lookup(client, ELSEWHERE)["action"] == "warn"


def test_a_pbx_honouring_the_cache_headers_never_keeps_an_old_answer(
    make_client: Any, store: Store
) -> None:
    """A PBX that keeps answers as HTTP says asks again before each use: the answer it
    holds from before the campaign is replaced as soon as the worker knows."""
    clock = Clock()
    client = worker(make_client, clock)
    paths = [f"/api/v1/{route}/{CALLER.replace('+', '%2B')}" for route in ("lookup", "cid")]
    before = [client.get(path) for path in paths]
    held = [{"If-None-Match": answer.headers["etag"]} for answer in before]
    for path, answer, tag in zip(paths, before, held, strict=True):
        assert answer.headers["cache-control"] == "public, no-cache"  # no max-age
        assert client.get(path, headers=tag).status_code == 304  # nothing changed yet
    published = store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 1
    for path, answer, tag in zip(paths, before, held, strict=True):
        during = client.get(path, headers=tag)
        assert during.status_code == 200 and during.headers["etag"] != answer.headers["etag"]
        assert "SPAM Wangiri" in during.text
    store.set_campaign_status(published.id, "false_alarm", actor="ana", reason="test")
    clock.now += 1
    for path, tag in zip(paths, held, strict=True):
        assert client.get(path, headers=tag).status_code == 304  # released: as before


def test_the_private_range_lookup_lists_every_number_of_a_running_campaign(
    make_client: Any, store: Store
) -> None:
    """k-anonymity: the client sends a hash prefix; a caller in a live campaign nobody
    reported is listed with the lookup's block, and no longer once it is released."""
    from ringcheck.phones import remote

    clock = Clock()
    client = worker(make_client, clock)
    prefix, suffix = remote.split(CALLER)

    def listed(number_suffix: str = suffix, at: str = prefix) -> tuple[str, int] | None:
        answer = client.get(f"/api/v1/range/{at}")
        assert answer.status_code == 200
        return remote.find(answer.text, number_suffix)

    assert listed() is None  # nobody reported it; the static data alone says 'warn'
    published = store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 1
    assert listed() == ("block", lookup(client)["score9"])
    assert lookup(client)["action"] == "block"  # the same answer as the open lookup
    other_prefix, other_suffix = remote.split(ELSEWHERE)
    assert listed(other_suffix, other_prefix) is None  # outside the range
    store.set_campaign_status(published.id, "false_alarm", actor="ana", reason="test")
    clock.now += 1
    assert listed() is None


def test_call_log_triage_on_the_web_gives_a_campaign_caller_the_same_reason(
    make_client: Any, store: Store
) -> None:
    clock = Clock()
    client = worker(make_client, clock)
    log = (
        "number,time,status\n"
        f"{CALLER},2026-12-07 10:00,missed\n{ELSEWHERE},2026-12-07 10:05,missed\n"
    )

    def triaged() -> dict[str, dict[str, Any]]:
        files = {"file": ("calls.csv", log.encode(), "text/csv")}
        answer = client.post("/api/v1/triage", files=files)
        assert answer.status_code == 200
        return {n["e164"]: n for n in answer.json()["numbers"]}

    before = triaged()
    assert "live_campaign" not in [r["code"] for r in before[CALLER]["verdict"]["reasons"]]
    store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 1
    during = triaged()
    checked = client.get("/api/v1/check", params={"number": CALLER}).json()["verdict"]
    (live,) = [r for r in during[CALLER]["verdict"]["reasons"] if r["code"] == "live_campaign"]
    assert live == next(r for r in checked["reasons"] if r["code"] == "live_campaign")
    assert during[CALLER]["verdict"]["level"] == checked["level"] == "very_high"
    assert during[CALLER]["category"] == "wangiri"
    assert during[ELSEWHERE]["verdict"] == before[ELSEWHERE]["verdict"]  # outside the range


def test_the_check_api_and_the_number_page_give_the_evidence_in_words(
    make_client: Any, store: Store
) -> None:
    clock = Clock()
    client = worker(make_client, clock)
    assert client.get("/api/v1/check", params={"number": CALLER}).json()["verdict"]["level"]
    store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 1
    verdict = client.get("/api/v1/check", params={"number": CALLER}).json()["verdict"]
    words = "numbers starting +336123456 rang 412 people for 1–2 seconds each in the last 6 minutes"
    (reason,) = [r for r in verdict["reasons"] if r["code"] == "live_campaign"]
    assert words in reason["text"]
    assert verdict["level"] == "very_high"
    assert "scam campaign" in verdict["headline"]
    posted = client.post("/api/v1/check", json={"number": CALLER}).json()
    assert posted["verdict"]["reasons"][0]["code"] == "live_campaign"
    page = client.get(f"/number/{CALLER}")
    assert page.status_code == 200 and words in page.text


def test_a_false_alarm_releases_the_block_in_every_face_at_once(
    make_client: Any, store: Store
) -> None:
    clock = Clock()
    client = worker(make_client, clock)
    published = store.publish_campaign(sighting(), quiet=QUIET)
    assert lookup(client)["action"] == "block"
    store.set_campaign_status(
        published.id, "false_alarm", actor="ana", reason="a bank's verification calls"
    )
    clock.now += 1
    assert lookup(client)["action"] == "warn"
    page = client.get(f"/number/{CALLER}")
    assert "live_campaign" not in page.text and "rang 412 people" not in page.text


def test_a_call_back_to_a_campaign_number_answers_the_callback_action_setting(
    make_client: Any, store: Store
) -> None:
    store.publish_campaign(sighting(), quiet=QUIET)
    clock = Clock()
    default = lookup(worker(make_client, clock), query="?direction=out")
    assert (default["action"], default["callback_action"]) == ("block", "warn")
    strict = worker(make_client, clock, callback_action="block")
    assert lookup(strict, query="?direction=out")["callback_action"] == "block"
    assert lookup(strict, query="?direction=in")["callback_action"] == "block"  # its action
    relaxed = worker(make_client, clock, callback_action="allow")
    assert lookup(relaxed, query="?direction=out")["callback_action"] == "allow"
    # A number in no campaign: the call-back gets the number's own action.
    other = lookup(relaxed, ELSEWHERE, "?direction=out")
    assert other["callback_action"] == other["action"] == "warn"


def test_the_block_list_lists_the_campaign_first_and_its_etag_changes(
    make_client: Any, store: Store
) -> None:
    clock = Clock()
    client = worker(make_client, clock)
    before = client.get("/api/v1/blocklist", params={"format": "csv"})
    assert "+336123456" not in before.text
    published = store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 1
    during = client.get("/api/v1/blocklist", params={"format": "csv"})
    first = during.text.splitlines()[1].split(",")
    assert first[:5] == ["range", "+336123456", "SPAM Wangiri", "wangiri", "very_high"]
    assert during.headers["etag"] != before.headers["etag"]
    held = {"If-None-Match": during.headers["etag"]}
    assert client.get("/api/v1/blocklist?format=csv", headers=held).status_code == 304
    store.set_campaign_status(published.id, "handled", actor="ana", reason="seen")
    clock.now += 1
    handled = client.get("/api/v1/blocklist?format=csv", headers=held)
    assert handled.status_code == 200  # a changed campaign: a new ETag, a fresh list
    assert "+336123456" in handled.text  # handled still blocks
    store.set_campaign_status(published.id, "false_alarm", actor="ana", reason="wrong")
    clock.now += 1
    after = client.get("/api/v1/blocklist", params={"format": "csv"})
    assert "+336123456" not in after.text


def test_the_carddav_book_gets_a_card_for_the_campaign_at_once(
    make_client: Any, store: Store
) -> None:
    made, password = store.add_device("Hall FRITZ!Box", home="GB", level="high")
    auth = "Basic " + base64.b64encode(f"{made.username}:{password}".encode()).decode()
    clock = Clock()
    client = worker(make_client, clock)
    book = f"/carddav/addressbooks/{made.username}/blocklist/"

    def cards() -> str:
        listing = client.request("PROPFIND", book, headers={"Authorization": auth, "Depth": "1"})
        hrefs = re.findall(r"<D:href>[^<]+/blocklist/([^<]+\.vcf)</D:href>", listing.text)
        got = (client.get(book + h, headers={"Authorization": auth}).text for h in hrefs)
        return "\n".join(got).replace("\r\n ", "")  # unfolded

    assert "+336123456*" not in cards()
    store.publish_campaign(sighting(), quiet=QUIET)
    clock.now += 1
    text = cards()
    assert "TEL;TYPE=WORK:+336123456*" in text  # a wildcard for the range, at once
    assert "rang 412 people" in text  # the card's note says what was seen


def test_new_counts_of_a_blocked_campaign_keep_the_answers_a_new_range_drops_them(
    make_client: Any, store: Store
) -> None:
    clock = Clock()
    client = worker(make_client, clock)
    store.publish_campaign(sighting(), quiet=QUIET)
    assert lookup(client)["action"] == "block"
    dropped: list[int] = []
    client.app.state.campaigns.on_change.append(lambda: dropped.append(1))
    store.publish_campaign(sighting(subscribers=900), quiet=QUIET)  # the detector, again
    clock.now += 1
    assert lookup(client)["action"] == "block" and dropped == []
    store.publish_campaign(sighting("+336123457xx"), quiet=QUIET)
    clock.now += 1
    assert lookup(client, "+33612345700")["action"] == "block" and dropped == [1]
