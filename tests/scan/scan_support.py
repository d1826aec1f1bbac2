"""What the scan tests share: where the sample files are, and the demo's time zone."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "scan"
DEMO_ROWS = 100_000
ZONE = "Europe/London"


def range_with_an_answering_member(path: Path) -> Path:
    """Ten numbers of one range ring 400 people once each for 2 s, while another number
    of the range (…650) makes 300 long, answered calls and never a short one: the range
    is judged on all of them, as a call centre's would be."""
    import datetime as dt

    start = dt.datetime(2026, 11, 2, 9, 0, 0)
    lines = ["caller,callee,start,duration,billsec"]
    for i in range(400):
        moment = start + dt.timedelta(seconds=i * 3)
        lines.append(f"+22507123456{i % 10:02d},+4474001{i:05d},{moment:%Y-%m-%d %H:%M:%S},2,0")
    for i in range(300):
        moment = start + dt.timedelta(seconds=i * 5 + 7)
        lines.append(f"+2250712345650,+4474002{i:05d},{moment:%Y-%m-%d %H:%M:%S},200,180")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
