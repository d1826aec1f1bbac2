"""The FRITZ!Box call monitor: a warning as a call rings, and a log of every call.

A FRITZ!Box with its call monitor switched on (dial ``#96*5*`` on a connected phone)
sends a line on TCP port 1012 for each step of each call (kbr/fritzconnection
``fritzconnection/core/fritzmonitor.py``; home-assistant/core ``fritzbox_callmonitor``):

    dd.mm.yy HH:MM:SS;RING;<id>;<caller>;<called>;<trunk>;
    dd.mm.yy HH:MM:SS;CALL;<id>;<extension>;<own number>;<called>;<trunk>;
    dd.mm.yy HH:MM:SS;CONNECT;<id>;<extension>;<number>;
    dd.mm.yy HH:MM:SS;DISCONNECT;<id>;<seconds talked>;

A withheld caller is an empty field. A number the box itself blocks still gives RING,
then DISCONNECT in the same second. After a reboot without a clock the box may send a
date that can't be read (``01.01.-30 03:10:5``): the time the line arrived is used then.
The monitor can't stop a call; it can warn while it rings, warn when someone in the
house dials a number back that rang and was flagged (or that is in a live scam campaign,
``campaigns``), and keep the log that
``ringcheck triage`` reads (a missed call is RING then DISCONNECT with no CONNECT; the
ring time is the gap between them). The box sends numbers as its owner dials them
(``030…`` at home in Germany); the log keeps them in E.164 (``+4930…``), read with the
watcher's home as the warning read them, so triage reads them right with any home.

Every verdict is ``ringcheck.lookup``'s.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringcheck.calllog.source import MONITOR_LOG_COLUMNS
from ringcheck.errors import RingcheckError
from ringcheck.lookup import Lookup, caller_id, lookup
from ringcheck.numbers import parse_number
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.store.running import CampaignView

log = logging.getLogger("ringcheck.watch")
PORT = 1012
KINDS = ("RING", "CALL", "CONNECT", "DISCONNECT")
MAX_LINE = 4_096
LOG_COLUMNS = MONITOR_LOG_COLUMNS  # triage knows this header: its ring column is ring time
WORRYING = frozenset({"warn", "block"})
# A call out to a number that rang and was flagged this recently is a call-back.
CALLBACK_WINDOW = dt.timedelta(days=2)
MAX_FLAGGED = 1_000  # flagged callers remembered, oldest forgotten first


@dataclass(frozen=True)
class Line:
    """One call-monitor line, read."""

    kind: str  # RING, CALL, CONNECT or DISCONNECT
    at: dt.datetime  # the box's time, or the time received when the box's can't be read
    id: str  # the connection: the lines of one call share it
    fields: tuple[str, ...]  # the rest, as sent
    box_time: bool  # False when ``at`` is the time received

    @property
    def number(self) -> str:
        """The other party: the caller (RING), the number called (CALL) or the number
        connected (CONNECT); '' when withheld or not given."""
        if self.kind == "RING":
            return self.fields[0] if self.fields else ""
        if self.kind == "CALL":
            return self.fields[2] if len(self.fields) > 2 else ""
        if self.kind == "CONNECT":
            return self.fields[1] if len(self.fields) > 1 else ""
        return ""


def parse_line(text: str, received: dt.datetime) -> Line | None:
    """A line as the box sends it, or None for one that isn't a call-monitor line.

    >>> line = "28.11.20 15:17:43;RING;2;+18768123456;0301234567;SIP0;"
    >>> parse_line(line, dt.datetime(2026, 12, 2)).number
    '+18768123456'
    """
    parts = text.strip().rstrip(";").split(";")
    if len(parts) < 3 or parts[1] not in KINDS or not parts[2].strip():
        return None
    try:
        moment = dt.datetime.strptime(parts[0].strip(), "%d.%m.%y %H:%M:%S")
        at, from_box = moment, True
    except ValueError:
        at, from_box = received, False
    return Line(parts[1], at, parts[2].strip(), tuple(p.strip() for p in parts[3:]), from_box)


@dataclass
class _Call:
    number: str
    direction: str
    started: dt.datetime
    connected: dt.datetime | None = None
    verdict: Lookup | None = None


@dataclass(frozen=True)
class Finished:
    """A call from its first line to DISCONNECT: what the call log keeps."""

    number: str
    direction: str  # incoming or outgoing
    started: dt.datetime
    answered: bool
    ring_seconds: int | None  # RING to CONNECT, or to DISCONNECT when missed
    talk_seconds: int


@dataclass
class Calls:
    """Follows each call by its connection id (RING/CALL -> CONNECT -> DISCONNECT)."""

    open: dict[str, _Call] = field(default_factory=dict)

    def add(self, line: Line) -> tuple[_Call | None, Finished | None]:
        """The call the line belongs to, and the call it finished, if it did."""
        if line.kind in ("RING", "CALL"):
            started = _Call(line.number, "incoming" if line.kind == "RING" else "outgoing", line.at)
            self.open[line.id] = started
            return started, None
        call = self.open.get(line.id)
        if call is None:
            return None, None  # the start was before we connected
        if line.kind == "CONNECT":
            call.connected = line.at
            return call, None
        del self.open[line.id]
        talk = line.fields[0] if line.fields else "0"
        ended_ring = call.connected or line.at
        ring = max(0, int((ended_ring - call.started).total_seconds()))
        done = Finished(
            number=call.number,
            direction=call.direction,
            started=call.started,
            answered=call.connected is not None,
            ring_seconds=ring if call.direction == "incoming" else None,
            talk_seconds=int(talk) if talk.isdigit() else 0,
        )
        return call, done


class CallLogFile:
    """Appends each finished call to a CSV that ``ringcheck triage`` reads as it is."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, call: Finished, e164: str | None = None) -> None:
        """Append ``call``; its number as ``e164`` when given (else as the box sent it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            if new:
                writer.writerow(LOG_COLUMNS)
            writer.writerow(
                (
                    (e164 or call.number) if call.number else "Withheld",
                    call.started.strftime("%Y-%m-%d %H:%M:%S"),
                    call.direction,
                    "answered" if call.answered else "missed",
                    "" if call.ring_seconds is None else call.ring_seconds,
                    call.talk_seconds,
                )
            )


def default_log_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return Path(base) / "ringcheck" / "fritzbox-calls.csv"


Emit = Callable[[dict[str, Any]], None]
Notify = Callable[[Lookup, dict[str, Any]], Awaitable[None]]
Block = Callable[[str, Lookup], Awaitable[None]]
Campaigns = Callable[[str], "CampaignView | None"]


@dataclass
class Watcher:
    """Reads the call monitor, judges each caller as it rings, keeps the call log."""

    settings: Settings
    emit: Emit
    calllog: CallLogFile | None = None
    notify: Notify | None = None
    block: Block | None = None  # bars a very-high-risk caller on the box (its next call)
    calls: Calls = field(default_factory=Calls)
    campaigns: Campaigns | None = None  # the live campaign holding a number (the store's)
    # Callers that rang and were flagged: e164 -> (when it rang, its verdict).
    flagged: dict[str, tuple[dt.datetime, Lookup]] = field(default_factory=dict)

    async def handle(self, text: str, received: dt.datetime | None = None) -> None:
        line = parse_line(text, received or dt.datetime.now())
        if line is None:
            if text.strip():
                log.info("not a call-monitor line: %r", text[:80])
            return
        call, done = self.calls.add(line)
        if line.kind == "RING" and call is not None:
            call.verdict = found = self._judge(call.number or "Withheld")
            if found.e164 and found.action in WORRYING:
                self._remember(found.e164, line.at, found)
            event = _event("ring", line.at, found)
            self.emit(event)
            if self.notify is not None and found.action in WORRYING:
                await self.notify(found, event)
            if self.block is not None and found.action == "block" and call.number:
                await self.block(call.number, found)
        elif line.kind == "CALL" and call is not None and call.number:
            await self._call_out(call, line.at)
        elif line.kind == "CONNECT" and call is not None and call.direction == "incoming":
            self.emit(_event("connect", line.at, call.verdict))
        if done is not None and call is not None:
            if self.calllog is not None:
                self.calllog.write(done, self._e164(call))
            if done.direction == "incoming":
                kind = "ended" if done.answered else "missed"
                self.emit(
                    {**_event(kind, line.at, call.verdict), "ring_seconds": done.ring_seconds}
                )

    def _judge(self, number: str) -> Lookup:
        """``lookup``'s verdict, with the live campaign that holds the number, if any."""
        try:
            return lookup(number, settings=self.settings, campaigns=self.campaigns)
        except RingcheckError as exc:  # the database is away: the verdict stands
            log.warning("live campaigns not read: %s", exc.message)
            return lookup(number, settings=self.settings)

    def _remember(self, e164: str, at: dt.datetime, found: Lookup) -> None:
        self.flagged.pop(e164, None)  # re-inserted last: the newest
        self.flagged[e164] = (at, found)
        while len(self.flagged) > MAX_FLAGGED:
            del self.flagged[next(iter(self.flagged))]

    async def _call_out(self, call: _Call, at: dt.datetime) -> None:
        """Someone in the house dials: a warning (and ``notify``) when it calls back a
        number that rang and was flagged within ``CALLBACK_WINDOW``, or one in a live
        scam campaign. Other calls out pass quietly."""
        call.verdict = found = self._judge(call.number)
        live = "live_campaign" in found.reasons and found.action == "block"
        rang = self.flagged.get(found.e164 or "")
        if rang is not None and at - rang[0] > CALLBACK_WINDOW:
            rang = None  # long ago (a box whose clock went back still counts)
        if not live and rang is None:
            return
        verdict = found if live or rang is None else rang[1]
        event = {
            **_event("callback", at, verdict),
            "live_campaign": live,
            "rang_at": rang[0].isoformat(timespec="seconds") if rang else None,
        }
        self.emit(event)
        if self.notify is not None:
            await self.notify(verdict, event)

    def _e164(self, call: _Call) -> str | None:
        """The call's number in E.164: as its warning read it, or read with the same home."""
        if call.verdict is not None:
            return call.verdict.e164
        if not call.number:
            return None
        home = self.settings.home
        try:
            return parse_number(caller_id(call.number, home), home, brief=True).e164
        except RingcheckError:
            return None

    async def follow(self, reader: asyncio.StreamReader) -> None:
        """Every line until the box closes the connection."""
        while True:
            try:
                raw = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as end:
                if end.partial.strip():
                    await self.handle(end.partial.decode("utf-8", "replace"))
                return
            except asyncio.LimitOverrunError:
                await reader.read(MAX_LINE)  # a line far too long: dropped
                continue
            await self.handle(raw.decode("utf-8", "replace"))

    async def run(
        self,
        host: str,
        port: int = PORT,
        *,
        retry_max: float = 60.0,
        attempts: int | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        """Connect, follow, and reconnect with back-off (1 s doubling to ``retry_max``);
        ``attempts`` bounds the connections tried (None: for ever)."""
        wait, tried = 1.0, 0
        while attempts is None or tried < attempts:
            tried += 1
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, limit=MAX_LINE), 10
                )
            except (OSError, TimeoutError) as exc:
                if say:
                    say(f"can't reach {host}:{port} ({exc}); trying again in {wait:.0f} s")
            else:
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                if say:
                    say(f"connected to the call monitor on {host}:{port}")
                wait = 1.0
                try:
                    await self.follow(reader)
                except (OSError, ConnectionError) as exc:
                    log.info("call monitor connection lost: %s", exc)
                finally:
                    writer.close()
                if say:
                    say(f"the call monitor closed the connection; reconnecting in {wait:.0f} s")
            if attempts is not None and tried >= attempts:
                return
            await asyncio.sleep(wait)
            wait = min(retry_max, wait * 2)


def _event(kind: str, at: dt.datetime, found: Lookup | None) -> dict[str, Any]:
    return {
        "event": kind,
        "e164": found.e164 if found else None,
        "number": found.number if found else None,
        "level": found.level if found else None,
        "action": found.action if found else None,
        "label": found.label() if found else None,
        "category": found.category if found else None,
        "at": at.isoformat(timespec="seconds"),
    }


def environment(found: Lookup, event: dict[str, Any]) -> dict[str, str]:
    """What ``--notify CMD`` gets: the verdict in RINGCHECK_* variables."""
    return {
        "RINGCHECK_EVENT": str(event["event"]),
        "RINGCHECK_NUMBER": found.e164 or found.number,
        "RINGCHECK_ACTION": found.action,
        "RINGCHECK_LEVEL": found.level or "unknown",
        "RINGCHECK_SCORE": str(found.score9),
        "RINGCHECK_CATEGORY": found.category,
        "RINGCHECK_LABEL": found.label(),
        "RINGCHECK_AT": str(event["at"]),
    }
