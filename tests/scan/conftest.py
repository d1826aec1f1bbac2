"""Fixtures for the operator scan: the sample files in tests/data/scan, and demo call
records with planted campaigns (written once per test session, in every format)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scan_support import DEMO_ROWS

from ringcheck.scan.demo import demo


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scan-demo")
    for fmt in ("asterisk", "freeswitch", "csv", "parquet"):
        demo(DEMO_ROWS, folder / f"demo.{fmt}", fmt)
    return folder


@pytest.fixture(scope="session")
def labels(demo_dir: Path) -> dict[str, Any]:
    return json.loads((demo_dir / "demo.asterisk.labels.json").read_text("utf-8"))
