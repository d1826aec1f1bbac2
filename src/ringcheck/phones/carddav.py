"""The block list as an address book of vCards, for routers that subscribe to one.

A FRITZ!Box can use an online phone book over CardDAV and block every number in it
(haumacher/phoneblock serves its community list so). ``cards`` turns a block list
(``ringcheck.phones.blocklists``) into vCard 3.0 cards the way such a box takes them:

- ``FN:SPAM: <what it is> <first number>`` (``Blocked:`` when the entry's verdict
  doesn't say scam, ``Entry.scam``), ``CATEGORIES:SPAM``; "what it is" from the entry's
  category, never from its label;
- up to ``MAX_TEL`` ``TEL`` lines per card, the numbers of one range (the number less its
  last two digits) together, most worrying first;
- a range of the tables (+1 876, UK 09…) as one card with a wildcard ``TEL`` (``+1876*``);
- numbers in the device's own country in national form (``030…``, ``09…``), others as
  ``+…``, as the box compares them with the caller's number;
- a stable ``UID`` per range and an ``ETag`` that changes only with the card's content;
- a first card "ringcheck list, updated <date>" so the user can see the list is live.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from ringcheck.lookup import describe
from ringcheck.phones.blocklists import BlockList, Entry, escape, fold, home_prefixes

MAX_TEL = 9
UPDATED_UID = "rc-list-updated"


@dataclass(frozen=True)
class Card:
    uid: str
    name: str  # FN
    numbers: tuple[str, ...]  # the TEL values
    note: str
    etag: str  # quoted

    @property
    def text(self) -> str:
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"UID:{self.uid}",
            f"FN:{escape(self.name)}",
            f"N:{escape(self.name)};;;;",
            "CATEGORIES:SPAM",
            *(f"TEL;TYPE=WORK:{number}" for number in self.numbers),
            f"NOTE:{escape(self.note)}",
            "END:VCARD",
        ]
        return "".join(fold(line) + "\r\n" for line in lines)


def national(e164: str, home: str) -> str:
    """A number as the box in ``home`` writes it: national form at home, else ``+…``.

    >>> national("+4930123456", "DE"), national("+18768123456", "DE")
    ('030123456', '+18768123456')
    """
    code, trunk = home_prefixes(home)
    if code and e164.startswith("+" + code):
        return trunk + e164[1 + len(code) :]
    return e164


def _card(uid_key: str, entry: Entry, numbers: list[str], note: str) -> Card:
    name = f"{_lead(entry)}: {describe(entry.category)} {numbers[0]}".replace("  ", " ")
    tag = hashlib.sha1((name + "|" + "|".join(numbers)).encode()).hexdigest()[:12]
    uid = "rc-" + hashlib.sha1(uid_key.encode()).hexdigest()[:16]
    return Card(uid, name, tuple(numbers), note, f'"{tag}"')


def _lead(entry: Entry) -> str:
    """'SPAM' only for a verdict that says scam (``Entry.scam``); else 'Blocked', as the
    book blocks every number in it."""
    return "SPAM" if entry.scam else "Blocked"


def cards(blocklist: BlockList, home: str) -> list[Card]:
    """The address book: the "updated" card, then a card per range, worst first."""
    date = blocklist.date.astimezone(dt.UTC).strftime("%Y-%m-%d")
    first = Card(
        UPDATED_UID,
        f"ringcheck list, updated {date}",
        (),
        "Numbers in this phone book are blocked as scams. ringcheck updates it every day.",
        f'"{hashlib.sha1(date.encode()).hexdigest()[:12]}"',
    )
    out = [first]
    groups: dict[str, list[Entry]] = {}
    for entry in blocklist.entries:
        if entry.note:  # a live campaign: its own card, saying what was seen
            tel = national(entry.e164, home) + ("*" if entry.kind == "range" else "")
            out.append(_card("c" + entry.e164, entry, [tel], entry.note))
            continue
        if entry.kind == "range":
            note = f"Every number starting {entry.e164}: {entry.level.replace('_', ' ')} risk."
            out.append(_card("p" + entry.e164, entry, [national(entry.e164, home) + "*"], note))
            continue
        groups.setdefault(entry.e164[:-2], []).append(entry)
    for key, members in groups.items():
        for start in range(0, len(members), MAX_TEL):
            part = members[start : start + MAX_TEL]
            note = f"Reported by at least {min(e.reporters for e in part)} people each."
            numbers = [national(e.e164, home) for e in part]
            out.append(_card(f"n{key}:{start // MAX_TEL}", part[0], numbers, note))
    return out
