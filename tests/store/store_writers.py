"""A writer process for the concurrency test (a module of its own so spawned processes
can import it)."""

from __future__ import annotations

from ringcheck.settings import Settings
from ringcheck.store import Store

REPORTS_EACH = 500


def numbers() -> list[str]:
    """500 valid London numbers in one range: +442079460000 … +442079460499."""
    return [f"+44207946{i:04d}" for i in range(REPORTS_EACH)]


def write(args: tuple[str, int]) -> list[tuple[str, int]]:
    """Report every number once as writer ``index``; the (number, id) pairs acknowledged."""
    url, index = args
    acknowledged = []
    with Store.open(Settings(database_url=url, reports_per_hour=10_000)) as store:
        for number in numbers():
            saved = store.add_report(
                number=number, category="one_ring_callback", client=f"writer-{index}"
            )
            acknowledged.append((number, saved.report_id))
    return acknowledged
