"""HTML report files: one Jinja environment and the templates of every report ringcheck
writes as a file (``ringcheck triage --output html``, ``ringcheck scan --output html``).

A report file is one self-contained page (``templates/_report.html``: inline CSS, no
script, nothing fetched); each report extends it. What a report draws is computed by its
view model, beside the feature it reports on (``calllog.html.report_view``,
``scan.html.report_view``); this package only renders. Everything from a file read is
escaped by autoescape.

The triage report's body, its CSS and the level icons (``triage_body.html``,
``triage_report_css.html``, ``_icons.html``) are drawn by the web app's /triage page too:
they live here, with the report they belong to, and the web app's loader looks in this
folder after its own (``web.routes.pages``). The web app's own page frame (``base.html``) stays
in ``web/templates``: a report file has no navigation, forms or fetched assets.

>>> environment().get_template("_report.html").render().startswith("<!doctype html>")
True
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["TEMPLATES", "environment", "render"]

TEMPLATES: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


@cache
def environment() -> Environment:
    """The one Jinja environment report files are rendered with."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **values: Any) -> str:
    """Template ``name`` rendered with ``values`` and the data version every report
    states (``data_version``)."""
    from ringcheck.datatables import tables

    return environment().get_template(name).render(data_version=tables().version, **values)
