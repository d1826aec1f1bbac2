"""``read_log``: bytes of any supported call log -> a ``CallLog``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from ringcheck.calllog.android import read_android
from ringcheck.calllog.fritzbox import read_fritzbox
from ringcheck.calllog.generic import read_csv
from ringcheck.calllog.model import CallLog, Unreadable
from ringcheck.calllog.source import CUT_SHORT, check_format, decode, detect, unpacked

DEFAULT_ZONE = "Europe/London"


def read_log(
    data: bytes,
    *,
    format: str | None = None,
    home: str = "GB",
    tz: dt.tzinfo | None = None,
    columns: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
) -> CallLog:
    """Read a call log, detecting its format unless ``format`` names one; a gzipped one
    is unpacked first (at most ``max_bytes`` of it).

    ``tz`` is the zone for logs that store moments rather than wall-clock times (Android
    backups); ``columns`` names a generic CSV's columns by role (``number``, ``time``,
    ``ring``, ``duration``, ``billsec``, ``direction``, ``status``). Raises
    ``CallLogError`` for a file that can't be read at all; rows that can't be read are
    listed in ``unreadable``, and a gzip file cut short after its last whole line.
    """
    data, cut = unpacked(data, max_bytes)
    text = decode(data)
    kind = check_format(format) or detect(text)
    if kind == "android-xml":
        log = read_android(text, tz or ZoneInfo(DEFAULT_ZONE))
    elif kind == "fritzbox":
        log = read_fritzbox(text)
    else:
        log = read_csv(text, home, columns, raw=data)
    if cut:
        log.unreadable.append(Unreadable(text.count("\n") + 1, CUT_SHORT))
    return log
