"""``read_log``: bytes of any supported call log -> a ``CallLog``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from ringcheck.calllog.android import read_android
from ringcheck.calllog.fritzbox import read_fritzbox
from ringcheck.calllog.generic import read_csv
from ringcheck.calllog.model import CallLog
from ringcheck.calllog.source import check_format, decode, detect

DEFAULT_ZONE = "Europe/London"


def read_log(
    data: bytes,
    *,
    format: str | None = None,
    home: str = "GB",
    tz: dt.tzinfo | None = None,
    columns: Mapping[str, str] | None = None,
) -> CallLog:
    """Read a call log, detecting its format unless ``format`` names one.

    ``tz`` is the zone for logs that store moments rather than wall-clock times (Android
    backups); ``columns`` names a generic CSV's columns by role (``number``, ``time``,
    ``ring``, ``duration``, ``billsec``, ``direction``, ``status``). Raises
    ``CallLogError`` for a file that can't be read at all; rows that can't be read are
    listed in ``unreadable``.
    """
    text = decode(data)
    kind = check_format(format) or detect(text)
    if kind == "android-xml":
        return read_android(text, tz or ZoneInfo(DEFAULT_ZONE))
    if kind == "fritzbox":
        return read_fritzbox(text)
    return read_csv(text, home, columns, raw=data)
