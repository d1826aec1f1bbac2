"""Small call sets for the live detector's tests, written as a switch writes them.

- ``campaign``: a one-ring campaign with the Wangiri signature: 10 numbers of one range
  taking turns, subscribers rung in number order, 1-2 s each, 60 a minute, nobody
  calling back;
- ``flash_calls``: a verification service's look-alike: the same rings and rate from
  rotating numbers, but to subscribers at random, each once;
- ``background``: subscribers calling each other, answered.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import NamedTuple

T0 = int(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC).timestamp())  # on a minute
CAMPAIGN_RANGE = "+8801712345"  # +8801712345600..09 ring; the 1,000-block is flagged
FLASH_RANGE = "+3725900"


class Call(NamedTuple):
    caller: str
    callee: str
    start: int
    ring: int
    billsec: int = 0

    @property
    def answered(self) -> bool:
        return self.billsec > 0


def campaign(start: int = T0, callees: int = 60, per_minute: int = 60) -> list[Call]:
    step = 60 / per_minute
    caller = CAMPAIGN_RANGE + "60"
    return [
        Call(f"{caller}{i % 10}", f"+4477009{10000 + i}", start + int(i * step), 1 + i % 2)
        for i in range(callees)
    ]


def flash_calls(start: int = T0, callees: int = 60, per_minute: int = 60) -> list[Call]:
    rng = random.Random(7)
    people = rng.sample(range(100_000, 999_999), callees)
    step = 60 / per_minute
    return [
        Call(f"{FLASH_RANGE}{i % 10:04d}", f"+447700{p:06d}", start + int(i * step), 1 + i % 2)
        for i, p in enumerate(people)
    ]


def background(start: int = T0, calls: int = 120) -> list[Call]:
    rng = random.Random(3)
    return [
        Call(
            f"+44791100{rng.randrange(10_000):04d}",
            f"+44770090{rng.randrange(10_000):04d}",
            start + i * 3,
            rng.randrange(3, 20),
            rng.randrange(20, 400),
        )
        for i in range(calls)
    ]


def _stamp(moment: int) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def asterisk_line(call: Call, i: int) -> str:
    """``call`` as one Master.csv line (16 columns)."""
    answer = f'"{_stamp(call.start + call.ring)}"' if call.answered else ""
    end = _stamp(call.start + call.ring + call.billsec)
    fields = [
        '""', f'"{call.caller}"', f'"{call.callee}"', '"from-trunk"', f'""""" <{call.caller}>"',
        f'"SIP/trunk-{i}"', f'"SIP/{i}"', '"Dial"', f'"SIP/{call.callee},30"',
        f'"{_stamp(call.start)}"', answer, f'"{end}"', str(call.ring + call.billsec),
        str(call.billsec), '"ANSWERED"' if call.answered else '"NO ANSWER"', '"DOCUMENTATION"',
    ]  # fmt: skip
    return ",".join(fields) + "\n"


def asterisk(calls: list[Call]) -> bytes:
    ordered = sorted(calls, key=lambda c: (c.start, c.caller, c.callee))
    return "".join(asterisk_line(c, i) for i, c in enumerate(ordered)).encode()


def accounting(calls: list[Call]) -> bytes:
    """``calls`` as Kamailio's ``ringcheck-acc`` log lines: each unanswered call twice
    (missed and failed), an answered one as its INVITE 200 and its BYE, among other log
    lines."""
    lines = []
    ordered = sorted(calls, key=lambda c: (c.start, c.caller, c.callee))
    for i, c in enumerate(ordered):
        base = {"callid": f"{i}-call@127.0.0.1", "caller": c.caller, "callee": c.callee}
        invite = {"method": "INVITE", "inv_ts": f"{c.start + 0.2:.6f}", **base}
        ended = c.start + 0.2 + c.ring + 0.01
        if c.answered:
            lines.append({**invite, "time": ended, "sip_code": "200"})
            lines.append({"method": "BYE", "time": ended + c.billsec, "sip_code": "200",
                          "callid": base["callid"], "caller": "", "callee": ""})  # fmt: skip
        else:
            lines += [{**invite, "time": ended, "sip_code": "487"}] * 2
    text = "".join(
        f" 2(1234) NOTICE: <script>: ringcheck-acc {json.dumps(r)}\n"
        + (" 2(1234) INFO: <core> something else\n" if n % 7 == 0 else "")
        for n, r in enumerate(lines)
    )
    return text.encode()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
