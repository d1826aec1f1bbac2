"""What a log says about how long a call rang, and only that, reaches the verdict.

A missed call's ``duration`` is talk time (0), not ring time, in Android's call log, SMS
Backup & Restore and FRITZ!Box call lists (domain.md, "Call logs: what 'duration'
means"). Only logs that record ring time (the FRITZ!Box call monitor's, which ``ringcheck
watch fritzbox`` keeps; Asterisk and FreeSWITCH records, ``duration - billsec``; a
ring-time column) can show a one-ring call. The numbers are phonenumbers' example
landlines and mobiles of every region, so no table of examples decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringcheck import check
from ringcheck.calllog import read_log, triage
from ringcheck.calllog.model import CallLog
from ringcheck.calllog.source import SOURCES
from ringcheck.phones.fritzbox.callmonitor import CallLogFile, Finished
from ringcheck.settings import Settings

START = dt.datetime(2024, 3, 1, 12, 0)
SPACING = dt.timedelta(days=3)  # far enough apart that no two count as a rotating run


def example_numbers(home: str) -> list[str]:
    """Every region's example landline and mobile, in E.164, from outside ``home``."""
    code = phonenumbers.country_code_for_region(home)
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None and number.country_code != code:
                found.add(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    return sorted(found)


ABROAD = example_numbers("GB")
ABROAD_FROM_DE = example_numbers("DE")


def times() -> list[dt.datetime]:
    return [START + i * SPACING for i in range(len(ABROAD) + len(ABROAD_FROM_DE))]


# Logs that record no ring time, each with every number as one missed call whose
# duration is 0, as the phone or box writes it.
def android_xml(numbers: list[str]) -> bytes:
    rows = "".join(
        f'<call number="{n}" duration="0" date="{int(t.timestamp() * 1000)}" type="3" '
        'presentation="1" contact_name="(Unknown)" />\n'
        for n, t in zip(numbers, times(), strict=False)
    )
    head = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
    return f"{head}<calls>\n{rows}</calls>\n".encode()


def fritzbox_list(numbers: list[str]) -> bytes:
    head = "sep=;\nTyp;Datum;Name;Rufnummer;Nebenstelle;Eigene Rufnummer;Dauer\n"
    rows = "".join(
        f"2;{t:%d.%m.%y %H:%M};;{idd(n)};Telefon;03012345678;0:00\n"
        for n, t in zip(numbers, times(), strict=False)
    )
    return (head + rows).encode("cp1252")


def idd(number: str) -> str:
    """+CC… as a German box writes it (00CC…); a hidden caller as an empty field."""
    return "00" + number[1:] if number.startswith("+") else ""


def android_csv(numbers: list[str]) -> bytes:
    rows = "".join(
        f"{n},{t:%Y-%m-%d %H:%M:%S},Missed,0\n" for n, t in zip(numbers, times(), strict=False)
    )
    return ("Number,Date,Type,Duration\n" + rows).encode()


def csv_with_call_duration(numbers: list[str]) -> bytes:
    rows = "".join(
        f"{n};{t:%Y-%m-%dT%H:%M:%S};no answer;00:00\n"
        for n, t in zip(numbers, times(), strict=False)
    )
    return ("caller id;start time;status;call duration\n" + rows).encode()


WITHOUT_RING_TIME: dict[str, Callable[[list[str]], bytes]] = {
    "android-xml": android_xml,
    "fritzbox": fritzbox_list,
    "csv (Android export)": android_csv,
    "csv (call duration)": csv_with_call_duration,
}


def codes(entry: dict[str, object]) -> set[str]:
    return {r["code"] for r in entry["verdict"]["reasons"]}  # type: ignore[index]


def run(data: bytes, home: str = "GB") -> list[dict[str, object]]:
    return triage(read_log(data, home=home), settings=Settings(home=home)).numbers


@pytest.mark.parametrize("kind", list(WITHOUT_RING_TIME))
def test_a_missed_call_with_no_talk_time_is_not_a_one_ring_call(kind: str) -> None:
    home = "DE" if kind == "fritzbox" else "GB"
    numbers = ABROAD_FROM_DE if home == "DE" else ABROAD
    log = read_log(WITHOUT_RING_TIME[kind](numbers), home=home)
    assert not log.ring_time and log.unreadable == []
    assert log.calls.get_column("ring").null_count() == log.calls.height  # not 0 seconds
    entries = triage(log, settings=Settings(home=home)).numbers
    assert len(entries) == len(numbers)
    for entry in entries:
        assert "one_ring" not in codes(entry), entry["e164"]
        assert entry["shortest_ring_seconds"] is None
        # The log adds nothing a single missed call doesn't: the verdict is check()'s.
        alone = check(str(entry["e164"]), home=home).verdict.to_dict()
        assert entry["verdict"]["level"] == alone["level"], entry["e164"]  # type: ignore[index]
        assert codes(entry) == {r["code"] for r in alone["reasons"]}


def test_an_ordinary_missed_call_from_abroad_is_not_called_a_one_ring_scam() -> None:
    for entry in run(android_xml(ABROAD)):
        headline = str(entry["verdict"]["headline"]).lower()  # type: ignore[index]
        assert "rang once" not in headline and "one ring" not in headline


def test_a_missed_call_from_a_costly_destination_still_warns_without_ring_time() -> None:
    # +1 876 Jamaica, +234 Nigeria: destinations the tables list for call-back scams.
    found = run(android_xml(["+18768123456", "+2348031234567"]))
    for entry in found:
        assert entry["verdict"]["level"] in ("high", "very_high")  # type: ignore[index]
        assert "high_risk_destination" in codes(entry)


def test_triage_takes_ring_times_only_from_a_source_that_records_them() -> None:
    # Ring seconds in the table of a log whose source records none (a reader's slip,
    # or a new reader) still never reach the verdict.
    calls = read_log(android_csv(ABROAD[:50])).calls.with_columns(ring=pl.lit(2.0))
    for source, kind in SOURCES.items():
        entries = triage(CallLog(calls, "csv", source=source), settings=Settings()).numbers
        rang = {("one_ring" in codes(e)) for e in entries}
        assert rang == {kind.ring_time}, source


# Logs that record ring time: each number one missed call of ``ring`` seconds.
def monitor_log(numbers: list[str], ring: int, tmp: Path) -> bytes:
    path = tmp / "fritzbox-calls.csv"
    path.unlink(missing_ok=True)
    log = CallLogFile(path)
    for number, at in zip(numbers, times(), strict=False):
        log.write(Finished(number, "incoming", at, False, ring, 0))
    return path.read_bytes()


def asterisk_cdr(numbers: list[str], ring: int, tmp: Path) -> bytes:
    head = "Calling Number,Called Number,Setup Time,Duration,Billed Seconds,Disposition\n"
    rows = "".join(
        f"{n},+447400100001,{t:%Y-%m-%d %H:%M:%S},{ring},0,NO ANSWER\n"
        for n, t in zip(numbers, times(), strict=False)
    )
    return (head + rows).encode()


def freeswitch_cdr(numbers: list[str], ring: int, tmp: Path) -> bytes:
    head = "caller_id_number,destination_number,start_stamp,duration,billsec,hangup_cause\n"
    rows = "".join(
        f'"{n}","+447400100020","{t:%Y-%m-%d %H:%M:%S}","{ring}","0","ORIGINATOR_CANCEL"\n'
        for n, t in zip(numbers, times(), strict=False)
    )
    return (head + rows).encode()


def ring_column(numbers: list[str], ring: int, tmp: Path) -> bytes:
    rows = "".join(
        f"{n},{t:%Y-%m-%d %H:%M},missed,{ring}\n" for n, t in zip(numbers, times(), strict=False)
    )
    return ("number,time,status,ring time\n" + rows).encode()


WITH_RING_TIME = {
    "fritzbox-monitor": monitor_log,
    "cdr (Asterisk)": asterisk_cdr,
    "cdr (FreeSWITCH)": freeswitch_cdr,
    "csv-ring": ring_column,
}


@pytest.mark.parametrize("kind", list(WITH_RING_TIME))
def test_a_log_with_ring_times_shows_a_short_ring_and_only_a_short_one(
    kind: str, tmp_path: Path
) -> None:
    numbers = ABROAD[::5]
    short = read_log(WITH_RING_TIME[kind](numbers, 2, tmp_path))
    assert short.ring_time and short.source == kind.split(" ")[0]
    for entry in triage(short, settings=Settings()).numbers:
        assert "one_ring" in codes(entry), entry["e164"]
        assert entry["shortest_ring_seconds"] == 2
    long = read_log(WITH_RING_TIME[kind](numbers, 30, tmp_path))
    for entry in triage(long, settings=Settings()).numbers:
        assert "one_ring" not in codes(entry), entry["e164"]


def test_an_answered_call_record_counts_its_time_before_answer_as_ring_time() -> None:
    data = (
        b"src,dst,calldate,duration,billsec,disposition\n"
        b"+33142685300,+447400100001,2024-03-01 10:00:00,125,120,ANSWERED\n"
    )
    log = read_log(data)
    assert log.source == "cdr"
    row = log.calls.row(0, named=True)
    assert (row["ring"], row["missed"]) == (5, False)
    entry = triage(log, settings=Settings()).numbers[0]
    assert "one_ring" not in codes(entry)  # answered: a short ring before answer is no trick


@pytest.mark.parametrize("kind", [*WITHOUT_RING_TIME, *WITH_RING_TIME])
def test_hidden_callers_get_no_one_ring_or_call_back_words(kind: str, tmp_path: Path) -> None:
    hidden = ["Withheld"] * 6
    if kind in WITH_RING_TIME:
        data = WITH_RING_TIME[kind](hidden, 1, tmp_path)
    else:
        data = WITHOUT_RING_TIME[kind](hidden)
    result = triage(read_log(data, home="GB"), settings=Settings())
    (entry,) = result.numbers
    assert entry["withheld"] and entry["calls"] == 6
    assert codes(entry) & {"one_ring", "repeated_attempts"} == set()
    verdict = entry["verdict"]
    words = [verdict["headline"]] + [x["text"] for x in verdict["reasons"] + verdict["advice"]]  # type: ignore[index,operator]
    for text in words:
        assert "call back" not in text.lower() and "call-back" not in text.lower(), text
    assert "don't call" not in result.summary["text"]
