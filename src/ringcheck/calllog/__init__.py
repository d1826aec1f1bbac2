"""Call-log triage: read a phone's or router's call log, rank the callers, explain.

>>> from ringcheck.calllog import read_log, triage
>>> from ringcheck.settings import Settings
>>> log = read_log(b"number,time,status\\n+18768123456,2024-03-01 02:10,missed\\n")
>>> triage(log, settings=Settings()).summary["text"]
"1 missed call from 1 country; 1 number looks like a call-back scam; don't call it back."

Polars is imported here: import this package only where a log is actually read, so the
``ringcheck check`` command starts as fast as before.
"""

from __future__ import annotations

from ringcheck.calllog.core import Triage, triage
from ringcheck.calllog.model import CallLog, Unreadable
from ringcheck.calllog.reader import read_log
from ringcheck.calllog.source import FORMATS, CallLogError

__all__ = ["FORMATS", "CallLog", "CallLogError", "Triage", "Unreadable", "read_log", "triage"]
