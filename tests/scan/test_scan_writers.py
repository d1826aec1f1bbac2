"""The same calls, written by different switches in every form numbers take, give the
same findings, call-backs and billed seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scan_support import ZONE
from writers import HABITS, write

from ringcheck.scan import ScanOptions, scan
from ringcheck.scan.demo import generate
from ringcheck.scan.demo import write as write_plainly

ROWS = 20_000


def answer(result: Any, header: int = 0) -> list[tuple[Any, ...]]:
    """What must not depend on the writer (evidence without its file name, its lines
    counted after the ``header`` lines a writer adds)."""
    return sorted(
        (f.kind, f.key, f.level, f.score, sorted(f.features.items()), f.numbers, f.callbacks,
         f.timeline, f.within,
         [{**e, "file": None, "line": e["line"] - header} for e in f.evidence])
        for f in result.findings
    )  # fmt: skip


HEADER_LINES = {"excel-unicode-text": 1}  # the others write no header


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("writers")
    calls, _ = generate(ROWS, seed=11, subscribers=4_000)
    out = {"plain": folder / "plain.csv"}
    write_plainly(calls, out["plain"], "asterisk")
    for how in HABITS:
        out[how] = write(calls, folder / f"{how}.csv", how)
    return out


@pytest.mark.parametrize("how", HABITS)
def test_every_writers_habit_gives_the_same_findings_callbacks_and_billed_seconds(
    written: dict[str, Path], how: str
) -> None:
    options = ScanOptions(tz=ZONE)
    plain = scan([str(written["plain"])], options)
    found = scan([str(written[how])], options)
    assert plain.campaigns(), "the calls hold campaigns with call-backs"
    assert sum(f.features["callbacks"] for f in plain.campaigns()) > 0
    assert (found.records, found.unreadable_count) == (plain.records, 0)
    assert answer(found, HEADER_LINES.get(how, 0)) == answer(plain)
    assert found.summary()["callbacks"] == plain.summary()["callbacks"]
    assert found.summary()["callback_billsec"] == plain.summary()["callback_billsec"]
