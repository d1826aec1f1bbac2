"""Asterisk AGI and FastAGI: the PBX asks ringcheck about each call while it rings.

The protocol (asterisk/asterisk ``res/res_agi.c``) is small, so it is spoken here without
a library. Asterisk sends a block of ``agi_<name>: <value>`` lines and a blank line
(FastAGI, over TCP to port 4573, starts with ``agi_network: yes``); then the script sends
one command per line and reads one reply per command:

- ``200 result=1`` (or ``200 result=0``, ``200 result=1 (value)``) when it worked;
- ``510 Invalid or unknown command`` and ``511 Command Not Permitted on a dead channel…``;
- ``520-Invalid command syntax.  Proper usage follows:`` … ``520 End of proper usage.``;
- an ``HANGUP`` line may come first, on its own, once the caller hangs up.

For each call ringcheck sends ``SET VARIABLE`` for ``RINGCHECK_ACTION`` (block, warn,
allow, unknown), ``RINGCHECK_LEVEL``, ``RINGCHECK_SCORE`` (0-9), ``RINGCHECK_CATEGORY``
and, unless told not to, ``CALLERID(name)`` (the short label), then closes: the dialplan
goes on and can ``GotoIf`` on ``${RINGCHECK_ACTION}``. The number is ``agi_arg_1`` when
the dialplan passes one (``AGI(agi://host/ringcheck,${CALLERID(num)})``), else
``agi_callerid``. Every verdict comes from ``ringcheck.lookup``.

Nothing a peer sends can stop the server: each line is at most ``MAX_LINE`` bytes, the
header at most ``MAX_HEADER_LINES`` lines, every read has a timeout, and a session that
breaks any of these is closed while the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, TypeVar

from ringcheck.lookup import Lookup, lookup
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.community import Community
    from ringcheck.store.running import CampaignView

log = logging.getLogger("ringcheck.phones.agi")
T = TypeVar("T")
PORT = 4573  # Asterisk's AGI_PORT
MAX_LINE = 8_192  # bytes in one header or reply line
MAX_HEADER_LINES = 200  # Asterisk sends about 25, plus one per argument
READ_TIMEOUT = 5.0  # seconds to wait for a header line or a reply
UNKNOWN_CALLER_IDS = frozenset({"", "unknown", "anonymous", "restricted", "private"})
Reports = Callable[[str], "Community | None"]
Campaigns = Callable[[str], "CampaignView | None"]


class ProtocolError(Exception):
    """The peer broke the protocol (a too-long line, a header without end, silence)."""


@dataclass(frozen=True)
class Reply:
    """One reply to a command: its code and the first line's text."""

    code: int
    text: str

    @property
    def ok(self) -> bool:
        return self.code == 200


def parse_header(lines: Iterable[str]) -> dict[str, str]:
    """``agi_name: value`` lines into {name: value} (without the ``agi_`` prefix).

    Lines that aren't ``key: value`` are skipped, as Asterisk never sends them.

    >>> parse_header(["agi_network: yes", "agi_callerid: +447700900123", "junk"])
    {'network': 'yes', 'callerid': '+447700900123'}
    """
    found: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key.startswith("agi_"):
            continue
        found[key[4:]] = value.strip()
    return found


def caller_of(header: dict[str, str]) -> str:
    """The number to check: the first AGI argument if the dialplan gave one, else the
    caller ID (``unknown`` when Asterisk has none, which reads as withheld)."""
    number = header.get("arg_1") or header.get("callerid", "")
    return "Withheld" if number.strip().lower() in UNKNOWN_CALLER_IDS else number


def quote(value: str) -> str:
    """A command argument in double quotes, ``"`` and ``\\`` escaped, no line breaks.

    >>> quote('SPAM "x" \\\\ y')
    '"SPAM \\\\"x\\\\" \\\\\\\\ y"'
    """
    tidy = value.replace("\r", " ").replace("\n", " ")
    return '"' + tidy.replace("\\", "\\\\").replace('"', '\\"') + '"'


def commands(found: Lookup, set_name: bool = True) -> list[str]:
    """The ``SET VARIABLE`` lines for one call's verdict, in the order they are sent."""
    values = [
        ("RINGCHECK_ACTION", found.action),
        ("RINGCHECK_LEVEL", found.level or "unknown"),
        ("RINGCHECK_SCORE", str(found.score9)),
        ("RINGCHECK_CATEGORY", found.category),
    ]
    if set_name and found.action != "unknown":
        values.append(("CALLERID(name)", found.label()))
    return [f"SET VARIABLE {name} {quote(value)}\n" for name, value in values]


def parse_reply(line: str) -> Reply | None:
    """A reply line as (code, text); None for an ``HANGUP`` notice (not a reply)."""
    text = line.strip()
    if text.upper() == "HANGUP":
        return None
    code, rest = text[:3], text[4:]
    if not (code.isdigit() and text[3:4] in ("", " ", "-")):  # '520-…': the first of several
        raise ProtocolError(f"not an AGI reply: {text[:80]!r}")
    return Reply(int(code), rest)


def _guarded(source: Callable[[str], T | None] | None) -> Callable[[str], T | None] | None:
    """``source``, answering None when the reports database is down: the check still
    answers, on the number alone."""
    if source is None:
        return None

    def asked(e164: str) -> T | None:
        try:
            return source(e164)
        except Exception:
            log.exception("reports not read for an AGI call")
            return None

    return asked


@dataclass
class Agi:
    """What every session shares: settings, the reports and live campaigns lookups,
    whether to set the name."""

    settings: Settings
    reports: Reports | None = None
    set_name: bool = True
    timeout: float = READ_TIMEOUT
    campaigns: Campaigns | None = None  # the live campaign holding a number (the store's)

    def judge(self, header: dict[str, str]) -> Lookup:
        return lookup(
            caller_of(header),
            settings=self.settings,
            reports=_guarded(self.reports),
            campaigns=_guarded(self.campaigns),
        )

    # FastAGI over TCP, many calls at once.

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One call: read the header, send the verdict, close."""
        try:
            header = parse_header(await self._header(reader))
            if self.reports is not None or self.campaigns is not None:
                found = await asyncio.to_thread(self.judge, header)
            else:
                found = self.judge(header)
            for command in commands(found, self.set_name):
                writer.write(command.encode("ascii", "replace"))
                await writer.drain()
                reply = await self._reply(reader)
                if reply is None or reply.code == 511:  # hung up: nothing more to set
                    break
                if not reply.ok:
                    log.warning("AGI command refused: %s %s", reply.code, reply.text)
        except (ProtocolError, TimeoutError, ConnectionError, asyncio.IncompleteReadError) as exc:
            log.info("AGI session ended early: %s", exc or type(exc).__name__)
        except Exception:  # one broken session must not stop the server
            log.exception("AGI session failed")
        finally:
            writer.close()  # not waited for: the peer needs nothing more from us

    async def _line(self, reader: asyncio.StreamReader) -> str:
        try:
            raw = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:
            raise ProtocolError("a line longer than the limit") from exc
        except asyncio.IncompleteReadError as exc:
            raise ProtocolError("the peer closed the connection") from exc
        return raw.decode("utf-8", "replace")

    async def _header(self, reader: asyncio.StreamReader) -> list[str]:
        lines: list[str] = []
        async with asyncio.timeout(self.timeout):  # the whole header (cheaper than per line)
            while True:
                line = await self._line(reader)
                if not line.strip():
                    return lines
                lines.append(line)
                if len(lines) > MAX_HEADER_LINES:
                    raise ProtocolError("a header with no end")

    async def _reply(self, reader: asyncio.StreamReader) -> Reply | None:
        """The reply to the last command; None once the caller has hung up."""
        async with asyncio.timeout(self.timeout):
            return await self._next_reply(reader)

    async def _next_reply(self, reader: asyncio.StreamReader) -> Reply | None:
        hung_up = False
        while True:
            reply = parse_reply(await self._line(reader))
            if reply is None:
                hung_up = True
                continue
            if reply.code == 520 and not reply.text.startswith("End"):
                await self._rest_of_usage(reader)
            return None if hung_up and reply.code == 511 else reply

    async def _rest_of_usage(self, reader: asyncio.StreamReader) -> None:
        for _ in range(MAX_HEADER_LINES):  # '520 End of proper usage.' closes it
            if (await self._line(reader)).startswith("520 "):
                return
        raise ProtocolError("a usage message with no end")

    async def serve(self, host: str, port: int, ready: Callable[[], None] | None = None) -> None:
        server = await asyncio.start_server(self.session, host, port, limit=MAX_LINE)
        async with server:
            if ready is not None:
                ready()
            await server.serve_forever()

    # Plain AGI on standard input and output: Asterisk runs one process per call.

    def stdio(self, source: IO[str], sink: IO[str]) -> int:
        """One call over ``source``/``sink``; 0 when the verdict was sent."""
        try:
            header = parse_header(_header_lines(source))
            found = self.judge(header)
            for command in commands(found, self.set_name):
                sink.write(command)
                sink.flush()
                reply = _read_reply(source)
                if reply is None or reply.code == 511:
                    break
        except (ProtocolError, OSError) as exc:
            log.info("AGI session ended early: %s", exc)
            return 1
        return 0


def _header_lines(source: IO[str]) -> list[str]:
    lines: list[str] = []
    while True:
        line = source.readline(MAX_LINE + 1)
        if not line:
            raise ProtocolError("the header ended before its blank line")
        if len(line) > MAX_LINE:
            raise ProtocolError("a line longer than the limit")
        if not line.strip():
            return lines
        lines.append(line)
        if len(lines) > MAX_HEADER_LINES:
            raise ProtocolError("a header with no end")


def _read_reply(source: IO[str]) -> Reply | None:
    hung_up = False
    while True:
        line = source.readline(MAX_LINE + 1)
        if not line:
            raise ProtocolError("no reply")
        reply = parse_reply(line)
        if reply is None:
            hung_up = True
            continue
        if reply.code == 520 and not reply.text.startswith("End"):
            for _ in range(MAX_HEADER_LINES):
                more = source.readline(MAX_LINE + 1)
                if not more or more.startswith("520 "):
                    break
        return None if hung_up and reply.code == 511 else reply
