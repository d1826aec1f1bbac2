"""In a real browser: the analyst signs in with the browser's own sign-in box, reads a
live campaign's evidence and history, and calls it a false alarm, which releases the
block at once; both pages pass axe-core and fit a 360 px phone."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import OVERFLOW
from test_browser_axe import BLOCKING, _report

from live_server import serving
from ringcheck.settings import Settings
from ringcheck.store import Sighting, Store
from ringcheck.web.app import create_app

TOKEN = "a" * 40
CALLER = "+33612345677"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A server with the moderation token set and one published campaign: (URL, its id)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('desk')}/r.db"
    settings = Settings(
        database_url=url, admin_token=TOKEN, rate_per_minute=1_000_000, rate_burst=1_000_000
    )
    now = dt.datetime.now(dt.UTC)
    with Store.open(settings) as store:
        seen = Sighting(
            key="+336123456xx",
            level="high",
            score=80,
            reasons=(("one_ring_fanout", "one-ring calls to 412 subscribers in sequence"),),
            subscribers=412,
            calls=415,
            first_seen=now - dt.timedelta(minutes=6),
            last_seen=now,
            ring_low=1.0,
            ring_high=2.0,
            source="follow:Master.csv",
        )
        found = store.publish_campaign(seen, quiet=dt.timedelta(minutes=30))
    with serving(create_app(settings)) as base:
        yield base, found.id


def _action(base: str) -> str:
    with urllib.request.urlopen(f"{base}/api/v1/lookup/%2B{CALLER[1:]}", timeout=10) as answer:
        return str(json.loads(answer.read())["action"])


def _checked(page: Any, axe_script: Path) -> None:
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, _report(blocking)
    sizes = page.evaluate(OVERFLOW)
    assert sizes["scrollWidth"] <= sizes["clientWidth"], sizes


@pytest.mark.parametrize("width", [1024, 360])
def test_the_analyst_releases_a_false_alarm_from_the_browser(
    browser: Any, axe_script: Path, desk: tuple[str, int], width: int
) -> None:
    base, campaign_id = desk
    context = browser.new_context(
        base_url=base,
        viewport={"width": width, "height": 800},
        http_credentials={"username": "Ana", "password": TOKEN},
        bypass_csp=True,  # lets the axe script in; the page itself is unchanged
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/campaigns")
        listing = page.locator("main").inner_text()
        assert "Signed in as Ana" in listing
        if width == 1024:  # the first run: the campaign is still blocking
            assert "Numbers starting +336123456 rang 412 people" in listing
            assert _action(base) == "block"
        _checked(page, axe_script)
        page.get_by_role("link", name="+336123456xx").click()
        page.wait_for_url(f"**/campaigns/{campaign_id}")
        assert "published by follow:Master.csv" in page.locator("main").inner_text()
        _checked(page, axe_script)
        if width != 1024:
            return
        page.get_by_role("button", name="False alarm: release the block").click()
        assert "Say why, for the audit log." in page.locator("main").inner_text()
        assert _action(base) == "block"  # nothing changed without a reason
        _checked(page, axe_script)
        page.get_by_label("Why").fill("A bank's flash-call verification")
        page.get_by_role("button", name="False alarm: release the block").click()
        page.wait_for_url(f"**/campaigns/{campaign_id}?done=false_alarm")
        text = page.locator("main").inner_text()
        assert "Saved: False alarm. Its calls are no longer blocked." in text
        assert "false alarm by Ana (A bank's flash-call verification)" in text
        assert _action(base) == "warn"
    finally:
        context.close()
