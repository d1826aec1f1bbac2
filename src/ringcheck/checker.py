"""``check()``: text as typed (+ what happened) -> a full result, the shared contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ringcheck.advice import advise
from ringcheck.datatables import Tables, tables
from ringcheck.errors import ConfigError, NotAPhoneNumber
from ringcheck.homes import for_home
from ringcheck.numbers import NumberInfo, parse_number
from ringcheck.risk import (
    NO_CONTEXT,
    BadContext,
    CallContext,
    NumberFacts,
    Reason,
    Verdict,
    assess,
    headline,
    number_facts,
    premium_callback,
)
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.campaign import Evidence
    from ringcheck.community import Community, Signal
    from ringcheck.organisations import Catalogue


_DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class CheckResult:
    """The answer for one number: what it is, how risky it looks, what to do."""

    input: str
    number: NumberInfo
    verdict: Verdict
    context: CallContext
    data_version: str
    community: Community | None = None

    def to_dict(self) -> dict[str, Any]:
        """Exactly the result contract of DESIGN.md (fields may be added, never renamed)."""
        result = {
            "input": self.input,
            "number": self.number.to_dict(),
            "verdict": self.verdict.to_dict(),
            "context": self.context.to_dict(),
            "data_version": self.data_version,
        }
        if self.number.also_found:
            result["also_found"] = list(self.number.also_found)
        if self.community is not None:
            result["community"] = self.community.to_dict()
        return result

    @property
    def also_found(self) -> tuple[str, ...]:
        """The other numbers in the text (E.164), when it held more than one."""
        return self.number.also_found


Reports = Callable[[str], "Community | None"]
"""What people reported about a number, asked by its E.164 form (``store.community``)."""
AsyncReports = Callable[[str], Awaitable["Community | None"]]
"""The same for async code (the web's per-worker reports cache)."""
Campaigns = Callable[[str], "Evidence | None"]
"""The live campaign that holds a number, asked by its E.164 form (``LiveCampaigns.find``)."""


def check(
    text: str,
    context: CallContext | None = None,
    *,
    home: str = "GB",
    settings: Settings | None = None,
    data: Tables | None = None,
    organisations: Catalogue | None = None,
    community: Community | None = None,
    reports: Reports | None = None,
    now: dt.datetime | None = None,
    campaign: Evidence | None = None,
    campaigns: Campaigns | None = None,
) -> CheckResult:
    """Check a number as the person typed it.

    ``community`` is what other people reported about the number (from the store); it
    adds the ``community_reports`` reason, weighed as of ``now`` (default: this moment).
    ``campaign`` is the live campaign that blocks the number (``Store.blocking_campaign``),
    if one does: it adds the ``live_campaign`` reason with its evidence in words.
    Or give sources to ask instead: ``reports`` (what people reported) and ``campaigns``
    (the live campaign holding a number), each asked once, by the number's E.164 form,
    once the text is read. Every face checks this way (CLI, API, pages, phone routes,
    AGI): read once, ask once, judge once.

    Raises ``NotAPhoneNumber`` when the text holds no readable number, and ``BadContext``
    when a detail of the call is out of range; both carry a ``code`` and a message.

    >>> check("+1 876 812 3456").verdict.level
    'very_high'
    """
    read = _read(text, context, home, settings, data)
    e164 = read.info.e164
    if e164 and community is None and reports is not None:
        community = reports(e164)
    if e164 and campaign is None and campaigns is not None:
        campaign = campaigns(e164)
    return read.judged(community, organisations, now, campaign)


async def check_async(
    text: str,
    context: CallContext | None = None,
    *,
    home: str = "GB",
    settings: Settings | None = None,
    reports: AsyncReports | None = None,
    campaigns: Campaigns | None = None,
    now: dt.datetime | None = None,
) -> CheckResult:
    """``check`` for async code: the same steps, with a ``reports`` source to await."""
    read = _read(text, context, home, settings, None)
    e164 = read.info.e164
    community = await reports(e164) if reports and e164 else None
    campaign = campaigns(e164) if campaigns and e164 else None
    return read.judged(community, None, now, campaign)


@dataclass(slots=True)  # made on every check: cheaper than a frozen one
class _Read:
    """A number read from the text, with its facts: what is left is to judge it."""

    text: str
    info: NumberInfo
    facts: NumberFacts
    context: CallContext
    home: str
    settings: Settings
    data: Tables

    def judged(
        self,
        community: Community | None,
        organisations: Catalogue | None,
        now: dt.datetime | None,
        campaign: Evidence | None = None,
    ) -> CheckResult:
        context, settings, data = self.context, self.settings, self.data
        signal = _signal(community, settings, now) if community is not None else None
        live = _live(campaign, data, now) if campaign is not None else None
        if signal is None and live is None and (context is NO_CONTEXT or context == NO_CONTEXT):
            verdict = _plain_verdict(self.facts, data)
        else:
            if context.claimed and organisations is None:
                from ringcheck.organisations import catalogue  # most checks name no caller

                organisations = catalogue(self.home)
            verdict = judge(self.facts, context, settings, data, organisations, signal, live)
        return _result(self.text, self.info, verdict, context, data.version, community)


def _read(
    text: str,
    context: CallContext | None,
    home: str,
    settings: Settings | None,
    data: Tables | None,
) -> _Read:
    settings, extended = prepared(settings or _DEFAULT_SETTINGS, home)
    data = for_home(home, data) if data is not None else extended
    context = context or NO_CONTEXT
    if context.voicemail_number:
        context = _read_voicemail_number(context, home, data)
    info = parse_number(text, home, data)
    return _Read(text, info, number_facts(info, settings), context, home, settings, data)


def _result(
    text: str,
    info: NumberInfo,
    verdict: Verdict,
    context: CallContext,
    version: str,
    community: Community | None,
) -> CheckResult:
    """``CheckResult(text, info, verdict, context, version, community)``, filled in without
    the frozen ``__init__``'s six ``object.__setattr__`` calls: the same frozen instance
    (equal, hashable, read-only) in about a third of the time, once per check."""
    result = _new(CheckResult)
    fields = result.__dict__
    fields["input"] = text
    fields["number"] = info
    fields["verdict"] = verdict
    fields["context"] = context
    fields["data_version"] = version
    fields["community"] = community
    return result


_new = object.__new__


def _read_voicemail_number(context: CallContext, home: str, data: Tables) -> CallContext:
    """``context`` with the number the voicemail gave read by the number classifier: in
    E.164, and whether calling it pays its owner a premium (``voicemail_premium``)."""
    given = context.voicemail_number or ""
    try:
        info = parse_number(given, home, data)
    except NotAPhoneNumber as exc:
        raise BadContext(
            "bad_voicemail_number", f"The number the voicemail gave can't be read. {exc.message}"
        ) from None
    premium = premium_callback(info.line_type, info.callback_cost.band)
    return replace(context, voicemail_number=info.e164 or given, voicemail_premium=premium)


def _signal(community: Community, settings: Settings, now: dt.datetime | None) -> Signal | None:
    from ringcheck.community import community_signal

    if community.empty:
        return None
    moment = now or dt.datetime.now(dt.UTC)
    return community_signal(community, moment, settings.report_half_life_days)


def _live(campaign: Evidence, data: Tables, now: dt.datetime | None) -> Reason:
    from ringcheck.campaign import reason

    return reason(campaign, now or dt.datetime.now(dt.UTC), data)


def judge(
    facts: NumberFacts,
    context: CallContext,
    settings: Settings,
    data: Tables,
    organisations: Catalogue | None,
    community: Signal | None = None,
    live: Reason | None = None,
) -> Verdict:
    """The verdict on a number's facts, what happened on the call, what people reported
    and a live campaign's reason (``live``)."""
    reasons, score, level, org, params = assess(
        facts, context, settings, data, organisations, community, live
    )
    return Verdict(
        level=level,
        score=score,
        headline=headline(reasons, level, data, params),
        reasons=tuple(reasons),
        advice=advise(reasons, level, org, data, facts.cost_band),
        organisation=org,
    )


@lru_cache(maxsize=4096)
def _plain_verdict(facts: NumberFacts, data: Tables) -> Verdict:
    """With no call details a verdict depends on the facts alone: reuse it (it is immutable)."""
    return judge(facts, NO_CONTEXT, _DEFAULT_SETTINGS, data, None)


def prepared(settings: Settings, home: str) -> tuple[Settings, Tables]:
    """``settings`` as the rules read them, and the tables to read numbers with.

    The trusted numbers come back in E.164 (however the user wrote them, read from
    ``home``), and the tables hold the user's own high-risk codes as well as the shipped
    ones, with the home's own wording and services (``ringcheck.homes``). Both are
    computed once per distinct setting and reused.

    >>> settings, data = prepared(Settings(trusted=("07700 900123",)), "GB")
    >>> settings.trusted
    ('+447700900123',)
    """
    if not settings.trusted and not settings.high_risk:  # most checks: nothing to add
        return settings, for_home(home, tables())
    settings = _with_trusted_e164(settings, home)
    return settings, for_home(home, _tables_for(settings))


_extended: dict[tuple[str, ...], Tables] = {}
_trusted: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = {}


def _with_trusted_e164(settings: Settings, home: str) -> Settings:
    """Settings whose trusted numbers are in E.164, however the user wrote them."""
    if not settings.trusted:
        return settings
    key = (settings.trusted, home)
    if key not in _trusted:
        numbers = []
        for text in settings.trusted:
            try:
                info = parse_number(text, home)
            except NotAPhoneNumber as exc:
                raise ConfigError(
                    "bad_trusted_number", f"Trusted number '{text}' can't be read: {exc.message}"
                ) from None
            if info.e164:
                numbers.append(info.e164)
        _trusted[key] = tuple(numbers)
    return replace(settings, trusted=_trusted[key])


def _tables_for(settings: Settings) -> Tables:
    """The shipped tables, plus the user's own high-risk codes when they have any."""
    if not settings.high_risk:
        return tables()
    key = settings.high_risk
    if key not in _extended:
        prefixes = [_prefix_digits(p) for p in key]
        _extended[key] = tables().with_extra_high_risk(prefixes, "Your ringcheck settings")
    return _extended[key]


def _prefix_digits(prefix: str) -> str:
    digits = "".join(ch for ch in prefix if ch.isdigit())
    if prefix.strip().startswith("00"):
        digits = digits[2:]
    return digits
