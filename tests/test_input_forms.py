"""Numbers as people type them: split over several arguments, with keypad letters, with a
letter O for a zero, and the 116 helplines. Every face reads them the same way."""

from __future__ import annotations

import html
import json
import warnings
from pathlib import Path

import phonenumbers
import pytest
from click.testing import CliRunner
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from contract import assert_matches_contract
from ringcheck import check
from ringcheck.cli import cli
from ringcheck.errors import NotAPhoneNumber
from ringcheck.numbers import numbers_in_arguments, parse_number
from ringcheck.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

# Letters on a phone keypad (ITU-T E.161), written out here rather than read from the code.
LETTER_FOR = {"2": "A", "3": "D", "4": "G", "5": "J", "6": "M", "7": "P", "8": "T", "9": "W"}
TYPES = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
)
REGIONS = ("GB", "US", "FR", "DE", "JM", "NG", "IN", "AU", "ES", "CI", "IT", "BR")


def examples(regions: tuple[str, ...] = REGIONS) -> list[phonenumbers.PhoneNumber]:
    found = []
    for region in regions:
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(number)
    return found


def international(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def national(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RINGCHECK_DATABASE_URL", f"sqlite:///{tmp_path}/reports.db")
    for name in ("RINGCHECK_HOME", "RINGCHECK_HIGH_RISK", "RINGCHECK_TRUSTED"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args))

    return invoke


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


# --- one number typed as several arguments ------------------------------------------


def test_readme_example_unquoted_number_is_one_number_beside_a_quoted_one(run):
    result = run("check", "0906", "123", "4567", "+1 876 812 3456", "--json")
    assert result.exit_code == 0, result.output
    found = json_lines(result.stdout)
    assert [o["input"] for o in found] == ["0906 123 4567", "+1 876 812 3456"]
    assert [o["number"]["e164"] for o in found] == ["+449061234567", "+18768123456"]
    assert found[0]["number"]["line_type"] == "premium_rate"


def test_numbers_split_at_their_spaces_come_back_as_the_same_numbers():
    written = [international(n) for n in examples()]
    args = [part for text in written for part in text.split(" ")]
    assert numbers_in_arguments(args, "GB") == written
    for home in REGIONS:  # each home's own numbers, written the national way
        own = [national(n) for n in examples((home,))]
        args = [part for text in own for part in text.split(" ")]
        assert numbers_in_arguments(args, home) == own, home


def test_where_numbers_have_many_lengths_a_new_trunk_zero_starts_a_new_number():
    assert numbers_in_arguments(["030", "123456", "030", "654321"], "DE") == [
        "030 123456",
        "030 654321",
    ]
    assert numbers_in_arguments(["030", "1234", "0567"], "DE") == ["030 1234 0567"]


def test_whole_numbers_given_one_per_argument_stay_separate():
    numbers = [e164(n) for n in examples()] + ["159", "7726", "999", "020 7946 0000"]
    assert numbers_in_arguments(numbers) == numbers


def test_a_comma_ends_a_number_and_a_plus_starts_one():
    assert numbers_in_arguments(["0906", "123", "4567,", "+44", "20", "7946", "0000"]) == [
        "0906 123 4567",
        "+44 20 7946 0000",
    ]


def test_a_leftover_fragment_gets_its_own_error_and_the_number_is_still_checked(run):
    result = run("check", "020", "7946", "0000", "12", "--json")
    assert result.exit_code == 2
    found = json_lines(result.stdout)
    assert found[0]["number"]["e164"] == "+442079460000"
    assert found[1]["input"] == "12" and "error" in found[1]


def test_words_given_as_arguments_are_not_glued_to_a_number(run):
    result = run("check", "+447400123456", "hello", "0906", "123", "4567", "--json")
    assert result.exit_code == 2
    assert [o["input"] for o in json_lines(result.stdout)] == [
        "+447400123456",
        "hello",
        "0906 123 4567",
    ]


def test_check_help_says_how_arguments_make_numbers(run):
    text = " ".join(run("check", "--help").output.split())
    assert "Spaces in a number need no quotes" in text
    assert "starts a new number" in text and "end it with a comma" in text
    assert "phone keypad" in text


def test_report_takes_a_number_typed_with_spaces_and_reports_reads_it_back(run):
    saved = run("report", "020", "7946", "0000", "--category", "impersonation")
    assert saved.exit_code == 0, saved.output
    assert "+442079460000" in saved.output
    shown = run("reports", "020", "7946", "0000", "--json")
    assert json.loads(shown.stdout)["community"]["total"] == 1


def test_report_of_two_numbers_at_once_is_refused_and_saves_nothing(run):
    refused = run("report", "020", "7946", "0000", "0906", "123", "4567", "--category", "other")
    assert refused.exit_code == 2
    assert "one number at a time" in refused.output
    shown = run("reports", "+442079460000", "--json")
    assert json.loads(shown.stdout)["community"] is None


# --- keypad letters -------------------------------------------------------------------


def keypad_spellings() -> list[tuple[str, str]]:
    """(a number with its last digits as keypad capitals, its E.164) for example numbers."""
    spelt = []
    for number in examples(("GB", "US", "CA", "AU")):
        text = national(number) if number.country_code == 44 else international(number)
        tail = len(text)
        while tail and text[tail - 1] in LETTER_FOR:
            tail -= 1
        if len(text) - tail >= 3:
            letters = "".join(LETTER_FOR[d] for d in text[tail:])
            spelt.append((text[:tail] + letters, e164(number)))
    assert len(spelt) >= 5
    return spelt


def test_keypad_letters_are_read_as_their_digits_and_the_result_says_so():
    for text, expected in keypad_spellings():
        info = parse_number(text)
        assert info.e164 == expected, text
        assert info.read_as is not None and info.read_as.kinds == ("keypad",), text
    flowers = parse_number("0800 FLOWERS")
    assert flowers.e164 == "+448003569377"
    assert "FLOWERS" in flowers.read_as.note and "3569377" in flowers.read_as.note
    assert parse_number("1-800-flowers").e164 == "+18003569377"  # O inside a word: keypad


def test_ordinary_words_around_a_number_are_not_read_as_keypad_letters():
    for number in examples(("GB", "FR", "NG")):
        text = international(number)
        for around in (f"{text} Mum", f"Missed call from {text} today", f"{text} ext 12"):
            info = parse_number(around)
            assert info.e164 == e164(number), around
            assert info.read_as is None, around


def test_a_lowercase_word_after_a_space_never_completes_a_short_number():
    """'… 7946 000 t' is a number missing a digit and a word, not a keypad T for 8."""
    for number in examples(("GB", "US")):
        text = international(number)
        last = max(i for i, ch in enumerate(text) if ch in LETTER_FOR)
        typed = f"{text[:last]} {LETTER_FOR[text[last]].lower()}"
        try:
            info = parse_number(typed)
        except NotAPhoneNumber:
            continue
        assert info.read_as is None and info.e164 != e164(number), typed


def test_read_as_appears_in_json_and_human_output(run):
    found = json_lines(run("check", "0800", "FLOWERS", "--json").stdout)
    assert len(found) == 1
    assert_matches_contract(found[0], "0800 FLOWERS")
    assert found[0]["number"]["read_as"]["kinds"] == ["keypad"]
    human = run("check", "1-800-FLOWERS").output
    assert "Read as:" in human and "phone keypad" in human
    plain = json_lines(run("check", "+44 20 7946 0000", "--json").output)[0]
    assert plain["number"]["read_as"] is None
    assert "Read as:" not in run("check", "+44 20 7946 0000").output


# --- a letter O typed for a zero ------------------------------------------------------


def test_a_letter_o_for_a_zero_is_read_as_zero_or_refused_never_another_number():
    """In any script that has an O: Latin, Cyrillic, Greek."""
    checked = 0
    for number in examples():
        text = national(number) if number.country_code == 44 else international(number)
        for i, ch in enumerate(text):
            if ch != "0":
                continue
            for letter in "Oo\u041e\u043e\u039f\u03bf":  # Latin, Cyrillic, Greek
                typo = text[:i] + letter + text[i + 1 :]
                try:
                    info = parse_number(typo)
                except NotAPhoneNumber as exc:
                    assert exc.code == "letter_o", typo
                    continue
                checked += 1
                assert info.e164 == e164(number), typo
                assert info.read_as is not None and "letter_o" in info.read_as.kinds, typo
    assert checked > 20


def test_o2o_reads_as_a_london_number_with_a_note():
    info = parse_number("O2O 7946 0123")
    assert info.e164 == "+442079460123"
    assert "0 (zero)" in info.read_as.note


def test_a_letter_o_that_still_makes_no_number_is_refused():
    with pytest.raises(NotAPhoneNumber) as caught:
        parse_number("O2O 7946 012")
    assert caught.value.code == "letter_o"


# --- 116: European helplines ------------------------------------------------------------


def test_every_116_helpline_number_is_a_free_uk_short_code():
    for last in range(1000):
        text = f"116 {last:03d}"
        info = parse_number(text)
        assert info.valid and info.line_type == "freephone", text
        assert info.callback_cost.band == "free", text


def test_116_with_too_few_digits_is_still_too_short():
    for text in ("116", "1161", "11612"):
        with pytest.raises(NotAPhoneNumber) as caught:
            parse_number(text)
        assert caught.value.code == "too_short", text


# --- every face reads letters the same way -------------------------------------------------


@pytest.fixture
def client(tmp_path: Path):
    from ringcheck.web.app import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path}/r.db")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as started:
        yield started


def test_the_api_reads_letters_as_the_cli_does(client):
    for text in ("0800 FLOWERS", "1-800-FLOWERS", "O2O 7946 0123", "116 117"):
        body = client.get("/api/v1/check", params={"number": text}).json()
        library = check(text).to_dict()
        assert body["number"] == library["number"], text
        posted = client.post("/api/v1/check", json={"number": text}).json()
        assert posted["number"] == library["number"], text


def test_the_web_form_reads_letters_as_the_cli_does(client):
    import html5lib

    for text in ("0800 FLOWERS", "O2O 7946 0123", "116 117"):
        page = client.get("/")
        token = html5lib.parse(page.text, namespaceHTMLElements=False).find(
            ".//input[@name='csrf_token']"
        )
        answer = client.post("/check", data={"number": text, "csrf_token": token.get("value")})
        assert answer.status_code == 200, text
        info = parse_number(text)
        key = info.e164 or info.national_format
        assert answer.url.path == f"/number/{key}", (text, answer.url)
        if info.read_as is not None:  # the page says how the letters were read
            assert info.read_as.note in html.unescape(answer.text), text
