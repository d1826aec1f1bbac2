"""Block lists for phone systems: what people reported, and the ranges the tables name.

A router or call blocker holds only a few thousand entries and reloads its list once a
day, so the list is ranked worst first and capped (``limit``):

- **reported numbers**: numbers at least ``MIN_REPORTERS`` different people reported,
  each judged by ``lookup`` with those reports;
- **live campaigns**: the numbers and ranges of the scam campaigns running now
  (``campaigns``, published by the live detector), each judged by ``lookup`` with its
  campaign, so they come first while they run and leave when they end or are released;
- **curated ranges**: the call-back warning destinations (``high_risk.csv``), the
  satellite and global networks whose calls cost most (``networks.csv``) and, for a UK
  home, the premium-rate ranges (``uk_ranges.csv``), each judged by the prefix lookup
  the operator scan uses (``bulk.classify``).

Entries below ``level`` are left out. Formats (``FORMATS``): ``callblocker`` (its JSON
list, prefixes as they are: it matches by prefix), ``csv`` (``kind,number,…``, ranges as
prefixes), ``vcard`` (one contact with every reported number: phones match whole numbers
only, so no ranges), ``spamblocker`` (a ``pattern,description`` CSV for the Android app
SpamBlocker: each number as exact digits, international without ``+`` and, for a home
number, national without its trunk prefix, as its spam database matches them; each range
as a regular expression).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringcheck import phonemeta
from ringcheck.datatables import Tables, tables
from ringcheck.homes import is_uk
from ringcheck.lookup import LIVE_CAMPAIGN, describe, lookup, says_scam, score9, spam_name
from ringcheck.phones import blockfiles
from ringcheck.phones.blockfiles import CONTACT_NAME
from ringcheck.risk import LEVELS, at_least
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.community import Community
    from ringcheck.store.campaigns import CampaignView

FORMATS = ("callblocker", "csv", "vcard", "spamblocker")
MIN_REPORTERS = 3
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 2_000  # about what a FRITZ!Box or callblocker list holds well
TITLE = "ringcheck scam numbers"
Reported = Callable[..., list[tuple[str, int, dt.datetime]]]


@dataclass(frozen=True)
class Entry:
    """One line of a block list: a whole number, or a range as its E.164 prefix."""

    kind: str  # "number" or "prefix"
    e164: str  # '+' and digits
    name: str  # the caller name a blocker shows: 'SPAM Wangiri'
    category: str
    level: str
    score: int  # 0-100, for ranking
    score9: int
    reporters: int  # distinct people who reported it (0 for a curated range)
    changed: dt.datetime  # the latest report, or the tables' date
    note: str = ""  # a live campaign's evidence, in words


@dataclass(frozen=True)
class BlockList:
    entries: list[Entry]
    date: dt.datetime  # the newest entry's date: when the list last changed
    data_version: str


def build(
    settings: Settings,
    *,
    level: str = "high",
    limit: int = DEFAULT_LIMIT,
    since: dt.datetime | None = None,
    reported: Reported | None = None,
    community: Callable[[str], Community | None] | None = None,
    data: Tables | None = None,
    campaigns: Iterable[CampaignView] = (),
) -> BlockList:
    """The block list: live ``campaigns``, reported numbers (``reported``, ``community``
    read the reports store) and curated ranges, at ``level`` or worse, changed since
    ``since``, worst first, at most ``limit``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    data = data or tables()
    entries = curated(settings.home, data)
    if reported is not None:
        entries += _reported(settings, reported, community, since, limit)
    entries += _campaigns(settings, campaigns)
    worst: dict[tuple[str, str], Entry] = {}  # a number both reported and in a campaign
    for entry in entries:
        kept = worst.get((entry.kind, entry.e164))
        if kept is None or entry.score > kept.score:
            worst[(entry.kind, entry.e164)] = entry
    chosen = [e for e in worst.values() if at_least(e.level, level)]
    if since is not None:
        chosen = [e for e in chosen if e.changed >= since]
    chosen.sort(key=lambda e: (-e.score, -e.reporters, e.kind != "prefix", e.e164))
    chosen = chosen[:limit]
    newest = max((e.changed for e in chosen), default=tables_date(data))
    return BlockList(chosen, newest, data.version)


def tables_date(data: Tables) -> dt.datetime:
    """The day the tables were last reviewed (``reviewed`` in manifest.toml), midnight UTC."""
    try:
        day = dt.date.fromisoformat(data.reviewed)
    except ValueError:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def curated(home: str, data: Tables) -> list[Entry]:
    """The tables' costly call-back ranges, as E.164 prefixes, judged by prefix."""
    import polars as pl

    from ringcheck.bulk import classify

    prefixes: dict[str, str] = {}
    for prefix, _ in data.high_risk.items():
        prefixes["+" + prefix] = "wangiri"
    for prefix, network in data.networks.items():
        if network.cost_band in ("international_high", "international_premium"):
            prefixes["+" + prefix] = "wangiri"
    if phonemeta.main_region(44) and is_uk(home):  # UK premium ranges cost UK homes
        for national, row in data.uk_ranges.items():
            if row.cost_band == "premium" and national.startswith("0"):
                prefixes["+44" + national[1:]] = "premium_callback"
    found = classify(pl.DataFrame({"number": list(prefixes)}), "number", home=home, data=data)
    date = tables_date(data)
    out = []
    for number, level, score in found.select("number", "dest_level", "dest_score").iter_rows():
        if level is None:
            continue
        category = prefixes[number]
        name = spam_name(category) if says_scam(level, category) else describe(category)
        out.append(Entry("prefix", number, name, category, level, score, score9(score), 0, date))
    return out


def _reported(
    settings: Settings,
    reported: Reported,
    community: Callable[[str], Community | None] | None,
    since: dt.datetime | None,
    limit: int,
) -> list[Entry]:
    out = []
    for e164, reporters, latest in reported(min_reporters=MIN_REPORTERS, since=since, limit=limit):
        found = lookup(e164, settings=settings, community=community(e164) if community else None)
        if found.level is None or found.score is None:
            continue
        out.append(
            Entry(
                "number",
                e164,
                found.label(),
                found.category,
                found.level,
                found.score,
                found.score9,
                reporters,
                latest,
            )
        )
    return out


def _campaigns(settings: Settings, campaigns: Iterable[CampaignView]) -> list[Entry]:
    """A campaign's number, or its range as a prefix, judged by ``lookup`` with it."""
    out = []
    for campaign in campaigns:
        found = lookup(campaign.key.replace("x", "0"), settings=settings, campaign=campaign)
        if found.level is None or found.score is None or found.result is None:
            continue
        kind = "prefix" if campaign.key.endswith("x") else "number"
        reasons = found.result.verdict.reasons
        why = next((r.text for r in reasons if r.code == LIVE_CAMPAIGN), "")
        out.append(
            Entry(
                kind,
                campaign.key.rstrip("x"),
                found.label(),
                found.category,
                found.level,
                found.score,
                found.score9,
                0,
                campaign.updated_at,
                why,
            )
        )
    return out


def write(blocklist: BlockList, form: str, home: str = "GB") -> tuple[str, str]:
    """(body, media type) of ``blocklist`` in ``form`` (one of ``FORMATS``)."""
    entries = blocklist.entries
    if form == "callblocker":
        rows = ((e.name, e.e164, e.changed, e.changed) for e in entries)
        return blockfiles.callblocker_json(TITLE, rows), "application/json"
    if form == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ("kind", "number", "name", "category", "level", "score9", "reporters", "changed")
        )
        for e in entries:
            writer.writerow(
                (
                    e.kind,
                    e.e164,
                    e.name,
                    e.category,
                    e.level,
                    e.score9,
                    e.reporters,
                    e.changed.isoformat(),
                )
            )
        return out.getvalue(), "text/csv; charset=utf-8"
    if form == "vcard":
        numbers = [e.e164 for e in entries if e.kind == "number"]
        note = (
            "Numbers several people reported to ringcheck as scams. Block this contact, "
            f"and don't call these numbers back. List of {blocklist.date:%Y-%m-%d}."
        )
        return blockfiles.vcard(CONTACT_NAME, numbers, note), "text/vcard; charset=utf-8"
    if form == "spamblocker":
        return _spamblocker(entries, home), "text/csv; charset=utf-8"
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def _spamblocker(entries: list[Entry], home: str) -> str:
    meta = phonemeta.region_metadata(home)
    code = str(meta.country_code) if meta and meta.country_code else ""
    rules = phonemeta.country(int(code)) if code else None
    trunk = (rules.national_prefix if rules else None) or ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("pattern", "description"))
    for e in entries:
        digits = e.e164[1:]
        description = f"{e.name} ({e.level.replace('_', ' ')} risk)"
        if e.kind == "number":
            writer.writerow((digits, description))
            if code and digits.startswith(code):  # the national form the phone may show
                writer.writerow((digits[len(code) :], description))
            continue
        forms = f"(\\+|00)?{digits}"
        if code and digits.startswith(code):  # also as the phone shows a home number
            forms = f"({forms}|{trunk}{digits[len(code) :]})"
        writer.writerow((f"^{forms}\\d*$", description))
    return out.getvalue()
