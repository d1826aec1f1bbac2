"""The JSON API under /api/v1: the result contract, batches, codes and errors as JSON."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import html5lib
import pytest
import schemathesis

import ringcheck.web
from contract import DATA_VERSION, assert_matches_contract

UK_MOBILE = "+447400123456"
NIGERIA = "+2348031234567"


def reason_codes(result: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in result["verdict"]["reasons"]]


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """``response`` is ``status`` with ``{"error": {"code", "message"}}`` as JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    if code is not None:
        assert error["code"] == code
    return error


# GET and POST /check


def test_get_check_answers_with_the_result_contract(client):
    response = client.get("/api/v1/check", params={"number": UK_MOBILE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    result = response.json()
    assert_matches_contract(result, UK_MOBILE)
    assert result["number"]["e164"] == UK_MOBILE
    assert result["number"]["line_type"] == "mobile"
    assert result["number"]["domestic"] is True


def test_get_check_reads_a_number_written_the_national_way(client):
    result = client.get("/api/v1/check", params={"number": "07400 123456"}).json()
    assert_matches_contract(result, "07400 123456")
    assert result["number"]["e164"] == UK_MOBILE
    assert result["number"]["written_as"] == "national"


def test_what_happened_on_the_call_reaches_the_verdict(client):
    plain = client.get("/api/v1/check", params={"number": NIGERIA}).json()
    params = {"number": NIGERIA, "claimed": "HMRC", "rang": "3", "recorded": "true"}
    story = client.get("/api/v1/check", params=params).json()
    assert_matches_contract(story, NIGERIA)
    assert story["context"]["claimed"] == "HMRC"
    assert story["context"]["rang_seconds"] == 3
    assert story["context"]["recorded_message"] is True
    codes = reason_codes(story)
    for code in ("claimed_uk_organisation_from_abroad", "one_ring", "recorded_press_button"):
        assert code in codes
        assert code not in reason_codes(plain)
    assert story["verdict"]["score"] >= plain["verdict"]["score"]


def test_expecting_a_call_and_a_voicemail_lower_concern(client):
    plain = client.get("/api/v1/check", params={"number": "+33612345678"}).json()
    params = {"number": "+33612345678", "expected": "true", "voicemail": "true"}
    calm = client.get("/api/v1/check", params=params).json()
    assert_matches_contract(calm, "+33612345678")
    assert {"expected_contact", "voicemail_left"} <= set(reason_codes(calm))
    assert calm["verdict"]["score"] < plain["verdict"]["score"]


def test_post_check_takes_the_same_fields_as_a_json_body(client):
    body = {"number": NIGERIA, "claimed": "HMRC", "rang": 3, "recorded": True}
    response = client.post("/api/v1/check", json=body)
    assert response.status_code == 200
    result = response.json()
    assert_matches_contract(result, NIGERIA)
    query = client.get("/api/v1/check", params={**body, "rang": "3", "recorded": "true"})
    assert result == query.json()


def test_a_withheld_caller_is_a_result_not_an_error(client):
    response = client.get("/api/v1/check", params={"number": "Withheld"})
    assert response.status_code == 200
    result = response.json()
    assert_matches_contract(result, "Withheld")
    assert "withheld" in reason_codes(result)


# Batches


def test_batch_answers_in_order_with_errors_in_place_of_bad_items(client):
    items: list[Any] = [
        {"number": UK_MOBILE},
        {"number": "hello"},  # not a phone number
        {"number": 7400123456},  # wrong type
        {"claimed": "HMRC"},  # no number
        {"number": NIGERIA, "claimed": "HMRC"},
        "+447400123456",  # not an object
        {"number": UK_MOBILE, "rang": "long"},  # wrong type for a context field
        None,
        {"number": "+44 20 7946 0000"},
    ]
    response = client.post("/api/v1/check/batch", json={"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(items)
    good = {0: UK_MOBILE, 4: NIGERIA, 8: "+44 20 7946 0000"}
    for i, result in enumerate(results):
        if i in good:
            assert_matches_contract(result, good[i])
        else:
            assert set(result) == {"error"}, (i, result)
            assert set(result["error"]) == {"code", "message"}
            assert result["error"]["message"].strip()
    assert results[1]["error"]["code"] == "no_number"
    assert results[4]["context"]["claimed"] == "HMRC"
    assert "claimed_uk_organisation_from_abroad" in reason_codes(results[4])


def test_batch_item_gives_the_same_answer_as_a_single_check(client):
    item = {"number": NIGERIA, "claimed": "my bank", "rang": 4}
    batch = client.post("/api/v1/check/batch", json={"items": [item]}).json()
    single = client.post("/api/v1/check", json=item).json()
    assert batch["results"] == [single]


def test_an_empty_batch_is_an_empty_answer(client):
    response = client.post("/api/v1/check/batch", json={"items": []})
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_batch_of_1000_is_accepted(client):
    items = [{"number": f"+4474001{i:05d}"} for i in range(1000)]
    response = client.post("/api/v1/check/batch", json={"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["number"]["e164"] for r in results] == [item["number"] for item in items]


def test_batch_of_1001_is_refused_with_an_error(client):
    items = [{"number": UK_MOBILE}] * 1001
    response = client.post("/api/v1/check/batch", json={"items": items})
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


@pytest.mark.parametrize("body", [{}, {"items": "nope"}, {"items": {"number": UK_MOBILE}}, []])
def test_batch_without_a_list_of_items_is_a_422(client, body):
    assert_error(client.post("/api/v1/check/batch", json=body), 422, "invalid_request")


# Calling codes


def test_codes_lists_every_calling_code(client):
    response = client.get("/api/v1/codes")
    assert response.status_code == 200
    codes = response.json()["codes"]
    assert len(codes) > 200
    by_digits = {row["digits"]: row for row in codes}
    assert "GB" in by_digits["44"]["regions"]
    assert by_digits["234"]["high_risk"] is True
    for row in codes:
        assert set(row) >= {"code", "digits", "regions", "places", "high_risk", "note"}
        assert row["code"].replace(" ", "") == "+" + row["digits"]


def test_codes_filter_finds_by_country_and_by_digits(client):
    nigeria = client.get("/api/v1/codes", params={"q": "nigeria"}).json()["codes"]
    assert [row["digits"] for row in nigeria] == ["234"]
    uk = client.get("/api/v1/codes", params={"q": "44"}).json()["codes"]
    assert "44" in [row["digits"] for row in uk]
    assert client.get("/api/v1/codes", params={"q": "zzzz"}).json() == {"codes": []}


# Errors


@pytest.mark.parametrize("number", ["hello", "12", "+", "+999 1234 5678", ""])
def test_text_that_is_not_a_number_is_a_400_with_a_reason(client, number):
    response = client.get("/api/v1/check", params={"number": number})
    error = assert_error(response, 400)
    assert error["code"] != "internal"
    post = client.post("/api/v1/check", json={"number": number})
    assert post.json() == response.json()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"claimed": "HMRC"},
        {"number": UK_MOBILE, "voicemail": "perhaps"},
        {"number": "1" * 1001},
        {"number": UK_MOBILE, "claimed": "x" * 201},
    ],
)
def test_missing_or_invalid_params_are_a_422(client, params):
    error = assert_error(client.get("/api/v1/check", params=params), 422, "invalid_request")
    assert "Traceback" not in error["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"number": None}, {"number": 447400123456}, {"number": UK_MOBILE, "rang": True}],
)
def test_post_check_with_a_bad_body_is_a_422(client, body):
    assert_error(client.post("/api/v1/check", json=body), 422, "invalid_request")


@pytest.mark.parametrize("rang", ["long", "-1", "99999", "soon", "3 3"])
def test_a_ring_time_that_cant_be_read_is_a_422_bad_rang_on_get_and_post(client, rang):
    got = assert_error(
        client.get("/api/v1/check", params={"number": UK_MOBILE, "rang": rang}), 422, "bad_rang"
    )
    posted = assert_error(
        client.post("/api/v1/check", json={"number": UK_MOBILE, "rang": rang}), 422, "bad_rang"
    )
    assert got == posted


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/check", "/api/v1/check/extra"])
def test_unknown_api_path_is_a_404_in_json(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/api/v1/check"), ("PUT", "/api/v1/check"), ("GET", "/api/v1/check/batch")],
)
def test_wrong_method_is_a_405_in_json(client, method, path):
    assert_error(client.request(method, path), 405, "method_not_allowed")


def test_body_over_512_kb_is_a_413_in_json(client):
    body = json.dumps({"number": UK_MOBILE, "claimed": "x" * (513 * 1024)})
    response = client.post(
        "/api/v1/check", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "too_large")


def test_streamed_body_over_512_kb_without_length_is_a_413_in_json(client):
    def chunks():  # no Content-Length: the limit is enforced while the body is read
        for _ in range(20):
            yield b" " * 32 * 1024

    for path in ("/api/v1/check", "/api/v1/check/batch"):
        response = client.post(path, content=chunks(), headers={"content-type": "application/json"})
        assert "content-length" not in response.request.headers
        assert_error(response, 413, "too_large")


def test_body_just_under_the_limit_is_read(client):
    body = json.dumps({"number": UK_MOBILE, "padding": " " * (500 * 1024)})
    response = client.post(
        "/api/v1/check", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["number"]["e164"] == UK_MOBILE


@pytest.mark.parametrize(
    "body", [b"{bad", b'{"number": "+447400123456"', b"\xff\xfe", b"", b"null", b'"+447400123456"']
)
def test_a_body_that_is_not_a_json_object_is_a_4xx_json_error(client, body):
    for path in ("/api/v1/check", "/api/v1/check/batch"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, response.text
        assert_error(response, response.status_code)


def test_broken_json_is_explained_as_broken_json(client):
    response = client.post(
        "/api/v1/check", content=b"{bad", headers={"content-type": "application/json"}
    )
    error = assert_error(response, 422, "invalid_request")
    assert "not valid JSON" in error["message"]


# Health, OpenAPI and docs


def test_healthz_reports_ok_and_the_data_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "data_version": DATA_VERSION}


def test_openapi_schema_is_valid_and_lists_the_endpoints(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    schemathesis.openapi.from_dict(schema).validate()  # against the OpenAPI meta-schema
    paths = schema["paths"]
    assert set(paths["/api/v1/check"]) == {"get", "post"}
    assert set(paths["/api/v1/check/batch"]) == {"post"}
    assert set(paths["/api/v1/codes"]) == {"get"}
    assert not [p for p in paths if not p.startswith("/api/v1/")], "pages leak into the API"
    ok = paths["/api/v1/check"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/CheckResultModel"}
    for status in ("400", "422", "429"):
        assert status in paths["/api/v1/check"]["get"]["responses"]


def test_openapi_documents_every_error_as_the_error_object(client):
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" in responses and "429" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error, (method, path, status)


def test_docs_page_is_served_with_same_origin_assets_only(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    document = html5lib.parse(response.text, namespaceHTMLElements=False)
    scripts = [el.get("src") for el in document.iter("script")]
    styles = [el.get("href") for el in document.iter("link") if el.get("rel") == "stylesheet"]
    assert "/static/swagger-ui/swagger-ui-bundle.js" in scripts
    assert "/static/swagger-ui/swagger-ui.css" in styles
    for url in scripts + styles:
        assert url and url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    # (test_security checks every URL on every page, this one included, is same-origin.)


SWAGGER_DIR = Path(ringcheck.web.__file__).parent / "static" / "swagger-ui"


def test_vendored_swagger_ui_files_are_those_its_readme_names():
    readme = (SWAGGER_DIR / "README.md").read_text("utf-8")
    listed = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    )
    assert set(listed) == {p.name for p in SWAGGER_DIR.iterdir() if p.name != "README.md"}
    for name, digest in listed.items():
        assert hashlib.sha256((SWAGGER_DIR / name).read_bytes()).hexdigest() == digest, name
    version = re.search(r"^\| version \| (\S+) \|$", readme, re.M)
    assert version is not None
    assert (
        f'PACKAGE_VERSION:"{version.group(1)}"'
        in (SWAGGER_DIR / "swagger-ui-bundle.js").read_text()
    )


def test_the_schema_is_served_as_openapi_3_1_with_no_relabelling(client):
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1.")
    script = client.get("/static/docs.js").text
    assert "3.0" not in script


def test_redoc_and_the_default_swagger_page_are_not_served(client):
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404
