"""Asterisk AGI and FastAGI (``ringcheck.phones.agi``) against transcripts shaped as Asterisk's
``res/res_agi.c`` writes them: the header block in its order (``agi_network: yes`` first
over FastAGI), one reply line per command, ``HANGUP`` and 510/511/520 replies.

A real server on 127.0.0.1 (an ephemeral port) answers real TCP peers, including ones
that misbehave; ``ringcheck agi --stdio`` runs as Asterisk runs an AGI script.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ringcheck.lookup import lookup
from ringcheck.phones.agi import Agi, commands, parse_reply, quote
from ringcheck.settings import Settings

# Asterisk's FastAGI header for AGI(agi://127.0.0.1:4573/ringcheck,${CALLERID(num)}).
HEADER = """agi_network: yes
agi_network_script: ringcheck
agi_request: agi://127.0.0.1:4573/ringcheck
agi_channel: PJSIP/trunk-00000001
agi_language: en
agi_type: PJSIP
agi_uniqueid: 1700000000.12
agi_version: 20.5.0
agi_callerid: {callerid}
agi_calleridname: unknown
agi_callingpres: 0
agi_callingani2: 0
agi_callington: 0
agi_callingtns: 0
agi_dnid: 01632960000
agi_rdnis: unknown
agi_context: from-trunk
agi_extension: s
agi_priority: 2
agi_enhanced: 0.0
agi_accountcode:{space}
agi_threadid: 140000000000
{args}
"""
OK = b"200 result=1\n"


def header(callerid: str = "+18768123456", *args: str) -> bytes:
    lines = "\n".join(f"agi_arg_{i}: {a}" for i, a in enumerate(args, 1))
    text = HEADER.format(callerid=callerid, args=lines, space=" ")
    return (text if args else text.replace("\n\n", "\n")).encode() + b"\n"


Peer = Callable[[int], Awaitable[Any]]


def with_server(agi: Agi, *peers: Peer) -> list[Any]:
    """Start the FastAGI server on an ephemeral port, run the peers at once, stop it."""

    async def main() -> list[Any]:
        server = await asyncio.start_server(agi.session, "127.0.0.1", 0, limit=8192)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await asyncio.gather(*(peer(port) for peer in peers))

    return asyncio.run(main())


async def asterisk(port: int, head: bytes, replies: list[bytes] | None = None) -> list[str]:
    """A well-behaved Asterisk: the header, then a reply to each command until closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    got = []
    answers = iter(replies or [])
    while line := await asyncio.wait_for(reader.readline(), 5):
        got.append(line.decode())
        writer.write(next(answers, OK))
        await writer.drain()
    writer.close()
    return got


def sent_for(number: str, name: bool = True) -> list[str]:
    return commands(lookup(number), name)


def test_a_call_gets_its_verdict_as_channel_variables() -> None:
    (got,) = with_server(Agi(Settings()), lambda port: asterisk(port, header()))
    assert got == [
        'SET VARIABLE RINGCHECK_ACTION "block"\n',
        'SET VARIABLE RINGCHECK_LEVEL "very_high"\n',
        'SET VARIABLE RINGCHECK_SCORE "9"\n',
        'SET VARIABLE RINGCHECK_CATEGORY "wangiri"\n',
        'SET VARIABLE CALLERID(name) "SPAM Wangiri"\n',
    ]


def test_the_dialplan_argument_is_the_number_and_unknown_means_withheld() -> None:
    args = header("unknown", "+447400123456")
    withheld = header("unknown")
    got, hidden = with_server(
        Agi(Settings(), set_name=False),
        lambda port: asterisk(port, args),
        lambda port: asterisk(port, withheld),
    )
    assert got == sent_for("+447400123456", name=False)
    assert got[0] == 'SET VARIABLE RINGCHECK_ACTION "allow"\n'
    assert hidden[0] == 'SET VARIABLE RINGCHECK_ACTION "unknown"\n'
    assert not any("CALLERID(name)" in line for line in hidden)


def test_a_hangup_stops_the_commands_and_refusals_dont() -> None:
    # Asterisk sends the HANGUP notice, then its answer to the command it was given.
    gone = b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n"
    hangup = [OK, gone]
    refused = [
        b"510 Invalid or unknown command\n",
        b"520-Invalid command syntax.  Proper usage follows:\n"
        b" Usage: SET VARIABLE <variablename> <value>\n"
        b"520 End of proper usage.\n",
    ]
    got, all_sent = with_server(
        Agi(Settings()),
        lambda port: asterisk(port, header(), hangup),
        lambda port: asterisk(port, header(), refused),
    )
    assert len(got) == 2  # the second command's reply said the caller had gone
    assert len(all_sent) == 5


def test_values_are_quoted_and_escaped() -> None:
    assert quote('a "b" \\ c\r\nd') == '"a \\"b\\" \\\\ c  d"'
    assert parse_reply("200 result=1 (speech) endpos=1234 results=foo bar").ok  # type: ignore[union-attr]
    assert parse_reply("HANGUP") is None
    with pytest.raises(Exception, match="not an AGI reply"):
        parse_reply("hello")


async def rude(port: int, data: bytes, close: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        if close:
            writer.write_eof()
        return await asyncio.wait_for(reader.read(), 5)
    except ConnectionError:
        return b""
    finally:
        writer.close()


def test_peers_that_misbehave_are_dropped_and_others_still_served() -> None:
    agi = Agi(Settings(), timeout=0.5)
    results = with_server(
        agi,
        lambda port: rude(port, header()[:200]),  # disconnects mid-header
        lambda port: rude(port, b"\x00\xff garbage\n" * 50 + b"\n"),  # garbage, then a blank line
        lambda port: rude(port, b"agi_callerid: " + b"9" * 1_000_000 + b"\n\n"),  # a 1 MB line
        lambda port: rude(port, b"agi_network: yes\n", close=False),  # never sends the blank line
        lambda port: rude(port, b"agi_x: y\n" * 1000),  # a header with no end
        lambda port: asterisk(port, header()),
    )
    assert results[0] == b"" and results[2] == b"" and results[3] == b"" and results[4] == b""
    assert results[1].startswith(b'SET VARIABLE RINGCHECK_ACTION "unknown"')
    assert len(results[5]) == 5


def test_two_hundred_calls_at_once_are_all_answered() -> None:
    numbers = [f"+2348031{i:06d}" for i in range(200)]
    peers = [lambda port, n=n: asterisk(port, header(n)) for n in numbers]
    results = with_server(Agi(Settings()), *peers)
    assert all(len(got) == 5 and '"block"' in got[0] for got in results)


def ringcheck_command() -> list[str]:
    script = Path(sys.executable).with_name("ringcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ringcheck"]


def test_plain_agi_on_standard_input_and_output(tmp_path: Path) -> None:
    # Asterisk writes the header (without agi_network) and a reply after each command;
    # they can all be waiting in the pipe already.
    head = header("+18768123456").replace(b"agi_network: yes\nagi_network_script: ringcheck\n", b"")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    run = subprocess.run(
        [*ringcheck_command(), "agi", "--stdio"],
        input=head + OK * 5,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    assert run.stdout.decode().splitlines(keepends=True) == sent_for("+18768123456")
    broken = subprocess.run(
        [*ringcheck_command(), "agi", "--stdio"], input=b"agi_callerid: 1", capture_output=True,
        env=env, timeout=60,
    )  # fmt: skip
    assert broken.returncode == 1 and b"Traceback" not in broken.stderr
    linked = Path(sys.executable).with_name("ringcheck-agi")  # AGI(ringcheck-agi)
    same = subprocess.run(
        [str(linked)], input=head + OK * 5, capture_output=True, env=env, timeout=60
    )
    assert same.returncode == 0 and same.stdout == run.stdout


def test_plain_agi_reads_a_live_campaign_from_the_default_database_without_sqlalchemy(
    tmp_path: Path,
) -> None:
    """One process per call: the default SQLite file is read with ``store.quick``."""
    import datetime as dt

    from ringcheck.settings import default_sqlite_path
    from ringcheck.store import Sighting, Store

    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "RINGCHECK_DATABASE_URL": ""}
    Path(default_sqlite_path(env)).parent.mkdir(parents=True)
    now = dt.datetime.now(dt.UTC)
    seen = Sighting(
        key="+336123456xx", level="high", score=80, reasons=(), subscribers=412, calls=412,
        first_seen=now - dt.timedelta(minutes=5), last_seen=now, ring_low=1.0, ring_high=2.0,
    )  # fmt: skip
    with Store.open(Settings(database_url=f"sqlite:///{default_sqlite_path(env)}")) as store:
        store.publish_campaign(seen, quiet=dt.timedelta(minutes=30))
    head = header("+33612345677").replace(b"agi_network: yes\nagi_network_script: ringcheck\n", b"")
    code = (
        "import sys\nfrom ringcheck.cli import main\n"
        "try:\n    main(['agi', '--stdio'])\nexcept SystemExit:\n    pass\n"
        "print('sqlalchemy' in sys.modules, file=sys.stderr)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], input=head + OK * 5, capture_output=True, env=env, timeout=60
    )
    assert run.stderr.strip() == b"False"
    assert run.stdout.decode().splitlines()[0] == 'SET VARIABLE RINGCHECK_ACTION "block"'


async def leaves_after_one_command(port: int) -> list[str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(header())
    first = await asyncio.wait_for(reader.readline(), 5)
    writer.close()  # hangs up mid-session, without answering
    return [first.decode()]


async def later(port: int) -> list[str]:
    await asyncio.sleep(0.3)
    return await asterisk(port, header())


def test_a_peer_that_leaves_mid_session_doesnt_disturb_the_next() -> None:
    gone, fine = with_server(
        Agi(Settings(), timeout=1.0),
        leaves_after_one_command,
        later,
    )
    assert gone == ['SET VARIABLE RINGCHECK_ACTION "block"\n']
    assert len(fine) == 5


def test_hostile_caller_ids_are_quoted_safely() -> None:
    for hostile in ('"; HANGUP', "+44\\n20", "\x00\x01", "9" * 5000, "😀"):
        for line in commands(lookup(hostile)):
            assert line.endswith('"\n') and line.count("\n") == 1
            value = line.split(" ", 3)[3][1:-2]
            assert '"' not in value.replace('\\"', "")
