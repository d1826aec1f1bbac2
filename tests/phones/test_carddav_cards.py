"""The block list as a router's address book (``ringcheck.phones.carddav.cards``): what
each card is called and holds. The CardDAV routes that serve them are tested in
tests/web/test_carddav.py."""

from __future__ import annotations

import datetime as dt

from ringcheck.lookup import CATEGORIES, LEVELS, describe, says_scam
from ringcheck.phones.blocklists import BlockList, Entry
from ringcheck.phones.carddav import MAX_TEL, cards

WHEN = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_card_names_come_from_the_verdict_not_from_the_label_text() -> None:
    entries = [
        # Labels as any version writes them: the card must not depend on their text.
        Entry("number", f"+4474007654{i:02d}", label, category, level, says_scam(level, category),
              50, WHEN, reporters=3)
        for i, (category, level, label) in enumerate(
            (c, lv, lb)
            for c in CATEGORIES
            for lv in LEVELS
            for lb in ("SPAM? +44 GB", "Intl +44 GB", "x")
        )
    ]  # fmt: skip
    found = cards(BlockList(entries, WHEN, "test"), "DE")[1:]
    names = {card.numbers[0]: card.name for card in found}
    for entry in entries:
        name = names.get(entry.e164)
        if name is None:
            continue  # not the first number on its card
        lead = "SPAM: " if entry.scam else "Blocked: "
        assert name == f"{lead}{describe(entry.category)} {entry.e164}".replace("  ", " ")
        assert "SPAM?" not in name and "Intl" not in name and " x " not in name


def test_a_card_says_spam_only_when_its_entry_says_scam() -> None:
    # The same category and level either way: the fact is the entry's, decided when judged.
    scam = Entry("number", "+447400765401", "SPAM Wangiri", "wangiri", "high", True, 60, WHEN)
    not_scam = Entry("number", "+447400765501", "SPAM Wangiri", "wangiri", "high", False, 60, WHEN)
    found = cards(BlockList([scam, not_scam], WHEN), "GB")[1:]
    assert [card.name for card in found] == [
        "SPAM: Wangiri 07400765401",
        "Blocked: Wangiri 07400765501",
    ]


def test_a_range_is_one_card_with_a_wildcard_and_numbers_share_cards_by_range() -> None:
    wide = Entry("range", "+1876", "SPAM Wangiri", "wangiri", "very_high", True, 90, WHEN)
    numbers = [
        Entry("number", f"+4474007654{i:02d}", "SPAM Reported", "reported", "high", True, 60,
              WHEN, reporters=3)
        for i in range(MAX_TEL + 1)
    ]  # fmt: skip
    found = cards(BlockList([wide, *numbers], WHEN), "GB")
    assert found[0].name == "ringcheck list, updated 2026-12-01"
    assert found[1].numbers == ("+1876*",)
    assert [len(card.numbers) for card in found[2:]] == [MAX_TEL, 1]
    assert found[2].numbers[0] == "07400765400"  # national form at home
