"""Operator scan: find Wangiri campaigns in call records, on one machine or on Spark.

>>> from ringcheck.scan import scan, ScanOptions   # doctest: +SKIP
>>> result = scan(["Master.csv"], ScanOptions(tz="Europe/London"))   # doctest: +SKIP
>>> result.findings[0].headline   # doctest: +SKIP
'4,812 subscribers rung for 1-2 s from +2250712345xxx between ...'

Surveying each file for damage (``intake``), reading (``readers``; every number in E.164
by one rule, ``numbering``), counting (``engines.polars`` or ``engines.spark``), features
(``features``) and scoring (``detect``) are separate, so both engines share everything
but the counting, and give the same findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ringcheck.datatables import Tables, tables
from ringcheck.risk import LEVELS, at_least
from ringcheck.scan.detect import Finding, Spared, assess, worth_a_look
from ringcheck.scan.features import Thresholds
from ringcheck.scan.model import (
    Columns,
    InputFile,
    ScanError,
    Scanned,
    ScanOptions,
    Unreadable,
)
from ringcheck.scan.numbering import allowlist
from ringcheck.scan.readers import local_zone

ENGINES = ("polars", "spark")

__all__ = [
    "ENGINES",
    "Columns",
    "Finding",
    "ScanError",
    "ScanOptions",
    "ScanResult",
    "Spared",
    "Thresholds",
    "Unreadable",
    "scan",
]


@dataclass
class ScanResult:
    """Findings worst first, look-alikes spared, what was read and how."""

    findings: list[Finding]
    spared: list[Spared]
    unreadable: list[Unreadable]
    inputs: list[InputFile]
    records: int
    callers: int  # caller numbers (E.164) that made at least one one-ring call
    first: int | None
    last: int | None
    engine: str
    engine_version: str
    options: ScanOptions
    limits: Thresholds
    seconds: float
    data_version: str
    zone: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unreadable_count(self) -> int:
        return sum(f.unreadable for f in self.inputs)

    def at_least(self, level: str) -> list[Finding]:
        return [f for f in self.findings if at_least(f.level, level)]

    def campaigns(self, level: str = "high") -> list[Finding]:
        """Top-level findings at ``level`` or worse (not inside a wider flagged range)."""
        return [f for f in self.at_least(level) if f.within is None]

    def cautions(self) -> list[Finding]:
        """Top-level findings at caution: worth a look, not campaigns."""
        return [f for f in self.findings if f.level == "caution" and f.within is None]

    def summary(self) -> dict[str, Any]:
        by_level = {level: 0 for level in LEVELS}
        for finding in self.findings:
            by_level[finding.level] += 1
        top = self.campaigns("high")
        return {
            "engine": self.engine,
            "engine_version": self.engine_version,
            "data_version": self.data_version,
            "files": [f.to_dict() for f in self.inputs],
            "records": self.records,
            "unreadable": self.unreadable_count,
            "skipped_files": sum(1 for f in self.inputs if f.skipped),
            "one_ring_callers": self.callers,
            "first_call": iso(self.first),
            "last_call": iso(self.last),
            "time_zone": self.zone,
            "home": self.options.home,
            "thresholds": self.limits.to_dict(),
            "findings": len(self.findings),
            "findings_by_level": by_level,
            "campaigns": len(top),
            "cautions": len(self.cautions()),
            "victims": sum(f.features["callees"] for f in top),
            "subscribers_rung": sum(f.features["callees"] for f in top),
            "callbacks": sum(f.features["callbacks"] for f in top),
            "callback_billsec": sum(f.features["callback_billsec"] for f in top),
            "spared": [
                {
                    "kind": s.kind,
                    "key": s.key,
                    "reason": s.reason,
                    "text": s.text,
                    "callees": s.callees,
                }
                for s in self.spared
            ],
            "seconds": round(self.seconds, 3),
        }


def iso(moment: int | None) -> str | None:
    """Seconds since 1970 as ISO 8601 in UTC ('2026-11-03T02:10:05Z')."""
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scan(
    paths: Iterable[str],
    options: ScanOptions | None = None,
    limits: Thresholds | None = None,
    *,
    engine: str = "polars",
    master: str | None = None,
    data: Tables | None = None,
    hash_inputs: bool = False,
) -> ScanResult:
    """Scan the call records in ``paths`` (files, folders, globs) for Wangiri campaigns.

    ``engine`` is ``polars`` (this machine) or ``spark`` (``master`` URL, else local);
    both give the same findings. Raises ``ScanError`` when nothing can be scanned.
    """
    options = options or ScanOptions()
    limits = limits or Thresholds()
    zone = options.tz or local_zone()
    options = _checked(options, zone)
    data = data or tables()
    began = time.perf_counter()
    paths = list(paths)

    def keep(candidates: Any) -> Any:
        return worth_a_look(candidates, options.home, data)

    scanned = _counted(engine, paths, options, limits, keep, master)
    findings, spared = assess(
        scanned.aggregates, limits, options.home, zone, options.allowlist, data
    )
    unreadable = _with_damage(scanned.inputs, scanned.unreadable, options.max_unreadable)
    if hash_inputs:
        for item in scanned.inputs:
            if not item.skipped:
                item.sha256 = _sha256(item.path)
    return ScanResult(
        findings=findings,
        spared=spared,
        unreadable=unreadable,
        inputs=scanned.inputs,
        records=scanned.records + sum(p.line > 0 for i in scanned.inputs for p in i.problems),
        callers=scanned.callers,
        first=scanned.first,
        last=scanned.last,
        engine=scanned.engine,
        engine_version=scanned.version,
        options=options,
        limits=limits,
        seconds=time.perf_counter() - began,
        data_version=data.version,
        zone=zone,
        extra={} if scanned.jobs is None else {"jobs": scanned.jobs},
    )


def _counted(
    engine: str,
    paths: list[str],
    options: ScanOptions,
    limits: Thresholds,
    keep: Any,
    master: str | None,
) -> Scanned:
    """What ``engine`` counts in ``paths``."""
    if engine == "polars":
        from ringcheck.scan.engines import polars as counting

        return counting.run(paths, options, limits, keep)
    if engine == "spark":
        import ringcheck.scan.engines.spark as spark_engine

        return spark_engine.run(paths, options, limits, keep, master=master)
    raise ScanError("bad_option", f"Unknown engine {engine!r}: use polars or spark.")


def _checked(options: ScanOptions, zone: str) -> ScanOptions:
    """``options`` checked, its allowlist in E.164 (as the records' numbers are)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScanError(
            "bad_time_zone", f"'{zone}' is not a time zone. Use a name such as Europe/London."
        ) from None
    try:
        listed = allowlist(options.allowlist, options.home)
    except ValueError as exc:
        raise ScanError(
            "bad_option",
            f"The allowlist entry '{exc}' is not a number or range in international form. "
            "Write it with + and the country code.",
        ) from None
    return replace(options, allowlist=listed)


def _with_damage(
    inputs: list[InputFile], unreadable: list[Unreadable], most: int
) -> list[Unreadable]:
    """The engine's unreadable records and what ``intake`` found before reading: files
    skipped (line 0) and records not read (a last record cut short), which count as
    records that can't be used."""
    found = list(unreadable)
    for item in inputs:
        cut = [p for p in item.problems if p.line > 0]
        item.records += len(cut)
        item.unreadable += len(cut)
        found += item.problems
    return sorted(found, key=lambda u: (u.file, u.line))[:most]


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
