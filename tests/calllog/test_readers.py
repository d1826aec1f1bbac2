"""Each reader on files shaped like real exports, and on broken ones."""

from __future__ import annotations

import datetime as dt
import gzip
import random
from zoneinfo import ZoneInfo

import pytest

from ringcheck.calllog import CallLogError, read_log

UTC = ZoneInfo("UTC")


def test_android_backup_reads_every_call_with_type_and_withheld_callers(sample):
    log = read_log(sample("android_calls.xml"), tz=UTC)
    assert log.format == "android-xml"
    rows = log.calls.to_dicts()
    assert len(rows) == 7
    first = rows[0]
    assert first["number"] == "+18768123456" and first["missed"] and not first["outgoing"]
    assert first["time"] == dt.datetime(2023, 11, 14, 22, 0)
    assert first["name"] is None  # "(Unknown)" is a placeholder, not a name
    assert rows[2]["missed"]  # type 5: rejected
    assert rows[5]["number"] == "Withheld"  # presentation 2
    assert rows[6]["outgoing"]
    assert log.unreadable[0].line == 12 and "date" in log.unreadable[0].why


def test_android_emoji_written_as_surrogate_references_are_read(sample):
    rows = read_log(sample("android_calls.xml"), tz=UTC).calls.to_dicts()
    assert rows[4]["name"] == "Mum \U0001f60a"


def test_android_times_follow_the_zone_given(sample):
    rows = read_log(sample("android_calls.xml"), tz=ZoneInfo("Europe/Berlin")).calls.to_dicts()
    assert rows[0]["time"] == dt.datetime(2023, 11, 14, 23, 0)


def test_xml_with_entity_declarations_is_refused_before_expansion():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE calls [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<calls><call number="&b;" type="3"/></calls>'
    )
    with pytest.raises(CallLogError) as caught:
        read_log(bomb)
    assert caught.value.code == "xml_entities"


def test_a_text_message_backup_is_named_for_what_it_is():
    with pytest.raises(CallLogError, match="text messages"):
        read_log(b"<?xml version='1.0'?><smses count='0'></smses>")


def test_truncated_xml_keeps_the_calls_before_the_damage():
    data = b"<calls><call number='+18768123456' type='3' date='1700000000000'/>\n<call numb"
    log = read_log(data)
    assert log.calls.height == 1
    assert log.unreadable and "damaged" in log.unreadable[0].why


def test_fritzbox_german_iso_8859_1_with_sep_line(sample):
    log = read_log(sample("fritzbox_de_7col.csv"), home="DE")
    assert log.format == "fritzbox"
    rows = log.calls.to_dicts()
    assert [r["missed"] for r in rows] == [True, False, True, None, True, True]
    assert rows[1]["name"] == "Müller, Jürgen"
    assert rows[3]["outgoing"]
    assert rows[4]["number"] == "Withheld"
    assert rows[0]["time"] == dt.datetime(2023, 11, 14, 22, 0)
    assert [u.line for u in log.unreadable] == [9]


def test_fritzbox_eight_columns_utf8_and_newer_type_codes(sample):
    rows = read_log(sample("fritzbox_de_8col_utf8.csv"), home="DE").calls.to_dicts()
    assert rows[0]["number"] == "+18768123456" and rows[0]["missed"]
    assert rows[1]["missed"] is False  # 9: answered on newer firmware
    assert rows[2]["outgoing"]  # 11: outgoing on newer firmware


def test_fritzbox_english_export(sample):
    rows = read_log(sample("fritzbox_en.csv")).calls.to_dicts()
    assert [r["missed"] for r in rows] == [True, False, True]


def test_fritzbox_tab_separated_copy(sample):
    log = read_log(sample("fritzbox_tab.txt"), home="DE")
    assert log.format == "fritzbox" and log.calls.height == 2


def test_generic_csv_finds_columns_by_name_and_joins_date_and_time(sample):
    log = read_log(sample("generic.csv"))
    assert log.format == "csv"
    rows = log.calls.to_dicts()
    assert rows[0]["time"] == dt.datetime(2024, 3, 1, 2, 10)
    assert rows[0]["ring"] == 2 and rows[0]["missed"]
    assert rows[4]["outgoing"]
    assert rows[6]["number"] == "Withheld"  # an empty caller cell
    assert [u.line for u in log.unreadable] == [13]  # an unreadable date


def test_generic_csv_with_utf8_bom_semicolons_and_iso_times(sample):
    rows = read_log(sample("generic_bom.csv")).calls.to_dicts()
    assert rows[0]["number"] == "+2348031234567"
    assert rows[0]["time"] == dt.datetime(2024, 3, 1, 23, 30)
    # A duration is talk time: it says nothing about rings, and talk means answered.
    assert rows[0]["ring"] is None and rows[0]["missed"]
    assert rows[1]["ring"] is None and rows[1]["missed"] is False


def test_generic_utf16_tsv_from_windows(sample):
    rows = read_log(sample("generic_utf16.tsv")).calls.to_dicts()
    assert rows[0]["time"] == dt.datetime(2024, 3, 1, 2, 10)
    assert rows[1]["missed"] is False and not rows[1]["outgoing"]  # 95 s of talk: answered


def test_ragged_rows_blank_lines_and_huge_lines_are_reported_not_fatal(sample):
    log = read_log(sample("generic_ragged.csv"))
    assert log.calls.height >= 2
    lines = {u.line for u in log.unreadable}
    assert {5, 6} <= lines  # a short row; the 20,000-character line


def test_columns_can_be_named_outright():
    data = b"who,when\n+18768123456,2024-03-01 02:10\n"
    log = read_log(data, columns={"number": "who", "time": "when"})
    assert log.calls.to_dicts()[0]["time"] == dt.datetime(2024, 3, 1, 2, 10)
    with pytest.raises(CallLogError, match="no column called 'nope'"):
        read_log(data, columns={"number": "nope"})


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"   \n\n", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not_text"),
        (b'{"calls": []}', "not_a_call_log"),
        (b"<html><body>hi</body></html>", "not_a_call_log"),
        (b"\x00\x01\x02\x03binary", "not_text"),
        (b"colour,size\nred,2\n", "no_number_column"),
    ],
)
def test_files_that_are_not_call_logs_get_a_clear_error(data, code):
    with pytest.raises(CallLogError) as caught:
        read_log(data)
    assert caught.value.code == code
    assert caught.value.message.endswith(".")


def test_an_unknown_format_name_is_refused():
    with pytest.raises(CallLogError, match="not a call-log format"):
        read_log(b"number\n+18768123456\n", format="excel")


def test_forcing_csv_reads_a_fritzbox_file_by_its_header_names(sample):
    log = read_log(sample("fritzbox_en.csv"), format="csv")
    assert log.format == "csv" and log.calls.height == 3


def test_generic_csv_reads_a_time_in_another_format_among_plain_iso_ones():
    data = (
        b"number,time,status\n"
        b"+18768123456,2024-03-01 02:10:05,missed\n"
        b"+18768123457,01/03/2024 02:11,missed\n"
        b"+18768123458, 2024-03-01 02:12:00,Outgoing\n"
        b"+18768123459,1709259180,no answer\n"
    )
    calls = read_log(data).calls
    assert [t.isoformat() for t in calls.get_column("time")] == [
        "2024-03-01T02:10:05",
        "2024-03-01T02:11:00",
        "2024-03-01T02:12:00",
        "2024-03-01T02:13:00",
    ]
    assert calls.get_column("outgoing").to_list() == [False, False, True, False]
    assert calls.get_column("missed").to_list() == [True, True, None, True]


def test_generic_csv_words_it_does_not_know_say_nothing_about_the_call():
    data = b"number,time,direction,status\n+18768123456,2024-03-01 02:10:05,sideways,meh\n"
    calls = read_log(data).calls
    assert calls.get_column("outgoing").to_list() == [False]
    assert calls.get_column("missed").to_list() == [None]


def test_generic_csv_after_a_sep_line_reads_the_same_as_without():
    rows = "number;time;status\n+18768123456;2024-03-01 02:10:05;missed\n"
    plain = read_log(rows.encode()).calls
    with_sep = read_log(("sep=;\n" + rows).encode()).calls
    assert with_sep.drop("line").equals(plain.drop("line"))
    assert with_sep.get_column("line").to_list() == [3]


def test_generic_csv_in_utf16_without_a_mark_is_read():
    rows = "number,time,status\n+18768123456,2024-03-01 02:10:05,missed\n"
    calls = read_log(rows.encode("utf-16-le")).calls
    assert calls.get_column("number").to_list() == ["+18768123456"]
    assert calls.get_column("missed").to_list() == [True]


def test_generic_csv_reads_times_and_ring_times_with_spaces_around_them():
    data = (
        b"number,time,ring time,status\n"
        b"+447700900123, 2024-03-01T14:05:09+01:00 , 12 ,missed\n"
        b"+447700900124,2024-03-01 02:00:00,0:25,missed\n"
        b"+447700900125,  ,5,missed\n"
    )
    log = read_log(data)
    assert log.calls.select("time", "ring").rows() == [
        (dt.datetime(2024, 3, 1, 14, 5, 9), 12.0),
        (dt.datetime(2024, 3, 1, 2, 0), 25.0),
        (None, 5.0),
    ]
    assert log.unreadable == []


def test_fritzbox_list_with_commas_reads_as_the_semicolon_one(sample):
    """One separator rule for every reader (``tabular.guess_separator``): a FRITZ!Box
    list re-saved by a spreadsheet with commas is read, not refused for lacking columns."""
    text = sample("fritzbox_en.csv").decode("utf-8")
    commas = text.replace("sep=;\n", "").replace(";", ",").encode()
    semicolons = read_log(sample("fritzbox_en.csv")).calls
    read = read_log(commas)
    assert read.format == "fritzbox"
    assert read.calls.drop("line").equals(semicolons.drop("line"))


def test_generic_csv_after_blank_lines_finds_its_header_and_keeps_line_numbers():
    data = b"\n\nnumber,time,status\n+18768123456,2024-03-01 02:10:05,missed\n"
    calls = read_log(data).calls
    assert calls.get_column("number").to_list() == ["+18768123456"]
    assert calls.get_column("line").to_list() == [4]


@pytest.mark.parametrize("word", ["Answered", "Connected", "NORMAL_CLEARING", "picked up", "OK"])
def test_every_word_for_answered_marks_a_call_not_missed(word):
    """The words shared with the scan (``tabular.ANSWERED_WORDS``), as logs write them."""
    text = f"Number,Date,Status\n07700900123,2024-03-01 10:00,{word}\n"
    rows = read_log(text.encode()).calls.to_dicts()
    assert rows[0]["missed"] is False and rows[0]["outgoing"] is False


@pytest.mark.parametrize("word", ["1", "yes", "true"])
def test_a_flag_word_is_not_read_as_answered_in_a_call_log(word):
    """A call log's type column writes 1 for "incoming": yes/no words say nothing here."""
    text = f"Number,Date,Status\n07700900123,2024-03-01 10:00,{word}\n"
    rows = read_log(text.encode()).calls.to_dicts()
    assert rows[0]["missed"] is None


@pytest.mark.parametrize(
    "name", ["generic.csv", "generic_bom.csv", "generic_utf16.tsv", "fritzbox_de_7col.csv",
             "android_calls.xml"],
)  # fmt: skip
def test_a_gzipped_log_reads_as_the_log_itself(sample, name):
    """gzip as ``gzip`` and Windows tools write it (Excel's "Unicode text" inside too)."""
    plain = read_log(sample(name), tz=UTC)
    packed = read_log(gzip.compress(sample(name)), tz=UTC)
    assert packed.calls.equals(plain.calls)
    assert (packed.format, packed.unreadable) == (plain.format, plain.unreadable)


def test_a_gzipped_log_cut_short_keeps_its_whole_lines_and_says_so():
    rows = "".join(f"+1876812{n:04d},2024-03-01 02:{n % 60:02d},missed\n" for n in range(3000))
    packed = gzip.compress(("number,time,status\n" + rows).encode())
    log = read_log(packed[: len(packed) // 2])
    assert 0 < log.calls.height < 3000
    (cut,) = log.unreadable
    assert cut.line == log.calls.height + 2 and "ends early" in cut.why


def test_a_gzip_that_unpacks_past_the_limit_is_refused_before_it_is_read():
    bomb = gzip.compress(b"number,time\n" + b"0" * 5_000_000)
    with pytest.raises(CallLogError) as caught:
        read_log(bomb, max_bytes=1_000_000)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n" + bytes(200), random.Random(3).randbytes(5_000),
     bytes(b for x in random.Random(4).randbytes(5_000) for b in (x | 1, 0))],
)  # fmt: skip
def test_binary_is_refused_gzipped_or_not_and_never_shown(data):
    for given in (data, gzip.compress(data)):
        with pytest.raises(CallLogError) as caught:
            read_log(given)
        assert caught.value.code in ("not_text", "not_a_call_log", "no_number_column")
        assert caught.value.message.isprintable()
