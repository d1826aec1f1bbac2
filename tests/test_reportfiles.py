"""HTML report files come from one Jinja environment and one page frame: the call-log
report and the scan report are each one self-contained page with the same head."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pytest

from ringcheck import reportfiles
from ringcheck.calllog import read_log, triage
from ringcheck.calllog.html import render_report
from ringcheck.scan import ScanOptions, scan
from ringcheck.scan.html import render as render_scan
from ringcheck.settings import Settings

SRC = Path(reportfiles.__file__).resolve().parents[1]
SCAN_DATA = Path(__file__).parent / "data" / "scan"


def test_every_report_template_loads_in_the_one_environment() -> None:
    names = sorted(p.name for p in Path(reportfiles.TEMPLATES).glob("*.html"))
    assert {"_report.html", "triage_report.html", "scan_report.html"} <= set(names)
    env = reportfiles.environment()
    assert env is reportfiles.environment()
    for name in names:
        env.get_template(name)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    log = read_log(b"number,time,status\n+18768123456,2024-03-01 02:10:05,missed\n")
    result = scan([str(SCAN_DATA / "Master.csv")], ScanOptions(tz="Europe/London"))
    return {"triage": render_report(triage(log, settings=Settings())), "scan": render_scan(result)}


@pytest.mark.parametrize("which", ["triage", "scan"])
def test_each_report_file_is_one_page_with_the_shared_head_and_nothing_fetched(
    pages: dict[str, str], which: str
) -> None:
    page = pages[which]
    assert page.startswith("<!doctype html>")
    assert '<meta name="referrer" content="no-referrer">' in page
    document = html5lib.parse(page, namespaceHTMLElements=False)
    assert not document.findall(".//script") and not document.findall(".//link")
    assert not [e for e in document.iter() if (e.get("src") or "").startswith("http")]


def test_no_module_loads_templates_from_another_package_by_path() -> None:
    """Report files render through ``reportfiles``; only it and the web app make a
    template loader (the web app's also reads the report files' folder for /triage)."""
    makers = re.compile(r"\b(Environment|FileSystemLoader|Jinja2Templates)\(")
    found = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if makers.search(path.read_text("utf-8"))
    )
    assert found == ["reportfiles/__init__.py", "web/routes/pages.py"]
