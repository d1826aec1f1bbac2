"""The live detector: the Wangiri signature (batch and live agree), following growing
files like ``tail -F``, and the events it gives."""

from __future__ import annotations

import codecs
import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from live_support import (
    CAMPAIGN_RANGE,
    FLASH_RANGE,
    T0,
    Call,
    accounting,
    asterisk,
    background,
    campaign,
    flash_calls,
    write,
)

from ringcheck.risk import at_least
from ringcheck.scan import ScanOptions, scan
from ringcheck.scan.follow import Follower
from ringcheck.scan.kamailio import CallEvent, calls_frame
from ringcheck.scan.live import Detector, Window

OPTIONS = ScanOptions(tz="UTC")


def _codes(finding: Any) -> list[str]:
    return [r["code"] for r in finding.reasons]


def _top(findings: list[Any], prefix: str) -> Any:
    found = [f for f in findings if f.key.startswith(prefix[:-1]) and f.within is None]
    assert found, [f.key for f in findings]
    return found[0]


def _same(live: list[Any], batch: list[Any]) -> None:
    def seen(f: Any) -> tuple[Any, ...]:
        return (f.kind, f.key, f.level, f.score, f.features, f.reasons, f.within, f.headline)

    assert [seen(f) for f in live] == [seen(f) for f in batch]


# -- the signature, in the batch scan -----------------------------------------------


def test_a_campaign_with_the_signature_is_high_without_anyone_calling_back(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "Master.csv", asterisk(campaign() + background()))
    found = _top(scan([str(path)], OPTIONS).findings, CAMPAIGN_RANGE)
    assert found.level == "high" and found.features["callbacks"] == 0
    assert "signature" in _codes(found) and "no_callbacks_yet" not in _codes(found)
    assert found.features["callees"] < 100  # found below the range's usual floor


def test_a_flash_call_lookalike_stays_at_caution_until_someone_calls_back(
    tmp_path: Path,
) -> None:
    calls = flash_calls(callees=240) + background()
    found = _top(
        scan([str(write(tmp_path / "a.csv", asterisk(calls)))], OPTIONS).findings, FLASH_RANGE
    )
    assert found.level == "caution"
    assert "signature" not in _codes(found) and "no_callbacks_yet" in _codes(found)
    # the same calls, and three of the people rung call the range back: a campaign
    backs = [Call(c.callee, c.caller, T0 + 600 + i, 3, 90) for i, c in enumerate(calls[:3])]
    path = write(tmp_path / "b.csv", asterisk(calls + backs))
    found = _top(scan([str(path)], OPTIONS).findings, FLASH_RANGE)
    assert at_least(found.level, "high")


def test_a_small_sequential_burst_from_one_number_has_no_signature(tmp_path: Path) -> None:
    one = [Call(CAMPAIGN_RANGE + "600", c.callee, c.start, c.ring) for c in campaign()]
    result = scan([str(write(tmp_path / "one.csv", asterisk(one + background())))], OPTIONS)
    assert not result.at_least("high")  # one number, no rotation: not the signature


# -- batch and live agree ---------------------------------------------------------------


def test_one_file_followed_as_it_grows_gives_the_batch_findings(tmp_path: Path) -> None:
    data = asterisk(campaign() + flash_calls(T0 + 5, callees=150) + background())
    whole = write(tmp_path / "whole.csv", data)
    batch = scan([str(whole)], OPTIONS).findings
    growing = tmp_path / "Master.csv"
    follower = Follower([str(growing)], OPTIONS)
    detector = Detector(OPTIONS, Window(7200))
    step = len(data) // 7 + 13  # pieces that end inside lines
    for at in range(0, len(data), step):
        with open(growing, "ab") as out:
            out.write(data[at : at + step])
        for frame in follower.poll():
            detector.feed(frame)
        detector.rescore()
    follower.close()
    assert detector.window.added == data.count(b"\n")
    batch = [_renamed(f, str(whole), str(growing)) for f in batch]
    _same(detector.findings, batch)
    assert [f.evidence for f in detector.findings] == [f.evidence for f in batch]


@pytest.mark.parametrize(
    "mark, encoding",
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (b"", "utf-16-le")],
)
def test_a_utf16_file_followed_as_it_grows_gives_the_batch_findings(
    tmp_path: Path, mark: bytes, encoding: str
) -> None:
    """Excel's "Unicode text" (UTF-16, marked or told by its NULs, CRLF line ends),
    written in pieces that end inside lines and inside characters."""
    text = asterisk(campaign() + flash_calls(T0 + 5, callees=150) + background()).decode()
    data = mark + text.replace("\n", "\r\n").encode(encoding)
    whole = write(tmp_path / "whole.csv", data)
    batch = scan([str(whole)], OPTIONS).findings
    assert batch
    growing = tmp_path / "Master.csv"
    follower = Follower([str(growing)], OPTIONS)
    detector = Detector(OPTIONS, Window(7200))
    step = len(data) // 7 + 13  # odd: pieces end inside characters too
    cuts = sorted({1, 2, 3, *range(5, len(data), step), len(data)})  # first bytes one by one
    for start, end in itertools.pairwise([0, *cuts]):
        with open(growing, "ab") as out:
            out.write(data[start:end])
        for frame in follower.poll():
            detector.feed(frame)
        detector.rescore()
    follower.close()
    assert detector.window.added == text.count("\n") and follower.unreadable == 0
    batch = [_renamed(f, str(whole), str(growing)) for f in batch]
    _same(detector.findings, batch)
    assert [f.evidence for f in detector.findings] == [f.evidence for f in batch]


def test_a_utf16_csv_is_followed_again_after_a_restart_and_a_truncation(
    tmp_path: Path,
) -> None:
    path, state = tmp_path / "calls.csv", tmp_path / "state.json"
    rows = [
        "caller\tcallee\tstart\tduration\tbillsec\r\n",
        "+447911000001\t+447700900001\t2026-12-01 10:00:00\t5\t0\r\n",
        "+447911000002\t+447700900002\t2026-12-01 10:00:09\t40\t30\r\n",
    ]
    path.write_bytes("".join(rows[:2]).encode("utf-16"))
    first = Follower([str(path)], OPTIONS, state)
    assert [f["line"].to_list() for f in first.poll()] == [[2]]
    first.save()
    first.close()
    with open(path, "ab") as out:
        out.write(rows[2].encode("utf-16-le"))
    again = Follower([str(path)], OPTIONS, state)
    (frame,) = again.poll()
    assert frame["line"].to_list() == [3] and frame["billsec"].to_list() == [30]
    path.write_bytes((rows[0] + rows[2]).encode("utf-16"))  # shorter: read from the start
    (frame,) = again.poll()
    assert frame["line"].to_list() == [2] and frame["callee"].to_list() == ["+447700900002"]
    assert again.unreadable == 0


def _renamed(finding: Any, old: str, new: str) -> Any:
    for record in finding.evidence:
        record["file"] = new if record["file"] == old else record["file"]
    return finding


def test_kamailio_accounting_lines_give_the_findings_of_the_same_calls_in_master_csv(
    tmp_path: Path,
) -> None:
    calls = campaign() + flash_calls(T0 + 5, callees=150) + background()
    batch = scan([str(write(tmp_path / "Master.csv", asterisk(calls)))], OPTIONS).findings
    log = write(tmp_path / "kamailio.log", accounting(calls))
    follower = Follower([str(log)], OPTIONS)
    detector = Detector(OPTIONS, Window(7200))
    for frame in follower.poll():
        detector.feed(frame)
    detector.rescore()
    # each cancelled call was logged twice, each answered one again at its BYE
    assert detector.window.calls().height == len(calls)
    _same(detector.findings, batch)


def test_call_events_logged_twice_count_once_and_a_bye_adds_the_talk_time() -> None:
    detector = Detector(OPTIONS, Window(3600))
    rung = CallEvent("c1", "+8801712345600", "+447700900001", T0, 487, 1.4)
    answered = CallEvent("c2", "+447700900001", "+8801712345600", T0 + 60, 200, 3.0)
    ended = CallEvent("c2", "+447700900001", "+8801712345600", T0 + 60, 200, 3.0, 95.0)
    for events in ([rung, rung, answered], [ended]):
        detector.feed(calls_frame(events, "GB"))
    calls = detector.window.calls().sort("callid")
    assert calls["callid"].to_list() == ["c1", "c2"]
    assert calls["billsec"].to_list() == [0, 95] and calls["ring"].to_list() == [1, 3]


# -- live: within seconds ---------------------------------------------------------------


def _fed_by_second(calls: list[Call], detector: Detector) -> list[tuple[int, Any]]:
    """Feed ``calls`` a second at a time, re-scoring after each: (second, events)."""
    seen = []
    for second in range(min(c.start for c in calls), max(c.start for c in calls) + 1):
        now = [c for c in calls if c.start == second]
        if now:
            events = [
                CallEvent(f"{c.caller}-{c.callee}", c.caller, c.callee, c.start, 487, c.ring)
                for c in now
            ]
            detector.feed(calls_frame(events, "GB"))
        seen += [(second, e) for e in detector.rescore()]
    return seen


def test_a_campaign_at_20_calls_a_second_is_high_within_seconds_and_100_subscribers() -> None:
    calls = campaign(callees=400, per_minute=1200)
    events = _fed_by_second(calls, Detector(OPTIONS, Window(7200)))
    second, first = events[0]
    assert first.event == "campaign_started" and at_least(first.finding.level, "high")
    assert second - T0 <= 10
    assert first.finding.features["callees"] < 100
    assert "signature" in _codes(first.finding)


def test_flash_calls_at_20_a_second_never_reach_high_live() -> None:
    calls = flash_calls(callees=400, per_minute=1200)
    detector = Detector(OPTIONS, Window(7200), level="caution")
    events = _fed_by_second(calls, detector)
    assert events  # seen, at caution
    assert all(not at_least(e.finding.level, "high") for _, e in events)


def test_a_campaign_starts_is_updated_and_ends_when_it_leaves_the_window() -> None:
    detector = Detector(OPTIONS, Window(600))
    calls = campaign()
    detector.feed(calls_frame(_events(calls[:40]), "GB"))
    assert [e.event for e in detector.rescore()] == ["campaign_started"]
    assert detector.rescore() == []  # nothing new: nothing to say
    detector.feed(calls_frame(_events(calls[40:]), "GB"))
    updated = detector.rescore()
    assert [e.event for e in updated] == ["campaign_updated"]
    assert updated[0].to_dict()["subscribers"] == 60
    assert updated[0].environment()["RINGCHECK_NUMBER"] == CAMPAIGN_RANGE + "xxx"
    later = [Call("+447911000001", "+447700900009", T0 + 3600, 3, 60)]
    detector.feed(calls_frame(_events(later), "GB"))
    assert [e.event for e in detector.rescore()] == ["campaign_ended"]
    assert detector.window.calls().height == 1  # the campaign's calls are forgotten


def _events(calls: list[Call]) -> list[CallEvent]:
    return [
        CallEvent(
            f"{c.caller}-{c.callee}-{c.start}",
            c.caller,
            c.callee,
            c.start,
            200 if c.answered else 487,
            c.ring,
            c.billsec,
        )
        for c in calls
    ]


# -- following files like tail -F ------------------------------------------------------


def _lines(n: int, start: int = T0) -> bytes:
    return asterisk(background(start, n))


def test_a_partial_last_line_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    data = _lines(3)
    cut = data.index(b"\n", data.index(b"\n") + 1) + 20  # inside the third line
    path.write_bytes(data[:cut])
    follower = Follower([str(path)], OPTIONS)
    assert sum(f.height for f in follower.poll()) == 2
    with open(path, "ab") as out:
        out.write(data[cut:])
    frames = follower.poll()
    assert [f["line"].to_list() for f in frames] == [[3]]
    assert follower.unreadable == 0


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_bytes(_lines(2))
    follower = Follower([str(path)], OPTIONS)
    assert sum(f.height for f in follower.poll()) == 2
    with open(path, "ab") as out:
        out.write(_lines(3, T0 + 100)[-300:].split(b"\n", 1)[1])  # one more line
    os.rename(path, tmp_path / "Master.csv.1")
    path.write_bytes(_lines(4, T0 + 200))
    frames = follower.poll()
    lines = [line for f in frames for line in f["line"].to_list()]
    assert lines == [3, 1, 2, 3, 4]


def test_a_truncated_file_is_read_again_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_bytes(_lines(5))
    follower = Follower([str(path)], OPTIONS)
    assert sum(f.height for f in follower.poll()) == 5
    path.write_bytes(_lines(2, T0 + 500))  # the same file, emptied and written again
    assert [line for f in follower.poll() for line in f["line"].to_list()] == [1, 2]


def test_a_restart_goes_on_where_it_stopped(tmp_path: Path) -> None:
    path, state = tmp_path / "Master.csv", tmp_path / "state.json"
    path.write_bytes(_lines(4))
    first = Follower([str(path)], OPTIONS, state)
    assert sum(f.height for f in first.poll()) == 4
    first.save()
    first.close()
    with open(path, "ab") as out:
        out.write(asterisk(background(T0 + 900, 2)))
    again = Follower([str(path)], OPTIONS, state)
    assert [line for f in again.poll() for line in f["line"].to_list()] == [5, 6]


def test_a_header_csv_is_followed_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "caller,callee,start,duration,billsec\n"
        "+447911000001,+447700900001,2026-12-01 10:00:00,5,0\n"
    )
    follower = Follower([str(path)], OPTIONS)
    assert [f["line"].to_list() for f in follower.poll()] == [[2]]
    with open(path, "a") as out:
        out.write("+447911000002,+447700900002,2026-12-01 10:00:09,40,30\n")
    (frame,) = follower.poll()
    assert frame["line"].to_list() == [3] and frame["billsec"].to_list() == [30]


def test_a_semicolon_csv_after_a_sep_line_is_followed_as_the_batch_scan_reads_it(
    tmp_path: Path,
) -> None:
    """The header is found as the batch readers find it (``tabular.header_of``): after
    Excel's ``sep=`` line, with its separator; records keep their own line numbers."""
    path = tmp_path / "calls.csv"
    path.write_text(
        "sep=;\n"
        "caller;callee;start;duration;billsec\n"
        "+447911000001;+447700900001;2026-12-01 10:00:00;5;0\n"
    )
    follower = Follower([str(path)], OPTIONS)
    assert [f["line"].to_list() for f in follower.poll()] == [[3]]
    with open(path, "a") as out:
        out.write("+447911000002;+447700900002;2026-12-01 10:00:09;40;30\n")
    (frame,) = follower.poll()
    assert frame["line"].to_list() == [4] and frame["billsec"].to_list() == [30]
    assert follower.unreadable == 0


def test_a_file_not_there_yet_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "later.csv"
    follower = Follower([str(path)], OPTIONS)
    assert follower.poll() == []
    path.write_bytes(_lines(1))
    assert sum(f.height for f in follower.poll()) == 1


@pytest.mark.parametrize("damaged", [b"\x00\x00garbage,,\n", b'"","+44","","x"\n'])
def test_an_unreadable_record_is_counted_not_fatal(tmp_path: Path, damaged: bytes) -> None:
    path = tmp_path / "Master.csv"
    path.write_bytes(_lines(2))
    follower = Follower([str(path)], OPTIONS)
    follower.poll()
    with open(path, "ab") as out:
        out.write(damaged + _lines(1, T0 + 50))
    assert sum(f.height for f in follower.poll()) == 1
    assert follower.unreadable == 1


# -- the command ---------------------------------------------------------------------------


def test_follow_prints_json_events_runs_notify_and_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ringcheck.cli import cli
    from ringcheck.settings import Settings
    from ringcheck.store import Store

    database = f"sqlite:///{tmp_path / 'ringcheck.db'}"
    monkeypatch.setenv("RINGCHECK_DATABASE_URL", database)
    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    later = T0 + 86_400 * 365 * 50  # far ahead, so the published campaign is still running
    path = write(tmp_path / "Master.csv", asterisk(campaign(later) + background(later)))
    told = tmp_path / "told.txt"
    notify = f'echo "$RINGCHECK_EVENT $RINGCHECK_NUMBER $RINGCHECK_LEVEL" >> {told}'
    args = ["scan", str(path), "--tz", "UTC", "--follow", "--once", "--json", "--publish",
            "--notify", notify]  # fmt: skip
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(e["event"], e["key"], e["level"]) for e in events] == [
        ("campaign_started", CAMPAIGN_RANGE + "xxx", "high")
    ]
    assert told.read_text().split() == ["campaign_started", CAMPAIGN_RANGE + "xxx", "high"]
    with Store.open(Settings(database_url=database)) as store:
        blocking = store.blocking_campaign(CAMPAIGN_RANGE + "605")
        assert blocking is not None and blocking.subscribers == 60
    # run again: the file was read, nothing is counted twice, nothing new to say
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and again.stdout == ""


def test_follow_says_what_is_wrong_with_a_bad_window(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ringcheck.cli import cli

    out = CliRunner().invoke(cli, ["scan", "x.csv", "--follow", "--window", "soon"])
    assert out.exit_code == 2 and "write it like 5s, 10m or 2h" in out.output


def test_a_kamailio_log_is_followed_from_its_first_accounting_record(tmp_path: Path) -> None:
    path = tmp_path / "kamailio.log"
    path.write_bytes(b" 0(1) INFO: <core> [main.c:3000]: starting\n" * 50)
    follower = Follower([str(path)], OPTIONS)
    assert follower.poll() == [] and follower.problems == []
    with open(path, "ab") as out:
        out.write(accounting(campaign()[:3]))
    calls = [c for f in follower.poll() for c in f["callid"].to_list()]
    assert len(calls) == 6 and len(set(calls)) == 3  # each cancelled call logged twice


def test_a_file_that_cant_be_followed_is_left_out_with_why(tmp_path: Path) -> None:
    import polars as pl

    finished = tmp_path / "calls.parquet"
    pl.DataFrame({"caller": ["+447911000001"]}).write_parquet(finished)
    growing = write(tmp_path / "Master.csv", _lines(2))
    follower = Follower([str(finished), str(growing)], OPTIONS)
    assert sum(f.height for f in follower.poll()) == 2
    assert follower.problems == [
        f"{finished}: it is Parquet: a finished file, so it is not followed"
    ]
    assert [t.path for t in follower.tails] == [str(growing)]


def test_after_a_restart_the_window_goes_on_with_the_same_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ringcheck.cli import cli

    monkeypatch.setenv("RINGCHECK_CONFIG", str(tmp_path / "none.toml"))
    path = write(tmp_path / "Master.csv", asterisk(campaign(callees=40) + background()))
    state = tmp_path / "state.json"
    args = ["scan", str(path), "--tz", "UTC", "--follow", "--once", "--json", "--state", str(state)]
    first = CliRunner().invoke(cli, args)
    assert [json.loads(e)["subscribers"] for e in first.stdout.splitlines()] == [40]
    with open(path, "ab") as out:  # the campaign goes on while ringcheck is stopped
        more = [c._replace(start=c.start + 60) for c in campaign(callees=60)[40:]]
        out.write(asterisk(more))
    again = CliRunner().invoke(cli, args)
    told = [json.loads(e) for e in again.stdout.splitlines()]
    assert [(e["event"], e["subscribers"]) for e in told] == [("campaign_updated", 60)]
