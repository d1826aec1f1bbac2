"""Calls from Kamailio's accounting records, and from call events a proxy posts.

``contrib/kamailio/ringcheck.cfg`` logs one ``acc_json`` record per INVITE transaction
(its final code) and per BYE, as ``… ringcheck-acc {json}`` lines (contrib/kamailio/
README.md lists the fields). One call is made of them:

- the INVITE's record gives the numbers, when the INVITE arrived (``inv_ts``), its final
  code, and the ring time: the record's ``time`` minus ``inv_ts`` (Kamailio has no ring
  field). 200 is answered; any other code is not (487: the caller gave up ringing);
- an answered call's BYE (same ``callid``) gives its talk time, ``time`` of the BYE minus
  the answer's. The call is counted at once when answered, and again with its talk time
  when it ends: the detector keeps the last record of each call (``callid``), so a call
  counts once, and a record logged twice (a cancelled call is accounted as missed and as
  failed) counts once too.

``CallEvent`` is the same call as a proxy sends it to ``POST /api/v1/events``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import polars as pl

from ringcheck.scan.numbering import e164

MARKER = b"ringcheck-acc "
_PENDING = 200_000  # answered calls waiting for their BYE, at most (the oldest go first)


@dataclass(frozen=True)
class CallEvent:
    """One call: who rang whom, when the INVITE came (seconds since 1970), its final SIP
    code, and the seconds it rang and (answered) talked."""

    call_id: str
    caller: str | None
    callee: str
    invite_at: float
    code: int
    ring: float
    talk: float = 0.0
    file: str = "events"
    line: int = 0

    @property
    def answered(self) -> bool:
        return 200 <= self.code < 300


def calls_frame(events: list[CallEvent], home: str) -> pl.DataFrame:
    """``events`` as the detector's rows (``follow.LIVE_CALLS``' columns), numbers put
    in E.164 by the batch scan's rule."""
    from ringcheck.scan.follow import LIVE_CALLS

    frame = pl.DataFrame(
        {
            "file": [e.file for e in events],
            "line": [e.line for e in events],
            "caller_text": [e.caller for e in events],
            "callee_text": [e.callee for e in events],
            "start": [int(e.invite_at) for e in events],
            "ring": [max(0, round(e.ring)) for e in events],
            "billsec": [max(0, round(e.talk)) for e in events],
            "answered": [e.answered for e in events],
            "callid": [e.call_id for e in events],
        },
        schema_overrides={"caller_text": pl.String, "callee_text": pl.String},
    )
    return frame.select(
        "file",
        "line",
        e164(pl.col("caller_text"), home).alias("caller"),
        e164(pl.col("callee_text"), home).alias("callee"),
        "caller_text",
        "callee_text",
        "start",
        "ring",
        "billsec",
        "answered",
        ok=pl.col("callee_text").is_not_null() & (pl.col("callee_text") != ""),
        why=pl.lit(None, pl.String),
        callid="callid",
    ).cast(LIVE_CALLS)  # type: ignore[arg-type]


class AccountingCalls:
    """Reads ``ringcheck-acc`` lines into calls, pairing answered INVITEs with their BYE."""

    def __init__(self, home: str) -> None:
        self.home = home
        self.unreadable = 0
        self._answered: OrderedDict[str, CallEvent] = OrderedDict()
        self._answered_at: dict[str, float] = {}

    def read(self, path: str, data: bytes, first: int) -> pl.DataFrame | None:
        """The calls in ``data`` (complete lines, the first being line ``first``)."""
        events = []
        for number, line in enumerate(data.splitlines(), start=first):
            _, marker, rest = line.partition(MARKER)
            if not marker:
                continue  # Kamailio's other log lines
            try:
                record = json.loads(rest)
                found = self.event(record, path, number)
            except (ValueError, TypeError, KeyError):
                self.unreadable += 1
                continue
            if found is not None:
                events.append(found)
        return calls_frame(events, self.home) if events else None

    def event(self, record: dict[str, Any], path: str, line: int) -> CallEvent | None:
        """One record's call (an INVITE's, or a BYE's with its talk time), or None."""
        method = str(record.get("method", "")).upper()
        call_id = str(record["callid"])
        ended = float(record["time"])
        if method == "BYE":
            answered = self._answered.pop(call_id, None)
            began = self._answered_at.pop(call_id, None)
            if answered is None or began is None:
                return None  # its INVITE was before we started following
            return CallEvent(
                answered.call_id, answered.caller, answered.callee, answered.invite_at,
                answered.code, answered.ring, max(0.0, ended - began), path, answered.line,
            )  # fmt: skip
        if method != "INVITE":
            return None
        invited = float(record.get("inv_ts") or ended)
        event = CallEvent(
            call_id=call_id,
            caller=str(record.get("caller") or record.get("src_user") or "") or None,
            callee=str(record.get("callee") or record.get("dst_user") or ""),
            invite_at=invited,
            code=int(record["sip_code"]),
            ring=max(0.0, ended - invited),
            file=path,
            line=line,
        )
        if event.answered:
            self._answered[call_id], self._answered_at[call_id] = event, ended
            while len(self._answered) > _PENDING:
                gone, _ = self._answered.popitem(last=False)
                self._answered_at.pop(gone, None)
        return event
