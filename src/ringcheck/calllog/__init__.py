"""Call-log triage: read a phone's or router's call log, rank the callers, explain.

>>> from ringcheck.calllog import read_log, triage
>>> from ringcheck.settings import Settings
>>> log = read_log(b"number,time,status\\n+18768123456,2024-03-01 02:10,missed\\n")
>>> triage(log, settings=Settings()).summary["text"]
"1 missed call from 1 country; 1 number looks like a scam; don't call it back."

The names below load on first use: Polars comes with them, so the ``ringcheck check``
command starts without it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringcheck.calllog.core import Triage, triage
    from ringcheck.calllog.model import CallLog, Unreadable
    from ringcheck.calllog.reader import read_log
    from ringcheck.calllog.source import FORMATS, CallLogError

_HOMES = {
    "FORMATS": "source",
    "CallLog": "model",
    "CallLogError": "source",
    "Triage": "core",
    "Unreadable": "model",
    "read_log": "reader",
    "triage": "core",
}
__all__ = ["FORMATS", "CallLog", "CallLogError", "Triage", "Unreadable", "read_log", "triage"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ringcheck.calllog' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ringcheck.calllog.{home}"), name)
