"""Block lists: one entry type, and every file a phone system or phone imports.

Every face that makes a block list turns what it found into ``Entry`` items: the server
(``build``: the numbers people reported and the ranges the tables name, for
``/api/v1/blocklist`` and the CardDAV book), ``ringcheck triage --blocklist``
(``calllog.outputs.block_entries``) and ``ringcheck scan --blocklist``
(``scan.report.block_entries``). One writer per format writes them, so the same entries
give the same file whichever face asked. Whether an entry's verdict says scam
(``lookup.says_scam``) is decided once, when it is judged, and carried in ``Entry.scam``:
no writer reads it back out of a label.

Formats (``FORMATS``), each entry named by ``name`` ("SPAM Wangiri (very high risk,
Jamaica)"):

- ``callblocker``: the list the Raspberry Pi callblocker (pamapa/callblocker) reads from
  its ``blocklists`` folder, ``{"name": …, "entries": [{"name", "number",
  "date_created", "date_modified"}]}``, dates in UTC as ``%Y-%m-%d %H:%M:%S +0000``. Its
  daemon matches an entry as a prefix of the caller's number (``strncmp``), so a range is
  one entry; an entry with an empty number would block by *name*, so none has one.
- ``csv``: ``kind,number,name,category,level,score9,reporters,country,changed,reasons``,
  a range as its prefix.
- ``vcard``: vCard 3.0 (RFC 2426) text, CRLF lines, values escaped, lines folded at 75
  octets: one contact, "Scam – do not answer" (or "Blocked – do not answer" when some of
  its entries' verdicts don't say scam), holding every whole number as a TEL line. Phones
  match whole numbers only, so a range gives the numbers seen in it, or nothing.
- ``spamblocker``: a ``pattern,description`` CSV for the Android app SpamBlocker: each
  number as exact digits, international without ``+`` and, for a home number, national
  without its trunk prefix, as its spam database matches them; each range as a regular
  expression.

The server's list is ranked worst first and capped (``limit``): a router or call blocker
holds only a few thousand entries and reloads its list once a day. Its reported numbers
are those at least ``MIN_REPORTERS`` different people reported, each judged by ``lookup``
with those reports; its live campaigns the numbers and ranges of the scam campaigns
running now (``campaigns``, published by the live detector), each judged by ``lookup``
with its campaign, so they come first while they run and leave when they end or are
released; its curated ranges are the call-back warning destinations
(``high_risk.csv``), the satellite and global networks whose calls cost most
(``networks.csv``) and, for a UK home, the premium-rate ranges (``uk_ranges.csv``), each
judged by the prefix lookup the operator scan uses (``bulk.classify``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ringcheck import phonemeta, tableout
from ringcheck.community import MIN_REPORTERS
from ringcheck.datatables import Tables, tables
from ringcheck.homes import is_uk
from ringcheck.lookup import LIVE_CAMPAIGN, describe, lookup, says_scam, score9, spam_name
from ringcheck.risk import LEVELS, at_least
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.community import Community
    from ringcheck.store.running import CampaignView

FORMATS = ("callblocker", "csv", "vcard", "spamblocker")
KINDS = ("number", "range")
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 2_000  # about what a FRITZ!Box or callblocker list holds well
TITLE: Final = "ringcheck scam numbers"
CONTACT_NAME: Final = "Scam – do not answer"
BLOCKED_NAME: Final = "Blocked – do not answer"
CSV_COLUMNS: Final = (
    "kind", "number", "name", "category", "level", "score9", "reporters", "country",
    "changed", "reasons",
)  # fmt: skip
Reported = Callable[..., list[tuple[str, int, dt.datetime]]]


@dataclass(frozen=True)
class Entry:
    """One line of a block list: a whole number, or a range as its E.164 prefix."""

    kind: str  # "number" or "range"
    e164: str  # '+' and digits: the number, or the range's first digits
    label: str  # the caller name a blocker shows: 'SPAM Wangiri', 'Intl +33 FR'
    category: str  # what it is, as ``lookup.CATEGORIES`` names it
    level: str
    scam: bool  # the verdict says scam (``lookup.says_scam``), decided when judged
    score: int  # 0-100, for ranking
    changed: dt.datetime | None = None  # the latest report or call; None: the list's date
    reporters: int = 0  # distinct people who reported it
    country: str = ""  # the country's name, when known
    reasons: tuple[str, ...] = ()  # the verdict's reason codes
    numbers: tuple[str, ...] = ()  # a range's numbers seen calling (phones match whole ones)
    note: str = ""  # a live campaign's evidence, in words

    @property
    def score9(self) -> int:
        return score9(self.score)


@dataclass(frozen=True)
class BlockList:
    entries: list[Entry]
    date: dt.datetime  # when the list last changed (the server: its newest entry's date)
    data_version: str = ""


def label_for(category: str, scam: bool) -> str:
    """The caller name of an entry judged without a lookup (a range, a caller in a call
    log or a scan): 'SPAM Wangiri' when its verdict says scam, else what it is.

    >>> label_for("wangiri", True), label_for("international", False), label_for("none", False)
    ('SPAM Wangiri', 'Abroad', 'Blocked')
    """
    return spam_name(category) if scam else (describe(category) or "Blocked")


def name(entry: Entry) -> str:
    """What a list names an entry: 'SPAM Wangiri (very high risk, Jamaica)'."""
    where = f", {entry.country}" if entry.country else ""
    return f"{entry.label} ({entry.level.replace('_', ' ')} risk{where})"


# -- writers ---------------------------------------------------------------------------


def write(blocklist: BlockList, form: str, home: str = "GB") -> tuple[str, str]:
    """(body, media type) of ``blocklist`` in ``form`` (one of ``FORMATS``); ``home``
    says which numbers a phone shows in national form (``spamblocker``)."""
    if form == "callblocker":
        return _callblocker(blocklist), "application/json"
    if form == "csv":
        return _csv(blocklist), "text/csv; charset=utf-8"
    if form == "vcard":
        return _vcard(blocklist), "text/vcard; charset=utf-8"
    if form == "spamblocker":
        return _spamblocker(blocklist.entries, home), "text/csv; charset=utf-8"
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def _callblocker(blocklist: BlockList) -> str:
    rows = []
    for e in blocklist.entries:
        if not e.e164:
            continue  # an empty number would block by name
        when = stamp(e.changed or blocklist.date)
        # callblocker's own list writers cut names at 200
        rows.append(
            {"name": name(e)[:200], "number": e.e164, "date_created": when, "date_modified": when}
        )
    return json.dumps({"name": TITLE, "entries": rows}, indent=2) + "\n"


def _csv(blocklist: BlockList) -> str:
    rows = (
        (e.kind, e.e164, e.label, e.category, e.level, e.score9, e.reporters, e.country,
         (e.changed or blocklist.date).isoformat(), " ".join(e.reasons))
        for e in blocklist.entries
    )  # fmt: skip
    return tableout.to_csv(CSV_COLUMNS, rows)


def _vcard(blocklist: BlockList) -> str:
    """One contact holding every whole number: a range gives the numbers seen in it."""
    numbers: dict[str, None] = {}
    for e in blocklist.entries:
        numbers.update(dict.fromkeys((e.e164,) if e.kind == "number" else e.numbers))
    day = f"List of {blocklist.date:%Y-%m-%d}."
    if all(e.scam for e in blocklist.entries):
        note = (
            "Numbers ringcheck found that look like scams. Block this contact, and don't "
            f"call these numbers back. {day}"
        )
        return vcard(CONTACT_NAME, numbers, note)
    note = (
        "Numbers at the risk level chosen to block. Block this contact. Call one back only "
        f"if you were expecting a call. {day}"
    )
    return vcard(BLOCKED_NAME, numbers, note)


def home_prefixes(home: str) -> tuple[str, str]:
    """(calling code, trunk prefix) of ``home``, as digits: how its phones write a number
    at home ('' when the home has none).

    >>> home_prefixes("GB"), home_prefixes("US")
    (('44', '0'), ('1', '1'))
    """
    meta = phonemeta.region_metadata(home)
    code = str(meta.country_code) if meta and meta.country_code else ""
    rules = phonemeta.country(int(code)) if code else None
    return code, (rules.national_prefix if rules else None) or ""


def _spamblocker(entries: list[Entry], home: str) -> str:
    code, trunk = home_prefixes(home)
    rows = []
    for e in entries:
        digits = e.e164[1:]
        description = name(e)
        if e.kind == "number":
            rows.append((digits, description))
            if code and digits.startswith(code):  # the national form the phone may show
                rows.append((digits[len(code) :], description))
            continue
        forms = f"(\\+|00)?{digits}"
        if code and digits.startswith(code):  # also as the phone shows a home number
            forms = f"({forms}|{trunk}{digits[len(code) :]})"
        rows.append((f"^{forms}\\d*$", description))
    return tableout.to_csv(("pattern", "description"), rows)


def vcard(contact: str, numbers: Iterable[str], note: str) -> str:
    """One vCard 3.0 contact called ``contact`` holding ``numbers`` (E.164)."""
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{escape(contact)}",
        f"N:{escape(contact)};;;;",
        *(f"TEL;TYPE=VOICE:{number}" for number in numbers),
        f"NOTE:{escape(note)}",
        "END:VCARD",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def escape(text: str) -> str:
    """RFC 2426 text value: backslash, comma, semicolon and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """Lines longer than 75 octets split with CRLF + space, never inside a character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        room = limit if not parts else limit - 1  # continuation lines start with a space
        if size + width > room:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def stamp(moment: dt.datetime) -> str:
    """A time as callblocker's lists write it: ``2026-12-01 12:00:00 +0000``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


# -- the server's list -----------------------------------------------------------------


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
    """The server's block list: live ``campaigns``, reported numbers (``reported``,
    ``community`` read the reports store) and curated ranges, at ``level`` or worse,
    changed since ``since``, worst first, at most ``limit``."""
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
        chosen = [e for e in chosen if e.changed is not None and e.changed >= since]
    chosen.sort(key=lambda e: (-e.score, -e.reporters, e.kind != "range", e.e164))
    chosen = chosen[:limit]
    newest = max((e.changed for e in chosen if e.changed), default=tables_date(data))
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
    columns = ("number", "dest_level", "dest_score", "dest_country", "dest_reasons")
    for number, level, score, country, reasons in found.select(columns).iter_rows():
        if level is None:
            continue
        category = prefixes[number]
        scam = says_scam(level, category)
        out.append(
            Entry(
                "range",
                number,
                label_for(category, scam),
                category,
                level,
                scam,
                score,
                date,
                country=country or "",
                reasons=tuple(reasons or ()),
            )
        )
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
        if found.level is None or found.score is None or found.result is None:
            continue
        scam = says_scam(found.level, found.category)
        country = found.result.number.country or ""
        out.append(
            Entry(
                "number",
                e164,
                found.label(),
                found.category,
                found.level,
                scam,
                found.score,
                latest,
                reporters,
                country,
                found.reasons,
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
        reasons = found.result.verdict.reasons
        why = next((r.text for r in reasons if r.code == LIVE_CAMPAIGN), "")
        out.append(
            Entry(
                "range" if campaign.key.endswith("x") else "number",
                campaign.key.rstrip("x"),
                found.label(),
                found.category,
                found.level,
                says_scam(found.level, found.category),
                found.score,
                campaign.updated_at,
                country=found.result.number.country or "",
                reasons=found.reasons,
                note=why,
            )
        )
    return out
