"""Issue 18, section 3, on the web: the page never shows a heading over nothing, and what
the voicemail asked for reaches the verdict from the form and the API as from the CLI."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ringcheck import CallContext, check

HEADINGS = ("h1", "h2", "h3")
LISTS = ("ul", "ol", "dl")


class _Outline(HTMLParser):
    """Headings and lists with nothing under them."""

    def __init__(self) -> None:
        super().__init__()
        self.open_heading: str | None = None  # heading text waiting for content
        self.empty: list[str] = []
        self.lists: list[int] = []  # items seen in each open list
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HEADINGS:
            self._close_heading(empty=True)
            self.text = ""
        elif tag in ("input", "img", "textarea", "select"):
            self.open_heading = None
        if tag in LISTS:
            self.lists.append(0)
        elif tag in ("li", "dt", "dd", "div") and self.lists:
            self.lists[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS:
            self.open_heading = self.text.strip() or "(blank heading)"
        elif tag == "section":
            self._close_heading(empty=True)
        elif tag in LISTS and self.lists and self.lists.pop() == 0:
            self.empty.append(f"empty <{tag}>")

    def handle_data(self, data: str) -> None:
        self.text += data
        if self.open_heading is not None and data.strip():
            self.open_heading = None

    def _close_heading(self, empty: bool) -> None:
        if self.open_heading is not None and empty:
            self.empty.append(self.open_heading)
        self.open_heading = None


def empty_parts(html: str) -> list[str]:
    outline = _Outline()
    outline.feed(html)
    outline.close()
    return outline.empty


def test_the_outline_reader_finds_an_empty_heading_and_list() -> None:
    assert empty_parts("<section><h2>Why</h2><ul class='reasons'></ul></section>") == [
        "empty <ul>",
        "Why",
    ]
    assert empty_parts("<section><h2>Why</h2><ul><li>x</li></ul></section>") == []


NUMBERS = (
    "08001234567",  # no reason at all
    "+447400123456",
    "+18768123456",
    "withheld",
    "+447911123456",
    "+881631234567",
)
STORIES = ({}, {"voicemail": "1"}, {"claimed": "my son", "rang": "1"}, {"expected": "1"})


@pytest.mark.parametrize("number", NUMBERS)
def test_the_result_page_never_shows_a_heading_over_nothing(client, number: str) -> None:
    for story in STORIES:
        page = client.get(f"/number/{number}", params=story, follow_redirects=True)
        assert page.status_code == 200, (number, story)
        assert empty_parts(page.text) == [], (number, story)


def test_the_form_and_the_api_read_the_voicemail_number_as_the_core_does(client) -> None:
    core = check("+447400123456", CallContext(voicemail_number="0906 123 4567")).verdict
    page = client.get("/number/+447400123456", params={"voicemail_number": "0906 123 4567"}).text
    assert "premium-rate number" in page
    api = client.get(
        "/api/v1/check", params={"number": "+447400123456", "voicemail_number": "0906 123 4567"}
    ).json()
    assert api["verdict"]["level"] == core.level
    assert api["context"]["voicemail_number"] == "+449061234567"
    posted = client.post(
        "/api/v1/check", json={"number": "+447400123456", "voicemail_number": "09061234567"}
    ).json()
    assert {r["code"] for r in posted["verdict"]["reasons"]} >= {"voicemail_premium_callback"}


def test_a_voicemail_number_that_is_not_a_number_is_a_clear_error_on_every_face(client) -> None:
    api = client.get(
        "/api/v1/check", params={"number": "+447400123456", "voicemail_number": "call me"}
    )
    assert api.status_code in (400, 422)
    assert api.json()["error"]["code"] == "bad_voicemail_number"
    page = client.get("/number/+447400123456", params={"voicemail_number": "call me"})
    assert page.status_code < 500
    assert "voicemail" in page.text
