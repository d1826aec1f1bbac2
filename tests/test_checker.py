"""check() reuses verdicts for numbers with the same facts; that must never change an answer."""

from __future__ import annotations

import random

import pytest

from ringcheck import CallContext, Settings, check
from ringcheck.checker import check_async


def _numbers(count: int) -> list[str]:
    rng = random.Random(7)
    prefixes = ["+44 7", "+44 20", "0", "+1 876", "+1 212", "+234 80", "+881 6", "+33 6", "09"]
    return [rng.choice(prefixes) + str(rng.randrange(10**8, 10**9)) for _ in range(count)]


def test_reused_verdict_equals_a_fresh_one_for_every_number():
    for text in _numbers(400):
        try:
            reused = check(text)
        except ValueError:
            continue
        fresh = check(text, CallContext())  # an equal but distinct context is judged afresh
        assert reused.verdict == fresh.verdict, text


def test_reused_verdicts_respect_trusted_numbers_and_extra_high_risk_codes():
    plain = check("+33 6 12 34 56 78")
    trusted = check("+33 6 12 34 56 78", settings=Settings(trusted=("+33612345678",)))
    risky = check("+33 6 12 34 56 78", settings=Settings(high_risk=("+33",)))
    again = check("+33 6 12 34 56 78")
    assert "trusted_number" in {r.code for r in trusted.verdict.reasons}
    assert "high_risk_destination" in {r.code for r in risky.verdict.reasons}
    assert again.verdict == plain.verdict
    assert not {"trusted_number", "high_risk_destination"} & {r.code for r in plain.verdict.reasons}


def test_a_reports_source_is_asked_once_by_e164_and_its_reports_are_weighed():
    from ringcheck.community import Community

    asked: list[str] = []

    def reports(e164: str) -> Community | None:
        asked.append(e164)
        return None

    result = check("07400 123456", reports=reports)
    assert asked == ["+447400123456"]
    assert result.community is None


def test_no_reports_source_is_asked_for_text_without_a_whole_number():
    asked: list[str] = []
    check("Withheld", reports=lambda e164: asked.append(e164))  # type: ignore[func-returns-value]
    assert asked == []


def test_the_async_composition_answers_as_the_sync_one():
    import asyncio

    async def reports(e164: str) -> None:
        return None

    sync = check("+1 876 812 3456").to_dict()
    assert asyncio.run(check_async("+1 876 812 3456", reports=reports)).to_dict() == sync


def test_a_checked_result_is_the_frozen_result_its_fields_make() -> None:
    """check() fills the result in without its __init__ (speed): nothing may differ."""
    import dataclasses

    from ringcheck.checker import CheckResult

    for text in ("+1 876 812 3456", "0800 FLOWERS", "withheld"):
        result = check(text)
        rebuilt = CheckResult(*(getattr(result, f.name) for f in dataclasses.fields(CheckResult)))
        assert result == rebuilt and vars(result) == vars(rebuilt)
        assert hash(result.context) == hash(rebuilt.context)
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.input = "07700 900123"  # type: ignore[misc]
