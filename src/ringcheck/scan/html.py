"""The scan as one HTML file for a fraud analyst: no script, no CDN, nothing fetched.

Header: the files read (size, records, unreadable, sha256), the records left out and why,
the thresholds. Then the campaigns, ranked by call-backs and people rung, each with its
reasons, a timeline (unanswered calls per 5 minutes, call-backs drawn over them), which
caller numbers rang when (rotation), how long the calls rang, the people who called back,
and ten raw records with file and line. Last, the look-alikes spared and why. Charts are
inline SVG with their numbers in text, so nothing depends on colour. ``mask`` hides
subscriber numbers but their country code and last two digits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from ringcheck import reportfiles
from ringcheck.scan import ScanResult, iso
from ringcheck.scan.detect import Finding, spoken_time
from ringcheck.scan.features import written
from ringcheck.scan.report import mask_number

WIDTH, HEIGHT = 720, 160
MAX_CAMPAIGNS = 30
MAX_POINTS = 1500
MAX_RING = 30  # seconds shown in the ring-time histogram (longer go in the last bar)


def _time(moment: int | None, zone: str) -> str:
    if moment is None:
        return ""
    return dt.datetime.fromtimestamp(moment, ZoneInfo(zone)).strftime("%d %b %Y %H:%M:%S")


def _timeline(finding: Finding, zone: str) -> dict[str, Any] | None:
    buckets = finding.timeline
    if not buckets:
        return None
    first, last = buckets[0][0], buckets[-1][0]
    span = max(300, last - first + 300)
    most = max(max(c, b) for _, c, b in buckets) or 1
    bars, backs = [], []
    width = round(max(300 / span * WIDTH, 1.5), 1)
    for start, calls, called_back in buckets:
        x = round((start - first) / span * WIDTH, 1)
        label = _time(start, zone)
        if calls:
            bars.append(_bar(x, width, calls / most, f"{label}: {calls:,} unanswered calls"))
        if called_back:
            title = f"{label}: {called_back:,} called back"
            backs.append(_bar(x, width, called_back / most, title, least=2))
    peak = max(buckets, key=lambda b: b[1])
    return {
        "bars": bars,
        "backs": backs,
        "width": WIDTH,
        "height": HEIGHT,
        "first": _time(first, zone),
        "last": _time(last + 300, zone),
        "most": most,
        "peak": _time(peak[0], zone),
        "peak_calls": peak[1],
        "backs_total": sum(b for _, _, b in buckets),
    }


def _bar(x: float, w: float, share: float, title: str, least: float = 0) -> dict[str, Any]:
    """A timeline bar ``share`` of the chart's height (at least ``least``), standing on
    its bottom."""
    h = round(share * (HEIGHT - 10), 1)
    return {"x": x, "y": round(HEIGHT - h, 1), "w": w, "h": max(h, least), "title": title}


def _rotation(finding: Finding, zone: str) -> dict[str, Any] | None:
    points = finding.rotation
    if len({caller for _, caller in points}) < 2:
        return None
    step = max(1, len(points) // MAX_POINTS)
    shown = points[::step]
    first = min(t for t, _ in shown)
    span = max(300, max(t for t, _ in shown) - first + 300)
    suffixes = sorted({int(c[-3:]) for _, c in shown if c[-3:].isdigit()})
    low, high = (suffixes[0], suffixes[-1]) if suffixes else (0, 999)
    rows = max(1, high - low)
    dots = [
        {
            "x": round((t - first) / span * WIDTH, 1),
            "y": round(HEIGHT - 5 - (int(c[-3:]) - low) / rows * (HEIGHT - 10), 1),
            "title": f"{_time(t, zone)}: {c}",
        }
        for t, c in shown
        if c[-3:].isdigit()
    ]
    return {
        "dots": dots,
        "width": WIDTH,
        "height": HEIGHT,
        "low": low,
        "high": high,
        "numbers": len({c for _, c in points}),
        "sampled": step > 1,
    }


def _rings(finding: Finding) -> dict[str, Any] | None:
    if not finding.ring_counts:
        return None
    counts = [0] * (MAX_RING + 1)
    for ring, n in finding.ring_counts:
        counts[min(ring, MAX_RING)] += n
    most = max(counts) or 1
    w = WIDTH / len(counts)
    top = HEIGHT - 20
    bars = [
        {
            "x": round(i * w + 1, 1),
            "w": round(w - 2, 1),
            "h": round(n / most * top, 1),
            "y": round(top - n / most * top, 1),
            "label": f"{i}{'+' if i == MAX_RING else ''} s",
            "n": n,
        }
        for i, n in enumerate(counts)
        if n
    ]
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "most": most}


def _campaign(finding: Finding, zone: str, mask: bool) -> dict[str, Any]:
    hide = mask_number if mask else str
    backs = [
        {
            "number": hide(c["number"]),
            "rung": _time(c["rung"], zone),
            "called_back": _time(c["first_call_back"], zone),
            "after": spoken_time(c["first_call_back"] - c["rung"], exact=True),
            "billsec": c["billsec"],
            "calls": c["calls"],
        }
        for c in finding.callbacks
    ]
    evidence = [
        {**e, "callee": hide(e["callee"]), "start": _time(e["start"], zone)}
        for e in finding.evidence
    ]
    return {
        "finding": finding,
        "id": "c-" + finding.key.lstrip("+"),
        "where": written(finding.kind, finding.key, finding.numbers),
        "first": _time(finding.features["first_seen"], zone),
        "last": _time(finding.features["last_seen"], zone),
        "detected": _time(finding.features["detected_at"], zone),
        "timeline": _timeline(finding, zone),
        "rotation": _rotation(finding, zone),
        "rings": _rings(finding),
        "callbacks": backs,
        "evidence": evidence,
        "billed": spoken_time(finding.features["callback_billsec"], exact=True),
    }


def report_view(result: ScanResult, mask: bool = False) -> dict[str, Any]:
    zone = result.zone
    campaigns = sorted(
        (f for f in result.findings if f.within is None),
        key=lambda f: (-f.features["callbacks"], -f.features["callees"], f.key),
    )[:MAX_CAMPAIGNS]
    summary = result.summary()
    return {
        "summary": summary,
        "files": summary["files"],
        "unreadable": result.unreadable[:200],
        "more_unreadable": max(0, result.unreadable_count - 200),
        "thresholds": result.limits.to_dict(),
        "campaigns": [_campaign(f, zone, mask) for f in campaigns],
        "inside": {f.key: [g for g in result.findings if g.within == f.key] for f in campaigns},
        "spared": result.spared,
        "first": _time(result.first, zone),
        "last": _time(result.last, zone),
        "zone": zone,
        "mask": mask,
        "generated": iso(int(dt.datetime.now(dt.UTC).timestamp())),
    }


def render(result: ScanResult, mask: bool = False) -> str:
    """The report as one self-contained HTML page."""
    return reportfiles.render("scan_report.html", report=report_view(result, mask))
