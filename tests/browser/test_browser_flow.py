"""A person checks a number in a real browser: by mouse, by keyboard, without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    NUMBER,
    NUMBER_TYPED,
    PAGES,
    describe,
    expected,
    focus,
    focus_state,
    level_words,
    settle,
)

from ringcheck.risk import CallContext


def _assert_verdict_shown(page: Any, number: str, context: CallContext | None = None) -> None:
    result = expected(number, context)
    verdict = page.locator(".verdict")
    assert verdict.is_visible(), "the result page shows no verdict"
    text = verdict.inner_text()
    assert level_words(result) in text, f"level {level_words(result)!r} not in {text!r}"
    assert result.verdict.headline in text
    assert page.get_by_role("heading", level=1).inner_text() == result.verdict.headline


def _check_number(page: Any, typed: str) -> None:
    page.goto("/")
    page.get_by_label("Enter the number that called you").fill(typed)
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_url(re.compile(r"/number/"))


def test_enter_a_number_and_see_its_verdict(page: Any) -> None:
    _check_number(page, NUMBER_TYPED)
    assert urlsplit(page.url).path == f"/number/{NUMBER}"
    _assert_verdict_shown(page, NUMBER)
    assert "Nigeria" in page.locator("dl.facts").inner_text()


def test_what_happened_travels_to_the_result(page: Any) -> None:
    page.goto("/")
    page.get_by_label("Enter the number that called you").fill(NUMBER_TYPED)
    page.get_by_text("What happened?").click()
    page.get_by_label("Who did they say they were?").fill("my bank")
    page.get_by_label("How many seconds did it ring?").fill("2")
    page.get_by_label("A recording asked me to press a button").check()
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_url(re.compile(r"/number/"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"claimed": ["my bank"], "rang": ["2"], "recorded": ["1"]}
    _assert_verdict_shown(
        page, NUMBER, CallContext(claimed="my bank", rang_seconds=2, recorded_message=True)
    )
    # The result page keeps the story in a form, so it can be corrected.
    claimed = page.locator("input[name=claimed]")
    kept = [claimed.nth(i).input_value() for i in range(claimed.count())]
    assert "my bank" in kept, f"claimed fields on the result page hold {kept}"


def test_not_a_number_keeps_the_input_and_says_how_to_fix_it(page: Any) -> None:
    _check_number_expecting_error(page, "call me maybe")
    assert page.locator("#number").input_value() == "call me maybe"
    assert "look like a phone number" in page.get_by_role("heading", level=1).inner_text()


def _check_number_expecting_error(page: Any, typed: str) -> None:
    page.goto("/")
    page.get_by_label("Enter the number that called you").fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Check", exact=True).click()


def _tab(page: Any, key: str = "Tab") -> dict[str, Any]:
    """Press Tab; check that focus landed on something on screen that shows it has focus,
    and that the element it left changed its look back (so the change was visible)."""
    page.keyboard.press(key)
    state = focus_state(page)
    assert not state["body"], f"{key} left focus on the page body"
    assert state["onScreen"], f"focused {describe(state)} is off screen"
    assert state["focusVisible"], f"focused {describe(state)} does not match :focus-visible"
    previous = state["previous"]
    if previous is not None:
        assert previous["changed"], (
            f"<{previous['tag']} {previous['id']!r}> looked the same with and without focus"
        )
    return state


def test_the_whole_flow_by_keyboard_alone(page: Any) -> None:
    page.goto("/")
    assert focus(page) is None, "focus should start at the top of the page"

    # The first Tab reaches the skip link, which appears on screen when focused.
    first = _tab(page)
    assert first["href"] == "#main", f"first Tab reached {describe(first)}, not the skip link"

    # Then the header, then the number field: nothing else in between.
    before: list[dict[str, Any]] = []
    state = _tab(page)
    while state["id"] != "number":
        before.append(state)
        assert len(before) < 12, f"number field not reached: {[describe(s) for s in before]}"
        state = _tab(page)
    strays = [describe(s) for s in before if not s["inHeader"]]
    assert not strays, f"Tab stops between the header and the field: {strays}"
    page.keyboard.type(NUMBER_TYPED)

    # "What happened?" opens from the keyboard.
    summary = _tab(page)
    assert summary["tag"] == "summary", f"after the field Tab reached {describe(summary)}"
    assert page.locator("details").evaluate("d => d.open") is False
    page.keyboard.press("Enter")
    assert page.locator("details").evaluate("d => d.open") is True

    visited = [summary]
    state = _tab(page)
    assert state["id"] == "claimed", f"after opening Tab reached {describe(state)}"
    page.keyboard.type("my bank")
    visited.append(state)
    while state["tag"] != "button":
        state = _tab(page)
        visited.append(state)
        assert state["inForm"], f"Tab left the form at {describe(state)}"
        assert len(visited) < 12, f"no Check button: {[describe(s) for s in visited]}"
        if state["id"] == "rang":
            page.keyboard.type("2")
        elif state["id"] == "recorded":
            page.keyboard.press("Space")
    ids = [s["id"] for s in visited]
    for field in ("rang", "voicemail", "expected", "recorded"):
        assert field in ids, f"Tab never reached #{field}: {[describe(s) for s in visited]}"
    _tab(page, "Shift+Tab")  # the Check button's focus look, measured as it leaves
    assert _tab(page)["tag"] == "button"
    tops = [s["top"] for s in visited]
    assert tops == sorted(tops), "focus jumps back up the page: " + ", ".join(
        f"{describe(s)}@{s['top']:.0f}" for s in visited
    )

    with page.expect_navigation():
        page.keyboard.press("Enter")
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path == f"/number/{NUMBER}"
    assert query == {"claimed": ["my bank"], "rang": ["2"], "recorded": ["1"]}
    _assert_verdict_shown(
        page, NUMBER, CallContext(claimed="my bank", rang_seconds=2, recorded_message=True)
    )

    # On the result page: a fresh start at the top, and the skip link lands on the verdict.
    assert focus(page) is None
    skip = _tab(page)
    assert skip["href"] == "#main"
    page.keyboard.press("Enter")
    landed = focus(page)
    assert landed is not None and landed["id"] == "main", f"skip link moved to {landed}"


def test_check_flow_works_with_javascript_off(new_context: Any) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_label("Enter the number that called you").fill(NUMBER_TYPED)
    # "What happened?" must open without script (a native <details> does).
    page.get_by_text("What happened?").click()
    page.get_by_label("Who did they say they were?").fill("my bank")
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_url(re.compile(r"/number/"))
    assert urlsplit(page.url).path == f"/number/{NUMBER}"
    assert parse_qs(urlsplit(page.url).query) == {"claimed": ["my bank"]}
    _assert_verdict_shown(page, NUMBER, CallContext(claimed="my bank"))
    # The copy-link button is an enhancement: without JavaScript it stays hidden, and the
    # link itself is there to copy.
    assert page.locator("button.copy-link").is_hidden()
    share = page.locator(f'a[href="/number/{NUMBER}?claimed=my+bank"]')
    assert share.count() >= 1 and share.first.is_visible()


def test_copy_link_button_appears_with_javascript(page: Any) -> None:
    page.goto(f"/number/{NUMBER}")
    page.wait_for_load_state("load")
    assert page.locator("button.copy-link").is_visible()


def test_no_third_party_requests_and_no_csp_errors(page: Any, base_url: str) -> None:
    requests: list[str] = []
    problems: list[str] = []

    def on_console(message: Any) -> None:
        # The 404 and not-a-number pages answer 404/400 on purpose: Chromium logs that.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            problems.append(f"{response.status} for {response.url}")

    page.on("request", lambda request: requests.append(request.url))
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    for path in PAGES.values():
        page.goto(path)
        settle(page, path)
    outside = sorted({url for url in requests if not url.startswith(base_url + "/")})
    assert not outside, f"requests to other sites: {outside}"
    assert not problems, "errors (a CSP violation shows as a console error):\n" + "\n".join(
        problems
    )


def test_screenshots_of_home_and_result(new_context: Any, artifacts: Path) -> None:
    shots = {
        "home-desktop.png": ({"width": 1024, "height": 800}, "/"),
        "result-desktop.png": ({"width": 1024, "height": 800}, f"/number/{NUMBER}"),
        "home-mobile.png": ({"width": 360, "height": 740}, "/"),
        "result-mobile.png": ({"width": 360, "height": 740}, f"/number/{NUMBER}"),
    }
    for name, (viewport, path) in shots.items():
        page = new_context(viewport=viewport).new_page()
        page.goto(path)
        page.wait_for_load_state("load")
        target = artifacts / name
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 1000, f"{target} looks empty"


@pytest.mark.parametrize("path", ["/", f"/number/{NUMBER}"])
def test_pages_have_one_main_heading(page: Any, path: str) -> None:
    page.goto(path)
    assert page.get_by_role("heading", level=1).count() == 1


def test_api_docs_show_the_operations(page: Any) -> None:
    page.goto("/docs")
    settle(page, "/docs")
    text = page.locator("#swagger-ui").inner_text()
    for problem in ("Unable to render", "could not be loaded", "Failed to load"):
        assert problem not in text, f"Swagger UI could not draw the API:\n{text[:400]}"
    assert page.locator("#swagger-ui .opblock").count() >= 4
    # Swagger UI 5 draws the 3.1 schema as it is (no relabelling to 3.0): its stamp says so.
    assert "OAS 3.1" in page.locator("#swagger-ui .info").inner_text()
