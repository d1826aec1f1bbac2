"""Security and privacy of every page and endpoint: headers, no inline script, no other
origins, CSRF on the form, hostile input, an access log without numbers, production secrets.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any
from urllib.parse import quote, urlsplit

import html5lib
import pytest

from ringcheck.errors import ConfigError
from ringcheck.settings import Settings
from ringcheck.web import csrf
from ringcheck.web.app import create_app

NUMBER = "+447400123456"
ALERT = "<script>alert(1)</script>"

PAGES = [
    "/",
    "/guide",
    "/codes",
    "/codes?q=44",
    "/about",
    "/docs",
    f"/number/{NUMBER}",
    "/number/+2348031234567?claimed=HMRC&rang=3&recorded=1",
    "/number/withheld",
    "/number/hello",  # "that doesn't look like a phone number"
    "/no-such-page",  # helpful 404
]
ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/api/v1/check?number={quote(NUMBER)}", {}),
    ("GET", "/api/v1/check?number=hello", {}),
    ("GET", "/api/v1/check", {}),
    ("POST", "/api/v1/check", {"json": {"number": NUMBER}}),
    ("POST", "/api/v1/check/batch", {"json": {"items": [{"number": NUMBER}, {}]}}),
    ("GET", "/api/v1/codes?q=44", {}),
    ("GET", "/api/v1/nope", {}),
    ("DELETE", "/api/v1/check", {}),
    ("POST", "/api/v1/check", {"content": b"x" * (600 * 1024)}),
    ("POST", "/check", {"data": {"number": NUMBER}}),
    ("GET", "/healthz", {}),
    ("GET", "/openapi.json", {}),
    ("GET", "/static/style.css", {}),
    ("GET", "/static/swagger-ui/swagger-ui-bundle.js", {}),
]

# Attributes that make the browser fetch something as the page loads or submits.
FETCHING_ATTRIBUTES = ("src", "srcset", "poster", "data", "action", "formaction", "background")


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response: Any) -> None:
    where = f"{response.request.method} {response.request.url.path} → {response.status_code}"
    csp = csp_directives(response)
    assert csp, f"{where}: no Content-Security-Policy"
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None, f"{where}: CSP has no script-src"
    assert "'unsafe-inline'" not in script_src, where
    assert "'unsafe-eval'" not in script_src, where
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "no-referrer", where


def parse(html: str) -> Any:
    return html5lib.parse(html, namespaceHTMLElements=False)


def elements(document: Any) -> list[Any]:
    return [el for el in document.iter() if isinstance(el.tag, str)]


def is_same_origin(url: str) -> bool:
    parts = urlsplit(url.strip())
    if not parts.scheme and not parts.netloc:
        return True  # relative: /path, path, ?query or #fragment
    return parts.scheme in ("http", "https") and parts.netloc == "testserver"


def csrf_token(html: str) -> str:
    """The CSRF token a page put in its form."""
    fields = [el for el in parse(html).iter("input") if el.get("name") == csrf.FIELD]
    assert fields, "the page has no CSRF field"
    return str(fields[0].get("value"))


# Headers


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code < 500
    assert_secure_headers(response)


@pytest.mark.parametrize(("method", "path", "kwargs"), ENDPOINTS)
def test_every_endpoint_sends_the_security_headers(client, method, path, kwargs):
    response = client.request(method, path, follow_redirects=False, **kwargs)
    assert response.status_code < 500
    assert_secure_headers(response)


def test_a_rate_limited_answer_sends_the_security_headers(make_client):
    client = make_client(rate_per_minute=1, rate_burst=1)
    client.get("/api/v1/codes")
    response = client.get("/api/v1/codes")
    assert response.status_code == 429
    assert_secure_headers(response)


def test_a_redirect_sends_the_security_headers(client):
    response = client.get("/number/07400123456", follow_redirects=False)
    assert response.status_code in (301, 302, 303, 307, 308)
    assert_secure_headers(response)


# Page HTML


@pytest.mark.parametrize("path", PAGES)
def test_no_page_has_inline_script(client, path):
    document = parse(client.get(path).text)
    for script in document.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind == "application/ld+json":
            json.loads(script.text)  # data, not code
            continue
        assert script.get("src"), f"inline <script> on {path}: {script.text!r:.200}"
        assert not (script.text or "").strip(), f"<script src> with a body on {path}"
    for el in elements(document):
        handlers = [name for name in el.attrib if name.lower().startswith("on")]
        assert not handlers, f"inline event handler {handlers} on <{el.tag}> in {path}"
        for name, value in el.attrib.items():
            assert not value.strip().lower().startswith("javascript:"), (path, el.tag, name)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_loads_anything_from_another_origin(client, path):
    document = parse(client.get(path).text)
    for el in elements(document):
        for name in FETCHING_ATTRIBUTES:
            value = el.get(name)
            if value is None:
                continue
            for url in (part.split()[0] for part in value.split(",") if part.strip()):
                assert is_same_origin(url), f"<{el.tag} {name}={value!r}> on {path}"
        if el.tag == "link" and el.get("href"):
            assert is_same_origin(el.get("href")), f"<link href={el.get('href')!r}> on {path}"
        if el.tag == "base":
            pytest.fail(f"<base> on {path} would change where relative URLs point")
        if el.tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            pytest.fail(f"<meta http-equiv=refresh> on {path}")


@pytest.mark.parametrize("path", PAGES)
def test_links_to_other_sites_are_https_and_never_carry_the_number(client, path):
    # Pages point people to real contact routes (Report Fraud, 7726, 159): plain links,
    # loaded only when followed, sent with no Referer (Referrer-Policy: no-referrer).
    document = parse(client.get(path).text)
    for el in elements(document):
        href = el.get("href")
        if href is None or el.tag == "link" or is_same_origin(href):
            continue
        scheme = urlsplit(href).scheme.lower()
        assert scheme in ("https", "tel", "sms", "mailto"), f"<{el.tag} href={href!r}> on {path}"
        if scheme == "https":
            assert "7400123456" not in href and "2348031234567" not in href, href


# CSRF on the form post


def test_form_post_without_a_token_is_refused_and_not_redirected(client):
    response = client.post("/check", data={"number": NUMBER}, follow_redirects=False)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


def test_form_post_with_the_cookie_and_token_from_the_home_page_goes_to_the_result(client):
    home = client.get("/")
    assert csrf.COOKIE in home.cookies
    token = csrf_token(home.text)
    response = client.post(
        "/check",
        data={"number": "07400 123456", csrf.FIELD: token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/number/{NUMBER}"


def test_form_post_keeps_what_happened_in_the_result_address(client):
    token = csrf_token(client.get("/").text)
    form = {"number": "+234 803 123 4567", "claimed": "HMRC", "rang": "3", csrf.FIELD: token}
    response = client.post("/check", data=form, follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/number/+2348031234567"
    assert "claimed=HMRC" in location.query and "rang=3" in location.query


def test_form_token_without_its_cookie_is_refused(make_client):
    token = csrf_token(make_client().get("/").text)
    fresh = make_client()
    response = fresh.post(
        "/check", data={"number": NUMBER, csrf.FIELD: token}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "location" not in response.headers


def test_token_signed_with_another_secret_is_refused(make_client):
    ours = make_client(secret_key="a" * 40)
    theirs = make_client(secret_key="b" * 40)
    foreign = csrf_token(theirs.get("/").text)
    ours.cookies.set(csrf.COOKIE, foreign)
    response = ours.post(
        "/check", data={"number": NUMBER, csrf.FIELD: foreign}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "location" not in response.headers


def test_token_from_another_worker_with_the_same_secret_is_accepted(make_client):
    first = make_client(secret_key="s" * 40)
    second = make_client(secret_key="s" * 40)
    token = csrf_token(first.get("/").text)
    second.cookies.set(csrf.COOKIE, token)
    response = second.post(
        "/check", data={"number": NUMBER, csrf.FIELD: token}, follow_redirects=False
    )
    assert response.status_code == 303


def test_a_forged_or_mismatched_token_is_refused(client):
    real = csrf_token(client.get("/").text)
    nonce, _, signature = real.partition(".")
    for forged in (f"{nonce}.{'0' * len(signature)}", f"x{nonce}.{signature}", nonce, "."):
        response = client.post(
            "/check", data={"number": NUMBER, csrf.FIELD: forged}, follow_redirects=False
        )
        assert response.status_code == 400, forged


# Hostile input

HOSTILE = [
    ALERT,
    f'"><{ALERT[1:]}',
    f"'>{ALERT}<!--",
    "' OR 1=1 --",
    "'; DROP TABLE reports; --",
    "{{7*7}}{% raw %}${7*7}",
    "x" * 10_000,
    ALERT * 400,  # 10 kB of markup
    "+44 7400 123456" * 700,  # 10 kB of digits
    "\u202e+44 7400 123456\u202c",  # right-to-left override
    "\u200f+234 803 123 4567\u200e",  # RTL and LTR marks
    "📞+44 7400 123456 😀👨‍👩‍👧",
    "٠٧٤٠٠ ١٢٣٤٥٦",  # Arabic-Indic digits
    "+44\x007400123456",
    "\x00",
    "\ud7ff\ufffd\uffff",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%00%2e%2e%2f",
    " ",
    "",
]
TRAVERSALS = [
    "/number/..%2f..%2f..%2fetc%2fpasswd",
    "/number/%2e%2e/%2e%2e/etc/passwd",
    "/number/....//....//etc/passwd",
    "/number/%252e%252e%252fetc%252fpasswd",
    "/number/+447400123456/../../etc/passwd",
    "/number/%00",
    "/number/+44%007400123456",
    "/static/..%2f..%2fapp.py",
    "/static/%2e%2e/%2e%2e/settings.py",
    "/static/swagger-ui/..%2f..%2f..%2fetc%2fpasswd",
]


def hostile_story(text: str) -> dict[str, str]:
    """Every call-detail field set to ``text`` (cut so the URL stays under httpx's 64 kB)."""
    part = text[:2000]
    return {"claimed": part, "rang": part, "voicemail": part, "expected": part, "recorded": part}


def assert_safe(response: Any) -> None:
    for hop in [*response.history, response]:
        where = f"{hop.request.method} {str(hop.request.url)[:120]} → {hop.status_code}"
        assert hop.status_code < 500, where
        assert ALERT not in hop.text, f"{where}: unescaped echo"
        assert "<script>alert" not in hop.text, f"{where}: unescaped echo"
        assert "root:x:0:0" not in hop.text, f"{where}: a file leaked"


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_on_every_page_is_escaped_and_never_a_server_error(client, text):
    token = csrf_token(client.get("/").text)
    story = hostile_story(text)
    assert_safe(client.get("/number/" + quote(text, safe="")))
    assert_safe(client.get(f"/number/{NUMBER}", params=story))
    assert_safe(client.get(f"/number/{NUMBER}", params={"claimed": text}))
    assert_safe(client.get("/codes", params={"q": text}))
    assert_safe(client.get("/", params={"number": text}))
    assert_safe(client.get("/" + quote(text, safe="")))
    assert_safe(client.post("/check", data={"number": text, **story, csrf.FIELD: token}))
    assert_safe(client.post("/check", data={"number": NUMBER, "claimed": text, csrf.FIELD: token}))
    assert_safe(client.post("/check", data={"number": text, csrf.FIELD: text}))
    for path in ("/guide", "/about", "/docs", "/codes"):
        assert_safe(client.get(path, params={"q": text[:2000], text[:100]: text[:2000]}))


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_on_every_endpoint_is_escaped_and_never_a_server_error(client, text):
    story = hostile_story(text)
    assert_safe(client.get("/api/v1/check", params={"number": text}))
    assert_safe(client.get("/api/v1/check", params={"number": NUMBER, "claimed": text}))
    assert_safe(client.get("/api/v1/check", params={"number": NUMBER, **story}))
    assert_safe(client.post("/api/v1/check", json={"number": text}))
    assert_safe(client.post("/api/v1/check", json={"number": NUMBER, "claimed": text[:200]}))
    assert_safe(client.post("/api/v1/check", json={"number": NUMBER, **story}))
    items = [{"number": text}, {"number": NUMBER, "claimed": text[:200]}, text, {text: text}]
    assert_safe(client.post("/api/v1/check/batch", json={"items": items}))
    assert_safe(client.get("/api/v1/codes", params={"q": text}))
    assert_safe(client.get("/api/v1/" + quote(text, safe="")))
    assert_safe(client.get("/healthz", params={"x": text}))


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_never_a_server_error_nor_a_file(client, path):
    response = client.get(path)
    assert_safe(response)
    assert "SECRET" not in response.text and "def create_app" not in response.text


def test_claimed_text_is_shown_escaped_on_the_result_page(client):
    page = client.get(f"/number/{NUMBER}", params={"claimed": ALERT})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_api_echoes_hostile_text_as_the_same_string_in_escaped_json(client):
    response = client.get("/api/v1/check", params={"number": NUMBER, "claimed": ALERT})
    assert ALERT not in response.text
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in response.text  # tableout's
    assert response.json()["context"]["claimed"] == ALERT


@pytest.mark.parametrize("cookie", ["x" * 4000, "été.🍪", ALERT, "a.b.c", "\u202e"])
def test_hostile_csrf_cookie_is_never_a_server_error(make_client, cookie):
    client = make_client()
    header = {"cookie": f"{csrf.COOKIE}={cookie}".encode()}
    assert_safe(client.get("/", headers=header))
    assert_safe(client.get(f"/number/{NUMBER}", headers=header))
    form = {"number": NUMBER, csrf.FIELD: cookie}
    response = client.post("/check", data=form, headers=header, follow_redirects=False)
    assert_safe(response)
    assert response.status_code == 400


# Access log


def access_records(caplog: Any) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ringcheck.access"]


def test_access_log_records_route_templates_never_the_number(client, caplog):
    caplog.set_level(logging.INFO, logger="ringcheck.access")
    token = csrf_token(client.get("/").text)
    client.get(f"/number/{NUMBER}")
    client.get("/number/07400 123456")
    client.get(f"/number/{NUMBER}", params={"claimed": "HMRC", "rang": "3"})
    client.get("/api/v1/check", params={"number": NUMBER})
    client.get("/api/v1/check", params={"number": "07400123456", "claimed": "HMRC"})
    client.post("/api/v1/check", json={"number": NUMBER})
    client.post("/api/v1/check/batch", json={"items": [{"number": NUMBER}]})
    client.post("/check", data={"number": NUMBER, csrf.FIELD: token})
    client.get(f"/no-such-page/{NUMBER}")
    client.get(f"/api/v1/nope/{NUMBER}")

    raw = [r.getMessage() for r in caplog.records if r.name == "ringcheck.access"]
    assert len(raw) >= 12
    for line in raw:
        for piece in ("7400123456", "7400 123456", "HMRC", "claimed"):
            assert piece not in line, f"the access log holds {piece!r}: {line}"
    records = access_records(caplog)
    routes = {r["route"] for r in records}
    assert "/number/{number:path}" in routes
    assert "/api/v1/check" in routes
    assert "/api/v1/check/batch" in routes
    assert "/check" in routes
    for record in records:
        assert set(record) == {"event", "method", "route", "status", "ms"}


def test_access_log_records_the_status_of_refused_requests(client, caplog):
    caplog.set_level(logging.INFO, logger="ringcheck.access")
    client.post("/api/v1/check", content=b"x" * (600 * 1024))
    client.get("/api/v1/check", params={"number": "hello"})
    statuses = [r["status"] for r in access_records(caplog)]
    assert statuses == [413, 400]


# Production secrets


@pytest.mark.parametrize("secret", ["", "changeme", "secret", "placeholder", "short-but-random-1"])
def test_production_refuses_a_missing_or_placeholder_secret(secret):
    with pytest.raises(ConfigError) as caught:
        create_app(Settings(environment="production", secret_key=secret))
    assert caught.value.code == "placeholder_secret"
    assert "RINGCHECK_SECRET_KEY" in caught.value.message


def test_production_refuses_to_start_without_a_secret():
    with pytest.raises(ConfigError):
        create_app(Settings(environment="production"))


@pytest.mark.parametrize("name", ["admin_token", "reporter_salt"])
@pytest.mark.parametrize("value", ["", "changeme", "short"])
def test_production_refuses_a_placeholder_admin_token_or_reporter_salt(name, value):
    good = {n: secrets.token_urlsafe(32) for n in ("secret_key", "admin_token", "reporter_salt")}
    with pytest.raises(ConfigError) as caught:
        create_app(Settings(environment="production", **{**good, name: value}))
    assert caught.value.code == "placeholder_secret"
    assert f"RINGCHECK_{name.upper()}" in caught.value.message


def test_production_runs_with_long_random_secrets(make_client):
    key = secrets.token_urlsafe(32)
    assert len(key) >= 32
    client = make_client(
        environment="production",
        secret_key=key,
        admin_token=secrets.token_urlsafe(32),
        reporter_salt=secrets.token_urlsafe(32),
    )
    home = client.get("/")
    assert home.status_code == 200
    response = client.post(
        "/check",
        data={"number": NUMBER, csrf.FIELD: csrf_token(home.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
