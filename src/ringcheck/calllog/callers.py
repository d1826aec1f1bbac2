"""Each distinct caller read once, each distinct verdict judged once.

Triage reads every distinct spelling of a number in a log (``read_callers``) and judges
every distinct pair of number facts and call details (``judge_all``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ringcheck.campaign import reason
from ringcheck.checker import judge, prepared
from ringcheck.datatables import tables
from ringcheck.errors import RingcheckError
from ringcheck.homes import for_home
from ringcheck.numbers import NumberInfo, parse_number
from ringcheck.risk import NIGHT_START, CallContext, NumberFacts, number_facts
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.campaign import Evidence


class Caller(NamedTuple):
    """What triage shows and weighs about one number."""

    key: str  # the E.164 number, "withheld", or "national:…" for numbers with no E.164
    e164: str | None
    display: str
    country: str | None
    region: str | None
    flag: str
    line_type: str
    withheld: bool
    cost_band: str
    cost_text: str
    facts: NumberFacts


# What a verdict depends on: the number's facts, then how long it rang (seconds) and
# how many times it called (each None when no rule acts on it: ``risk.telling``), how
# many near-identical numbers rang, whether any call was at night, and the live
# campaign holding the number (``checker.Campaigns``), if one does.
VerdictKey = tuple[NumberFacts, float | None, int | None, int, bool, "Evidence | None"]


def key_of(info: NumberInfo) -> str:
    """The number a spelling stands for: its E.164 form where it has one."""
    if info.withheld:
        return "withheld"
    return info.e164 or f"national:{info.national_format or info.input}"


def read_callers(texts: Sequence[str], home: str, settings: Settings) -> list[Caller | str]:
    """Each spelling read as ``check()`` reads it: a ``Caller``, or why it can't be read.

    ``settings`` are the user's (``prepared`` puts trusted numbers in E.164 and adds their
    high-risk codes to the tables).

    >>> read_callers(["+44 20 7946 0000", "no"], "GB", Settings())[0].key
    '+442079460000'
    """
    try:
        settings, data = prepared(settings, home)
    except RingcheckError as exc:  # a bad trusted number: check() refuses every number
        return [exc.message] * len(texts)
    found: list[Caller | str] = []
    for text in texts:
        try:
            info = parse_number(text, home, data, brief=True)
        except RingcheckError as exc:
            found.append(exc.message)
            continue
        found.append(_caller(info, settings))
    return found


def _caller(info: NumberInfo, settings: Settings) -> Caller:
    if info.withheld:
        display = "Hidden number"
    else:
        display = info.international_format or info.national_format or info.input
    return Caller(
        key=key_of(info),
        e164=info.e164,
        display=display,
        country=info.country,
        region=info.region,
        flag=info.flag,
        line_type=info.line_type,
        withheld=info.withheld,
        cost_band=info.callback_cost.band,
        cost_text=info.callback_cost.text,
        facts=number_facts(info, settings),
    )


def judge_all(
    keys: Sequence[VerdictKey], settings: Settings, home: str = "GB"
) -> list[dict[str, Any]]:
    """The verdict block for each (facts, ring, calls, similar, night, campaign), as
    ``judge`` gives it for a user in ``home`` (its reporting services and wording); a
    live campaign adds its ``live_campaign`` reason, as in ``check``.

    ``settings`` must be ``prepared`` (the facts already say whether a number is trusted).
    """
    # Points and wording: the same in the user's extended tables.
    data = for_home(home, tables())
    now = dt.datetime.now(dt.UTC)
    verdicts = []
    for facts, ring, calls, similar, night, campaign in keys:
        context = CallContext(
            rang_seconds=ring,
            times_called=None if calls is None else min(calls, 100_000),
            similar_numbers=similar or None,
            called_at=NIGHT_START if night else None,
        )
        live = reason(campaign, now, data) if campaign is not None else None
        verdicts.append(judge(facts, context, settings, data, None, live=live).to_dict())
    return verdicts
