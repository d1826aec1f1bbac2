"""A scan written out: JSON, CSV and Parquet for tools, a table for the terminal, block
lists for switches and phones. (The HTML report for an analyst is ``scan.html``.)

JSON is one document, ``{"summary": {...}, "findings": [...], "unreadable_rows": [...]}``;
each finding has ``kind`` (``number`` or ``range``), ``number`` or ``prefix``, ``level``,
``score``, every feature by name (``features.finish``), ``numbers`` (the caller numbers
seen), ``first_seen``, ``last_seen``, ``detected_at`` (ISO 8601, UTC), ``country``,
``reasons`` [{code, text}] and ``headline``, worst first. With ``mask``, subscriber
numbers (the people rung) keep only their country code and last two digits.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import polars as pl

from ringcheck import tableout
from ringcheck.lookup import says_scam
from ringcheck.phones.blocklists import BlockList, Entry, label_for, write
from ringcheck.risk import at_least
from ringcheck.scan import ScanResult, iso
from ringcheck.scan.detect import Finding, local_time
from ringcheck.scan.features import written

OUTPUTS = ("table", "json", "csv", "parquet", "html")
_TIMES = ("first_seen", "last_seen", "detected_at")
_CSV_FEATURES = (
    "calls",
    "callees",
    "answered_share",
    "ring_median",
    "ring_p90",
    "peak_per_minute",
    "peak_hour_callees",
    "sequential_share",
    "numbers_seen",
    "calls_per_number",
    "repeat_share",
    "night_share",
    "callbacks",
    "callback_rate",
    "callback_billsec",
)


def mask_number(number: str) -> str:
    """'+447400123456' -> '+44xxxxxxxx56': its calling code and its last two digits."""
    if not number.startswith("+") or len(number) < 7:
        return "x" * max(0, len(number) - 2) + number[-2:]
    from ringcheck.phonemeta import calling_codes

    codes = calling_codes()
    keep = next((n for n in (1, 2, 3) if int(number[1 : 1 + n]) in codes), 2)
    return number[: 1 + keep] + "x" * (len(number) - 3 - keep) + number[-2:]


def finding_dict(finding: Finding, mask: bool = False) -> dict[str, Any]:
    """One finding as the JSON document has it."""
    f = finding.features
    where = {"number": finding.key} if finding.kind == "number" else {"prefix": finding.key}
    features = {k: (iso(v) if k in _TIMES else v) for k, v in f.items()}
    hide = mask_number if mask else str
    return {
        "kind": finding.kind,
        **where,
        "level": finding.level,
        "score": finding.score,
        "country": finding.destination.get("country"),
        "headline": finding.headline,
        "within": finding.within,
        **features,
        "numbers": finding.numbers,
        "destination": finding.destination,
        "reasons": [{"code": r["code"], "text": r["text"]} for r in finding.reasons],
        "called_back": [
            {
                **c,
                "number": hide(c["number"]),
                "rung": iso(c["rung"]),
                "first_call_back": iso(c["first_call_back"]),
            }
            for c in finding.callbacks
        ],
        "evidence": [
            {**e, "callee": hide(e["callee"]), "start": iso(e["start"])} for e in finding.evidence
        ],
    }


def to_dict(result: ScanResult, mask: bool = False) -> dict[str, Any]:
    return {
        "summary": result.summary(),
        "findings": [finding_dict(f, mask) for f in result.findings],
        "unreadable_rows": [u.to_dict() for u in result.unreadable],
    }


def to_json(result: ScanResult, mask: bool = False) -> bytes:
    return tableout.to_json(to_dict(result, mask), indent=True)


def rows(result: ScanResult) -> list[dict[str, Any]]:
    """One flat row per finding (CSV and Parquet)."""
    out = []
    for finding in result.findings:
        f = finding.features
        out.append(
            {
                "kind": finding.kind,
                "key": finding.key,
                "level": finding.level,
                "score": finding.score,
                "country": finding.destination.get("country"),
                **{k: f[k] for k in _CSV_FEATURES},
                "first_seen": iso(f["first_seen"]),
                "last_seen": iso(f["last_seen"]),
                "detected_at": iso(f["detected_at"]),
                "within": finding.within,
                "numbers": " ".join(finding.numbers),
                "headline": finding.headline,
                "reasons": " ".join(r["text"] for r in finding.reasons),
            }
        )
    return out


_SCHEMA: dict[str, Any] = {
    "kind": pl.String,
    "key": pl.String,
    "level": pl.String,
    "score": pl.Int64,
    "country": pl.String,
    "calls": pl.Int64,
    "callees": pl.Int64,
    "answered_share": pl.Float64,
    "ring_median": pl.Float64,
    "ring_p90": pl.Float64,
    "peak_per_minute": pl.Int64,
    "peak_hour_callees": pl.Int64,
    "sequential_share": pl.Float64,
    "numbers_seen": pl.Int64,
    "calls_per_number": pl.Float64,
    "repeat_share": pl.Float64,
    "night_share": pl.Float64,
    "callbacks": pl.Int64,
    "callback_rate": pl.Float64,
    "callback_billsec": pl.Int64,
    "first_seen": pl.String,
    "last_seen": pl.String,
    "detected_at": pl.String,
    "within": pl.String,
    "numbers": pl.String,
    "headline": pl.String,
    "reasons": pl.String,
}


def to_frame(result: ScanResult) -> pl.DataFrame:
    return pl.DataFrame(rows(result), schema=_SCHEMA)


def to_csv(result: ScanResult) -> str:
    return to_frame(result).write_csv()


def to_parquet(result: ScanResult, path: str) -> None:
    to_frame(result).write_parquet(path)


def blocked(result: ScanResult, level: str) -> list[Finding]:
    """The widest findings at ``level`` or worse: a range covers the numbers inside it."""
    chosen = result.at_least(level)
    keys = {f.key for f in chosen if f.kind == "range"}
    return [f for f in chosen if not any(f.key != k and f.key.startswith(k) for k in keys)]


def block_entries(result: ScanResult, level: str) -> list[Entry]:
    """The widest findings at ``level`` or worse as block-list entries, worst first. A
    finding is a Wangiri campaign: its names say scam from level high
    (``lookup.says_scam``), as the triage's and the server's do."""
    out = []
    for f in blocked(result, level):
        scam = says_scam(f.level, "wangiri")
        last = f.features["last_seen"]
        out.append(
            Entry(
                "range" if f.kind == "range" else "number",
                f.key,
                label_for("wangiri", scam),
                "wangiri",
                f.level,
                scam,
                f.score,
                dt.datetime.fromtimestamp(last, dt.UTC) if last is not None else None,
                country=f.destination.get("country") or "",
                reasons=tuple(r["code"] for r in f.reasons),
                numbers=tuple(f.numbers) if f.kind == "range" else (),
            )
        )
    return out


def blocklist(result: ScanResult, kind: str, level: str, now: dt.datetime | None = None) -> str:
    """The block list in ``kind`` (one of ``phones.blocklists.FORMATS``), made ``now``:
    ranges as prefixes where the format matches by prefix, as their numbers in a vCard
    (phones match whole numbers)."""
    made = BlockList(block_entries(result, level), now or dt.datetime.now(dt.UTC))
    return write(made, kind, result.options.home)[0]


def table(result: ScanResult, limit: int = 30) -> str:
    """The findings as a table for the terminal: the campaigns (high and very high), then
    the cautions counted in one line; times in the scan's time zone."""
    from rich.console import Console
    from rich.table import Table

    shown = result.campaigns("high")[:limit]
    grid = Table(title=None, show_lines=False)
    for name in ("level", "caller", "country", "subscribers rung", "called back", "billed"):
        grid.add_column(name)
    grid.add_column(f"first call ({result.zone})")
    for f in shown:
        grid.add_row(
            f.level.replace("_", " "),
            written(f.kind, f.key, f.numbers),
            f.destination.get("country") or "",
            f"{f.features['callees']:,}",
            f"{f.features['callbacks']:,}",
            _hours(f.features["callback_billsec"]),
            local_time(f.features["first_seen"], result.zone),
        )
    console = Console(file=io.StringIO(), record=True, width=150, force_terminal=False)
    console.print(_lead(result), soft_wrap=True)
    if shown:
        console.print(grid)
    cautions = result.cautions()
    if cautions:
        keys = ", ".join(written(f.kind, f.key, f.numbers) for f in cautions[:5])
        more = f" and {len(cautions) - 5:,} more" if len(cautions) > 5 else ""
        console.print(
            f"{_count(len(cautions), 'caution')} worth a look, not campaigns: {keys}{more}."
        )
    for spared in result.spared[:10]:
        console.print(f"spared {spared.key}: {spared.text}")
    return console.export_text()


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 360 else f"{seconds // 60} min"


def _lead(result: ScanResult) -> str:
    """The scan in two sentences, its counts named as the JSON summary names them."""
    s = result.summary()
    skipped = f", {_count(s['skipped_files'], 'file')} skipped" if s["skipped_files"] else ""
    return (
        f"Scanned {s['records']:,} call records ({s['unreadable']:,} unreadable{skipped}) "
        f"from {_count(len(s['files']), 'file')}.\n"
        f"{_count(s['campaigns'], 'campaign')} at high or very high: "
        f"{s['subscribers_rung']:,} subscribers rung, {s['callbacks']:,} called back "
        f"({_hours(s['callback_billsec'])} billed); {_count(s['cautions'], 'caution')}."
    )


def at_level(result: ScanResult, level: str) -> bool:
    """Whether any finding reaches ``level`` (for --fail-on)."""
    return any(at_least(f.level, level) for f in result.findings)
