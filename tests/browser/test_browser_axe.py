"""axe-core scans every page: no serious or critical accessibility violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import LONG_RESULT, PAGES, settle

AXE_PAGES = {**PAGES, "result-long": LONG_RESULT}
BLOCKING = ("serious", "critical")


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("path", list(AXE_PAGES.values()), ids=list(AXE_PAGES))
@pytest.mark.parametrize("width", [1024, 360])
def test_no_serious_accessibility_violations(
    new_context: Any, axe_script: Path, path: str, width: int
) -> None:
    # bypass_csp lets the axe script in; the page itself is unchanged.
    page = new_context(viewport={"width": width, "height": 800}, bypass_csp=True).new_page()
    page.goto(path)
    settle(page, path)
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core {results['testEngine']['version']} on {path}:\n" + _report(
        blocking
    )
