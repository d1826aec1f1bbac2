"""GET /api/v1/blocklist: what phone systems download daily, in their own formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest

REPORTED = "+447400765432"


def report(make_client: Any, number: str, people: int) -> None:
    for i in range(people):
        sent = make_client(client_host=f"203.0.113.{i + 1}").post(
            "/api/v1/reports", json={"number": number, "category": "one_ring_callback"}
        )
        assert sent.status_code in (200, 201), sent.text


def test_the_callblocker_list_has_the_curated_ranges_worst_first(client: Any) -> None:
    answer = client.get("/api/v1/blocklist")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = json.loads(answer.text)
    numbers = [e["number"] for e in body["entries"]]
    assert {"+1876", "+234", "+881", "+449"} <= set(numbers)
    for entry in body["entries"]:
        assert set(entry) == {"name", "number", "date_created", "date_modified"}
        assert re.fullmatch(r"\+\d+", entry["number"]) and 0 < len(entry["name"]) <= 200
        dt.datetime.strptime(entry["date_modified"], "%Y-%m-%d %H:%M:%S %z")
    assert body["entries"][0]["name"].startswith("SPAM Wangiri (very high risk")
    assert "Last-Modified" in answer.headers
    assert answer.headers["cache-control"] == "public, no-cache"


def test_numbers_three_people_reported_are_listed_and_two_are_not(make_client: Any) -> None:
    report(make_client, REPORTED, 3)
    report(make_client, "+447400765999", 2)
    client = make_client()
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/blocklist?format=csv&level=caution").text))
    )
    listed = {row["number"]: row for row in rows}
    assert listed[REPORTED]["kind"] == "number" and listed[REPORTED]["reporters"] == "3"
    assert "+447400765999" not in listed
    assert listed["+1876"]["kind"] == "range"
    card = client.get("/api/v1/blocklist?format=vcard&level=caution")
    assert card.headers["content-type"].startswith("text/vcard")
    tels = [line for line in card.text.split("\r\n") if line.startswith("TEL")]
    assert tels == [f"TEL;TYPE=VOICE:{REPORTED}"]  # whole numbers only: phones can't match ranges
    assert card.text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")


def test_spamblocker_patterns_match_the_forms_its_database_compares(make_client: Any) -> None:
    report(make_client, REPORTED, 3)
    text = make_client().get("/api/v1/blocklist?format=spamblocker&level=caution").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["pattern", "description"]
    patterns = {row["pattern"] for row in rows}
    assert {"447400765432", "7400765432"} <= patterns  # exact, as SpamBlocker's DB matches
    ranges = [re.compile(p) for p in patterns if p.startswith("^")]
    for number in ("+18768123456", "0018768123456", "18768123456", "09012345678", "+449012345678"):
        assert any(r.match(number) for r in ranges), number
    assert not any(r.match("+447400123456") for r in ranges)


def test_limit_since_and_etag(client: Any) -> None:
    few = json.loads(client.get("/api/v1/blocklist?limit=5").text)["entries"]
    assert len(few) == 5
    later = client.get("/api/v1/blocklist?since=2999-01-01")
    assert json.loads(later.text)["entries"] == []
    first = client.get("/api/v1/blocklist")
    again = client.get("/api/v1/blocklist", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "query", ["format=xml", "level=extreme", "since=yesterday", "limit=0", "limit=99999"]
)
def test_bad_parameters_are_clear_422s(client: Any, query: str) -> None:
    answer = client.get(f"/api/v1/blocklist?{query}")
    assert answer.status_code == 422
    assert answer.json()["error"]["message"]
