"""A 360 px wide phone: no page scrolls sideways, even with a long number and story."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import LONG_RESULT, OVERFLOW, PAGES, settle

PHONE = {"width": 360, "height": 740}
LAYOUT_PAGES = {**PAGES, "result-long": LONG_RESULT}


@pytest.mark.parametrize("path", list(LAYOUT_PAGES.values()), ids=list(LAYOUT_PAGES))
def test_no_horizontal_scrolling_at_360px(new_context: Any, path: str) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(path)
    settle(page, path)
    if path == LONG_RESULT:  # the long story is on the page, kept in a form
        claimed = page.locator("input[name=claimed]")
        kept = [claimed.nth(i).input_value() for i in range(claimed.count())]
        assert any(value.startswith("Her Majesty's") for value in kept), kept
    sizes = page.evaluate(OVERFLOW)
    assert sizes["scrollWidth"] <= sizes["clientWidth"], (
        f"{path} scrolls sideways at 360 px: scrollWidth {sizes['scrollWidth']} > "
        f"clientWidth {sizes['clientWidth']}; too wide: {sizes['wide']}"
    )
