"""Damaged files never stop a scan: each problem is counted and listed (file, line, why
in plain words), every other record is scanned, and the exit code is the usual one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from damage import ROWS, build
from scan_support import ZONE

from ringcheck.cli import cli
from ringcheck.scan import ScanError, ScanOptions, scan
from ringcheck.scan.intake import CUT_SHORT

OPTIONS = ScanOptions(tz=ZONE)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("damage") / "cdr"
    folder.mkdir()
    return folder, build(folder)


def listed(result: Any, path: Path) -> list[tuple[int, str]]:
    return [(u.line, u.why) for u in result.unreadable if u.file == str(path)]


def matches(found: list[tuple[int, str]], wanted: list[tuple[int, str]]) -> bool:
    return len(found) == len(wanted) and all(
        (line == want_line or (want_line < 0 and line > 1)) and why.startswith(want_why)
        for (line, why), (want_line, want_why) in zip(found, wanted, strict=True)
    )


@pytest.mark.parametrize(
    "name",
    ["cut-in-quotes.csv", "cut-mid-line.csv", "empty.csv", "binary.csv", "nul.csv",
     "long-line.csv", "wide.csv", "cut.csv.gz", "binary-nuls.csv", "binary-mark.csv",
     "cut-utf16.csv"],
)  # fmt: skip
def test_a_damaged_file_is_listed_and_every_other_record_scanned(
    damaged: tuple[Path, dict[str, Any]], name: str
) -> None:
    folder, expected = damaged
    good = folder.parent / "base.csv"
    result = scan([str(folder / name), str(good)], OPTIONS)
    assert matches(listed(result, folder / name), expected[name]), listed(result, folder / name)
    counted = {f.path: f for f in result.inputs}
    assert counted[str(good)].records == ROWS and counted[str(good)].unreadable == 0
    damaged_file = counted[str(folder / name)]
    assert damaged_file.unreadable == sum(1 for line, _ in listed(result, folder / name) if line)
    if expected[name][0][0]:  # the file was read: its other records were all used
        assert damaged_file.records in (ROWS, expected[name][0][0]) or name.endswith(".gz")


def test_a_live_file_cut_inside_a_quoted_field_still_gives_its_findings(
    damaged: tuple[Path, dict[str, Any]],
) -> None:
    folder, _ = damaged
    whole = scan([str(folder.parent / "base.csv")], OPTIONS)
    cut = scan([str(folder / "cut-in-quotes.csv")], OPTIONS)
    assert [f.key for f in cut.findings] == [f.key for f in whole.findings]
    assert cut.records == whole.records and cut.unreadable_count == 1


def test_a_file_that_cant_be_read_is_skipped_with_the_reason(
    damaged: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder, _ = damaged
    locked = tmp_path / "locked.csv"
    shutil.copy(folder.parent / "base.csv", locked)
    real_open = open

    def refuse(file: Any, *args: Any, **kwargs: Any) -> Any:  # tests run as root: chmod can't
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("ringcheck.scan.intake.open", refuse, raising=False)
    result = scan([str(locked), str(folder.parent / "base.csv")], OPTIONS)
    assert listed(result, locked) == [
        (0, "it can't be read (permission denied): check the file's owner and permissions")
    ]
    with pytest.raises(ScanError, match="Nothing could be scanned"):
        scan([str(locked)], OPTIONS)


def test_a_folder_of_damaged_and_mixed_files_exits_0_and_never_echoes_raw_bytes(
    damaged: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, _ = damaged
    mixed = tmp_path / "mixed"
    shutil.copytree(folder, mixed)
    data = Path(__file__).resolve().parents[1] / "data" / "scan"
    for name in ("freeswitch-example.csv", "cdr-header.tsv"):
        shutil.copy(data / name, mixed / name)
    result = CliRunner().invoke(cli, ["scan", str(mixed), "--tz", ZONE, "--output", "json"])
    assert result.exit_code == 0, result.output
    assert "\x00" not in result.stderr and "\ufffd" not in result.stderr
    assert all(ch.isprintable() or ch == "\n" for ch in result.stderr)
    summary = json.loads(result.stdout)["summary"]
    assert summary["skipped_files"] == 4  # empty, and three kinds of binary
    assert {f["format"] for f in summary["files"]} == {"asterisk", "freeswitch", "csv", "skipped"}
    assert any(CUT_SHORT in line for line in result.stderr.splitlines())


def test_gzip_is_read_as_a_stream_not_unpacked_into_memory(tmp_path: Path) -> None:
    from ringcheck.scan.formats import detect
    from ringcheck.scan.readers import read

    packed = tmp_path / "Master.csv.gz"
    data = Path(__file__).resolve().parents[1] / "data" / "scan" / "Master.csv"
    packed.write_bytes(__import__("gzip").compress(data.read_bytes()))
    plan = read(packed, detect(packed, OPTIONS), OPTIONS).explain()
    assert str(packed) in plan  # the file itself is scanned (a stream), not a copy in memory


def test_an_intact_gzip_is_unpacked_once_and_a_cut_one_beside_it_still_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    from ringcheck import tabular

    data = (Path(__file__).resolve().parents[1] / "data" / "scan" / "Master.csv").read_bytes()
    data *= 500
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(data))
    unpacked_to_the_end: list[bool] = []

    def counted(raw: Any) -> Any:
        yield from real(raw)
        unpacked_to_the_end.append(True)

    real = tabular.gunzip
    monkeypatch.setattr(tabular, "gunzip", counted)
    whole = scan([str(tmp_path)], OPTIONS)
    assert not unpacked_to_the_end  # only its first bytes are looked at before Polars reads it
    packed = gzip.compress(data)
    (tmp_path / "b.csv.gz").write_bytes(packed[: len(packed) // 2])
    result = scan([str(tmp_path)], OPTIONS)
    cut = next(item for item in result.inputs if item.path.endswith("b.csv.gz"))
    assert [p.why for p in cut.problems] == [CUT_SHORT] and cut.records > 1
    assert result.records > whole.records


def test_a_full_temporary_folder_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from ringcheck.scan.engines import polars as engine

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError("No space left on device (os error 28)")

    monkeypatch.setattr(engine, "count", full)
    data = Path(__file__).resolve().parents[1] / "data" / "scan" / "Master.csv"
    with pytest.raises(ScanError, match=r"temporary folder .* is full"):
        scan([str(data)], OPTIONS)
