"""The store's public names, and the promise that `ringcheck check` never loads it."""

from __future__ import annotations

import subprocess
import sys

import ringcheck.store


def test_the_store_exports_exactly_its_public_api():
    assert sorted(ringcheck.store.__all__) == [
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


def test_store_errors_are_ringcheck_errors_with_codes():
    from ringcheck.errors import RingcheckError
    from ringcheck.store import BadReport, ReportLimited, SchemaError, StoreError

    assert issubclass(SchemaError, StoreError) and issubclass(BadReport, StoreError)
    assert issubclass(ReportLimited, StoreError) and issubclass(StoreError, RingcheckError)
    limited = ReportLimited(90, 10)
    assert (limited.code, limited.retry_after) == ("too_many_reports", 90)


def test_the_cli_does_not_import_sqlalchemy_until_a_reports_command_runs():
    code = "import sys, ringcheck.cli; print('sqlalchemy' in sys.modules, 'alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
