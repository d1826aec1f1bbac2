"""Verdict -> ordered, plain-English actions.

The order is the order a worried person should act in: first what not to do (call
back, press buttons), then how to check, then how to protect themselves and report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from ringcheck.datatables import Tables
from ringcheck.risk import Advice, Reason, at_least

if TYPE_CHECKING:
    from ringcheck.organisations import Organisation

# Reasons that mean a call-back itself costs money or feeds a scam.
_COSTLY = frozenset(
    {
        "international",
        "premium_rate",
        "directory_enquiries",
        "satellite_or_global_network",
        "personal_number",
        "one_ring",
        "fictional_number",
        "not_in_service",
    }
)
_INTERNATIONAL_OR_PREMIUM = frozenset(
    {"international", "premium_rate", "directory_enquiries", "satellite_or_global_network"}
)
_IMPERSONATION = frozenset({"claimed_uk_organisation_from_abroad", "recorded_press_button"})


def advise(
    reasons: Iterable[Reason], level: str, org: Organisation | None, data: Tables
) -> tuple[Advice, ...]:
    """The advice for a verdict, in the order to act on it."""
    return _advice(frozenset(r.code for r in reasons), level, org, data)


@lru_cache(maxsize=4096)
def _advice(
    has: frozenset[str], level: str, org: Organisation | None, data: Tables
) -> tuple[Advice, ...]:
    # The same few combinations recur for every number, so the result is cached.
    items = []
    for code in _at_home(_advice_codes(has, level, org), data.instead):
        if org is not None and code == org.kind.advice:
            text = org.kind.safe_contact
        else:
            text = data.wording.advice[code].format_map({"org": org.name if org else "them"})
        items.append(Advice(code, text))
    return tuple(items)


def _advice_codes(has: frozenset[str], level: str, org: Organisation | None) -> list[str]:
    if "trusted_number" in has and not at_least(level, "caution"):
        return ["no_action_needed"]
    if "inbound_only" in has:
        return _faked_help_line(has, org)
    risky = at_least(level, "high")
    expected = bool(has & {"expected_contact", "voicemail_left"})
    codes: list[str] = []
    if "withheld" in has:
        codes.append("let_it_go_to_voicemail")
    elif risky or (has & _COSTLY and not expected and level != "low"):
        codes.append("dont_call_back")
    if has & _IMPERSONATION:
        codes.append("dont_press_buttons")
    if org is not None:
        codes.append(org.kind.advice)
    if expected:
        codes.append("verify_before_calling_back")
    elif level == "caution" and "withheld" not in has:
        codes.append("let_it_go_to_voicemail")
    if at_least(level, "caution") and "withheld" not in has:
        codes.append("check_reports")
    if risky and "withheld" not in has:
        codes.append("block_number")
    if risky and has & _INTERNATIONAL_OR_PREMIUM:
        codes.append("bar_premium_international")
    if risky and "withheld" not in has:
        codes.append("report_7726")
    if level == "very_high" or has & _IMPERSONATION or (org is not None and risky):
        codes.append("report_fraud")
    if not codes:
        codes.append("no_action_needed")
    return codes


def _at_home(codes: list[str], instead: Mapping[str, str]) -> list[str]:
    """The codes with those of services the home doesn't have (7726 and 159 outside the
    UK) swapped for the home's own (``data/homes.toml``), each code once."""
    return list(dict.fromkeys(instead.get(code, code) for code in codes))


def _faked_help_line(has: frozenset[str], org: Organisation | None) -> list[str]:
    """A caller ID faked to show a help line (159, 7726): whoever rang wants your trust,
    not a call back, and calling 159 yourself is the safe way to reach your bank."""
    codes = ["dont_press_buttons"] if has & _IMPERSONATION else []
    codes.append("call_159")
    if org is not None and org.kind.advice != "call_159":
        codes.append(org.kind.advice)
    return [*codes, "report_7726", "report_fraud"]
