"""Fixtures for call-log tests: the sample exports in tests/data and a triage helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringcheck.calllog import Triage, read_log, triage
from ringcheck.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def sample():
    """``sample(name)``: the bytes of tests/data/NAME."""
    return lambda name: (DATA / name).read_bytes()


@pytest.fixture
def run():
    """``run(bytes, **read_options)``: read and triage with default settings."""

    def go(data: bytes, home: str = "GB", **options: object) -> Triage:
        log = read_log(data, home=home, **options)  # type: ignore[arg-type]
        return triage(log, settings=Settings(home=home))

    return go
