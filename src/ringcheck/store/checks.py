"""Checking what a person sends before it is stored, and cleaning comments for display.

Every check raises ``BadReport`` with a code and a message that says what to change.
Comments are stored as sent (once checked) and cleaned when shown: phone numbers other
than the reported one and e-mail addresses are replaced.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import phonenumbers

from ringcheck.community import CATEGORIES
from ringcheck.errors import NotAPhoneNumber
from ringcheck.numbers import parse_number
from ringcheck.risk import BadContext, ring_seconds
from ringcheck.store.errors import BadReport

MAX_COMMENT = 500
MAX_CLAIMED = 100
MAX_NAME = 100
NUMBER_REMOVED = "[number removed]"
EMAIL_REMOVED = "[email removed]"
# Characters that let text pretend to be something else on screen: bidirectional
# overrides and isolates (the "Trojan source" trick).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A run of digits, possibly split by spaces, dots, dashes or brackets, perhaps with a '+'.
_DIGIT_RUN = re.compile(r"\+?[(\s]*\d(?:[\s().\-]*\d)+")
_MIN_NUMBER_DIGITS = 7


def check_number(number: object) -> str:
    """The E.164 number itself, if it is a valid, complete one."""
    if not isinstance(number, str) or not number.startswith("+") or len(number) > 20:
        raise _bad_number(number)
    try:
        info = parse_number(number, "GB")
    except NotAPhoneNumber:
        raise _bad_number(number) from None
    if info.withheld or not info.valid or info.e164 != number:
        raise _bad_number(number)
    return number


def _bad_number(number: object) -> BadReport:
    shown = number[:30] if isinstance(number, str) else type(number).__name__
    return BadReport(
        "bad_number",
        f"'{shown}' is not a complete phone number that can exist. Report the whole number "
        "that called you, in international form such as +442079460000.",
    )


def check_category(category: object) -> str:
    if not isinstance(category, str) or category not in CATEGORIES:
        raise BadReport(
            "bad_category",
            "Choose what kind of call it was: one of " + ", ".join(CATEGORIES) + ".",
        )
    return category


def check_rang(rang_seconds: object) -> float | None:
    """How long it rang, read by the checker's one reader of ring times (a number of
    seconds, or text such as '3 s' or '0:03'); ``BadReport`` with its message if not."""
    if rang_seconds is None or isinstance(rang_seconds, str | int | float):
        value = rang_seconds
    else:
        value = str(rang_seconds)  # read, and refused, as the text it shows
    try:
        return ring_seconds(value)
    except BadContext as exc:
        raise BadReport(exc.code, exc.message) from None


def check_text(value: object, *, field: str, limit: int, multiline: bool) -> str | None:
    """Plain text of at most ``limit`` characters; empty means None.

    Newlines are kept in comments (``\\r\\n`` becomes ``\\n``), tabs become spaces; any
    other control character, a lone surrogate or a bidirectional override is refused.
    """
    if value is None:
        return None
    code = f"bad_{field}"
    if not isinstance(value, str):
        raise BadReport(code, f"The {field} must be text.")
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").strip()
    if not text:
        return None
    if len(text) > limit:
        raise BadReport(
            code, f"The {field} is {len(text)} characters long; keep it to {limit} or fewer."
        )
    for ch in text:
        if ch == "\n" and multiline:
            continue
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            raise BadReport(
                code,
                f"The {field} has a control or unprintable character "
                f"(U+{ord(ch):04X}); use plain text only.",
            )
    return unicodedata.normalize("NFC", text)


def check_comment(comment: object) -> str | None:
    return check_text(comment, field="comment", limit=MAX_COMMENT, multiline=True)


def check_claimed(claimed: object, category: str) -> str | None:
    text = check_text(claimed, field="claimed", limit=MAX_CLAIMED, multiline=False)
    if text is not None and category != "impersonation":
        raise BadReport(
            "bad_claimed",
            "Who the caller claimed to be only goes with the category 'impersonation'.",
        )
    return text


def check_name(value: object, field: str) -> str:
    """A moderator's name or reason: required, one line."""
    limit = MAX_NAME if field == "moderator" else MAX_COMMENT
    text = check_text(value, field=field, limit=limit, multiline=False)
    if text is None:
        raise BadReport(f"bad_{field}", f"Give a {field}: it goes in the audit log.")
    return text


def utc(moment: dt.datetime | None) -> dt.datetime:
    """``moment`` (naive means UTC) as an aware UTC time; now when None."""
    if moment is None:
        return dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def clean_comment(text: str, e164: str) -> str:
    """``text`` with e-mail addresses and phone numbers other than ``e164`` replaced.

    >>> clean_comment("Rang from +44 7700 900123, mail me a@b.co", "+442079460000")
    'Rang from [number removed], mail me [email removed]'
    """
    text = _EMAIL.sub(EMAIL_REMOVED, text)
    region = _region_of(e164)
    return _DIGIT_RUN.sub(lambda m: _keep_if_reported(m.group(), e164, region), text)


def _keep_if_reported(run: str, e164: str, region: str) -> str:
    digits = sum(ch.isdigit() for ch in run)
    if digits < _MIN_NUMBER_DIGITS or _same_number(run, e164, region):
        return run
    lead = run[: len(run) - len(run.lstrip())]  # keep the space before a removed number
    return lead + NUMBER_REMOVED


def _region_of(e164: str) -> str:
    """The reported number's region, so its national form ("0803 …") is recognised."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return "GB"
    return region or "GB"


def _same_number(run: str, e164: str, region: str) -> bool:
    try:
        parsed = phonenumbers.parse(run, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == e164
