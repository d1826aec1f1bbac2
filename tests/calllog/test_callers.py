"""Reading and judging callers once each (helper processes share it for big logs)."""

from __future__ import annotations

import random

from ringcheck.calllog.callers import judge_all, key_of, read_callers
from ringcheck.checker import check, judge, prepared
from ringcheck.datatables import tables
from ringcheck.risk import NIGHT_START, CallContext, number_facts
from ringcheck.settings import Settings

SPELLINGS = [
    "+44 20 7946 0123",
    "020 7946 0123",
    "07700 900123",
    "+18768123456",
    "00 234 803 123 4567",
    "+4490612345678",
    "+881612345678",
    "118 118",
    "Withheld",
    "-1",
    "no number here",
    "+999 123",
    "+33 6 12 34 56 78",
]


def many_numbers(count: int, seed: int = 5) -> list[str]:
    r = random.Random(seed)
    makers = (
        lambda: f"+447{r.randint(100_000_000, 999_999_999)}",
        lambda: f"07{r.randint(100_000_000, 999_999_999)}",
        lambda: f"+1{r.choice(('876', '212', '473'))}{r.randint(2_000_000, 9_999_999)}",
        lambda: f"+234{r.choice(('803', '813'))}{r.randint(1_000_000, 9_999_999)}",
        lambda: f"+4490{r.randint(6, 9)}{r.randint(1_000_000, 9_999_999)}",
        lambda: f"+88161{r.randint(1_000_000, 9_999_999)}",
        lambda: f"{r.randint(100, 99_999)}",
    )
    return [r.choice(makers)() for _ in range(count)]


def test_each_spelling_reads_as_check_reads_it_with_the_users_settings() -> None:
    settings = Settings(trusted=("07700 900123",), high_risk=("+33",))
    texts = SPELLINGS + many_numbers(400)
    ready, _ = prepared(settings, "GB")
    for text, found in zip(texts, read_callers(texts, "GB", settings), strict=True):
        try:
            result = check(text, settings=settings)
        except Exception as exc:
            assert found == getattr(exc, "message", None)
            continue
        assert not isinstance(found, str)
        assert found.key == key_of(result.number)
        assert found.facts == number_facts(result.number, ready)
        assert found.facts.trusted == result.verdict.has("trusted_number")
        assert found.e164 == result.number.e164
        assert found.cost_band == result.number.callback_cost.band
        assert found.line_type == result.number.line_type


def test_a_trusted_number_in_another_spelling_is_still_trusted() -> None:
    (found,) = read_callers(["+447700900123"], "GB", Settings(trusted=("07700 900123",)))
    assert not isinstance(found, str) and found.facts.trusted


def test_each_verdict_is_the_one_judge_gives() -> None:
    settings = Settings()
    callers = [c for c in read_callers(many_numbers(60), "GB", settings) if not isinstance(c, str)]
    keys = [
        (c.facts, ring, calls, similar, night, None)
        for c in callers
        for ring, calls, similar, night in ((None, 1, 0, False), (2.0, 5, 3, True))
    ]
    for (facts, ring, calls, similar, night, _), verdict in zip(
        keys, judge_all(keys, settings), strict=True
    ):
        context = CallContext(
            rang_seconds=ring,
            times_called=calls,
            similar_numbers=similar or None,
            called_at=NIGHT_START if night else None,
        )
        assert verdict == judge(facts, context, settings, tables(), None).to_dict()
