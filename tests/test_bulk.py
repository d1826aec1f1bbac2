"""The bulk classifier agrees with ``check()`` on what a number's prefixes decide.

100,000 numbers of every kind (phonenumbers' examples of every region and type, the same
with digits changed, added or dropped, random digits after every calling code, UK special
ranges, high-risk and satellite prefixes, +1 area codes), classified in one call and
compared field by field with ``check()`` on each.
"""

from __future__ import annotations

import random
from functools import cache

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberType

from ringcheck import NotAPhoneNumber, Settings, check, phonemeta, tables
from ringcheck.bulk import (
    FIELDS,
    PREFIX_REASONS,
    classify,
    prefix_table,
)
from ringcheck.checker import prepared

SEED = 20261201
COUNT = 100_000
TYPES = [t for t in vars(PhoneNumberType).values() if isinstance(t, int)]


def _examples() -> list[str]:
    found = set()
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            for kind in TYPES:
                if region == "001":
                    number = phonenumbers.example_number_for_non_geo_entity(code)
                else:
                    number = phonenumbers.example_number_for_type(region, kind)
                if number is not None:
                    found.add(
                        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                    )
    return sorted(found)


def _mutate(number: str, rng: random.Random) -> str:
    digits = list(number[1:])
    where = rng.randrange(1, len(digits))
    how = rng.randrange(3)
    if how == 0:
        digits[where] = str(rng.randrange(10))
    elif how == 1:
        digits.insert(where, str(rng.randrange(10)))
    elif len(digits) > 6:
        del digits[where]
    return "+" + "".join(digits)


def _random_after(prefix: str, rng: random.Random, low: int = 6, high: int = 13) -> str:
    size = rng.randint(low, high)
    return "+" + prefix + "".join(rng.choice("0123456789") for _ in range(size - len(prefix)))


@cache
def sample() -> tuple[str, ...]:
    """COUNT distinct numbers, the same on every run."""
    rng = random.Random(SEED)
    examples = _examples()
    codes = sorted(str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    data = tables()
    uk = [p[1:] for p in data.uk_ranges if p.startswith("0")]
    special = [
        *(f"44{p}" for p in uk),
        *data.high_risk,
        *data.networks,
        *(f"1{a}" for a in range(200, 1000)),
        "4477009",
        "447700900",
        "441481",
        "447781",
        "447624",
    ]
    numbers = set(examples)
    makers = [
        lambda: _mutate(rng.choice(examples), rng),
        lambda: _random_after(rng.choice(codes), rng),
        lambda: _random_after(rng.choice(special), rng, 10, 13),
        lambda: rng.choice(examples)[:-3] + f"{rng.randrange(1000):03d}",
    ]
    while len(numbers) < COUNT:
        numbers.add(rng.choice(makers)())
    return tuple(sorted(numbers))[:COUNT]


def expected(number: str, home: str, settings: Settings) -> dict[str, object] | None:
    try:
        result = check(number, home=home, settings=settings)
    except NotAPhoneNumber:  # no calling code fits, or too short after it
        return None
    info = result.number
    reasons = {r.code for r in result.verdict.reasons} & PREFIX_REASONS
    ranged = info.uk_range or info.network or info.foreign_range
    if not ranged and phonemeta.cost_prefixes().longest(info.digits) in (None, "maybe"):
        # phonenumbers' line type where no prefix decides it: needs the whole number
        reasons -= {"premium_rate", "service_charge"}
    return {
        "e164": info.e164,
        "country_code": info.country_code,
        "region": info.region,
        "country": info.country,
        "domestic": info.domestic,
        "high_risk": info.high_risk.destination if info.high_risk else None,
        "network": info.network.kind if info.network else None,
        "reasons": reasons,
        "range_line_type": info.line_type if (info.uk_range or info.network) else None,
        "cost_band": info.callback_cost.band,
    }


@pytest.mark.parametrize(("home", "count"), [("GB", COUNT), ("US", 30_000)])
def test_the_bulk_classifier_agrees_with_check_on_100000_numbers(home: str, count: int) -> None:
    settings, data = prepared(Settings(), home)
    # check() reads each as a person wrote it ('+1 1242…' has a trunk 1 after the code);
    # the bulk classifier takes the E.164 numbers that reading gives.
    given = sample()[:count]
    wanted = [expected(number, home, settings) for number in given]
    numbers = [w.pop("e164") if w else n for n, w in zip(given, wanted, strict=True)]
    found = classify(pl.DataFrame({"n": numbers}), "n", home=home, data=data)
    assert found["n"].to_list() == numbers  # order kept
    problems = []
    rows = found.iter_rows(named=True)
    for number, row, want in zip(numbers, rows, wanted, strict=True):
        if want is None:
            # check() refuses it; bulk answers for the code alone when one fits
            if row["dest_country_code"] is not None and not _too_short(number):
                problems.append(f"{number}: refused by check(), classified in bulk")
            continue
        got = {
            "country_code": row["dest_country_code"],
            "region": row["dest_region"],
            "country": row["dest_country"],
            "domestic": row["dest_domestic"],
            "high_risk": row["dest_high_risk"],
            "network": row["dest_network"],
            "reasons": set(row["dest_reasons"]),
            "range_line_type": want["range_line_type"] and row["dest_line_type"],
            "cost_band": want["cost_band"]
            if row["dest_cost_band"] == "unknown"
            else row["dest_cost_band"],
        }
        if got != want:
            diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
            problems.append(f"{number}: {diff}")
    assert not problems, f"{len(problems)} disagree, e.g.\n" + "\n".join(problems[:20])


def _too_short(number: str) -> bool:
    """check() refuses fewer than 4 digits after the calling code."""
    for size in (1, 2, 3):
        if int(number[1 : 1 + size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return len(number) - 1 - size < 4
    return False


def test_every_kind_of_number_is_in_the_sample() -> None:
    found = classify(pl.DataFrame({"n": sample()}), "n")
    kinds = set(found["dest_network"].drop_nulls()) | set(found["dest_line_type"])
    assert {"satellite", "global_network", "premium_rate", "personal", "pager"} <= kinds
    assert found["dest_high_risk"].drop_nulls().n_unique() >= 30
    assert found["dest_region"].drop_nulls().n_unique() >= 200
    assert {"GG", "JE", "IM", "JM", "CA", "KZ"} <= set(found["dest_region"].drop_nulls())


def test_text_that_is_not_e164_gets_no_answer() -> None:
    found = classify(pl.DataFrame({"n": ["07400 123456", "", None, "+", "+0123456"]}), "n")
    assert found[[f"dest_{f}" for f in FIELDS]].null_count().row(0) == (5,) * len(FIELDS)


def test_the_prefix_table_holds_every_prefix_of_the_checker_once() -> None:
    table = prefix_table().rows
    assert table["prefix"].n_unique() == table.height
    data = tables()
    assert set(data.high_risk) <= set(table["prefix"])
    assert set(data.networks) <= set(table["prefix"])


def test_the_prefix_table_names_each_code_by_the_region_its_rules_start_with() -> None:
    # main_region answers without compiling a code's rules; it must say what they say.
    for code in phonemeta.calling_codes():
        rules = phonemeta.country(code)
        assert phonemeta.main_region(code) == (rules.regions[0].region if rules else None)
