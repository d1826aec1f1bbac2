"""Shared fixtures: the curated tables as the files state them, read without ringcheck;
and, for every test, a private data directory (no test reads or writes the user's own
reports database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import read_csv


@pytest.fixture(scope="session")
def points() -> dict[str, int]:
    """Reason code -> points, straight from data/points.csv."""
    return {row["code"]: int(row["points"]) for row in read_csv("points.csv")}


@pytest.fixture(autouse=True)
def _no_personal_reports_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "xdg-data-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("RINGCHECK_DATABASE_URL", raising=False)
