"""The command line, the web form and the API read the same text the same way: how long
it rang (one reader, ``ringcheck.risk.ring_seconds``) and a text holding several numbers
(the first is checked, the others are listed)."""

from __future__ import annotations

import html
from typing import Any

import html5lib
import pytest
from click.testing import CliRunner

from ringcheck import check
from ringcheck.cli import cli
from ringcheck.risk import BadContext, ring_seconds

NUMBER = "+447400123456"
GOOD = [("3", 3), ("3s", 3), ("3 s", 3), ("1.5", 1.5), ("1,5", 1.5), ("1 min", 60), ("0:03", 3)]
BAD = ["long", "-1", "99999", "3 3", "1:75", "soon", "2h"]


def core_message(text: str) -> str:
    with pytest.raises(BadContext) as caught:
        ring_seconds(text)
    assert caught.value.code == "bad_rang"
    return caught.value.message


def cli_check(*args: str) -> Any:
    return CliRunner().invoke(cli, ["check", *args])


@pytest.mark.parametrize(("text", "seconds"), GOOD)
def test_every_face_reads_a_ring_time_as_the_core_does(client, text: str, seconds: float) -> None:
    cli_out = cli_check(NUMBER, "--rang", text, "--json")
    assert cli_out.exit_code == 0, cli_out.output
    assert f'"rang_seconds": {float(seconds)}' in cli_out.output
    got = client.get("/api/v1/check", params={"number": NUMBER, "rang": text}).json()
    posted = client.post("/api/v1/check", json={"number": NUMBER, "rang": text}).json()
    batch = client.post("/api/v1/check/batch", json={"items": [{"number": NUMBER, "rang": text}]})
    for answer in (got, posted, batch.json()["results"][0]):
        assert answer["context"]["rang_seconds"] == seconds
    page = client.get(f"/number/{NUMBER}", params={"rang": text}, follow_redirects=True)
    assert page.status_code == 200
    assert f"rang={seconds:g}" in str(page.url)


@pytest.mark.parametrize("text", BAD)
def test_every_face_gives_the_same_error_for_the_same_bad_ring_time(client, text: str) -> None:
    message = core_message(text)
    cli_out = cli_check(NUMBER, "--rang", text)
    assert cli_out.exit_code == 2
    assert cli_out.output.strip() == f"ringcheck: {message}"
    expected = {"error": {"code": "bad_rang", "message": message}}
    got = client.get("/api/v1/check", params={"number": NUMBER, "rang": text})
    posted = client.post("/api/v1/check", json={"number": NUMBER, "rang": text})
    assert (got.status_code, got.json()) == (422, expected)
    assert (posted.status_code, posted.json()) == (422, expected)
    batch = client.post("/api/v1/check/batch", json={"items": [{"number": NUMBER, "rang": text}]})
    assert batch.json()["results"] == [expected]
    page = client.get(f"/number/{NUMBER}", params={"rang": text})
    assert page.status_code == 400
    assert message in html.unescape(page.text)


def test_the_report_command_and_api_read_ring_times_alike(client) -> None:
    answer = client.post(
        "/api/v1/reports",
        json={"number": "+2250700000001", "category": "one_ring_callback", "rang_seconds": "0:02"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["report"]["rang_seconds"] == 2
    bad = client.post(
        "/api/v1/reports",
        json={"number": "+2250700000001", "category": "one_ring_callback", "rang_seconds": "3 3"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == {"code": "bad_rang", "message": core_message("3 3")}


TWO = "+44 20 7123 4567 or +44 20 7123 4568"


def test_the_api_checks_the_first_number_and_lists_the_others(client) -> None:
    answer = client.get("/api/v1/check", params={"number": TWO}).json()
    assert answer["number"]["e164"] == "+442071234567"
    assert answer["also_found"] == ["+442071234568"]
    single = client.get("/api/v1/check", params={"number": "+44 20 7123 4567"}).json()
    assert "also_found" not in single


def test_the_cli_says_it_checked_the_first_number_and_how_to_check_the_others() -> None:
    out = cli_check(TWO)
    assert out.exit_code == 0
    assert "+442071234568" in out.output
    assert "ringcheck check +442071234568" in out.output


def test_the_form_carries_the_other_numbers_to_the_number_page_with_links(client) -> None:
    page = client.get("/")
    token = html5lib.parse(page.text, namespaceHTMLElements=False).find(
        ".//input[@name='csrf_token']"
    )
    assert token is not None
    answer = client.post("/check", data={"number": TWO, "csrf_token": token.get("value")})
    assert answer.status_code == 200
    assert str(answer.url).endswith("/number/+442071234567?also=%2B442071234568")
    document = html5lib.parse(answer.text, namespaceHTMLElements=False)
    links = [a.get("href") for a in document.iter("a")]
    assert "/number/+442071234568" in links
    assert "more than one number" in answer.text


def test_a_typed_address_with_two_numbers_redirects_keeping_the_other(client) -> None:
    answer = client.get(f"/number/{TWO}", follow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["location"] == "/number/+442071234567?also=%2B442071234568"


def test_the_also_parameter_takes_only_numbers_in_e164(client) -> None:
    page = client.get(
        "/number/+442071234567", params={"also": "<script>,+442071234568"}, follow_redirects=True
    )
    assert str(page.url).endswith("?also=%2B442071234568")
    assert "<script>" not in page.text


def _form_token(client) -> str:
    token = html5lib.parse(client.get("/").text, namespaceHTMLElements=False).find(
        ".//input[@name='csrf_token']"
    )
    assert token is not None
    return str(token.get("value"))


@pytest.mark.parametrize("typed", ["0800 FLOWERS", "O2O 7946 0123", "1-800-FLOWERS"])
def test_the_number_page_says_how_letters_typed_in_the_form_were_read(client, typed) -> None:
    core = check(typed).number
    assert core.read_as is not None and core.e164 is not None
    answer = client.post("/check", data={"number": typed, "csrf_token": _form_token(client)})
    assert answer.status_code == 200
    assert answer.url.path == f"/number/{core.e164}"
    assert answer.url.params.get("typed") == typed
    text = html.unescape(answer.text)
    assert "Read as" in text and core.read_as.note in text
    # the same number typed in digits, or a typed text that isn't this number: no note
    plain = client.get(f"/number/{core.e164}")
    assert plain.status_code == 200 and "Read as" not in plain.text
    other = client.get(f"/number/{core.e164}", params={"typed": "0800 DAISIES"})
    assert other.status_code == 200 and "Read as" not in other.text
    assert "typed" not in str(other.url)


def test_a_typed_address_with_letters_redirects_keeping_what_was_typed(client) -> None:
    answer = client.get("/number/0800 FLOWERS", follow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["location"] == "/number/+448003569377?typed=0800+FLOWERS"
    page = client.get(answer.headers["location"])
    assert check("0800 FLOWERS").number.read_as.note in html.unescape(page.text)
