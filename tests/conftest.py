"""Shared fixtures: the curated tables as the files state them, read without ringcheck."""

from __future__ import annotations

import pytest

from contract import read_csv


@pytest.fixture(scope="session")
def points() -> dict[str, int]:
    """Reason code -> points, straight from data/points.csv."""
    return {row["code"]: int(row["points"]) for row in read_csv("points.csv")}
