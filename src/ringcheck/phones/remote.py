"""Asking a ringcheck server about a number without telling it the number (k-anonymity).

As in Have I Been Pwned's range API, the client sends only the first ``PREFIX_CHARS``
hex digits of the SHA-256 of the number's E.164 form (``+447700900123``); the server
answers every reported number whose hash starts so, as ``SUFFIX:action:score9`` lines
(the other 59 hex digits), and the client looks for its own suffix. 16^5 = 1,048,576
buckets: the server learns only that the number is one of the about 10^10 / 10^6 phone
numbers in that bucket. Each answer is padded with decoy lines (suffixes no number has,
action ``allow``, score 0) to between ``PAD_MIN`` and ``PAD_MAX`` lines, so its size says
nothing about how many numbers were reported in the bucket.

Why only a prefix: phone numbers are a tiny space. Every number in the world fits in
about 10^10 to 10^12 guesses, which a laptop hashes in minutes, so a *full* hash of a
number hides nothing: whoever holds it can find the number. Never send one.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from typing import Any

from ringcheck.lookup import ACTIONS

PREFIX_CHARS = 5
SUFFIX_CHARS = 64 - PREFIX_CHARS
PAD_MIN, PAD_MAX = 20, 40  # lines in every answer (more only if a bucket holds more)
TIMEOUT = 3.0
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


def ask(url: str, e164: str, private: bool = True, timeout: float = TIMEOUT) -> dict[str, object]:
    """What the ringcheck server at ``url`` says about ``e164``.

    Private: only the hash prefix is sent; the answer is ``{"reported": bool, "action",
    "score9"}`` (a number nobody reported is ``"reported": false``). Not private: the
    server's whole lookup (``/api/v1/lookup``). Raises OSError or ValueError when the
    server can't be asked.
    """
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError("the server's URL must start with http:// or https://")
    if private:
        prefix, suffix = split(e164)
        text = _get(f"{base}/api/v1/range/{prefix}", timeout)
        found = find(text, suffix)
        if found is None:
            return {"reported": False, "action": None, "score9": None}
        return {"reported": True, "action": found[0], "score9": found[1]}
    return ask_server(base, e164, timeout)


def ask_server(url: str, number: str, timeout: float) -> dict[str, Any]:
    """The lookup JSON for ``number`` from the ringcheck server at ``url``
    (``/api/v1/lookup``); raises OSError or ValueError when it can't be had."""
    import json
    import urllib.parse
    import urllib.request  # here: it loads ssl and email, which a local lookup never needs

    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError("the server's URL must start with http:// or https://")
    target = f"{base}/api/v1/lookup/{urllib.parse.quote(number, safe='')}"
    request = urllib.request.Request(target, headers={"User-Agent": "ringcheck"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        found = json.loads(response.read(65_536))
    if not isinstance(found, dict) or "action" not in found:
        raise ValueError("the server's answer is not a ringcheck lookup")
    return found


def _get(url: str, timeout: float) -> str:
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "ringcheck"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return str(response.read(1_000_000).decode("utf-8", "replace"))
