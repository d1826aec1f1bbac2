"""Asking a ringcheck server about a number: openly, or without telling it the number.

Openly (``ask_server``): ``GET /api/v1/lookup/<number>``, the server's whole lookup.

Privately (``ask``, k-anonymity): as in Have I Been Pwned's range API, the client sends
only the first ``PREFIX_CHARS`` hex digits of the SHA-256 of the number's E.164 form
(``+447700900123``); the server answers every reported number, and every number in a scam
campaign running now (the same lookup as ``ask_server``), whose hash starts so, as
``SUFFIX:action:score9`` lines (the other 59 hex digits), and the client looks for its
own suffix. 16^5 = 1,048,576 buckets: the server learns only that the number is one of
the about 10^10 / 10^6 phone numbers in that bucket. Each answer is padded with decoy
lines (suffixes no number has, action ``allow``, score 0) to between ``PAD_MIN`` and
``PAD_MAX`` lines, so its size says nothing about how many numbers were reported in the
bucket.

Why only a prefix: phone numbers are a tiny space. Every number in the world fits in
about 10^10 to 10^12 guesses, which a laptop hashes in minutes, so a *full* hash of a
number hides nothing: whoever holds it can find the number. Never send one.

The client is httpx (imported with this module, which a local check never needs;
callblocker imports it only when a server is asked); ``transport`` swaps the network out
(``httpx.MockTransport`` in tests). Every way of getting no answer is a
``ServerUnreachable`` (an ``OSError``: no connection, too slow, an error status) or a
``ValueError`` (a URL that isn't http or https, an answer that isn't ringcheck's or is
too long), so a caller falls back to the local check with one ``except (OSError,
ValueError)``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import ssl
import urllib.parse
from collections.abc import Iterable
from typing import Any

import httpx

from ringcheck.lookup import ACTIONS

PREFIX_CHARS = 5
SUFFIX_CHARS = 64 - PREFIX_CHARS
PAD_MIN, PAD_MAX = 20, 40  # lines in every answer (more only if a bucket holds more)
TIMEOUT = 3.0
LOOKUP_BYTES = 65_536  # a lookup answer is about 1 kB
RANGE_BYTES = 1_000_000  # a bucket's answer: 64 bytes a line
_PREFIX = re.compile(r"[0-9A-Fa-f]{5}")
_LINE = re.compile(r"([0-9A-F]{59}):([a-z]+):([0-9])")


def digest(e164: str) -> str:
    """The SHA-256 of an E.164 number, upper-case hex (the client's side only).

    >>> digest("+447700900123")[:5]
    'A8ACC'
    """
    return hashlib.sha256(e164.encode("ascii")).hexdigest().upper()


def split(e164: str) -> tuple[str, str]:
    """(prefix sent to the server, suffix looked for in its answer)."""
    whole = digest(e164)
    return whole[:PREFIX_CHARS], whole[PREFIX_CHARS:]


def valid_prefix(text: str) -> str | None:
    """The prefix upper-cased, or None when it isn't 5 hex digits."""
    return text.upper() if _PREFIX.fullmatch(text) else None


def answer(entries: Iterable[tuple[str, str, int]], rng: random.Random | None = None) -> str:
    """The server's answer: ``(suffix, action, score9)`` lines, decoys mixed in, sorted."""
    rng = rng or random.SystemRandom()
    lines = {f"{suffix}:{action}:{score}" for suffix, action, score in entries}
    wanted = max(rng.randint(PAD_MIN, PAD_MAX), len(lines))
    while len(lines) < wanted:
        decoy = "".join(rng.choice("0123456789ABCDEF") for _ in range(SUFFIX_CHARS))
        lines.add(f"{decoy}:allow:0")
    return "".join(line + "\n" for line in sorted(lines))


def find(text: str, suffix: str) -> tuple[str, int] | None:
    """(action, score9) for ``suffix`` in a server's answer, or None if not listed."""
    for line in text.splitlines():
        found = _LINE.fullmatch(line.strip())
        if found and found.group(1) == suffix and found.group(2) in ACTIONS:
            return found.group(2), int(found.group(3))
    return None


class ServerUnreachable(OSError):
    """No answer from the server: it can't be reached, was too slow, or answered an error."""


def ask(
    url: str,
    e164: str,
    private: bool = True,
    timeout: float = TIMEOUT,
    *,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """What the ringcheck server at ``url`` says about ``e164``.

    Private: only the hash prefix is sent; the answer is ``{"reported": bool, "action",
    "score9"}`` (a number nobody reported is ``"reported": false``). Not private: the
    server's whole lookup (``/api/v1/lookup``). Raises OSError or ValueError when the
    server can't be asked.
    """
    if not private:
        return ask_server(url, e164, timeout, transport=transport)
    prefix, suffix = split(e164)
    body = _get(url, f"/api/v1/range/{prefix}", timeout, RANGE_BYTES, transport)
    found = find(body.decode("utf-8", "replace"), suffix)
    if found is None:
        return {"reported": False, "action": None, "score9": None}
    return {"reported": True, "action": found[0], "score9": found[1]}


def ask_server(
    url: str, number: str, timeout: float, *, transport: httpx.BaseTransport | None = None
) -> dict[str, Any]:
    """The lookup JSON for ``number`` from the ringcheck server at ``url``
    (``/api/v1/lookup``); raises OSError or ValueError when it can't be had."""
    path = "/api/v1/lookup/" + urllib.parse.quote(number, safe="")
    found = json.loads(_get(url, path, timeout, LOOKUP_BYTES, transport))
    if not isinstance(found, dict) or "action" not in found:
        raise ValueError("the server's answer is not a ringcheck lookup")
    return found


def _get(
    url: str, path: str, timeout: float, limit: int, transport: httpx.BaseTransport | None
) -> bytes:
    """The body of ``GET url + path``, at most ``limit`` bytes."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError("the server's URL must start with http:// or https://")
    try:
        with _client(timeout, transport) as client, client.stream("GET", base + path) as response:
            response.raise_for_status()
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise ValueError("the server's answer is too long for a ringcheck answer")
            return bytes(body)
    except httpx.HTTPStatusError as exc:
        raise ServerUnreachable(f"it answered HTTP {exc.response.status_code}") from None
    except httpx.TimeoutException:
        raise ServerUnreachable(f"no answer within {timeout:g} seconds") from None
    except httpx.InvalidURL as exc:
        raise ValueError(f"the server's URL can't be used: {exc}") from None
    except httpx.HTTPError as exc:  # refused, no such host, TLS, a broken answer
        raise ServerUnreachable(_why(exc)) from None


def _why(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return f"its certificate can't be trusted ({text})"
    return text


def _client(timeout: float, transport: httpx.BaseTransport | None) -> httpx.Client:
    """A client that sets TLS up only for an https:// request: loading the certificate
    authorities takes 50-150 ms, which callblocker's process would pay on every call even
    to a plain http:// server on the home network."""
    mounts: dict[str, httpx.BaseTransport | None] | None = None
    if transport is None:
        # For plain http:// requests. Its context trusts no one, so it can never make a
        # TLS connection: every https:// one (a redirect's too) goes to the mount below.
        transport = httpx.HTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        mounts = {"https://": _LazyTLS()}
    return httpx.Client(
        transport=transport,
        mounts=mounts,
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": "ringcheck"},
    )


class _LazyTLS(httpx.BaseTransport):
    """httpx's own transport, verifying certificates, made at the first request."""

    def __init__(self) -> None:
        self._inner: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = httpx.HTTPTransport()
        return self._inner.handle_request(request)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
