"""The one tabular reader the call-log triage and the operator scan share: headers and
separators found from lines as they come, one table of column names, gzip cut short,
and the date formats each reads."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from ringcheck import tableout, tabular
from ringcheck.calllog.generic import FIELDS as CALLLOG_FIELDS
from ringcheck.scan.formats import FIELDS as SCAN_FIELDS


def test_every_column_name_is_known_for_one_thing_only() -> None:
    names = [alias for aliases in tabular.ALIASES.values() for alias in aliases]
    assert len(names) == len(set(names))
    assert all(alias == tabular.normal(alias) for alias in names)
    groups = {g for fields in (CALLLOG_FIELDS, SCAN_FIELDS) for gs in fields.values() for g in gs}
    assert groups <= set(tabular.ALIASES)


@pytest.mark.parametrize(
    ("line", "separator"),
    [
        ("number,time,status", ","),
        ("number;time;status", ";"),
        ("number\ttime\tstatus", "\t"),
        ("number|time|status", "|"),
        ('"Smith, John";"+447400123456";"a, b, c"', ";"),  # commas inside quotes don't count
        ("number", ","),
    ],
)
def test_the_separator_is_the_commonest_outside_quoted_fields(line: str, separator: str) -> None:
    assert tabular.guess_separator(line) == separator


def test_a_header_is_found_from_lines_given_one_at_a_time() -> None:
    """What a reader following a growing file needs: the header from as many lines as
    have arrived, and None until one has."""
    arrived: list[str] = []
    assert tabular.header_of(iter(arrived)) is None
    arrived.append("sep=|")
    assert tabular.header_of(iter(arrived)) is None
    arrived.append("caller|callee|start")
    found = tabular.header_of(iter(arrived))
    assert found == tabular.Header(["caller", "callee", "start"], "|", 2, "caller|callee|start")


def test_the_header_is_taken_from_the_lines_only_as_far_as_needed() -> None:
    lines = iter(["", "number,time", "+447400123456,2024-03-01 02:10:05"])
    assert tabular.header_of(lines) is not None
    assert next(lines) == "+447400123456,2024-03-01 02:10:05"


def test_a_row_is_read_from_one_line_or_says_why_not() -> None:
    assert tabular.cells(2, "+447400123456, 2024-03-01 ", ",", 2) == tabular.Row(
        2, ["+447400123456", "2024-03-01"]
    )
    short = tabular.cells(3, "+447400123456", ",", 2)
    assert isinstance(short, tabular.BadLine) and short.why.endswith("the header has 2.")
    huge = tabular.cells(4, "x" * 20_000, ",", 1)
    assert isinstance(huge, tabular.BadLine) and "too long" in huge.why


def test_columns_are_found_by_any_of_their_names_each_column_once() -> None:
    header = ["Calling-Number", "Called Number", "Start Time", "Duration (s)", "Status"]
    assert tabular.find_columns(header, SCAN_FIELDS) == {
        "caller": 0, "callee": 1, "start": 2, "duration": 3, "answered": 4,
    }  # fmt: skip
    # a call log's number is the other party: its own names before a caller's
    assert tabular.find_columns(["caller", "number"], CALLLOG_FIELDS)["number"] == 1


def test_a_column_named_by_the_user_is_found_as_written_or_as_read() -> None:
    header = ["Who", "When"]
    assert tabular.find_columns(header, {}, {"number": "who"}) == {"number": 0}
    with pytest.raises(tabular.UnknownColumn, match="Its columns are: Who, When"):
        tabular.find_columns(header, {}, {"number": "nope"})


def test_a_gzip_file_cut_short_gives_what_it_holds_then_says_so() -> None:
    packed = gzip.compress(b"a,b\n" * 100_000)
    assert b"".join(tabular.gunzip(io.BytesIO(packed))) == b"a,b\n" * 100_000
    got = []
    with pytest.raises(tabular.CutShort):
        for block in tabular.gunzip(io.BytesIO(packed[: len(packed) // 2])):
            got.append(block)
    assert b"".join(got).startswith(b"a,b\n")


def test_two_gzip_members_read_as_one_stream() -> None:
    packed = gzip.compress(b"a\n") + gzip.compress(b"b\n")
    assert b"".join(tabular.gunzip(io.BytesIO(packed))) == b"a\nb\n"


def test_dates_are_day_first_unless_home_writes_the_month_first() -> None:
    gb, us = tabular.time_formats("GB"), tabular.time_formats("US")
    assert gb.index("%d/%m/%Y %H:%M") < gb.index("%m/%d/%Y %H:%M")
    assert us.index("%m/%d/%Y %H:%M") < us.index("%d/%m/%Y %H:%M")
    records = tabular.time_formats(records=True)
    assert records[0] == "%Y-%m-%d %H:%M:%S" and "%Y-%m-%dT%H:%M:%S%.fZ" in records
    assert all("%S" in form and "%Y" in form for form in records)


def test_json_is_escaped_and_csv_cells_never_run_as_formulas() -> None:
    assert tableout.to_json({"a": "<b>&"}) == b'{"a":"\\u003cb\\u003e\\u0026"}'
    assert tableout.safe_cell("=HYPERLINK()") == "'=HYPERLINK()"
    assert tableout.to_csv(["a"], [[1], [2]]) == "a\r\n1\r\n2\r\n"


def test_a_growing_file_is_read_line_by_line_as_a_whole_file_would_be() -> None:
    """``LineReader`` (a live follow's reader) gives the rows and the bad lines the
    whole-text readers give, numbered alike, from lines fed one at a time."""
    text = "sep=;\nnumber;time\n+447400123456;2024-03-01 02:10\n\n+447400123457\n"
    reader = tabular.LineReader()
    fed = [reader.feed(line) for line in text.splitlines(keepends=True)]
    assert reader.header == tabular.Header(["number", "time"], ";", 2, "number;time")
    bad: list[tabular.BadLine] = []
    numbered = list(tabular.numbered_lines(text))[2:]  # after the sep= line and the header
    whole = list(tabular.rows(numbered, ";", 2, bad))
    assert [r for r in fed if isinstance(r, tabular.Row)] == whole
    assert (
        [r for r in fed if isinstance(r, tabular.BadLine)]
        == bad
        == [tabular.BadLine(5, "This line has 1 columns; the header has 2.")]
    )


def test_a_switchs_headerless_lines_are_read_with_its_field_names() -> None:
    reader = tabular.LineReader(["src", "dst", "start"], width=2)
    assert reader.feed('"1001","1002","2026-11-03 02:10:05"\n') == tabular.Row(
        1, ["1001", "1002", "2026-11-03 02:10:05"]
    )
    assert reader.feed("1001\n") == tabular.BadLine(2, "This line has 1 columns; the header has 2.")


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.jsonl", "jsonl"), ("a.NDJSON", "jsonl"), ("dir.v2/a.json", "jsonl"), ("a.Csv", "csv"),
     ("a.txt", None), ("a", None), ("a.csv.gz", None)],
)  # fmt: skip
def test_records_format_is_read_from_the_name(name: str, kind: str | None) -> None:
    assert tableout.records_format(name) == kind


TEXT = "number\ttime\n+447400123456\t03/11/2026 02:10\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-16"), "utf-16"),  # Excel's "Unicode text": a mark, little-endian
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no mark: told by the NULs
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode(), "utf-8"),
    ],
)
def test_every_writers_encoding_is_read_from_a_file_gzipped_or_not(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    assert tabular.encoding_of(data) == encoding
    assert tabular.decode(data) == TEXT
    for name, content in (("a.txt", data), ("a.txt.gz", gzip.compress(data))):
        (tmp_path / name).write_bytes(content)
        assert tabular.text_encoding(tmp_path / name) == encoding
        with tabular.open_text(tmp_path / name) as text:
            assert text.read() == TEXT
        assert tabular.first_lines(tmp_path / name) == TEXT.splitlines()


def test_a_stray_carriage_return_inside_a_line_is_no_error() -> None:
    assert tabular.split("number,time\rx", ",") == ["number", "timex"]
    assert tabular.header_of(["a;b\r;c"]) == tabular.Header(["a", "b", "c"], ";", 1, "a;b\r;c")
