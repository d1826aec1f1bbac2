"""Community reports, kept in SQLite (default) or PostgreSQL: the only code that touches
a database. ``Store.open(settings)`` is the way in; errors are drawn in
``ringcheck.store.errors``.

>>> from ringcheck.store import Store  # doctest: +SKIP
>>> with Store.open(settings) as store:  # doctest: +SKIP
...     store.add_report(number="+2250700000000", category="one_ring_callback", client="ip")
"""

from __future__ import annotations

from ringcheck.store.campaigns import CampaignView, Sighting
from ringcheck.store.errors import (
    BadReport,
    CampaignError,
    ReportLimited,
    SchemaError,
    StoreError,
)
from ringcheck.store.store import Store
from ringcheck.store.views import (
    AuditEntry,
    ImportResult,
    Page,
    RecentNumber,
    ReportView,
    SaveResult,
)

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
