"""The web checker speaks for the home it serves (``home`` setting): its links and its
"lost money?" footer name the home's own services, never the UK's elsewhere."""

from __future__ import annotations

import re
from typing import Any

# UK services and words (domain.md, "Homes other than the UK").
UK_ONLY = re.compile(
    r"\b7726\b|\b159\b|Report Fraud|reportfraud\.police\.uk|0300 123 2040|Police Scotland|"
    r"\bUK\b|HMRC"
)


def test_the_web_page_links_the_homes_own_services(make_client: Any) -> None:
    client = make_client(home="US")
    page = client.get("/number/+2348031234567").text
    assert "https://reportfraud.ftc.gov/" in page
    assert not UK_ONLY.search(page), UK_ONLY.search(page)
    assert "reportfraud.police.uk" not in page and 'href="tel:159"' not in page
    uk = make_client(home="GB").get("/number/+2348031234567").text
    assert "reportfraud.police.uk" in uk


def test_no_page_tells_a_home_outside_the_uk_about_uk_services(make_client: Any) -> None:
    client = make_client(home="US")
    for path in ("/", "/number/+447700900123", "/number/+17872345678", "/codes?q=44"):
        page = client.get(path).text
        assert not UK_ONLY.search(page.split("<main")[-1]), (path, UK_ONLY.search(page))
    bad = client.get("/number/hello").text
    assert "own country" in bad and not UK_ONLY.search(bad.split("<main")[-1])
    codes = client.get("/codes?q=44").text
    assert "The UK's own code" not in codes  # +44 is abroad for a US home
