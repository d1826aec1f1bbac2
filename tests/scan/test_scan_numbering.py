"""One rule puts every number field in E.164, whoever wrote it: ``scan.numbering``."""

from __future__ import annotations

import random
import re

import polars as pl
import pytest

from ringcheck.scan.numbering import (
    OPTIONAL_ZERO,
    SEPARATORS,
    WITHHELD_WORDS,
    allowlist,
    e164,
    rules,
    spelled,
)

SEED = 20261207


def _rules_one_by_one(text: str | None, home: str) -> str | None:
    """``e164`` as the module states it: tidy, withheld words, then the rules in order."""
    if text is None:
        return None
    tidy = re.sub(SEPARATORS, "", re.sub(OPTIONAL_ZERO, "", text))
    if (
        tidy == ""
        or tidy.lower() in WITHHELD_WORDS
        or text.strip(" \t\r\n").lower() in WITHHELD_WORDS
    ):
        return None
    for pattern, replacement in rules(home):
        if re.fullmatch(pattern, tidy):
            return re.sub(pattern, replacement.replace("$1", r"\1"), tidy)
    return tidy


@pytest.mark.parametrize("home", ["GB", "US", "DE", "AU", "FR", "JP", "IT"])
def test_e164_as_one_regex_reads_every_spelling_as_the_rules_in_order_do(home: str) -> None:
    """The rules run as one alternation; the first rule that matches must still win."""
    rng = random.Random(SEED)
    alphabet = "0123456789+ ()-./"
    texts: list[str | None] = [None, "", "Anonymous", " withheld", "1001", "+", "00", "(0)", "-1"]
    for _ in range(20_000):
        head = rng.choice(["", "+", "0", "00", "011", "0011", "1", "+44 (0)", "8~10", "39"])
        body = "".join(rng.choice(alphabet[:10] if rng.random() < 0.9 else alphabet)
                       for _ in range(rng.randint(0, 18)))  # fmt: skip
        texts.append(head + body)
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(e164(pl.col("t"), home))
    assert got.to_series().to_list() == [_rules_one_by_one(t, home) for t in texts]


@pytest.mark.parametrize(
    ("home", "written", "number"),
    [
        ("GB", "+2250712345601", "+2250712345601"),
        ("GB", "002250712345601", "+2250712345601"),  # a UK subscriber calling back
        ("GB", "2250712345601", "+2250712345601"),  # international without its +
        ("GB", "07400 123456", "+447400123456"),  # national, with the trunk 0
        ("GB", "7400123456", "+447400123456"),  # bare national
        ("GB", "+44 (0)20 7946 0018", "+442079460018"),
        ("US", "011 225 0712345601", "+2250712345601"),  # North America's prefix
        ("US", "(212) 555-0123", "+12125550123"),
        ("AU", "0011 44 7400 123456", "+447400123456"),
        ("IT", "06 1234 5678", "+390612345678"),  # Italy keeps the 0
        ("DE", "030 1234567", "+49301234567"),
        ("GB", "1001", "1001"),  # an extension stays as it is
        ("DE", "1001", "1001"),
        ("GB", "*97", "*97"),
        ("GB", "Anonymous", None),
        ("GB", "-1", None),
    ],
)
def test_every_written_form_of_a_number_reads_as_its_e164(
    home: str, written: str, number: str | None
) -> None:
    assert spelled(pl.Series([written]), home)["number"].to_list() == [number]


def test_the_rules_read_digits_as_ascii_so_both_engines_agree() -> None:
    for home in ("GB", "US", "DE", "AU", "BR"):
        for pattern, _ in rules(home):
            assert r"\d" not in pattern and r"\s" not in pattern


def test_allowlist_entries_in_any_written_form_are_read_in_e164() -> None:
    assert allowlist(["0033 7555 12", "+46765432"], "GB") == ("+33755512", "+46765432")
    with pytest.raises(ValueError):
        allowlist(["020"], "GB")
