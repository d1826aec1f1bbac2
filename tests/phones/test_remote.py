"""The private lookup (k-anonymity, ``ringcheck.phones.remote``): only a hash prefix leaves the
client, every answer is padded, and ``ringcheck check --server URL --private`` combines
the server's answer with the local check. Against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from live_server import PathLog, serving
from ringcheck.cli import cli
from ringcheck.phones import remote
from ringcheck.settings import Settings
from ringcheck.store import Store

REPORTED = "+447400765432"
UNTRUSTED = r"certificate can't be trusted .*CERTIFICATE_VERIFY_FAILED"
NOBODY = "+447400111222"


def test_only_five_hex_digits_are_sent_and_the_rest_is_matched_locally() -> None:
    prefix, suffix = remote.split(REPORTED)
    assert re.fullmatch(r"[0-9A-F]{5}", prefix) and re.fullmatch(r"[0-9A-F]{59}", suffix)
    assert prefix + suffix == remote.digest(REPORTED)
    assert remote.valid_prefix("a8acc") == "A8ACC"
    for bad in ("A8AC", "A8ACCC", "G8ACC", "../..", ""):
        assert remote.valid_prefix(bad) is None


@pytest.mark.parametrize("real", [0, 1, 5])
def test_every_answer_is_padded_so_its_size_says_nothing(real: int) -> None:
    r = random.Random(real)
    entries = [(f"{i:059X}", "block", 9) for i in range(real)]
    text = remote.answer(entries, r)
    lines = text.splitlines()
    assert remote.PAD_MIN <= len(lines) <= remote.PAD_MAX
    assert all(re.fullmatch(r"[0-9A-F]{59}:[a-z]+:[0-9]", line) for line in lines)
    assert len({len(line) for line in lines if line.endswith(":0")}) <= 1
    for suffix, _, _ in entries:
        assert remote.find(text, suffix) == ("block", 9)
    assert remote.find(text, "F" * 59) is None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, PathLog]]:
    from ringcheck.web.app import create_app

    folder = tmp_path_factory.mktemp("server")
    settings = Settings(database_url=f"sqlite:///{folder}/r.db")
    with Store.open(settings) as store:
        store.upgrade()
        for i in range(3):
            store.add_report(number=REPORTED, category="one_ring_callback", client=f"10.0.0.{i}")
    logged = PathLog(create_app(settings))
    with serving(logged) as url:
        yield url, logged


def test_the_server_answers_a_bucket_without_learning_the_number(
    server: tuple[str, PathLog],
) -> None:
    url, logged = server
    logged.paths.clear()
    said = remote.ask(url, REPORTED)
    assert said["reported"] is True and said["action"] in ("warn", "block")
    assert remote.ask(url, NOBODY) == {"reported": False, "action": None, "score9": None}
    assert logged.paths == [
        f"/api/v1/range/{remote.split(REPORTED)[0]}",
        f"/api/v1/range/{remote.split(NOBODY)[0]}",
    ]
    assert not any("7400" in path for path in logged.paths)


def test_check_private_shows_the_server_beside_the_local_verdict(
    server: tuple[str, PathLog], tmp_path: Path
) -> None:
    url, _ = server
    runner = CliRunner()
    done = runner.invoke(cli, ["check", REPORTED, "--server", url, "--private", "--json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["number"]["e164"] == REPORTED  # the local check, in full
    assert payload["server"]["private"] is True and payload["server"]["reported"] is True
    human = runner.invoke(cli, ["check", NOBODY, "--server", url, "--private"])
    assert "Server (asked privately): nobody there reported this number." in human.stdout
    missing = runner.invoke(cli, ["check", REPORTED, "--private"])
    assert missing.exit_code == 2 and "--private needs --server" in missing.output
    down = runner.invoke(cli, ["check", REPORTED, "--server", "http://127.0.0.1:9", "--private"])
    assert down.exit_code == 0 and "didn't answer" in down.output  # the local check stands


def test_a_bad_prefix_is_a_clear_error(server: tuple[str, PathLog]) -> None:
    url, _ = server
    failed = httpx.get(f"{url}/api/v1/range/{remote.digest(REPORTED)}")
    assert failed.status_code == 422
    assert "first 5 hex digits" in failed.json()["error"]["message"]
    with pytest.raises(remote.ServerUnreachable, match="HTTP 422"):
        remote._get(url, f"/api/v1/range/{remote.digest(REPORTED)}", 3, 1000, None)


def test_the_open_lookup_asks_the_servers_lookup_route(server: tuple[str, PathLog]) -> None:
    url, logged = server
    logged.paths.clear()
    said = remote.ask(url + "/", REPORTED, private=False)
    assert said["e164"] == REPORTED and said["action"] in ("warn", "block")
    assert said["community"]["reporters"] == 3
    assert logged.paths == ["/api/v1/lookup/+447400765432"]  # sent as %2B: see below


def test_the_open_lookup_sends_the_number_url_encoded() -> None:
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.raw_path)
        return httpx.Response(200, json={"action": "allow", "score9": 0})

    remote.ask_server("http://x.example/", "+44 7400 765432", 3, transport=mock(handler))
    assert sent == [b"/api/v1/lookup/%2B44%207400%20765432"]


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


def test_the_private_request_carries_only_the_prefix_and_a_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        line = f"{remote.split(REPORTED)[1]}:block:9\n"
        return httpx.Response(200, text=line + remote.answer([]))

    said = remote.ask("https://ringcheck.example", REPORTED, transport=mock(handler))
    assert said == {"reported": True, "action": "block", "score9": 9}
    (request,) = seen
    assert request.url.path == f"/api/v1/range/{remote.split(REPORTED)[0]}"
    assert not request.url.query and not request.content
    assert request.headers["user-agent"] == "ringcheck"
    assert "7400" not in str(request.url) and remote.digest(REPORTED) not in str(request.url)


def test_redirects_are_followed_as_before() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "old.example":
            return httpx.Response(
                301, headers={"Location": f"https://new.example{request.url.path}"}
            )
        return httpx.Response(200, json={"action": "allow", "score9": 0})

    said = remote.ask_server("http://old.example", NOBODY, 3, transport=mock(handler))
    assert said == {"action": "allow", "score9": 0}


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (httpx.Response(503, text="down"), remote.ServerUnreachable, "HTTP 503"),
        (httpx.Response(200, text="<html>a login page</html>"), ValueError, None),
        (httpx.Response(200, json=["action"]), ValueError, "not a ringcheck lookup"),
        (httpx.Response(200, text="x" * 70_000), ValueError, "too long"),
    ],
)
def test_an_answer_that_isnt_ringcheck_s_is_an_error_the_caller_falls_back_on(
    answer: httpx.Response, error: type[Exception], words: str | None
) -> None:
    with pytest.raises(error, match=words):
        remote.ask_server("http://x.example", NOBODY, 3, transport=mock(lambda _: answer))


def test_no_connection_or_no_answer_in_time_is_server_unreachable() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(remote.ServerUnreachable, match="Connection refused") as failed:
        remote.ask("http://x.example", NOBODY, transport=mock(refused))
    assert isinstance(failed.value, OSError)
    with pytest.raises(remote.ServerUnreachable, match=r"within 2\.5 seconds"):
        remote.ask("http://x.example", NOBODY, timeout=2.5, transport=mock(slow))


@pytest.mark.parametrize("url", ["not-a-url", "ftp://x.example", "file:///etc/passwd", ""])
def test_only_http_and_https_servers_are_asked(url: str) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request should be made")

    for private in (True, False):
        with pytest.raises(ValueError, match="http:// or https://"):
            remote.ask(url, NOBODY, private, transport=mock(never))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_servers_are_verified_and_plain_http_never_loads_tls(
    certificate: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    def site(answer: Callable[[Request], Response]) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", answer)])

    app = site(lambda r: JSONResponse({"action": "allow", "score9": 0, "scheme": r.url.scheme}))

    with serving(app, tls=certificate) as url:
        with pytest.raises(remote.ServerUnreachable, match=UNTRUSTED):
            remote.ask_server(url, NOBODY, 3)  # self-signed: refused
        monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # now trusted, as httpx reads it
        assert remote.ask_server(url, NOBODY, 3)["scheme"] == "https"

        moved = site(lambda r: RedirectResponse(url + r.url.path, 301))
        with serving(moved) as plain:  # a redirect to https is verified too
            assert remote.ask_server(plain, NOBODY, 3)["scheme"] == "https"
            monkeypatch.delenv("SSL_CERT_FILE")
            with pytest.raises(remote.ServerUnreachable, match=UNTRUSTED):
                remote.ask_server(plain, NOBODY, 3)
    with remote._client(3, None) as client:
        tls = client._transport_for_url(httpx.URL("https://x.example"))
        assert isinstance(tls, remote._LazyTLS) and tls._inner is None  # made when first used
