"""The triage report as HTML: one view model, shared by the web page and the file.

``report_view`` turns a ``Triage`` into what the ``triage_body.html`` template draws:
the summary, the ranked table, a timeline of calls by level and a bar chart by country
(both inline SVG, labelled in text, so nothing relies on colour). ``render_report`` wraps
it in one self-contained page (``reportfiles``) (inline CSS, no script, no external requests) for
``ringcheck triage --output html``; the /triage page includes the same body.
Everything from the file is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from ringcheck import reportfiles
from ringcheck.calllog.core import Triage
from ringcheck.datatables import tables
from ringcheck.homes import help_for
from ringcheck.risk import LEVELS

MAX_TABLE_ROWS: Final = 500
MAX_COUNTRIES: Final = 12
_CHART_WIDTH, _CHART_HEIGHT = 720, 160
_BIN_LABEL = {"1h": "%d %b %H:00", "1d": "%d %b %Y", "1w": "week of %d %b %Y", "1mo": "%B %Y"}


def report_view(result: Triage) -> dict[str, Any]:
    """What the report templates need, computed once."""
    words = tables().wording
    return {
        "summary": result.summary,
        "numbers": result.numbers[:MAX_TABLE_ROWS],
        "more_numbers": max(0, len(result.numbers) - MAX_TABLE_ROWS),
        "unreadable": result.unreadable[:100],
        "more_unreadable": max(0, len(result.unreadable) - 100),
        "levels": [(level, words.level[level]) for level in reversed(LEVELS)],
        "level_names": dict(words.level),
        "line_types": dict(words.line_type),
        "timeline": _timeline(result.timeline),
        "countries": _countries(result.countries),
        **help_for(result.home),
    }


def _timeline(bins: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not bins:
        return None
    most = max(sum(b["counts"].values()) for b in bins) or 1
    step = _CHART_WIDTH / len(bins)
    bars = []
    for i, b in enumerate(bins):
        label = b["start"].strftime(_BIN_LABEL[b["every"]])
        base = _CHART_HEIGHT
        for level in LEVELS:
            count = b["counts"][level]
            if not count:
                continue
            height = count / most * (_CHART_HEIGHT - 10)
            base -= height
            bars.append({
                "x": round(i * step + step * 0.1, 1), "y": round(base, 1),
                "width": round(max(step * 0.8, 1), 1), "height": round(height, 1),
                "level": level, "title": f"{label}: {count:,} {_calls(count)}",
            })  # fmt: skip
    busiest = max(bins, key=lambda b: sum(b["counts"].values()))
    return {
        "bars": bars,
        "width": _CHART_WIDTH,
        "height": _CHART_HEIGHT,
        "first": _date(bins[0]["start"]),
        "last": _date(bins[-1]["start"]),
        "busiest": busiest["start"].strftime(_BIN_LABEL[busiest["every"]]),
        "busiest_calls": sum(busiest["counts"].values()),
        "most": most,
    }


def _calls(count: int) -> str:
    return "call" if count == 1 else "calls"


def _date(moment: dt.datetime) -> str:
    return moment.strftime("%d %b %Y")


def _countries(counts: list[tuple[str, int]]) -> dict[str, Any] | None:
    if not counts:
        return None
    shown = counts[:MAX_COUNTRIES]
    rest = sum(n for _, n in counts[MAX_COUNTRIES:])
    if rest:
        shown = [*shown, ("Other places", rest)]
    most = max(n for _, n in shown)
    row = 28
    bars = [
        {"name": name, "calls": n, "y": i * row, "width": round(n / most * 380, 1) or 1,
         "text": f"{n:,} {_calls(n)}"}
        for i, (name, n) in enumerate(shown)
    ]  # fmt: skip
    return {"bars": bars, "height": len(bars) * row, "width": _CHART_WIDTH}


def render_report(result: Triage, title: str = "Your call log") -> str:
    """The report as one self-contained HTML page."""
    return reportfiles.render("triage_report.html", report=report_view(result), title=title)
