"""The FRITZ!Box call monitor (``ringcheck.phones.fritzbox.callmonitor``, ``ringcheck
watch fritzbox``) against a loopback TCP server replaying line sequences as a box sends
them (formats from kbr/fritzconnection's docs and home-assistant's parser), and
fritzconnection's own ``FritzMonitor`` reading the same stream."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import os
import queue
import subprocess
import sys
from pathlib import Path
from typing import Any

from ringcheck.calllog import read_log, triage
from ringcheck.phones.fritzbox.callmonitor import CallLogFile, Watcher, parse_line
from ringcheck.settings import Settings

# One evening, as the box writes it: a Wangiri burst of two numbers in one range (missed,
# 2 s each), an answered call from a UK mobile, a withheld caller, a caller the box
# blocks itself (RING and DISCONNECT in the same second), an outgoing call, a line with
# the broken date a box sends after a reboot without a clock, and garbage.
EVENING = [
    "02.12.26 02:10:01;RING;0;+18768123401;03012345678;SIP0;",
    "02.12.26 02:10:03;DISCONNECT;0;0;",
    "02.12.26 02:10:05;RING;1;+18768123402;03012345678;SIP0;",
    "02.12.26 02:10:07;DISCONNECT;1;0;",
    "02.12.26 09:15:00;RING;2;+447400123456;03012345678;SIP1;",
    "02.12.26 09:15:06;CONNECT;2;4;+447400123456;",
    "02.12.26 09:17:06;DISCONNECT;2;120;",
    "02.12.26 10:00:00;RING;3;;03012345678;SIP0;",
    "02.12.26 10:00:09;DISCONNECT;3;0;",
    "02.12.26 11:00:00;RING;4;+2348031234567;03012345678;SIP0;",
    "02.12.26 11:00:00;DISCONNECT;4;0;",
    "02.12.26 12:00:00;CALL;5;4;03012345678;+4930123456;SIP0;",
    "02.12.26 12:00:05;CONNECT;5;4;+4930123456;",
    "02.12.26 12:01:05;DISCONNECT;5;60;",
    "01.01.-30 03:10:5;RING;6;+18768123403;03012345678;SIP0;",
    "this is not a call monitor line",
]


def chunks(lines: list[str]) -> list[bytes]:
    """The lines as the box writes them (CRLF), cut at awkward places."""
    data = "".join(line + "\r\n" for line in lines).encode()
    cuts = [0, 7, 60, 61, 200, 333, len(data) // 2, len(data) - 3, len(data)]
    cuts = sorted(set(c for c in cuts if c <= len(data)))
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


async def replay(connections: list[list[bytes]]) -> tuple[asyncio.AbstractServer, int]:
    """A call monitor that sends each connection its chunks, then hangs up."""
    pending = list(connections)

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parts = pending.pop(0) if pending else []
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def watch(connections: list[list[bytes]], tmp: Path) -> tuple[list[dict[str, Any]], Path]:
    events: list[dict[str, Any]] = []
    path = tmp / "calls.csv"

    async def main() -> None:
        server, port = await replay(connections)
        async with server:
            watcher = Watcher(Settings(), events.append, CallLogFile(path))
            await watcher.run("127.0.0.1", port, attempts=len(connections), retry_max=0.05)

    asyncio.run(main())
    return events, path


def test_a_ringing_scam_number_is_flagged_and_every_call_logged(tmp_path: Path) -> None:
    # The evening comes in two connections: the box restarted in the middle.
    events, path = watch([chunks(EVENING[:7]), chunks(EVENING[7:])], tmp_path)
    rings = [e for e in events if e["event"] == "ring"]
    assert [e["e164"] for e in rings] == [
        "+18768123401", "+18768123402", "+447400123456", None, "+2348031234567", "+18768123403",
    ]  # fmt: skip
    assert rings[0]["action"] == "block" and rings[0]["label"] == "SPAM Wangiri"
    assert rings[2]["action"] == "allow"
    assert rings[3]["action"] == "unknown"  # withheld
    assert rings[5]["at"].startswith(dt.date.today().isoformat()[:4])  # broken date: time received
    missed = [e for e in events if e["event"] == "missed"]
    assert [(e["e164"], e["ring_seconds"]) for e in missed] == [
        ("+18768123401", 2), ("+18768123402", 2), (None, 9), ("+2348031234567", 0),
    ]  # fmt: skip
    assert [e["event"] for e in events if e["e164"] == "+447400123456"] == [
        "ring", "connect", "ended",
    ]  # fmt: skip
    assert all(set(e) >= {"event", "e164", "level", "action", "label", "at"} for e in events)
    # The call log is a CSV that triage reads as it is.
    result = triage(read_log(path.read_bytes()), settings=Settings())
    found = {n["e164"]: n for n in result.numbers}
    assert found["+18768123401"]["verdict"]["level"] == "very_high"
    assert found["+18768123401"]["missed"] == 1
    assert found["+447400123456"]["answered"] == 1
    assert len(path.read_text().splitlines()) == 1 + 6  # header, six finished calls


def test_fritzconnections_monitor_reads_the_same_lines(tmp_path: Path) -> None:
    from fritzconnection.core.fritzmonitor import FritzMonitor

    async def serve_once() -> tuple[asyncio.AbstractServer, int]:
        return await replay([chunks(EVENING)])

    loop = asyncio.new_event_loop()
    server, port = loop.run_until_complete(serve_once())
    lines: list[str] = []
    monitor = FritzMonitor(address="127.0.0.1", port=port, timeout=2)
    found: queue.Queue[str] = monitor.start(reconnect_tries=0)
    try:
        deadline = loop.time() + 5
        while len(lines) < len(EVENING) and loop.time() < deadline:
            loop.run_until_complete(asyncio.sleep(0.02))
            while not found.empty():
                lines.append(found.get())
    finally:
        monitor.stop()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    now = dt.datetime(2026, 12, 2, 12, 0)
    assert [parse_line(line, now) for line in lines] == [parse_line(line, now) for line in EVENING]


def test_garbage_and_endless_lines_dont_stop_the_watcher(tmp_path: Path) -> None:
    junk = [b"\x00\xff\xfe;;;;\r\n", b"x" * 20_000, b"\r\n", b"02.12.26 02:10:01;RING;;;\r\n"]
    tail = [b"02.12.26 02:10:01;RING;9;+18768123401;030;SIP0;\r\n"]
    events, _ = watch([junk + tail], tmp_path)
    assert [e["e164"] for e in events] == ["+18768123401"]


def test_the_command_prints_json_events_and_notifies(tmp_path: Path) -> None:
    async def main() -> tuple[int, bytes, bytes]:
        server, port = await replay([chunks(EVENING[:4])])
        async with server:
            script = Path(sys.executable).with_name("ringcheck")
            notes = tmp_path / "notes.txt"
            env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
            process = await asyncio.create_subprocess_exec(
                str(script), "watch", "fritzbox", "--host", "127.0.0.1", "--port", str(port),
                "--json", "--notify", f'echo "$RINGCHECK_ACTION $RINGCHECK_NUMBER" >> {notes}',
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            )  # fmt: skip
            lines: list[bytes] = []
            while len(lines) < 4:
                lines.append(await asyncio.wait_for(process.stdout.readline(), 30))  # type: ignore[union-attr]
            await asyncio.sleep(0.5)  # the notify commands run
            process.terminate()
            _, err = await process.communicate()
            return len(lines), b"".join(lines), err

    _count, out, err = asyncio.run(main())
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events] == ["ring", "missed", "ring", "missed"]
    assert (tmp_path / "notes.txt").read_text().splitlines() == [
        "block +18768123401", "block +18768123402",
    ]  # fmt: skip
    assert b"Traceback" not in err
    assert (tmp_path / "ringcheck" / "fritzbox-calls.csv").exists()


# A German box sends numbers as its owner dials them: national at home, 00… abroad.
GERMAN_EVENING = [
    "02.12.26 18:00:00;RING;0;030123456;03012345678;SIP0;",
    "02.12.26 18:00:20;DISCONNECT;0;0;",
    "02.12.26 18:05:00;RING;1;00442079460123;03012345678;SIP0;",
    "02.12.26 18:05:30;DISCONNECT;1;0;",
    "02.12.26 18:10:00;CALL;2;4;03012345678;08912345678;SIP0;",
    "02.12.26 18:10:05;CONNECT;2;4;08912345678;",
    "02.12.26 18:11:05;DISCONNECT;2;60;",
    "02.12.26 18:20:00;RING;3;;03012345678;SIP0;",
    "02.12.26 18:20:09;DISCONNECT;3;0;",
]


def test_the_call_log_keeps_numbers_in_e164_read_with_the_watchers_home(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"

    async def main() -> None:
        watcher = Watcher(Settings(home="DE"), lambda event: None, CallLogFile(path))
        for line in GERMAN_EVENING:
            await watcher.handle(line)

    asyncio.run(main())
    rows = [line.split(",")[0] for line in path.read_text().splitlines()[1:]]
    assert rows == ["+4930123456", "+442079460123", "+498912345678", "Withheld"]
    # Triage reads the same numbers whatever its home; the home only says what is domestic.
    for home, domestic in (("DE", "+4930123456"), ("GB", "+442079460123")):
        result = triage(read_log(path.read_bytes(), home=home), settings=Settings(home=home))
        found = {n["e164"]: n for n in result.numbers}
        assert set(found) == {"+4930123456", "+442079460123", None}
        assert "international" not in {r["code"] for r in found[domestic]["verdict"]["reasons"]}


def test_the_watchers_lines_say_dont_call_back_only_to_a_scam(tmp_path: Path) -> None:
    from ringcheck.cli.watch import _sentence

    lines = [
        "02.12.26 18:00:00;RING;0;+33142685300;03012345678;SIP0;",  # a landline in France
        "02.12.26 18:00:20;DISCONNECT;0;0;",
        "02.12.26 18:01:00;RING;1;+18768123456;03012345678;SIP0;",  # Jamaica
        "02.12.26 18:01:20;DISCONNECT;1;0;",
    ]
    events: list[dict[str, Any]] = []

    async def main() -> None:
        watcher = Watcher(Settings(home="DE"), events.append, None)
        for line in lines:
            await watcher.handle(line)

    asyncio.run(main())
    said = [_sentence(e) for e in events]
    assert "Intl +33 FR" in said[0] and "call back only if you expected a call" in said[0]
    assert "don't call it back" not in said[0].lower() and "SPAM" not in said[1]
    assert said[1].endswith("Call back only if you expected a call.")
    assert "SPAM Wangiri" in said[2] and "Don't call it back." in said[2]
    assert said[3].endswith("Don't call it back.")


def run_lines(watcher: Watcher, lines: list[str]) -> None:
    async def main() -> None:
        for line in lines:
            await watcher.handle(line)

    asyncio.run(main())


def test_calling_back_a_flagged_number_warns_and_notifies(tmp_path: Path) -> None:
    from ringcheck.cli.watch import _sentence

    events: list[dict[str, Any]] = []
    notified: list[tuple[str, str]] = []

    async def notify(found: Any, event: dict[str, Any]) -> None:
        notified.append((event["event"], found.e164))

    back = [
        "02.12.26 02:30:00;CALL;7;4;03012345678;+18768123401;SIP0;",  # the Wangiri number
        "02.12.26 02:30:09;DISCONNECT;7;0;",
        "02.12.26 02:31:00;CALL;8;4;03012345678;00447400123456;SIP0;",  # answered, allowed
        "02.12.26 02:31:30;DISCONNECT;8;20;",
    ]
    watcher = Watcher(Settings(), events.append, CallLogFile(tmp_path / "c.csv"), notify)
    run_lines(watcher, EVENING + back)
    callbacks = [e for e in events if e["event"] == "callback"]
    assert [(e["e164"], e["action"], e["rang_at"]) for e in callbacks] == [
        ("+18768123401", "block", "2026-12-02T02:10:01")
    ]
    assert notified[-1] == ("callback", "+18768123401") and len(notified) == 5  # 4 rings
    said = _sentence(callbacks[0])
    assert said.startswith("02:30  STOP: someone is calling back +18768123401 (SPAM Wangiri)")
    assert "which rang at 02:10" in said and "Hang up" in said
    # The same call-back days later is no longer tied to that ring: it passes quietly.
    seen: list[dict[str, Any]] = []
    run_lines(
        Watcher(Settings(), seen.append, None),
        [*EVENING[:2], back[0].replace("02.12.26", "09.12.26")],
    )
    assert [e["event"] for e in seen] == ["ring", "missed"]


def test_calling_a_number_in_a_live_campaign_warns_even_if_it_never_rang_here() -> None:
    from types import SimpleNamespace

    from ringcheck.cli.watch import _sentence

    now = dt.datetime.now(dt.UTC)
    running = SimpleNamespace(
        key="+336123456xx", subscribers=412, ring_low=1.0, ring_high=2.0, callbacks=0,
        first_seen=now - dt.timedelta(minutes=6),
    )  # fmt: skip
    events: list[dict[str, Any]] = []
    watcher = Watcher(Settings(home="DE"), events.append, None)
    watcher.campaigns = lambda e164: running if e164.startswith("+336123456") else None
    run_lines(
        watcher,
        [
            "02.12.26 19:00:00;CALL;1;4;03012345678;0033612345677;SIP0;",
            "02.12.26 19:00:30;DISCONNECT;1;0;",
            "02.12.26 19:01:00;CALL;2;4;03012345678;0033612345777;SIP0;",  # not in it
            "02.12.26 19:01:30;DISCONNECT;2;0;",
        ],
    )
    (event,) = events
    assert (event["event"], event["e164"], event["live_campaign"]) == (
        "callback",
        "+33612345677",
        True,
    )
    assert "a number in a scam campaign running now" in _sentence(event)
