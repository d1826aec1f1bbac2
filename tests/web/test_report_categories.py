"""The API's category list is the core's, so the schema can't drift from the rules."""

from __future__ import annotations

from typing import get_args

from ringcheck.community import CATEGORIES
from ringcheck.datatables import tables
from ringcheck.web.routes.reports import Category


def test_the_api_accepts_exactly_the_core_categories():
    assert get_args(Category) == CATEGORIES


def test_every_category_has_a_label_and_a_sentence():
    wording = tables().wording
    assert set(wording.category_name) == set(CATEGORIES)
    assert set(wording.category) == set(CATEGORIES)
