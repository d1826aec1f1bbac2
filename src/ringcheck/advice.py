"""Verdict -> ordered, plain-English actions.

The order is the order a worried person should act in: first what not to do (call
back, press buttons), then how to check, then how to protect themselves and report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from ringcheck.datatables import Tables
from ringcheck.risk import Advice, Reason, at_least, may_be_genuine

if TYPE_CHECKING:
    from ringcheck.organisations import Organisation

# Reasons that mean a call-back itself costs money or feeds a scam. Not "one_ring" on its
# own: ringing once earns a scammer nothing when the call-back costs a normal call (the
# number's range says whether it costs more).
_COSTLY = frozenset(
    {
        "international",
        "premium_rate",
        "directory_enquiries",
        "satellite_or_global_network",
        "personal_number",
        "fictional_number",
        "not_in_service",
        "voicemail_premium_callback",
    }
)
_INTERNATIONAL_OR_PREMIUM = frozenset(
    {
        "international",
        "premium_rate",
        "directory_enquiries",
        "satellite_or_global_network",
        "voicemail_premium_callback",
    }
)
_IMPERSONATION = frozenset({"claimed_uk_organisation_from_abroad", "recorded_press_button"})
# Call-back cost bands where calling back earns a scammer nothing: "don't call back"
# then says so without "that's how the scam makes money".
_NO_CHARGE = frozenset({"free", "normal"})


def advise(
    reasons: Iterable[Reason],
    level: str,
    org: Organisation | None,
    data: Tables,
    cost_band: str | None = None,
) -> tuple[Advice, ...]:
    """The advice for a verdict, in the order to act on it. ``cost_band`` is what calling
    the number back costs (its ``callback_cost`` band), when known."""
    return _advice(frozenset(r.code for r in reasons), level, org, data, cost_band)


@lru_cache(maxsize=4096)
def _advice(
    has: frozenset[str], level: str, org: Organisation | None, data: Tables, cost_band: str | None
) -> tuple[Advice, ...]:
    # The same few combinations recur for every number, so the result is cached.
    items = []
    codes = _at_home(_advice_codes(has, level, org), data.instead)
    if codes == ["no_action_needed"] and cost_band == "unknown":
        codes = ["let_it_go_to_voicemail"]  # not "nothing to do" when the cost is unknown
    for code in codes:
        # A variant for this verdict's reasons wins over the cheap-call wording: a
        # voicemail's premium number is costly whatever the caller's own number costs.
        template = data.wording.advice_variant.get(_variant(code, has), "")
        if org is not None and code == org.kind.advice:
            text = org.kind.safe_contact
        elif not template and cost_band in _NO_CHARGE and code in data.wording.advice_no_charge:
            text = data.wording.advice_no_charge[code]
        else:
            text = (template or data.wording.advice[code]).format_map(
                {"org": org.said if org else "them"}
            )
        items.append(Advice(code, text))
    return tuple(items)


def _variant(code: str, has: frozenset[str]) -> str:
    """The ``[advice_variant]`` wording for ``code`` here: how to check depends on who
    it was said to be, only a call-back abroad costs an international call, and a
    voicemail may give another number to ring than the one that called."""
    if code == "dont_call_back" and "voicemail_premium_callback" in has:
        hidden = "_withheld" if "withheld" in has else ""
        return f"{code}_premium_voicemail{hidden}"
    if code != "verify_before_calling_back":
        return ""
    if "claimed_person" in has:
        return f"{code}_person"
    return f"{code}_abroad" if "international" in has else ""


def _advice_codes(has: frozenset[str], level: str, org: Organisation | None) -> list[str]:
    if "trusted_number" in has and not at_least(level, "caution"):
        return ["no_action_needed"]
    if "inbound_only" in has:
        return _faked_help_line(has, org)
    risky = at_least(level, "high")
    # Expected, a sensible voicemail or someone they know: one path, check who it was
    # before calling back; never also "don't call back", block or report it as a scam.
    expected = may_be_genuine(has)
    scam = risky and not expected
    codes: list[str] = []
    withheld = "withheld" in has
    if withheld:
        codes.append("let_it_go_to_voicemail")
    costly = bool(has & _COSTLY) and not expected and level != "low"
    # A premium number the voicemail gave is never to be rung, even from a hidden caller.
    if "voicemail_premium_callback" in has or (not withheld and (scam or costly)):
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
    if scam and "withheld" not in has:
        codes.append("block_number")
    if scam and has & _INTERNATIONAL_OR_PREMIUM:
        codes.append("bar_premium_international")
    if scam and "withheld" not in has:
        codes.append("report_7726")
    if (
        (level == "very_high" and not expected)
        or has & _IMPERSONATION
        or (org is not None and risky)
    ):
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
