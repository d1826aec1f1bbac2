"""The result contract of DESIGN.md, written out once for the tests that check it.

``contract_problems(result)`` lists every way a ``check(...).to_dict()`` result breaks the
contract (an empty list means it matches); ``assert_matches_contract`` fails with that list.
The enums are copied from DESIGN.md by hand on purpose: a test must not read the lists
from the code it is testing.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parents[1] / "src" / "ringcheck" / "data"
DATA_VERSION: str = tomllib.loads((DATA_DIR / "manifest.toml").read_text("utf-8"))["version"]


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a shipped CSV table, read with the standard library only."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


TOP_KEYS = frozenset({"input", "number", "verdict", "context", "data_version"})
# Present only sometimes: the other numbers of the text; what people reported.
TOP_EXTRA_KEYS = frozenset({"also_found", "community"})
NUMBER_KEYS = frozenset(
    {
        "e164",
        "international_format",
        "national_format",
        "country_code",
        "region",
        "country",
        "location",
        "line_type",
        "carrier",
        "valid",
        "domestic",
        "written_as",
        "callback_cost",
    }
)
NUMBER_EXTRA_KEYS = frozenset({"flag", "withheld", "read_as"})
READ_AS_KEYS = frozenset({"text", "kinds", "note"})
READ_AS_KINDS = frozenset({"letter_o", "keypad"})
CALLBACK_COST_KEYS = frozenset({"band", "text"})
VERDICT_KEYS = frozenset({"level", "score", "headline", "reasons", "advice"})
REASON_KEYS = frozenset({"code", "points", "text"})
ADVICE_KEYS = frozenset({"code", "text"})
CONTEXT_KEYS = frozenset(
    {"claimed", "rang_seconds", "voicemail", "expected_abroad", "recorded_message"}
)
CONTEXT_EXTRA_KEYS = frozenset({"times_called", "similar_numbers", "called_at", "voicemail_number"})

LEVELS = ("low", "caution", "high", "very_high")
WRITTEN_AS = frozenset({"plus", "idd", "national", "bare"})
LINE_TYPES = frozenset(
    {
        "mobile",
        "fixed_line",
        "fixed_line_or_mobile",
        "premium_rate",
        "service",
        "directory_enquiries",
        "personal",
        "pager",
        "freephone",
        "non_geographic",
        "voip",
        "corporate",
        "satellite",
        "global_network",
        "short_code",
        "unknown",
        # added in issue 18: ranges abroad (phonenumbers' shared cost, Germany's 0137)
        "shared_cost",
        "mass_traffic",
    }
)
COST_BANDS = frozenset(
    {
        "free",
        "normal",
        "outside_plan",
        "service",
        "premium",
        "international",
        "international_high",
        "unknown",
        # added in issue 18: premium-rate and shared-cost ranges called from abroad
        "international_premium",
        "international_shared_cost",
    }
)
DESIGN_REASON_CODES = frozenset(
    {
        "international",
        "high_risk_destination",
        "looks_domestic",
        "satellite_or_global_network",
        "premium_rate",
        "directory_enquiries",
        "personal_number",
        "service_number",
        "pager",
        "fictional_number",
        "not_in_service",
        "wrong_length",
        "inbound_only",
        "crown_dependency",
        "uk_mobile",
        "uk_landline",
        "claimed_uk_organisation_from_abroad",
        "claimed_organisation",
        "recorded_press_button",
        "one_ring",
        "expected_contact",
        "voicemail_left",
        "withheld",
        "community_reports",
        "repeated_attempts",
        "rotating_numbers",
        "odd_hours",
        # added in issue 18: a range abroad that charges for its service (shared cost)
        "service_charge",
        # added in issue 21: a campaign the live detector published
        "live_campaign",
    }
)
# Reasons the code adds beyond DESIGN.md: a number from the user's trusted list, a caller
# who said they were someone you know, a voicemail that wants a premium call-back.
REASON_CODES = DESIGN_REASON_CODES | {
    "trusted_number",
    "claimed_person",
    "voicemail_premium_callback",
}
ADVICE_CODES = frozenset(
    {
        "dont_call_back",
        "dont_press_buttons",
        "check_reports",
        "block_number",
        "bar_premium_international",
        "report_fraud",
        "report_7726",
        "call_159",
        "call_back_on_trusted_number",
        "let_it_go_to_voicemail",
        "verify_before_calling_back",
        "no_action_needed",
    }
)

# "+", a 1-3 digit calling code, then the national number. Like phonenumbers, ringcheck keeps
# national numbers of up to 17 digits (longer than E.164's 15 in all) and marks them invalid.
_E164 = re.compile(r"\+[1-9]\d{4,19}")
_REGION = re.compile(r"[A-Z]{2}|001")
_TIME = re.compile(r"\d\d:\d\d")


def codes(result: Any) -> set[str]:
    """The reason codes of a ``CheckResult``."""
    return {r.code for r in result.verdict.reasons}


def advice(result: Any) -> list[str]:
    """The advice codes of a ``CheckResult``, in order."""
    return [a.code for a in result.verdict.advice]


def at_least(level: str, floor: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(floor)


def band_for(score: int) -> str:
    """DESIGN.md's level bands, written out independently of ringcheck.risk."""
    if score >= 75:
        return "very_high"
    if score >= 50:
        return "high"
    if score >= 25:
        return "caution"
    return "low"


def plain_text_problems(where: str, text: Any) -> list[str]:
    """Text a person reads: a non-empty sentence, no leftover placeholders or markup."""
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: empty or not text: {text!r}"]
    problems = []
    for bad in ("{", "}", "<", ">", "None", "  ", " .", " ,", "\n"):
        if bad in text:
            problems.append(f"{where}: contains {bad!r}: {text!r}")
    if text != text.strip():
        problems.append(f"{where}: leading or trailing space: {text!r}")
    return problems


def _keys(where: str, block: Any, required: frozenset[str], extra: frozenset[str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: not an object: {block!r}"]
    problems = []
    if missing := required - block.keys():
        problems.append(f"{where}: missing keys {sorted(missing)}")
    if unknown := block.keys() - required - extra:
        problems.append(f"{where}: keys not in the contract {sorted(unknown)}")
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional(where: str, value: Any, kind: type) -> list[str]:
    if value is None or isinstance(value, kind):
        return []
    return [f"{where}: expected {kind.__name__} or null, got {value!r}"]


def _number_problems(number: dict[str, Any]) -> list[str]:
    problems = []
    withheld = number.get("withheld") is True
    e164 = number["e164"]
    if e164 is not None:
        if not isinstance(e164, str) or not _E164.fullmatch(e164):
            problems.append(f"number.e164: not E.164: {e164!r}")
        elif not e164.startswith(f"+{number['country_code']}"):
            problems.append(f"number.e164 {e164} does not start with its country code")
        if not isinstance(number["international_format"], str):
            problems.append("number.international_format: missing for a full number")
    if number["country_code"] is not None and not _is_int(number["country_code"]):
        problems.append(f"number.country_code: not an integer: {number['country_code']!r}")
    region = number["region"]
    if region is not None and (not isinstance(region, str) or not _REGION.fullmatch(region)):
        problems.append(f"number.region: not ISO 3166-1 alpha-2 or 001: {region!r}")
    for key in ("international_format", "national_format", "country", "location", "carrier"):
        problems += _optional(f"number.{key}", number[key], str)
    if number["line_type"] not in LINE_TYPES:
        problems.append(f"number.line_type: not in DESIGN.md: {number['line_type']!r}")
    for key in ("valid", "domestic"):
        if not isinstance(number[key], bool):
            problems.append(f"number.{key}: not true/false: {number[key]!r}")
    written_as = number["written_as"]
    if written_as not in WRITTEN_AS and not (withheld and written_as is None):
        problems.append(f"number.written_as: not in DESIGN.md: {written_as!r}")
    if withheld and (e164 is not None or number["valid"]):
        problems.append("number: a withheld caller has no number and is not valid")
    cost = number["callback_cost"]
    problems += _keys("number.callback_cost", cost, CALLBACK_COST_KEYS, frozenset())
    if isinstance(cost, dict) and cost.keys() >= CALLBACK_COST_KEYS:
        if cost["band"] not in COST_BANDS:
            problems.append(f"number.callback_cost.band: not in DESIGN.md: {cost['band']!r}")
        problems += plain_text_problems("number.callback_cost.text", cost["text"])
    if "flag" in number and not isinstance(number["flag"], str):
        problems.append(f"number.flag: not text: {number['flag']!r}")
    if "withheld" in number and not isinstance(number["withheld"], bool):
        problems.append(f"number.withheld: not true/false: {number['withheld']!r}")
    return problems + _read_as_problems(number.get("read_as"))


def _read_as_problems(read_as: Any) -> list[str]:
    """``read_as``: null, or how letters in the number were read as digits."""
    if read_as is None:
        return []
    problems = _keys("number.read_as", read_as, READ_AS_KEYS, frozenset())
    if problems:
        return problems
    kinds = read_as["kinds"]
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= READ_AS_KINDS:
        problems.append(f"number.read_as.kinds: not a list of {sorted(READ_AS_KINDS)}")
    if not isinstance(read_as["text"], str) or not any(c.isdigit() for c in read_as["text"]):
        problems.append(f"number.read_as.text: no digits: {read_as['text']!r}")
    return problems + plain_text_problems("number.read_as.note", read_as["note"])


def _verdict_problems(verdict: dict[str, Any]) -> list[str]:
    problems = []
    level, score = verdict["level"], verdict["score"]
    if level not in LEVELS:
        problems.append(f"verdict.level: not in DESIGN.md: {level!r}")
    if not _is_int(score) or not 0 <= score <= 100:
        problems.append(f"verdict.score: not an integer 0-100: {score!r}")
    elif level != band_for(score):
        problems.append(f"verdict.level {level!r} does not match score {score}")
    problems += plain_text_problems("verdict.headline", verdict["headline"])
    problems += _items_problems("reason", verdict["reasons"], REASON_KEYS, REASON_CODES)
    problems += _items_problems("advice", verdict["advice"], ADVICE_KEYS, ADVICE_CODES)
    if not problems:
        points = [r["points"] for r in verdict["reasons"]]
        if points != sorted(points, reverse=True):
            problems.append(f"verdict.reasons: not strongest first: {points}")
        if not verdict["advice"]:
            problems.append("verdict.advice: empty")
    return problems


def _items_problems(
    kind: str, items: Any, keys: frozenset[str], codes: frozenset[str]
) -> list[str]:
    if not isinstance(items, list):
        return [f"verdict.{kind}: not a list: {items!r}"]
    problems = []
    for i, item in enumerate(items):
        where = f"verdict.{kind}[{i}]"
        problems += _keys(where, item, keys, frozenset())
        if not isinstance(item, dict) or not keys <= item.keys():
            continue
        if item["code"] not in codes:
            problems.append(f"{where}.code: not in DESIGN.md: {item['code']!r}")
        if "points" in keys and not _is_int(item["points"]):
            problems.append(f"{where}.points: not an integer: {item['points']!r}")
        problems += plain_text_problems(f"{where}.text", item["text"])
    seen = [item.get("code") for item in items if isinstance(item, dict)]
    if len(seen) != len(set(seen)):
        problems.append(f"verdict.{kind}: a code appears twice: {seen}")
    return problems


def _context_problems(context: dict[str, Any]) -> list[str]:
    problems = _optional("context.claimed", context["claimed"], str)
    rang = context["rang_seconds"]
    if rang is not None and (isinstance(rang, bool) or not isinstance(rang, int | float)):
        problems.append(f"context.rang_seconds: not a number: {rang!r}")
    for key in ("voicemail", "expected_abroad", "recorded_message"):
        problems += _optional(f"context.{key}", context[key], bool)
    for key in ("times_called", "similar_numbers"):
        value = context.get(key)
        if value is not None and not _is_int(value):
            problems.append(f"context.{key}: not an integer: {value!r}")
    called_at = context.get("called_at")
    if called_at is not None and not (isinstance(called_at, str) and _TIME.fullmatch(called_at)):
        problems.append(f"context.called_at: not HH:MM: {called_at!r}")
    return problems


def contract_problems(result: Any, text: str | None = None) -> list[str]:
    """Every way ``result`` (a ``to_dict()``) breaks DESIGN.md's contract; [] when none."""
    problems = _keys("result", result, TOP_KEYS, TOP_EXTRA_KEYS)
    if problems:
        return problems
    also = result.get("also_found")
    if also is not None and not (
        isinstance(also, list)
        and also
        and all(isinstance(n, str) and _E164.fullmatch(n) for n in also)
    ):
        problems.append(f"also_found: not a non-empty list of E.164 numbers: {also!r}")
    if text is not None and result["input"] != text:
        problems.append(f"input: {result['input']!r} is not the text given, {text!r}")
    if not isinstance(result["input"], str):
        problems.append(f"input: not text: {result['input']!r}")
    if result["data_version"] != DATA_VERSION:
        problems.append(f"data_version: {result['data_version']!r}, manifest says {DATA_VERSION}")
    blocks = (
        ("number", NUMBER_KEYS, NUMBER_EXTRA_KEYS, _number_problems),
        ("verdict", VERDICT_KEYS, frozenset(), _verdict_problems),
        ("context", CONTEXT_KEYS, CONTEXT_EXTRA_KEYS, _context_problems),
    )
    for name, required, extra, inner in blocks:
        found = _keys(name, result[name], required, extra)
        problems += found or inner(result[name])
    return problems


def assert_matches_contract(result: Any, text: str | None = None) -> None:
    problems = contract_problems(result, text)
    assert not problems, "\n".join(problems)


# --- verdicts that contradict themselves ------------------------------------------------
# Rules over any result, written from DESIGN.md's codes and domain.md's facts, not from the
# code under test: a verdict's level, cost and advice must agree with its own reasons.

# Reasons that say calling back costs more than a normal call at home.
COSTLY_REASONS = frozenset(
    {
        "premium_rate",
        "directory_enquiries",
        "service_number",
        "international",
        "high_risk_destination",
        "satellite_or_global_network",
    }
)
CHEAP_BANDS = frozenset({"free", "normal"})
# Reasons strong enough on their own that a "low" verdict contradicts them, unless a
# lowering reason (negative points: expected, voicemail, trusted) explains it.
DANGER_REASONS = frozenset(
    {
        "premium_rate",
        "directory_enquiries",
        "high_risk_destination",
        "satellite_or_global_network",
        "fictional_number",
        "not_in_service",
        "inbound_only",
        "claimed_uk_organisation_from_abroad",
        "recorded_press_button",
        "live_campaign",
    }
)
BIG_POINTS = 25
STOP_ADVICE = frozenset({"dont_call_back", "block_number", "report_fraud", "report_7726"})


def contradictions(number: dict[str, Any], verdict: dict[str, Any]) -> list[str]:
    """Every way a verdict contradicts its own reasons or its number's facts; [] if none.

    ``number`` is a result's ``number`` block, or any dict with its ``line_type``,
    ``callback_cost``, ``withheld`` and (if known) ``domestic`` (a triage entry).
    """
    reasons = {r["code"]: r for r in verdict["reasons"]}
    advice = {a["code"]: a for a in verdict["advice"]}
    band = (number.get("callback_cost") or {}).get("band")
    cost_text = (number.get("callback_cost") or {}).get("text") or ""
    level = verdict["level"]
    texts = [verdict["headline"], cost_text, *(r["text"] for r in verdict["reasons"])]
    texts += [a["text"] for a in verdict["advice"]]
    problems = []
    if band in CHEAP_BANDS and (costly := sorted(COSTLY_REASONS & reasons.keys())):
        problems.append(f"cost band {band!r} while the reasons say {costly}")
    if number.get("line_type") == "premium_rate" and band in CHEAP_BANDS:
        problems.append(f"a premium-rate line with cost band {band!r}")
    lowered = any(r["points"] < 0 for r in verdict["reasons"])
    strong = [c for c in DANGER_REASONS & reasons.keys() if reasons[c]["points"] >= BIG_POINTS]
    if level == "low" and strong and not lowered:
        problems.append(f"level 'low' with strong reasons {sorted(strong)}")
    if "dont_call_back" in advice and "verify_before_calling_back" in advice:
        problems.append("advice says both dont_call_back and verify_before_calling_back")
    if "verify_before_calling_back" in advice and (stop := sorted(STOP_ADVICE & advice.keys())):
        problems.append(f"advice says verify_before_calling_back and also {stop}")
    if "no_action_needed" in advice and (
        level in ("high", "very_high") or STOP_ADVICE & advice.keys() or band == "unknown"
    ):
        problems.append(f"no_action_needed at level {level!r}, cost {band!r}: {sorted(advice)}")
    if band == "free" and any("makes money" in t for t in texts):
        problems.append("a free number, yet a sentence says calling back makes the scam money")
    if band == "free" and "don't call back" in cost_text.lower():
        problems.append("a free number's cost line says not to call back")
    if number.get("withheld") and "call back" in cost_text.lower() and "don't" in cost_text.lower():
        problems.append("a withheld caller's cost line says not to call back")
    if number.get("domestic") is True and any("calling abroad" in t.lower() for t in texts):
        problems.append("a domestic number, yet a sentence talks about calling abroad")
    return problems


def result_contradictions(result: dict[str, Any]) -> list[str]:
    """``contradictions`` of a ``check(...).to_dict()`` result."""
    return contradictions(result["number"], result["verdict"])
