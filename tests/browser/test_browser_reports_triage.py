"""In a real browser: a number page with reports, the report form by keyboard alone, and a
call log uploaded on /triage; each page passes axe-core and fits a 360 px phone."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from browser_support import OVERFLOW, settle
from test_browser_axe import BLOCKING, _report

REPORTED = "+2250712345670"  # a Côte d'Ivoire mobile: reported below, with a comment
TO_REPORT = "+2250712345600"
CALL_LOG = Path(__file__).resolve().parents[1] / "data" / "android_calls.xml"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def reported(base_url: str) -> str:
    """REPORTED's number page, after a report with a comment that names other contacts."""
    body = {
        "number": REPORTED,
        "category": "one_ring_callback",
        "rang_seconds": 2,
        "comment": "Rang once at 3am. <b>Do not</b> call +447700900123 or write to a@b.com",
    }
    request = urllib.request.Request(
        f"{base_url}/api/v1/reports",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)
    return f"/number/{REPORTED}"


def _axe(page: Any, axe_script: Path) -> None:
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, _report(blocking)


def _fits_a_phone(page: Any) -> None:
    sizes = page.evaluate(OVERFLOW)
    assert sizes["scrollWidth"] <= sizes["clientWidth"], sizes


def test_a_reported_number_shows_what_people_said_cleaned_and_escaped(
    new_context: Any, reported: str, artifacts: Path
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True).new_page()
    page.goto(reported)
    text = page.locator("main").inner_text()
    assert "1 person" in text
    assert "[number removed]" in text and "[email removed]" in text
    assert "<b>Do not</b>" in text  # shown as typed, never as markup
    assert page.locator("main b", has_text="Do not").count() == 0
    _fits_a_phone(page)
    page.screenshot(path=str(artifacts / "result-with-reports-360.png"), full_page=True)


@pytest.mark.parametrize("width", [1024, 360])
def test_pages_with_reports_pass_axe(
    new_context: Any, axe_script: Path, reported: str, width: int
) -> None:
    page = new_context(viewport={"width": width, "height": 800}, bypass_csp=True).new_page()
    page.goto(reported)
    settle(page, reported)
    _axe(page, axe_script)


def test_the_report_form_works_by_keyboard_alone(new_context: Any) -> None:
    page = new_context().new_page()
    page.goto(f"/number/{TO_REPORT}")
    radio = page.locator("input[name=category][value=silent]")
    radio.focus()
    page.keyboard.press("Space")
    assert radio.is_checked()
    comment = page.locator("textarea[name=comment]")
    comment.focus()
    page.keyboard.type("Nobody spoke, then it hung up.")
    for _ in range(30):  # to the form's button, as a keyboard user would
        page.keyboard.press("Tab")
        if "Send report" in page.evaluate("document.activeElement.textContent || ''"):
            break
    else:
        pytest.fail("Tab never reached the Send report button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "reported=" in page.url
    assert "Thank you" in page.locator("main").inner_text()


def test_a_call_log_upload_gives_a_ranked_report(
    new_context: Any, axe_script: Path, artifacts: Path
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, bypass_csp=True).new_page()
    page.goto("/triage")
    page.set_input_files("input[type=file]", str(CALL_LOG))
    with page.expect_navigation():
        page.locator("main button[type=submit]").first.click()
    text = page.locator("main").inner_text()
    assert "missed call" in text.lower()
    assert page.locator("table").count() >= 1
    _fits_a_phone(page)
    page.screenshot(path=str(artifacts / "triage-report-360.png"), full_page=True)
    _axe(page, axe_script)
