"""The calling-code directory: every +code with its countries, searchable.

Shared codes are split where it matters for scams: +1 is listed once for the USA and
Canada and again for each Caribbean or Atlantic area code (+1 876 Jamaica…), from the
area-code table the checker places +1 numbers by (generated from phonenumbers' own data,
not kept by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers

from ringcheck import phonemeta
from ringcheck.datatables import tables


@dataclass(frozen=True)
class CodeRow:
    """One line of the directory."""

    digits: str  # E.164 digits: "44", "1876"
    regions: tuple[str, ...]
    places: tuple[str, ...]
    high_risk: bool
    note: str | None

    @property
    def label(self) -> str:
        if self.digits.startswith("1") and len(self.digits) == 4:
            return f"+1 {self.digits[1:]}"
        return f"+{self.digits}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.label,
            "digits": self.digits,
            "regions": list(self.regions),
            "places": list(self.places),
            "high_risk": self.high_risk,
            "note": self.note,
        }


def _row(digits: str, regions: tuple[str, ...], names: tuple[str, ...]) -> CodeRow:
    data = tables()
    risky = data.high_risk.longest(digits)
    network = data.networks.get(digits)
    note = None
    if network is not None:
        note = data.wording.line_type.get(
            {"satellite": "satellite", "global_network": "global_network"}.get(network.kind, ""),
            network.name,
        )
    elif risky is not None and risky.prefix == digits:
        note = "Named in call-back scam warnings"
    return CodeRow(digits, regions, names, risky is not None and risky.prefix == digits, note)


@cache
def directory() -> tuple[CodeRow, ...]:
    """Every calling code phonenumbers knows, plus +1 area codes outside the USA/Canada."""
    names = phonemeta.country_names()
    data = tables()
    rows = []
    for code, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        digits = str(code)
        if regions == (phonemeta.NON_GEO_REGION,):
            network = data.networks.get(digits)
            label = network.name if network else "International network"
            rows.append(_row(digits, tuple(regions), (label,)))
            continue
        shown = tuple(r for r in regions if code != 1 or r in ("US", "CA"))
        rows.append(_row(digits, shown, tuple(names.get(r, r) for r in shown)))
        if code == 1:  # the same area codes the checker places numbers by
            for area, region in sorted(phonemeta.nanp_areas().items()):
                if region not in shown and area.isdigit():
                    rows.append(_row(f"1{area}", (region,), (names.get(region, region),)))
    return tuple(sorted(rows, key=lambda r: (len(r.digits) > 3 and r.digits[0] == "1", r.digits)))


def calling_codes(query: str | None = None) -> list[CodeRow]:
    """Directory rows matching QUERY: a code ("+44", "1 876", "00234") or part of a name."""
    rows = directory()
    if not query or not query.strip():
        return list(rows)
    text = query.strip().lower()
    digits = re.sub(r"\D", "", text)
    if digits and not re.search(r"[a-z]", text):
        if text.startswith("00"):
            digits = digits[2:]
        return [r for r in rows if r.digits.startswith(digits)]
    return [
        r
        for r in rows
        if any(text in place.lower() for place in r.places) or text in (r.note or "").lower()
    ]
