"""Reading real call-record formats: Asterisk Master.csv, FreeSWITCH cdr_csv, CSV/TSV with
a header, Parquet; many files, folders, globs and gzip; bad records listed, never fatal."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import polars as pl
import pytest
from scan_support import DATA, ZONE

from ringcheck.scan.formats import detect, expand, template_names
from ringcheck.scan.model import Columns, ScanError, ScanOptions
from ringcheck.scan.readers import open_all, read

OPTIONS = ScanOptions(tz=ZONE)
TEMPLATE = (
    '"${start_stamp}","${caller_id_number}","${destination_number}","${duration}",'
    '"${billsec}","${hangup_cause}"'
)


def calls(name: str, options: ScanOptions = OPTIONS) -> pl.DataFrame:
    path = DATA / name
    return read(path, detect(path, options), options).collect()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("Master.csv", "asterisk"),
        ("Master-uniqueid.csv", "asterisk"),
        ("freeswitch-example.csv", "freeswitch"),
        ("freeswitch-13.csv", "freeswitch"),
        ("cdr-header.csv", "csv"),
        ("cdr-header.tsv", "csv"),
    ],
)
def test_each_format_is_recognised_from_the_file(name: str, fmt: str) -> None:
    assert detect(DATA / name, OPTIONS) == fmt


def test_asterisk_records_read_with_doubled_quotes_empty_answers_and_local_times() -> None:
    rows = calls("Master.csv")
    first = rows.row(0, named=True)
    assert first["caller"] == "+2250712345601" and first["callee"] == "+447400100001"
    # 2026-11-03 02:10:05 in London (GMT in November) is 02:10:05 UTC
    assert first["start"] == 1793671805
    assert (first["ring"], first["billsec"], first["answered"]) == (2, 0, False)
    answered = rows.row(2, named=True)
    assert answered["answered"] and answered["ring"] == 6 and answered["billsec"] == 360
    assert answered["caller"] == "+447400100003" and answered["callee"] == "+442071234567"


def test_numbers_are_read_as_text_and_put_in_e164_without_losing_zeros() -> None:
    rows = calls("Master.csv")
    assert rows["caller"][3] == "+441614961234"  # written 0044 1614 961234
    assert rows["caller"][4] is None  # Anonymous: a hidden caller
    assert rows["caller"][6] == "1001" and rows["callee"][6] == "1002"  # extensions stay
    assert calls("freeswitch-13.csv")["callee"][1] == "+447400100026"  # '0044 7400 100026'


def test_bad_records_say_why_with_their_line_and_are_not_used() -> None:
    rows = calls("Master.csv")
    bad = rows.filter(pl.col("why").is_not_null()).select("line", "why").rows()
    assert bad == [
        (8, "the start time can't be read"),
        (9, "its duration and billed seconds can't be read"),
        (10, "it has no called number"),
    ]


def test_asterisk_with_uniqueid_and_userfield_columns() -> None:
    rows = calls("Master-uniqueid.csv")
    assert rows.height == 3 and rows["why"].null_count() == 3
    assert rows["answered"].to_list() == [False, False, True]


def test_freeswitch_example_and_older_13_field_records() -> None:
    example = calls("freeswitch-example.csv")
    assert example["ring"].to_list()[:4] == [2, 3, 5, 25]
    assert example["answered"].to_list()[:4] == [False, False, True, False]
    assert example["why"][4] == "the start time can't be read"
    older = calls("freeswitch-13.csv")
    assert older["answered"].to_list() == [False, True]


def test_a_freeswitch_template_names_the_columns() -> None:
    rows = calls("freeswitch-custom.csv", ScanOptions(tz=ZONE, template=TEMPLATE))
    assert rows["caller"].to_list() == ["+2348034567005", "+447400100025"]
    assert rows["billsec"].to_list() == [0, 60]


def test_a_template_without_the_needed_fields_is_refused() -> None:
    with pytest.raises(ScanError) as caught:
        template_names('"${caller_id_name}","${uuid}"')
    assert caught.value.code == "bad_template"


def test_csv_and_tsv_with_a_header_find_their_columns_by_name() -> None:
    rows = calls("cdr-header.csv")
    assert rows["line"].to_list() == [2, 3, 4, 5]  # line 1 is the header
    assert rows["start"][2] == 1793671860  # 03/11/2026 is read day first
    assert rows["why"][3] == "it has no called number"
    tsv = calls("cdr-header.tsv")
    assert tsv["ring"].to_list() == [2, 6] and tsv["answered"].to_list() == [False, True]


def test_columns_can_be_named_and_a_wrong_name_is_a_clear_error() -> None:
    named = Columns(caller="Calling Number", callee="Called Number", start="Setup Time")
    rows = calls("cdr-header.csv", ScanOptions(tz=ZONE, columns=named))
    assert rows.height == 4
    with pytest.raises(ScanError) as caught:
        calls("cdr-header.csv", ScanOptions(tz=ZONE, columns=Columns(caller="nope")))
    assert caught.value.code == "no_column" and "Calling Number" in caught.value.message


def test_a_header_without_a_number_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,what\n2026-11-03 10:00:00,hello\n")
    with pytest.raises(ScanError) as caught:
        read(path, "csv", OPTIONS).collect()
    assert caught.value.code == "no_column"


def test_parquet_with_a_timestamp_column(tmp_path: Path) -> None:
    path = tmp_path / "calls.parquet"
    pl.DataFrame(
        {
            "caller": ["+2250712345601"],
            "callee": ["+447400100001"],
            "start": [dt.datetime(2026, 11, 3, 2, 10, 5, tzinfo=dt.UTC)],
            "duration": [2],
            "billsec": [0],
        }
    ).write_parquet(path)
    assert detect(path, OPTIONS) == "parquet"
    rows = read(path, "parquet", OPTIONS).collect()
    assert rows["start"].to_list() == [1793671805] and rows["ring"].to_list() == [2]


@pytest.mark.parametrize(
    ("answered", "typed"),
    [
        (pl.Series([False, True, None, True]), pl.Boolean),
        (pl.Series([0, 1, None, 2]), pl.Int8),
    ],
)
def test_parquet_counts_and_flags_read_as_typed_read_as_their_text_would(
    tmp_path: Path, answered: pl.Series, typed: pl.DataType
) -> None:
    """Integer seconds and a boolean or 0/1 answered flag are used as the file types them
    (nothing cast to text and parsed back), with the same answers as the same file in text;
    a negative count is still a record that can't be used."""
    columns = {
        "caller": ["+2250712345601", "00447400100003", "+2250712345602", "+2250712345603"],
        "callee": ["+447400100001", "02071234567", "+447400100006", "+447400100007"],
        "start": ["2026-11-03 02:10:05"] * 4,
        "duration": [2, 366, 4, 9],
        "billsec": [0, 0, 3, -1],
    }
    frames = {
        "typed": pl.DataFrame({**columns, "answered": answered.cast(typed)}),
        "text": pl.DataFrame(
            {**columns, "answered": answered.cast(typed).cast(pl.String)}
        ).with_columns(pl.col("duration", "billsec").cast(pl.String)),
    }
    read_back = {}
    for name, frame in frames.items():
        path = tmp_path / f"{name}.parquet"
        frame.write_parquet(path)
        read_back[name] = read(path, "parquet", OPTIONS).collect().drop("file")
    assert read_back["typed"].schema == read_back["text"].schema
    assert read_back["typed"].equals(read_back["text"])
    rows = read_back["typed"]
    assert rows["answered"].to_list()[:3] == [False, True, True]  # billed seconds count too
    assert rows["ring"].to_list()[:3] == [2, 366, 1]
    assert rows["why"][3] == "its billed seconds can't be read"


def test_many_files_folders_globs_and_gzip(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    shutil.copy(DATA / "Master.csv", tmp_path / "a" / "Master.csv")
    with (
        open(DATA / "freeswitch-example.csv", "rb") as src,
        gzip.open(tmp_path / "a" / "fs.csv.gz", "wb") as out,
    ):
        out.write(src.read())
    shutil.copy(DATA / "cdr-header.tsv", tmp_path / "b.tsv")
    files = expand([str(tmp_path / "a"), str(tmp_path / "*.tsv")])
    assert [f.name for f in files] == ["Master.csv", "fs.csv.gz", "b.tsv"]
    frame, inputs = open_all([str(tmp_path / "a"), str(tmp_path / "*.tsv")], OPTIONS)
    assert [i.format for i in inputs] == ["asterisk", "freeswitch", "csv"]
    assert frame.collect().height == 10 + 5 + 2


@pytest.mark.parametrize("given", ["/no/such/file.csv", "/no/such/*.csv"])
def test_a_missing_file_or_glob_is_a_clear_error(given: str) -> None:
    with pytest.raises(ScanError) as caught:
        expand([given])
    assert caught.value.code == "not_found"


def test_a_file_that_is_not_call_records_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_text("2026-11-03 10:00:00\n")
    with pytest.raises(ScanError) as caught:
        detect(path, OPTIONS)
    assert caught.value.code == "unknown_format"


def test_a_semicolon_csv_after_excels_sep_line_reads_as_the_comma_one(tmp_path: Path) -> None:
    """The scan and the call-log triage read separators alike (``tabular``): a CSV
    exported by a spreadsheet with ``sep=;`` and semicolons gives the same records, each
    numbered by its own line."""
    text = (DATA / "cdr-header.csv").read_text()
    path = tmp_path / "semicolons.csv"
    path.write_text("sep=;\n" + text.replace(",", ";"))
    assert detect(path, OPTIONS) == "csv"
    plain, semicolons = calls("cdr-header.csv"), read(path, "csv", OPTIONS).collect()
    assert semicolons.drop("file", "line").equals(plain.drop("file", "line"))
    assert semicolons["line"].to_list() == [line + 1 for line in plain["line"].to_list()]


@pytest.mark.parametrize(
    ("word", "answered"),
    [
        ("ANSWERED", True), ("normal_clearing", True), ("Connected", True),
        ("completed", True), ("picked up", True), ("yes", True), ("1", True), ("T", True),
        ("no answer", False), ("busy", False), ("0", False), ("", False),
    ],
)  # fmt: skip
def test_an_answered_column_reads_words_and_flags(
    tmp_path: Path, word: str, answered: bool
) -> None:
    """The words shared with the call-log triage (``tabular.ANSWERED_WORDS``) and a yes/no
    flag say answered; anything else, with no billed seconds, does not."""
    path = tmp_path / "cdr.csv"
    path.write_text(
        "src,dst,start,ring,billsec,answered\n"
        f"+2250712345601,+447400100001,2026-11-03T02:10:05,2,0,{word}\n"
    )
    assert calls_at(path)["answered"].to_list() == [answered]


def calls_at(path: Path) -> pl.DataFrame:
    return read(path, detect(path, OPTIONS), OPTIONS).collect()


@pytest.mark.parametrize(("home", "day"), [("US", dt.date(2026, 3, 4)), ("CA", dt.date(2026, 3, 4)),
                                           ("GB", dt.date(2026, 4, 3))])  # fmt: skip
def test_ambiguous_dates_are_read_for_the_home_as_triage_reads_them(
    tmp_path: Path, home: str, day: dt.date
) -> None:
    """03/04/2026 is 4 March in the US and Canada, 3 April elsewhere: one rule
    (``tabular.time_formats``) for the scan and the call-log triage."""
    from ringcheck.calllog import read_log

    path = tmp_path / "cdr.csv"
    path.write_text(
        "Calling Number,Called Number,Setup Time,Duration,Billed Seconds\n"
        "+12025550101,+12025550102,03/04/2026 10:00:00,2,0\n"
        "+12025550103,+12025550104,2026-03-05 10:00:00,2,0\n"
    )
    rows = read(path, "csv", ScanOptions(tz="UTC", home=home)).collect()
    moment = dt.datetime.combine(day, dt.time(10), dt.UTC)
    assert rows["start"].to_list() == [int(moment.timestamp()), 1772704800]
    log = read_log(path.read_bytes(), home=home)
    assert log.calls["time"].to_list()[0] == moment.replace(tzinfo=None)


@pytest.mark.parametrize("cut_at_line_end", [False, True])
def test_a_utf16_gzip_file_cut_short_is_read_to_the_cut_and_listed(
    tmp_path: Path, cut_at_line_end: bool
) -> None:
    from ringcheck.scan.intake import CUT_SHORT, survey

    text = (DATA / "cdr-header.csv").read_text()
    unicode = text.encode("utf-16")
    if cut_at_line_end:  # the stream stops right after a whole record
        unicode = unicode[: len(text[: text.index("\n", 100) + 1].encode("utf-16"))]
    packed = gzip.compress(unicode)
    # without its trailer (8 bytes) every record unpacks, but the stream never ends
    cut = packed[: len(packed) - 8] if cut_at_line_end else packed[: len(packed) * 2 // 3]
    path = tmp_path / "calls.csv.gz"
    path.write_bytes(cut)
    seen = survey(path, "csv")
    ((_, line, why),) = seen.problems
    assert why == CUT_SHORT and line > 1
    rows = read(path, "csv", OPTIONS, seen).collect()
    assert rows["line"].to_list() == list(range(2, line))
