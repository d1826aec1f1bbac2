"""The /triage page and POST /api/v1/triage, through the app in-process."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib

DATA = Path(__file__).resolve().parents[1] / "data"


def token(client) -> str:
    page = client.get("/triage")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def upload(name: str, data: bytes | None = None) -> dict:
    return {"file": (name, data if data is not None else (DATA / name).read_bytes(), "text/csv")}


def test_page_has_an_upload_form_with_a_csrf_token(client):
    page = client.get("/triage")
    document = html5lib.parse(page.text, namespaceHTMLElements=False)
    form = document.find(".//form[@action='/triage']")
    assert form is not None and form.get("enctype") == "multipart/form-data"
    assert form.find(".//input[@type='file']") is not None
    assert "Up to 10 MB" in page.text


def test_upload_shows_the_report(client):
    page = client.post("/triage", data={"csrf_token": token(client)}, files=upload("generic.csv"))
    assert page.status_code == 200
    assert "What we found" in page.text and "look like scams" in page.text
    assert "<svg" in page.text


def test_upload_without_a_valid_token_checks_nothing(client):
    token(client)
    page = client.post("/triage", data={"csrf_token": "forged.value"}, files=upload("generic.csv"))
    assert page.status_code == 400 and "run out of time" in page.text


def test_oversize_upload_on_the_page_says_the_limit_in_words(make_client):
    client = make_client(triage_max_upload_mb=1)
    big = b"number\n" + b"+447400123456\n" * 100_000
    page = client.post("/triage", data={"csrf_token": token(client)}, files=upload("b.csv", big))
    assert page.status_code == 413
    assert "bigger than 1 MB" in page.text


def test_api_returns_the_triage_json(client):
    answer = client.post("/api/v1/triage", files=upload("generic.csv"), data={"format": "csv"})
    assert answer.status_code == 200
    payload = answer.json()
    assert set(payload) == {"summary", "numbers", "unreadable_rows"}
    assert payload["numbers"][0]["verdict"]["level"] == "very_high"


def test_api_reads_an_android_backup(client):
    answer = client.post("/api/v1/triage", files=upload("android_calls.xml"))
    assert answer.status_code == 200 and answer.json()["summary"]["format"] == "android-xml"


def test_api_oversize_upload_is_413_json(make_client):
    client = make_client(triage_max_upload_mb=1)
    big = b"number\n" + b"+447400123456\n" * 100_000
    answer = client.post("/api/v1/triage", files=upload("b.csv", big))
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert "1 MB" in answer.json()["error"]["message"]


def test_a_gzipped_log_is_triaged_and_one_unpacking_past_the_limit_is_413(make_client):
    import gzip

    client = make_client(triage_max_upload_mb=1)
    packed = gzip.compress((DATA / "generic_utf16.tsv").read_bytes())
    answer = client.post("/api/v1/triage", files=upload("calls.tsv.gz", packed))
    plain = client.post("/api/v1/triage", files=upload("generic_utf16.tsv"))
    assert answer.status_code == 200 and answer.json() == plain.json()
    bomb = gzip.compress(b"number\n" + b"+447400123456\n" * 100_000)  # 1.4 MB unpacked
    refused = client.post("/api/v1/triage", files=upload("b.csv.gz", bomb))
    assert refused.status_code == 413 and "1 MB" in refused.json()["error"]["message"]


def test_api_body_far_past_the_limit_is_stopped_at_the_edge(make_client):
    client = make_client(triage_max_upload_mb=1)
    answer = client.post("/api/v1/triage", files=upload("b.csv", b"x" * (4 * 1024 * 1024)))
    assert answer.status_code == 413


def test_ordinary_api_routes_keep_the_small_body_limit(client):
    answer = client.post("/api/v1/check", content=b"x" * (600 * 1024))
    assert answer.status_code == 413


def test_hostile_xml_is_refused_with_4xx(client):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE calls [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<calls><call number="&b;" type="3"/></calls>'
    )
    answer = client.post("/api/v1/triage", files=upload("calls.xml", bomb))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "xml_entities"


def test_wrong_files_and_requests_get_4xx_json_never_5xx(client):
    cases = [
        (upload("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00"), {}, 400),
        (upload("empty.csv", b""), {}, 400),
        (upload("a.json", b'{"a": 1}'), {}, 400),
        (upload("generic.csv"), {"format": "excel"}, 422),
        (upload("generic.csv"), {"tz": "../../etc/passwd"}, 422),
        ({"other": ("a.csv", b"number\n+18768123456\n")}, {}, 422),
    ]
    for files, data, status in cases:
        answer = client.post("/api/v1/triage", files=files, data=data)
        assert answer.status_code == status, (files, data, answer.text)
        assert set(answer.json()["error"]) == {"code", "message"}
    assert client.post("/api/v1/triage", json={"file": "x"}).status_code == 415


def test_api_is_documented_in_openapi(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/triage"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    assert {"200", "400", "413", "415", "422"} <= set(operation["responses"])


def test_report_stylesheet_is_served(client):
    answer = client.get("/triage/report.css")
    assert answer.status_code == 200 and ".tr-bar" in answer.text


def test_the_api_says_whether_the_log_records_ring_times(client):
    from typing import get_args

    from ringcheck.calllog.source import SOURCES
    from ringcheck.web.routes.triage import Sources

    assert set(get_args(Sources)) == set(SOURCES)
    android = client.post("/api/v1/triage", files=upload("android_calls.xml")).json()
    assert (android["summary"]["source"], android["summary"]["ring_time"]) == (
        "android-xml",
        False,
    )
    rings = client.post("/api/v1/triage", files=upload("generic.csv")).json()["summary"]
    assert (rings["source"], rings["ring_time"]) == ("csv-ring", True)


def test_the_report_page_says_when_the_log_cannot_show_one_ring_calls(client):
    page = client.post(
        "/triage", data={"csrf_token": token(client)}, files=upload("android_calls.xml")
    )
    assert page.status_code == 200
    assert "doesn't record how long a call rang" in page.text
    page = client.post("/triage", data={"csrf_token": token(client)}, files=upload("generic.csv"))
    assert "doesn't record how long a call rang" not in page.text
