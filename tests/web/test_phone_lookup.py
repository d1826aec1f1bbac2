"""Phone-system routes: /api/v1/lookup (JSON) and /api/v1/cid (plain caller name).

Requests are shaped as the systems send them: FreePBX's cidlookup module writes the
number as ``${STRREPLACE(CALLERID(num),"+",%2B)}`` (so ``+`` arrives as ``%2B``),
SpamBlocker doesn't URL-encode (``+`` in a query arrives as a space), switches send bare
international numbers. Superfecta's "Regular Expressions 2" source reads the JSON with
the two expressions the README gives; the test applies exactly those.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from ringcheck.lookup import lookup

JAMAICA = "+18768123456"
UK_MOBILE = "+447400123456"
# The two expressions README's "Use it from your phone system" gives Superfecta's
# Regular Expressions 2 source (PHP /…/ delimiters), read from the README itself.
README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
SUPERFECTA_NAME = re.search(r"name expression `/(.+?)/`", README).group(1)  # type: ignore[union-attr]
SUPERFECTA_SPAM = re.search(r"SPAM expression `/(.+?)/s`", README).group(1)  # type: ignore[union-attr]


def test_lookup_answers_the_machine_verdict(client: Any) -> None:
    answer = client.get(f"/api/v1/lookup/{JAMAICA}")
    assert answer.status_code == 200
    body = answer.json()
    assert body == lookup(JAMAICA).to_dict()
    assert body["action"] == "block" and body["category"] == "wangiri"
    assert body["score9"] == 9 and body["label"] == "SPAM Wangiri"
    assert "high_risk_destination" in body["reasons"]
    assert set(body) == {
        "number", "e164", "action", "category", "level", "score", "score9", "label",
        "reasons", "community", "data_version",
    }  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/lookup/%2B18768123456",  # FreePBX cidlookup: + as %2B
        "/api/v1/lookup/%2018768123456",  # + arrived as a space
        "/api/v1/lookup/ 18768123456",
        "/api/v1/lookup/18768123456",  # bare international
        "/api/v1/lookup/0018768123456",  # with the UK's international prefix
        "/api/v1/lookup/+1%20(876)%20812-3456",
    ],
)
def test_every_form_phone_systems_send_reads_as_the_same_number(client: Any, path: str) -> None:
    body = client.get(path).json()
    assert body["e164"] == JAMAICA
    assert body["action"] == "block"


def test_a_uk_number_is_allowed_and_named_by_its_kind(client: Any) -> None:
    body = client.get(f"/api/v1/lookup/{UK_MOBILE}").json()
    assert (body["action"], body["category"], body["label"]) == ("allow", "none", "UK mobile")
    assert client.get("/api/v1/cid/%2B441614960123").text != ""  # Manchester's drama range


@pytest.mark.parametrize(
    "number",
    ["hello", "%2B", "1", "Anonymous", "%00", "..%2F..%2Fetc%2Fpasswd", "9" * 500, "🙂", ""],
)
def test_bad_numbers_get_a_neutral_answer_never_an_error(client: Any, number: str) -> None:
    body = client.get(f"/api/v1/lookup/{number}")
    assert body.status_code == 200
    assert body.json()["action"] == "unknown"
    name = client.get(f"/api/v1/cid/{number}")
    assert name.status_code == 200
    assert name.headers["content-type"].startswith("text/plain")
    assert name.text in ("Unknown number", "Withheld number")


def test_answers_can_be_kept_by_the_pbx_but_are_asked_again_before_each_use(
    client: Any,
) -> None:
    first = client.get(f"/api/v1/lookup/{JAMAICA}")
    # no max-age: a live campaign must reach the PBX within seconds (issue 21 §2)
    assert first.headers["cache-control"] == "public, no-cache"
    assert client.get(f"/api/v1/cid/{JAMAICA}").headers["cache-control"] == "public, no-cache"
    tag = first.headers["etag"]
    again = client.get(f"/api/v1/lookup/{JAMAICA}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(f"/api/v1/lookup/{UK_MOBILE}", headers={"If-None-Match": tag})
    assert other.status_code == 200
    name = client.get(f"/api/v1/cid/{JAMAICA}")
    assert (
        client.get(
            f"/api/v1/cid/{JAMAICA}", headers={"If-None-Match": name.headers["etag"]}
        ).status_code
        == 304
    )


def test_the_caller_name_is_short_ascii_text_verdict_first(client: Any) -> None:
    answer = client.get("/api/v1/cid/%2B18768123456")
    assert answer.headers["content-type"] == "text/plain; charset=us-ascii"
    assert answer.text == "SPAM Wangiri"
    assert client.get("/api/v1/cid/%2B33612345678").text == "Intl +33 FR"
    assert client.get("/api/v1/cid/%2B18768123456?max=4").text == "SPAM"
    assert client.get("/api/v1/cid/%2B18768123456?max=nonsense").text == "SPAM Wangiri"
    for number in ("%2B2348031234567", "%2B441614960000", "09098765432", "%2B88216123456"):
        text = client.get(f"/api/v1/cid/{number}").text
        assert text.isascii() and 0 < len(text) <= 15


def test_the_hash_form_is_read_by_asterisk_hash(client: Any) -> None:
    text = client.get("/api/v1/cid/%2B18768123456?format=hash").text
    # CURLOPT(hashcompat): '&'-separated, URL-encoded key=value pairs.
    assert re.fullmatch(r"[a-z0-9]+=[A-Za-z0-9%._~-]*(&[a-z0-9]+=[A-Za-z0-9%._~-]*)*", text)
    pairs = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    assert pairs == {
        "action": "block",
        "score9": "9",
        "level": "very_high",
        "category": "wangiri",
        "label": "SPAM Wangiri",
    }


def test_superfecta_reads_name_and_spam_flag_with_the_readme_expressions(client: Any) -> None:
    spam = client.get(f"/api/v1/lookup/{JAMAICA}").text
    assert re.search(SUPERFECTA_NAME, spam).group(1) == "SPAM Wangiri"  # type: ignore[union-attr]
    found = re.search(SUPERFECTA_SPAM, spam, re.S)
    assert found is not None and found.group(1) == "block" and int(found.group(2)) == 9
    fine = client.get(f"/api/v1/lookup/{UK_MOBILE}").text
    assert re.search(SUPERFECTA_NAME, fine).group(1) == "UK mobile"  # type: ignore[union-attr]
    assert re.search(SUPERFECTA_SPAM, fine, re.S) is None
    abroad = client.get("/api/v1/lookup/%2B4930123456").text  # an ordinary German landline
    assert re.search(SUPERFECTA_NAME, abroad).group(1) == "Intl +49 DE"  # type: ignore[union-attr]
    assert re.search(SUPERFECTA_SPAM, abroad, re.S) is None


def test_reports_from_three_people_show_in_the_lookup(make_client: Any) -> None:
    number = "+447400765432"
    for host in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        sent = make_client(client_host=host).post(
            "/api/v1/reports", json={"number": number, "category": "one_ring_callback"}
        )
        assert sent.status_code in (200, 201), sent.text
    body = make_client().get(f"/api/v1/lookup/{number}").json()
    assert body["community"]["reporters"] == 3
    assert body["community"]["by_category"] == {"one_ring_callback": 3}
    assert "community_reports" in body["reasons"]
    assert body["category"] == "wangiri"
    assert body["action"] in ("warn", "block")


def test_a_rate_limited_pbx_still_gets_a_caller_name_not_json(make_client: Any) -> None:
    client = make_client(rate_per_minute=1, rate_burst=1)
    assert client.get(f"/api/v1/cid/{JAMAICA}").status_code == 200
    limited = client.get(f"/api/v1/cid/{JAMAICA}")
    assert limited.status_code == 429 and limited.text == "Unknown"
    assert limited.headers["content-type"].startswith("text/plain")
    assert client.get(f"/api/v1/lookup/{JAMAICA}").json()["error"]["code"] == "rate_limited"


def spamblocker_signature(kind: str) -> str:
    return re.search(rf"{kind}\s+match\s+`(.+?)`", README).group(1)  # type: ignore[union-attr]


def test_spamblocker_reads_the_verdict_with_the_readme_expressions(client: Any) -> None:
    # Its instant query sends {cc}{domestic}: the number bare, without '+'.
    negative, positive = spamblocker_signature("negative"), spamblocker_signature("positive")
    category = spamblocker_signature("category")
    spam = client.get("/api/v1/lookup/18768123456").text
    assert re.search(negative, spam) and not re.search(positive, spam)
    assert re.search(category, spam).group(1) == "wangiri"  # type: ignore[union-attr]
    fine = client.get("/api/v1/lookup/447400123456").text
    assert re.search(positive, fine) and not re.search(negative, fine)
    unsure = client.get("/api/v1/lookup/33612345678").text  # warn: neither
    assert not re.search(positive, unsure) and not re.search(negative, unsure)


def test_a_call_back_lookup_says_its_direction_and_what_to_do_with_the_call(client: Any) -> None:
    # A proxy asks with ?direction=out when a subscriber dials the number (a call-back).
    back = client.get(f"/api/v1/lookup/{JAMAICA}?direction=out").json()
    assert back["direction"] == "out"
    assert back["callback_action"] == back["action"] == "block"
    rung = client.get(f"/api/v1/lookup/{UK_MOBILE}?direction=in").json()
    assert (rung["direction"], rung["callback_action"]) == ("in", "allow")
    plain = client.get(f"/api/v1/lookup/{UK_MOBILE}").json()
    assert "direction" not in plain and "callback_action" not in plain
    wrong = client.get(f"/api/v1/lookup/{UK_MOBILE}?direction=sideways")
    assert wrong.status_code == 422
    assert "direction" in wrong.json()["error"]["message"]
