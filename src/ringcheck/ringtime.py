"""How long it rang, however a person wrote it: the one reader of ring times.

The command line, the web form, the API and call logs all use ``ring_seconds``, so the
same text gets the same answer (or the same ``BadContext``) everywhere.
"""

from __future__ import annotations

import math
import re

from ringcheck.errors import RingcheckError


class BadContext(RingcheckError, ValueError):
    """A detail of the call (how long it rang, how often it called) can't be used."""


MAX_RANG_SECONDS = 3600
RANG_RANGE = f"How long it rang must be between 0 and {MAX_RANG_SECONDS} seconds."
# "0:03", "1:05", "0:01:05": minutes and seconds (or hours, minutes and seconds).
_CLOCK = re.compile(r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})")
# "3", "3s", "1,5 sec", "1 min", "1 min 30 s", "1m30s": amounts with an optional unit.
_AMOUNT = re.compile(
    r"(\d{1,6}(?:[.,]\d{1,3})?)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)?(?![a-z])\.?"
)
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


def ring_seconds(value: str | float | None) -> float | None:
    """How long it rang, in seconds, however a person wrote it; None when not given.

    The one reader of ring times: the command line, the web form and the API all use it,
    so the same text gets the same answer (or the same ``BadContext``) everywhere.

    >>> [ring_seconds(t) for t in ("3", "3s", "3 s", "1.5", "1,5", "1 min", "0:03", "")]
    [3.0, 3.0, 3.0, 1.5, 1.5, 60.0, 3.0, None]
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _unreadable_rang(str(value))
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        if not text:
            return None
        if len(text) > 40:
            raise _unreadable_rang(text)
        seconds = _read_ring_text(text)
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_RANG_SECONDS:
        raise BadContext("bad_rang", RANG_RANGE)
    return seconds


def _read_ring_text(text: str) -> float:
    clock = _CLOCK.fullmatch(text)
    if clock is not None:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        if seconds >= 60 or (clock.group(1) is not None and minutes >= 60):
            raise _unreadable_rang(text)
        return float(hours * 3600 + minutes * 60 + seconds)
    total, at, units = 0.0, 0, []
    for match in _AMOUNT.finditer(text):
        if text[at : match.start()].strip() or not match.group():
            raise _unreadable_rang(text)
        unit = (match.group(2) or "s")[0]
        units.append(unit)
        total += float(match.group(1).replace(",", ".")) * _UNIT_SECONDS[unit]
        at = match.end()
    if not units or text[at:].strip() or len(set(units)) != len(units):
        raise _unreadable_rang(text)
    return total


def _unreadable_rang(text: str) -> BadContext:
    return BadContext(
        "bad_rang",
        f"How long it rang: '{text[:20]}' is not a length of time. Type the seconds, "
        "such as 2, or leave it empty if you don't know.",
    )
