"""Community reports, kept in SQLite (default) or PostgreSQL: the only code that touches
a database. ``Store.open(settings)`` is the way in; errors are drawn in
``ringcheck.store.errors``.

>>> from ringcheck.store import Store  # doctest: +SKIP
>>> with Store.open(settings) as store:  # doctest: +SKIP
...     store.add_report(number="+2250700000000", category="one_ring_callback", client="ip")

The names below load on first use (``Store`` brings in SQLAlchemy), so a module that
needs only ``store.running`` or ``store.quick`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringcheck.store.errors import (
        BadReport,
        CampaignError,
        ReportLimited,
        SchemaError,
        StoreError,
    )
    from ringcheck.store.running import CampaignView, Sighting
    from ringcheck.store.store import Store
    from ringcheck.store.views import (
        AuditEntry,
        ImportResult,
        Page,
        RecentNumber,
        ReportView,
        SaveResult,
    )

_WHERE = {
    "AuditEntry": "views",
    "BadReport": "errors",
    "CampaignError": "errors",
    "CampaignView": "running",
    "ImportResult": "views",
    "Page": "views",
    "RecentNumber": "views",
    "ReportLimited": "errors",
    "ReportView": "views",
    "SaveResult": "views",
    "SchemaError": "errors",
    "Sighting": "running",
    "Store": "store",
    "StoreError": "errors",
}

__all__ = [
    "AuditEntry",
    "BadReport",
    "CampaignError",
    "CampaignView",
    "ImportResult",
    "Page",
    "RecentNumber",
    "ReportLimited",
    "ReportView",
    "SaveResult",
    "SchemaError",
    "Sighting",
    "Store",
    "StoreError",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'ringcheck.store' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ringcheck.store.{_WHERE[name]}"), name)
