"""The test tree's own rule: pytest imports test files by their base name (no packages
under tests/), so two test files with one name in different folders stop the whole run
at collection. Caught here with a clear message instead."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).parent


def test_every_test_file_has_a_name_of_its_own() -> None:
    places: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        places[path.name].append(str(path.relative_to(TESTS)))
    shared = {name: where for name, where in places.items() if len(where) > 1}
    assert not shared, f"test files sharing a name (rename one): {shared}"
