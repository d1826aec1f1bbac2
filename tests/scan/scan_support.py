"""What the scan tests share: where the sample files are, and the demo's time zone."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "scan"
DEMO_ROWS = 100_000
ZONE = "Europe/London"
