"""``lookup()``: the one machine verdict phone systems act on while a call rings.

A phone system (a PBX, a Raspberry Pi call blocker, an Android app, a router) can't read
a verdict's sentences: it needs one action (``block``, ``warn``, ``allow`` or
``unknown``), a category for its logs, a 0-9 score and a caller-name label short enough
for a handset's display. ``lookup`` is ``check()`` plus what people reported, mapped to
those; every phone-system adapter (``/api/v1/lookup``, ``/api/v1/cid``, FastAGI,
callblocker…) is a view of this one result and holds no rule of its own.

- **action**: ``block`` from ``settings.lookup_block_at`` (default very_high), ``warn``
  from ``settings.lookup_warn_at`` (default caution), ``allow`` below; ``unknown`` when
  there is no caller ID to judge (withheld, or text that holds no number).
- **score9**: the 0-100 score on a 0-9 scale (9 worst) whose bands follow the levels:
  low 0-2, caution 3-4, high 5-6, very high 7-9. 0 means "nothing known against it",
  never "safe".
- **category**: the main kind of trouble, from the verdict's reasons (``CATEGORIES``).
- **label**: ASCII, at most ``max_chars`` (15 by default, what most handsets and
  caller-name services show), saying what is known. "SPAM" and the category
  ("SPAM Wangiri", "SPAM Premium") only when the verdict says scam (``says_scam``: level
  ``high`` or above *and* a category that is evidence of a scam); otherwise what the
  number is: "Intl +49 DE", "Intl +1 876 JM", "Invalid number", "Manchester", "UK mobile".
  A number from abroad with nothing else against it is never "SPAM".

>>> found = lookup("+1 876 812 3456")
>>> found.action, found.category, found.score9, found.label()
('block', 'wangiri', 9, 'SPAM Wangiri')
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ringcheck import phonemeta
from ringcheck.checker import (
    AsyncReports,
    Campaigns,
    CheckResult,
    Reports,
    check,
    check_async,
)
from ringcheck.errors import RingcheckError
from ringcheck.risk import LEVELS, CallContext, at_least
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.campaign import Evidence
    from ringcheck.community import Community

ACTIONS = ("block", "warn", "allow", "unknown")
LIVE_CAMPAIGN = "live_campaign"  # the reason a published live campaign gives
# Categories, most telling first: a number that is several of these gets the first.
CATEGORIES = (
    "withheld",  # no caller ID
    "unreadable",  # the caller ID holds no phone number
    "impersonation",  # claimed a UK bank or body, from abroad
    "premium_callback",  # calling back costs a premium or service rate
    "wangiri",  # a high-risk destination for call-back scams
    "fake_caller_id",  # a number that can't call: not in service, wrong length, fiction
    "reported",  # other people reported it
    "international",  # abroad, nothing else known against it
    "none",  # nothing known against it
)
# Categories that are evidence of a scam. "international" (abroad, nothing else known
# against it), "none", "withheld" and "unreadable" never are.
SCAM_CATEGORIES = frozenset(
    {"impersonation", "premium_callback", "wangiri", "fake_caller_id", "reported"}
)
# The lowest level whose verdict says scam: its headline says "don't call back" without
# "unless you were expecting it" once there is evidence (SCAM_CATEGORIES).
SPAM_FROM = "high"
DEFAULT_LABEL_CHARS = 15
_MIN_BARE_INTERNATIONAL = 10  # shorter bare digits are extensions or short codes
_PREMIUM = frozenset({"premium_rate", "directory_enquiries", "personal_number"})
# A destination the tables list for call-back scams, or a costly network. Sharing the +1
# code (``looks_domestic``) alone is a cost fact, not scam evidence.
_WANGIRI = frozenset({"high_risk_destination", "satellite_or_global_network", "live_campaign"})
_FAKE = frozenset({"not_in_service", "wrong_length", "inbound_only", "fictional_number"})
_IMPERSONATION = frozenset({"claimed_uk_organisation_from_abroad"})
# What a category is, shortest last (handsets show 15 characters): after "SPAM " on a
# scam verdict, and on block-list cards.
_WORDS = {
    "impersonation": ("Impersonator", "Fake caller"),
    "premium_callback": ("Premium rate", "Premium"),
    "wangiri": ("Wangiri",),
    "fake_caller_id": ("Fake number", "Fake ID"),
    "reported": ("Reported",),
    "international": ("Abroad",),
    "none": ("",),
    "withheld": ("Withheld",),
    "unreadable": ("Unknown",),
}
# What a line is, after its country: "UK mobile", "DE premium rate".
_LINE_WORDS = {
    "mobile": "mobile",
    "fixed_line": "landline",
    "fixed_line_or_mobile": "number",
    "freephone": "freephone",
    "premium_rate": "premium rate",
    "pager": "pager",
    "service": "service no.",
}
_UK_LINE_WORDS = {
    "non_geographic": "03 number",
    "personal": "070 number",
    "directory_enquiries": "118 number",
}
# Community categories people pick, as lookup categories.
_REPORTED_AS = {
    "one_ring_callback": "wangiri",
    "premium_callback": "premium_callback",
    "impersonation": "impersonation",
}
_LABEL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 +?.,'()-/&"
)


@dataclass(frozen=True)
class Lookup:
    """The machine verdict on one caller ID (``to_dict`` is the JSON of /api/v1/lookup)."""

    number: str  # as the phone system sent it (after ``caller_id``)
    e164: str | None
    action: str
    category: str
    level: str | None  # None when the caller ID holds no number
    score: int | None
    score9: int
    reasons: tuple[str, ...]
    data_version: str
    result: CheckResult | None = None
    problem: str | None = None  # why the caller ID can't be read

    @property
    def community(self) -> dict[str, Any] | None:
        """What people reported: totals only (phone systems show no comments)."""
        found = self.result.community if self.result is not None else None
        if found is None or found.empty:
            return None
        return {
            "total": found.total,
            "reporters": found.reporters,
            "by_category": {k: v for k, v in found.by_category.items() if v},
            "last_seen": found.last_seen.isoformat() if found.last_seen else None,
        }

    def label(self, max_chars: int = DEFAULT_LABEL_CHARS) -> str:
        """A caller name for the handset: ASCII, verdict first, ``max_chars`` at most."""
        return _fit(self._labels(), max(1, max_chars))

    def _labels(self) -> list[str]:
        """Every candidate label, best first (``label`` takes the first that fits)."""
        if self.category == "withheld":
            return ["Withheld number", "Withheld"]
        if self.result is None:
            return ["Unknown number", "Unknown"]
        if says_scam(self.level, self.category):
            return _spam_names(self.category)
        known = {
            "fake_caller_id": ["Invalid number", "Invalid no."],
            "reported": ["Reported number", "Reported"],
        }.get(self.category, [])
        return known + _what_it_is(self.result)

    def to_dict(self, max_chars: int = DEFAULT_LABEL_CHARS) -> dict[str, Any]:
        return {
            "number": self.number,
            "e164": self.e164,
            "action": self.action,
            "category": self.category,
            "level": self.level,
            "score": self.score,
            "score9": self.score9,
            "label": self.label(max_chars),
            "reasons": list(self.reasons),
            "community": self.community,
            "data_version": self.data_version,
        }


def says_scam(level: str | None, category: str) -> bool:
    """Whether a verdict says scam: the only verdicts whose labels and cards say "SPAM".

    >>> says_scam("very_high", "wangiri"), says_scam("high", "international")
    (True, False)
    >>> says_scam("caution", "premium_callback")
    False
    """
    return level is not None and category in SCAM_CATEGORIES and at_least(level, SPAM_FROM)


def describe(category: str) -> str:
    """A category in a word or two, for people: 'Wangiri', 'Premium rate', '' for none."""
    return _WORDS[category][0]


def spam_name(category: str, max_chars: int = DEFAULT_LABEL_CHARS) -> str:
    """The caller name of a scam of this category (``says_scam``): 'SPAM Wangiri'."""
    return _fit(_spam_names(category), max_chars)


def _spam_names(category: str) -> list[str]:
    return [f"SPAM {word}".strip() for word in _WORDS[category]] + ["SPAM"]


def caller_id(text: str, home: str = "GB") -> str:
    """A caller ID as phone systems send it, tidied for ``check()``.

    Their requests often don't URL-encode, so a leading ``+`` arrives as a space
    (``" 447700900123"``); a line break never belongs in one. Switches also send
    international numbers bare, without ``+`` or ``00`` (``447700900123``): digits that
    don't start with the home trunk prefix and aren't a whole national number at home
    are read as international.

    >>> caller_id(" 447700900123"), caller_id("447700900123"), caller_id("02079460000")
    ('+447700900123', '+447700900123', '02079460000')
    """
    tidy = text.replace("\r", "").replace("\n", "")
    bare = tidy.strip()
    if tidy[:1].isspace() and bare[:1].isdigit() and not bare.startswith("0"):
        return "+" + bare
    if bare.isascii() and bare.isdigit() and len(bare) >= _MIN_BARE_INTERNATIONAL:
        meta = phonemeta.region_metadata(home)
        rules = phonemeta.country(meta.country_code or 0) if meta else None
        prefix = rules.national_prefix if rules else None
        national = rules is not None and rules.classify(bare)[1] is not None
        if not national and not (prefix and bare.startswith(prefix)):
            return "+" + bare
    return bare


def lookup(
    text: str,
    *,
    settings: Settings | None = None,
    community: Community | None = None,
    reports: Reports | None = None,
    context: CallContext | None = None,
    now: dt.datetime | None = None,
    campaign: Evidence | None = None,
    campaigns: Campaigns | None = None,
) -> Lookup:
    """The machine verdict on the caller ID ``text`` (never raises on a bad one).

    ``campaign``: the published live campaign that holds the number, if one does
    (``Store.blocking_campaign``); its calls get ``block`` whatever the thresholds say,
    unless the number is one the settings trust.
    What people reported comes from ``community``, or is asked of ``reports`` by the
    number's E.164 form, and the campaign likewise of ``campaigns`` (see ``check``).
    """
    settings = settings or Settings()
    number = caller_id(text, settings.home) if isinstance(text, str) else ""
    try:
        result = check(
            number,
            context,
            home=settings.home,
            settings=settings,
            community=community,
            reports=reports,
            now=now,
            campaign=campaign,
            campaigns=campaigns,
        )
    except RingcheckError as exc:
        return _unreadable(number, exc)
    return _of(number, result, settings)


async def lookup_async(
    text: str,
    *,
    settings: Settings | None = None,
    reports: AsyncReports | None = None,
    campaigns: Campaigns | None = None,
) -> Lookup:
    """``lookup`` for async code, with a ``reports`` source to await."""
    settings = settings or Settings()
    number = caller_id(text, settings.home) if isinstance(text, str) else ""
    try:
        result = await check_async(
            number, home=settings.home, settings=settings, reports=reports, campaigns=campaigns
        )
    except RingcheckError as exc:
        return _unreadable(number, exc)
    return _of(number, result, settings)


def _unreadable(number: str, exc: RingcheckError) -> Lookup:
    from ringcheck.datatables import tables

    return Lookup(
        number=number,
        e164=None,
        action="unknown",
        category="unreadable",
        level=None,
        score=None,
        score9=0,
        reasons=(),
        data_version=tables().version,
        problem=exc.message,
    )


def _of(number: str, result: CheckResult, settings: Settings) -> Lookup:
    verdict = result.verdict
    codes = tuple(r.code for r in verdict.reasons)
    withheld = result.number.withheld
    return Lookup(
        number=number,
        e164=result.number.e164,
        action="unknown" if withheld else _action(verdict.level, settings, codes),
        category=_category(result, codes),
        level=verdict.level,
        score=verdict.score,
        score9=score9(verdict.score),
        reasons=codes,
        data_version=result.data_version,
        result=result,
    )


def callback_action(found: Lookup, settings: Settings) -> str:
    """What to do when a subscriber dials ``found``'s number (``?direction=out``): for a
    number in a live campaign, ``settings.callback_action`` (block, warn or allow; warn by
    default: the subscriber hears the warning and may still go on); else its own action.

    >>> callback_action(lookup("+1 876 812 3456"), Settings())
    'block'
    """
    if LIVE_CAMPAIGN in found.reasons and found.action == "block":
        return settings.callback_action
    return found.action


def score9(score: int) -> int:
    """A 0-100 score on a 0-9 scale, in bands that follow the levels.

    >>> [score9(s) for s in (0, 24, 25, 49, 50, 74, 75, 90, 100)]
    [0, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    score = max(0, min(100, score))
    if score < 25:
        return score * 3 // 25
    if score < 75:
        return 3 + (score - 25) * 2 // 25
    return min(9, 7 + (score - 75) * 3 // 25)


def _action(level: str, settings: Settings, codes: tuple[str, ...] = ()) -> str:
    if LIVE_CAMPAIGN in codes and "trusted_number" not in codes:
        return "block"  # a campaign running now: its calls are blocked while it runs
    rank = LEVELS.index(level)
    if rank >= LEVELS.index(settings.lookup_block_at):
        return "block"
    if rank >= LEVELS.index(settings.lookup_warn_at):
        return "warn"
    return "allow"


def _category(result: CheckResult, codes: tuple[str, ...]) -> str:
    info = result.number
    reported = result.community.by_category if result.community is not None else None
    return category_of(
        codes,
        level=result.verdict.level,
        withheld=info.withheld,
        domestic=info.domestic,
        cost_band=info.callback_cost.band,
        reported=reported,
    )


def category_of(
    codes: Iterable[str],
    *,
    level: str,
    withheld: bool,
    domestic: bool,
    cost_band: str,
    reported: Mapping[str, int] | None = None,
) -> str:
    """The main kind of trouble (``CATEGORIES``) of a verdict with these reason ``codes``,
    for a number of this kind; ``reported`` is what people reported it as, by category.

    >>> category_of(["international"], level="high", withheld=False, domestic=False,
    ...             cost_band="international")
    'international'
    """
    found = set(codes)
    if withheld:
        return "withheld"
    if found & _IMPERSONATION:
        return "impersonation"
    costly = found & _PREMIUM or cost_band in ("premium", "service")
    if costly and level != "low":
        return "premium_callback"
    if found & _WANGIRI or ("one_ring" in found and not domestic):
        return "wangiri"  # a short ring from abroad is the call-back trick itself
    if found & _FAKE:
        return "fake_caller_id"
    if "community_reports" in found and reported is not None:
        top = max(reported, key=lambda c: reported[c], default=None)
        return _REPORTED_AS.get(top or "", "reported")
    if "international" in found:
        return "international"
    return "none"


def _what_it_is(result: CheckResult) -> list[str]:
    """Labels that say only what the number is: 'Intl +49 DE' for one from abroad;
    the place, the kind of line or the country for one from home."""
    info = result.number
    origin = _origin(result)
    if not info.domestic:
        return [f"Intl {origin}", origin, "Intl"] if origin else ["Intl"]
    place = info.location if info.location != info.country else None
    return [name for name in (_ascii(place or ""), _kind(result), origin, "Checked") if name]


def _origin(result: CheckResult) -> str:
    """Where a number is from, shortly: '+1 876 JM' (a +1 area code), '+234 NG', 'UK'."""
    info = result.number
    if info.domestic:
        return "UK" if info.country_code == 44 else (info.region or "")
    code = str(info.country_code or "")
    if info.country_code == 1 and info.e164 and info.region != "US":
        code = f"1 {info.e164[2:5]}"  # the area code names the member country
    region = info.region if info.region and info.region != "001" else ""
    return f"+{code} {region}".strip() if code else region


def _kind(result: CheckResult) -> str:
    """'UK mobile', 'DE premium rate': the kind of line, after its country."""
    info = result.number
    uk = info.country_code == 44
    word = _LINE_WORDS.get(info.line_type) or (_UK_LINE_WORDS.get(info.line_type) if uk else None)
    if word is None:
        return ""
    if info.domestic and uk:
        return f"UK {word}"
    return f"{info.region} {word}" if info.region and info.region != "001" else ""


@functools.lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    """``text`` as label characters (the candidates are a few thousand phrases at most,
    so each is worked out once: this was a quarter of a phone system's lookup)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain if ch in _LABEL_CHARS).strip()


def _fit(candidates: list[str], max_chars: int) -> str:
    """The first candidate that fits, else the last one cut to fit."""
    last = ""
    for name in map(_ascii, candidates):
        if name and len(name) <= max_chars:
            return name
        last = name or last
    return last[:max_chars].rstrip()
