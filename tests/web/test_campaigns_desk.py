"""/campaigns and /api/v1/campaigns: the analyst lists live campaigns, reads their
evidence and history, and calls one a false alarm (the block goes at once, and stays
gone) or handled, behind the moderation token, every decision in the audit log."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from test_live_campaigns import CALLER, QUIET, Clock, lookup, sighting

from ringcheck.settings import Settings
from ringcheck.store import Store

TOKEN = "t" * 40
BEARER = {"Authorization": f"Bearer {TOKEN}", "X-Moderator": "Ana"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def published(database_url: str) -> int:
    with Store.open(Settings(database_url=database_url)) as store:
        return store.publish_campaign(sighting(), quiet=QUIET).id


@pytest.fixture
def desk(make_client: Any) -> Any:
    return make_client(admin_token=TOKEN)


def test_without_an_admin_token_the_desk_does_not_exist(make_client: Any, published: int) -> None:
    client = make_client()
    assert client.get("/campaigns", headers=basic("ana", "x")).status_code == 404
    assert client.get("/api/v1/campaigns", headers=BEARER).status_code == 404


def test_the_api_needs_the_moderation_token(desk: Any, published: int) -> None:
    assert desk.get("/api/v1/campaigns").status_code == 401
    assert desk.get("/api/v1/campaigns", headers={"Authorization": "Bearer no"}).status_code == 401
    assert desk.get("/api/v1/campaigns", headers=basic("ana", TOKEN)).status_code == 401
    assert "/api/v1/campaigns" not in desk.get("/openapi.json").text


def test_the_api_lists_shows_and_releases_a_campaign_with_an_audit_trail(
    desk: Any, published: int
) -> None:
    (listed,) = desk.get("/api/v1/campaigns", headers=BEARER).json()["campaigns"]
    assert (listed["key"], listed["status"], listed["blocking"]) == ("+336123456xx", "active", True)
    assert listed["evidence"].startswith("numbers starting +336123456 rang 412 people")
    assert lookup(desk)["action"] == "block"
    answer = desk.post(
        f"/api/v1/campaigns/{published}/status",
        headers=BEARER,
        json={"status": "false_alarm", "reason": "a bank's verification calls"},
    )
    assert answer.status_code == 200
    released = answer.json()["campaign"]
    assert (released["status"], released["blocking"]) == ("false_alarm", False)
    assert lookup(desk)["action"] == "warn"  # this worker: at once, no poll to wait for
    history = desk.get(f"/api/v1/campaigns/{published}", headers=BEARER).json()["campaign"]
    assert [(h["action"], h["actor"]) for h in history["history"]] == [
        ("published", "live"),
        ("false_alarm", "Ana"),
    ]
    assert history["history"][1]["reason"] == "a bank's verification calls"
    assert desk.get("/api/v1/campaigns", headers=BEARER).json()["campaigns"][0]["status"] == (
        "false_alarm"
    )


def test_a_release_reaches_the_other_workers_within_a_second(
    make_client: Any, published: int
) -> None:
    clock = Clock()
    other = make_client()
    other.app.state.campaigns._clock = clock
    assert lookup(other)["action"] == "block"
    desk = make_client(admin_token=TOKEN)
    body = {"status": "false_alarm", "reason": "wrong"}
    assert desk.post(f"/api/v1/campaigns/{published}/status", headers=BEARER, json=body).is_success
    clock.now += 1
    assert lookup(other)["action"] == "warn"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "gone", "reason": "x"}, 422),
        ({"status": "handled", "reason": "   "}, 422),
        ({"status": "handled"}, 422),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    desk: Any, published: int, body: dict[str, str], status: int
) -> None:
    answer = desk.post(f"/api/v1/campaigns/{published}/status", headers=BEARER, json=body)
    assert answer.status_code == status and "error" in answer.json()
    assert lookup(desk)["action"] == "block"


def test_an_unknown_campaign_is_404(desk: Any) -> None:
    assert desk.get("/api/v1/campaigns/999", headers=BEARER).status_code == 404
    body = {"status": "handled", "reason": "x"}
    assert desk.post("/api/v1/campaigns/999/status", headers=BEARER, json=body).status_code == 404
    assert desk.get("/campaigns/999", headers=basic("ana", TOKEN)).status_code == 404


def test_the_page_asks_the_browser_to_sign_in(desk: Any, published: int) -> None:
    first = desk.get("/campaigns")
    assert first.status_code == 401 and first.headers["www-authenticate"].startswith("Basic")
    assert desk.get("/campaigns", headers=basic("ana", "wrong")).status_code == 401
    page = desk.get("/campaigns", headers=basic("Ana", TOKEN))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Numbers starting +336123456 rang 412 people" in page.text
    assert "Signed in as Ana" in page.text


def test_false_alarm_on_the_page_releases_the_block_and_is_in_the_timeline(
    desk: Any, published: int
) -> None:
    auth = basic("Ana", TOKEN)
    page = desk.get(f"/campaigns/{published}", headers=auth)
    assert page.status_code == 200 and "published by live" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    # No reason: nothing changes, and the form says why.
    empty = {"csrf_token": token, "status": "false_alarm", "reason": ""}
    refused = desk.post(f"/campaigns/{published}/status", headers=auth, data=empty)
    assert refused.status_code == 400 and "Say why, for the audit log." in refused.text
    assert lookup(desk)["action"] == "block"
    # No CSRF token: nothing changes.
    forged = {"status": "false_alarm", "reason": "x"}
    assert desk.post(f"/campaigns/{published}/status", headers=auth, data=forged).status_code == 400
    form = {"csrf_token": token, "status": "false_alarm", "reason": "bank verification"}
    done = desk.post(
        f"/campaigns/{published}/status", headers=auth, data=form, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=false_alarm")
    assert lookup(desk)["action"] == "warn"
    after = desk.get(done.headers["location"], headers=auth).text
    assert "Saved: False alarm." in after and "false alarm by Ana (bank verification)" in after
    assert lookup(desk, CALLER, "?direction=out")["callback_action"] == "warn"
