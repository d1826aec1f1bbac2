"""Numbers written as "+" and digits take a shortcut that reads them as the general path does."""

from __future__ import annotations

import dataclasses
import random

import phonenumbers
import pytest

from ringcheck import numbers
from ringcheck.errors import NotAPhoneNumber
from ringcheck.numbers import NumberInfo, parse_number


def e164_texts() -> list[str]:
    """Example numbers of every region and type, their neighbours, and random digit runs."""
    r = random.Random(20240301)
    texts: set[str] = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.PREMIUM_RATE,
            phonenumbers.PhoneNumberType.TOLL_FREE,
        ):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            text = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            texts.update({text, text[:-1], text + "7", text[:-2] + f"{r.randint(0, 99):02d}"})
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(3000):
        digits = str(r.choice(codes)) + "".join(
            r.choice("0123456789") for _ in range(r.randint(0, 14))
        )
        texts.add("+" + digits)
    texts.update({"+", "+0", "+0123456789", "+1", "+44", "+447", "+999123", "+4" + "1" * 17})
    return sorted(texts)


def read(text: str, home: str) -> NumberInfo | tuple[str, str]:
    try:
        return parse_number(text, home)
    except NotAPhoneNumber as exc:
        return (exc.code, exc.message)


@pytest.mark.parametrize("home", ["GB", "US", "DE"])
def test_plain_e164_numbers_read_exactly_as_the_general_path_reads_them(
    home: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = e164_texts()
    assert sum(numbers._plain_e164(t) for t in texts) > 3000
    fast = [read(text, home) for text in texts]
    monkeypatch.setattr(numbers, "_plain_e164", lambda text: False)
    general = [read(text, home) for text in texts]
    for text, quick, slow in zip(texts, fast, general, strict=True):
        assert quick == slow, text


def test_only_a_plus_and_ascii_digits_take_the_shortcut() -> None:
    assert numbers._plain_e164("+447700900123")
    for text in (
        "447700900123",
        "+44 7700 900123",
        "+４４7700900123",
        "+44770090012a",
        "+",
        "+" + "1" * 18,
    ):
        assert not numbers._plain_e164(text), text


@pytest.mark.parametrize("home", ["GB", "US"])
def test_a_brief_reading_differs_only_in_what_it_leaves_out(home: str) -> None:
    """Triage reads numbers briefly: no place, network name or national format."""
    texts = [*e164_texts(), "020 7946 0123", "07700 900123", "00 234 803 123 4567", "118 118"]
    left_out = {"location": None, "carrier": None, "national_format": None}
    seen_left_out = 0
    for text in texts:
        try:
            full = parse_number(text, home)
        except NotAPhoneNumber as exc:
            with pytest.raises(NotAPhoneNumber) as brief_error:
                parse_number(text, home, brief=True)
            assert brief_error.value.code == exc.code
            continue
        brief = parse_number(text, home, brief=True)
        if full.e164 is None:  # short codes and withheld numbers have nothing to leave out
            assert brief == full, text
            continue
        assert brief == dataclasses.replace(full, **left_out), text
        seen_left_out += full.location is not None or full.carrier is not None
    assert seen_left_out > 1000
