"""Rules: what a number and the story of the call add up to.

Pure functions, no I/O: ``NumberInfo`` + ``CallContext`` -> ``Verdict`` (those shapes
are ``ringcheck.verdicts``'). Each rule adds a
reason whose points come from ``data/points.csv``; the score is their sum clipped to
0-100 and the level follows DESIGN.md's bands. The checker never says "safe": it can
lower concern, not vouch for a caller.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ringcheck import phonemeta
from ringcheck.datatables import Headline, Tables
from ringcheck.numbers import CROWN_DEPENDENCIES, NumberInfo, counts_as_home
from ringcheck.phonemeta import in_sentence
from ringcheck.ringtime import MAX_RANG_SECONDS as MAX_RANG_SECONDS
from ringcheck.ringtime import BadContext as BadContext
from ringcheck.ringtime import ring_seconds as ring_seconds
from ringcheck.settings import Settings
from ringcheck.verdicts import BANDS

# The result's shapes have their own module; their names stay importable from here.
from ringcheck.verdicts import LEVELS as LEVELS
from ringcheck.verdicts import MAX_VOICEMAIL_NUMBER_CHARS as MAX_VOICEMAIL_NUMBER_CHARS
from ringcheck.verdicts import NO_CONTEXT as NO_CONTEXT
from ringcheck.verdicts import Advice as Advice
from ringcheck.verdicts import CallContext as CallContext
from ringcheck.verdicts import Level as Level
from ringcheck.verdicts import Reason as Reason
from ringcheck.verdicts import Verdict as Verdict
from ringcheck.verdicts import at_least as at_least
from ringcheck.verdicts import level_for as level_for

if TYPE_CHECKING:  # the catalogue loads only when a caller was named
    from ringcheck.community import Signal
    from ringcheck.organisations import Catalogue, Organisation

COSTLY_NETWORKS = frozenset({"satellite", "global_network", "international_premium"})
# "Odd hours": calls from ``night_start`` up to (not including) ``night_end`` local time,
# declared in settings (23:00 and 07:00 unless the user set others). These are the
# defaults, for callers that mark a call as "at night" without settings at hand.
_DEFAULTS = Settings()
NIGHT_START, NIGHT_END = dt.time(_DEFAULTS.night_start), dt.time(_DEFAULTS.night_end)


class NumberFacts(NamedTuple):
    """Everything the rules read about a number, and nothing else.

    The rules take these facts rather than the whole ``NumberInfo``, so a verdict is a
    function of them alone: without call details it can be reused for every number with
    the same facts (30,000 realistic numbers give about 60 distinct verdicts).
    """

    withheld: bool
    trusted: bool
    domestic: bool
    valid: bool
    country: str | None
    country_code: int | None
    region: str | None
    line_type: str
    uk_reason: str | None
    costly_network: bool
    high_risk: str | None  # the destination's name
    shared_with: str | None
    fictional: bool
    wrong_length: str | None = None  # 'too_short' / 'too_long'
    inbound_only: str | None = None  # the number as dialled: '159'
    cost_band: str = "unknown"  # what calling back costs (numbers' callback_cost band)


def number_facts(info: NumberInfo, settings: Settings) -> NumberFacts:
    """The facts of ``info`` that the rules use."""
    # Positional, in NumberFacts' order, and spoken_country() inlined: this runs for every
    # number checked, and keywords cost about a microsecond more.
    network, e164, uk_range = info.network, info.e164, info.uk_range
    return NumberFacts(
        info.withheld,
        e164 is not None and e164 in settings.trusted,  # trusted
        info.domestic,
        info.valid,
        info.country if network is None else network.phrase or network.name,  # spoken
        info.country_code,
        info.region,
        info.line_type,
        uk_range.reason if uk_range else None,
        network is not None and network.kind in COSTLY_NETWORKS,
        info.high_risk.destination if info.high_risk else None,
        info.shared_with,
        info.drama is not None,  # fictional
        info.wrong_length,
        info.inbound.number if info.inbound else None,  # inbound_only
        info.callback_cost.band,
    )


# Line types whose call charge pays the number's owner: a call-back to them is the
# premium call-back scam (domain.md). Foreign premium ranges and +979 are typed
# premium_rate by the number classifier too.
PREMIUM_LINE_TYPES = frozenset({"premium_rate", "directory_enquiries"})
# Call-back cost bands no dearer than a normal call: ringing once can't earn a scammer
# anything from a call-back to these.
CHEAP_BANDS = frozenset({"free", "normal"})


def premium_callback(line_type: str, band: str) -> bool:
    """Whether calling a number back pays its owner a premium: from the classifier's line
    type or cost band, never from a list of prefixes.

    >>> premium_callback("premium_rate", "premium"), premium_callback("mobile", "normal")
    (True, False)
    """
    return line_type in PREMIUM_LINE_TYPES or "premium" in band


def _number_reasons(facts: NumberFacts) -> Iterator[tuple[str, dict[str, Any]]]:
    if facts.withheld:
        yield "withheld", {}
        return
    if facts.trusted:
        yield "trusted_number", {}
    if not facts.domestic:
        yield "international", {}
    if facts.high_risk is not None:
        yield "high_risk_destination", {"destination": with_article(facts.high_risk)}
    if facts.shared_with is not None:
        yield "looks_domestic", {"main_country": facts.shared_with}
    if facts.costly_network:
        yield "satellite_or_global_network", {}
    yield from _range_reasons(facts)


def _range_reasons(facts: NumberFacts) -> Iterator[tuple[str, dict[str, Any]]]:
    if facts.fictional:
        yield "fictional_number", {}
    elif facts.inbound_only is not None:
        yield "inbound_only", {"short": facts.inbound_only}
    elif facts.wrong_length is not None:
        yield "wrong_length", {"digits": _DIGIT_WORDS[facts.wrong_length]}
    elif not facts.valid:
        yield "not_in_service", {}
    crown = facts.region in CROWN_DEPENDENCIES
    reason = facts.uk_reason
    if reason in ("uk_mobile", "uk_landline"):
        if facts.valid and not facts.fictional and facts.domestic and not crown:
            yield reason, {}
    elif reason is not None:
        yield reason, {}
    if facts.line_type == "premium_rate" and reason != "premium_rate":
        yield "premium_rate", {}
    elif facts.line_type in _SERVICE_CHARGE:
        yield "service_charge", {}
    if crown and facts.country_code == 44 and facts.domestic:
        # Its words are about UK plans: for any other home it is simply abroad.
        yield "crown_dependency", {}


# Line types of ranges abroad whose calls carry a charge for the service (not UK 084/087).
_SERVICE_CHARGE = frozenset({"shared_cost", "mass_traffic"})
_DIGIT_WORDS = {"too_short": "too few digits", "too_long": "too many digits"}


def _claimed_organisation(facts: NumberFacts, org: Organisation) -> tuple[str, dict[str, Any]]:
    """A claim to be ``org``: "from abroad" only when the number is not from the country
    the organisation calls from (HMRC from +44 is not, whatever the home; Interpol and
    Microsoft have no such country)."""
    abroad = (
        org.country is not None
        and not facts.withheld
        and not counts_as_home(facts.country_code, facts.region, org.country)
    )
    if not abroad:
        return "claimed_organisation", {"org": org.said}
    place = with_article(_country_name(org.country))
    return "claimed_uk_organisation_from_abroad", {"org": org.said, "org_home": place}


def _claimed_person(claimed: str | None) -> bool:
    if not claimed:
        return False
    from ringcheck.organisations import is_person

    return is_person(claimed)


def _country_name(region: str | None) -> str:
    return phonemeta.country_names().get(region or "", region or "")


def telling(
    rang_seconds: float | None, times_called: int | None, settings: Settings
) -> tuple[float | None, int | None]:
    """How long it rang and how often it called, as far as the rules act on them.

    A ring longer than ``one_ring_seconds`` and fewer calls than ``repeat_calls`` add no
    reason, so they come back as None: two calls whose details differ only there get the
    same verdict (triage judges each distinct set of details once).

    >>> telling(30, 2, Settings()), telling(3, 5, Settings())
    ((None, None), (3, 5))
    """
    rang = (
        rang_seconds
        if rang_seconds is not None and rang_seconds <= settings.one_ring_seconds
        else None
    )
    times = (
        times_called if times_called is not None and times_called >= settings.repeat_calls else None
    )
    return rang, times


def _context_reasons(
    facts: NumberFacts, ctx: CallContext, org: Organisation | None, settings: Settings
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Reasons from what happened on the call. A ``_text`` value names the wording to use
    when it isn't the code's own (``[reason_variant]`` in wording.toml)."""
    if org is not None:
        yield _claimed_organisation(facts, org)
    elif _claimed_person(ctx.claimed):
        yield "claimed_person", {}
    if ctx.recorded_message:
        yield "recorded_press_button", {}
    rang, times = telling(ctx.rang_seconds, ctx.times_called, settings)
    # A hidden caller can't be called back, and its calls may come from many callers: its
    # ring time and call count say nothing about a call-back trick or one number.
    if facts.withheld:
        rang = times = None
    if rang is not None:
        seconds = f"{rang:g} second" + ("" if rang == 1 else "s")
        cheap = facts.cost_band in CHEAP_BANDS
        yield "one_ring", {"seconds": seconds, "_text": "one_ring_cheap" if cheap else None}
    # A voicemail that wants a call back to a premium line is the scam itself: it raises
    # concern, and neither it nor an expected call lowers it.
    premium = ctx.voicemail_premium or (
        ctx.voicemail and premium_callback(facts.line_type, facts.cost_band)
    )
    if premium:
        yield "voicemail_premium_callback", {}
    if ctx.expected_abroad and not facts.domestic and not premium:
        yield "expected_contact", {}
    if ctx.voicemail and not premium:
        yield "voicemail_left", {}
    if times is not None:
        yield "repeated_attempts", {"times": times}
    if ctx.similar_numbers:
        yield "rotating_numbers", {"similar": ctx.similar_numbers + 1}
    if ctx.called_at is not None and at_night(ctx.called_at, settings):
        yield (
            "odd_hours",
            {
                "night_from": _clock(settings.night_start),
                "night_to": _clock(settings.night_end),
            },
        )


def at_night(moment: dt.time, settings: Settings) -> bool:
    """Whether a call at ``moment`` (local time) came at night, as the settings say (the
    night always spans midnight: ``night_start`` is 18-23, ``night_end`` 3-9).

    >>> at_night(dt.time(23, 30), Settings()), at_night(dt.time(7, 0), Settings())
    (True, False)
    """
    return moment >= dt.time(settings.night_start) or moment < dt.time(settings.night_end)


def _clock(hour: int) -> str:
    """An hour the way people say it: 23 -> '11pm', 7 -> '7am'."""
    return f"{(hour - 1) % 12 + 1}{'am' if hour < 12 else 'pm'}"


def with_article(country: str) -> str:
    """'United States' -> 'the United States', so sentences read naturally (the names
    table says which names take "the": ``phonemeta.in_sentence``)."""
    return in_sentence(country)


_MISSING = object()


@lru_cache(maxsize=512)
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


@lru_cache(maxsize=8192)
def _filled(template: str, values: tuple[Any, ...]) -> str:
    given = zip(_placeholders(template), values, strict=True)
    return template.format_map(_Defaults({k: v for k, v in given if v is not _MISSING}))


def _fill(template: str, params: Mapping[str, Any]) -> str:
    """The template with its placeholders filled in (the same sentences recur: cached)."""
    names = _placeholders(template)
    if not names:
        return template
    return _filled(template, tuple(params.get(name, _MISSING) for name in names))


class _Defaults(dict[str, Any]):
    """Placeholders with no value read as neutral words rather than raising."""

    def __missing__(self, key: str) -> str:
        return {"country": "abroad", "org": "the organisation"}.get(key, "")


def assess(
    facts: NumberFacts,
    context: CallContext,
    settings: Settings,
    data: Tables,
    catalogue: Catalogue | None,
    community: Signal | None = None,
    live: Reason | None = None,
) -> tuple[list[Reason], int, str, Organisation | None, dict[str, Any]]:
    """Reasons (strongest first), clipped score, level, claimed organisation, text values;
    ``live`` is the reason a published live campaign gives (``ringcheck.campaign``)."""
    org = catalogue.match(context.claimed) if catalogue is not None else None
    own, own_params = _number_part(facts, data)
    reasons = list(own)
    params = dict(own_params)
    if context is not NO_CONTEXT and context != NO_CONTEXT:
        for code, extra in _context_reasons(facts, context, org, settings):
            variant = extra.pop("_text", None)
            params.update(extra)
            template = data.wording.reason_variant[variant] if variant else None
            text = _fill(template or data.wording.reason[code], params)
            reasons.append(Reason(code, data.points[code], text))
    score = max(0, min(100, sum(r.points for r in reasons)))
    if community is not None and community.reporters:
        reasons.append(_community_reason(community, score, data))
    if live is not None:
        reasons.append(live)
    score = max(0, min(100, sum(r.points for r in reasons)))
    reasons.sort(key=lambda r: -r.points)
    return reasons, score, level_for(score), org, params


def number_reasons(facts: NumberFacts, data: Tables) -> tuple[Reason, ...]:
    """The reasons a number's facts give, before anything about the call."""
    return _number_part(facts, data)[0]


@lru_cache(maxsize=4096)
def _number_part(facts: NumberFacts, data: Tables) -> tuple[tuple[Reason, ...], dict[str, Any]]:
    """The reasons a number's facts give, and the values their sentences used.

    The same for every call from numbers with the same facts (a big call log has
    thousands of calls and a few dozen distinct facts), so worked out once. Callers copy
    the values before adding to them.
    """
    params: dict[str, Any] = {
        "country": _place(facts),
        "code": facts.country_code,
        "callback": data.wording.cost.get(facts.cost_band, ""),
    }
    reasons = []
    for code, extra in _number_reasons(facts):
        params.update(extra)
        reasons.append(Reason(code, data.points[code], _fill(data.wording.reason[code], params)))
    return tuple(reasons), params


def _place(facts: NumberFacts) -> str:
    """Where the number is from, as a sentence names it."""
    if facts.country:
        return with_article(facts.country)
    if facts.country_code is not None:
        return f"an unknown place on the +{facts.country_code} code"
    return "an unknown place"


def _community_reason(signal: Signal, base: int, data: Tables) -> Reason:
    """``community_reports``: its points, held inside the level the number's facts give
    until enough different people have reported it (see ``ringcheck.community``)."""
    from ringcheck.community import MIN_REPORTERS

    points = signal.points
    if signal.reporters < MIN_REPORTERS:
        floor, ceiling = _band(base)
        points = max(floor - base, min(ceiling - base, points))
    people = "1 person" if signal.reporters == 1 else f"{signal.reporters} people"
    kind = "said it was a genuine caller" if signal.net < 0 else "reported it as unwanted"
    if signal.top_category is not None and signal.net >= 0:
        kind = data.wording.category.get(signal.top_category, kind)
    template = data.wording.reason["community_reports"]
    return Reason("community_reports", points, _fill(template, {"people": people, "kind": kind}))


def _band(score: int) -> tuple[int, int]:
    """The lowest and highest score (0-100) with the same level as ``score``."""
    floors = sorted(floor for floor, _ in BANDS)
    low = max(f for f in floors if f <= max(score, 0))
    higher = [f for f in floors if f > low]
    return low, (higher[0] - 1 if higher else 100)


# Reasons that say the call may be genuine: then there is one path, to check who it was
# before calling back (and how), never also "don't call back", block or report.
GENUINE_SIGNS = frozenset({"expected_contact", "voicemail_left", "claimed_person"})
# ...unless the call wants a premium call-back (the scam itself), or the number is in a
# scam campaign running now (the call was one of hundreds).
_NOT_GENUINE = frozenset({"voicemail_premium_callback", "trusted_number", "live_campaign"})


def may_be_genuine(codes: frozenset[str] | set[str]) -> bool:
    """Whether a verdict with these reason codes takes the "check first" path: the person
    expected the call, got a sensible voicemail or was told it was someone they know.

    >>> may_be_genuine({"international", "expected_contact"})
    True
    >>> may_be_genuine({"premium_rate", "voicemail_premium_callback", "claimed_person"})
    False
    """
    return bool(codes & GENUINE_SIGNS) and not codes & _NOT_GENUINE


def headline(reasons: list[Reason], level: str, data: Tables, params: Mapping[str, Any]) -> str:
    """One plain sentence that agrees with the level: from the strongest reason whose
    headline may be shown at this level, else the level's own.

    A low verdict never gets a headline that calls the call a scam or says "don't call
    back" (those lines are kept for caution and up in wording.toml); when the call may be
    genuine (``may_be_genuine``), the headline says to check before calling back, as the
    advice does.
    """
    lines = data.wording.headline
    # A "community" headline only when reports raised concern.
    present = {r.code for r in reasons if r.code != "community_reports" or r.points > 0}
    if may_be_genuine(present):
        own = "verify_person" if "claimed_person" in present else "verify"
        return _fill(lines.get(f"verify_{level}", lines[own]).text, params)
    for code, line in lines.items():
        if code in present and _shown(line, level, present):
            return _fill(line.text, params)
    return _fill(lines[f"default_{level}"].text, params)


def _shown(line: Headline, level: str, present: set[str]) -> bool:
    rank = LEVELS.index(level)
    return LEVELS.index(line.at_least) <= rank <= LEVELS.index(line.at_most) and (
        line.needs is None or line.needs in present
    )
