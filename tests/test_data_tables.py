"""Checks on the curated data tables in src/ringcheck/data.

These tests read the files directly with the standard library, so they catch a bad row
before any code that loads the tables runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

DATA_DIR = Path(__file__).parents[1] / "src/ringcheck/data"
ORGANISATIONS = DATA_DIR / "organisations.toml"
# Every home's catalogue (homes.toml names them): the UK's, the US's, Germany's, anywhere.
CATALOGUES = sorted(DATA_DIR.glob("organisations*.toml"))
HIGH_RISK = DATA_DIR / "high_risk.csv"
NETWORKS = DATA_DIR / "networks.csv"

HIGH_RISK_COLUMNS = ["region", "prefix", "destination", "source", "source_url", "reviewed"]
NETWORK_COLUMNS = [
    "prefix", "kind", "name", "phrase", "cost_band", "source", "source_url", "reviewed",
]  # fmt: skip
KIND_KEYS = {"id", "label", "safe_contact", "advice", "source", "source_url", "reviewed"}
ORGANISATION_KEYS = {"name", "kind", "aliases", "source", "source_url", "reviewed"}
ORGANISATION_OPTIONAL_KEYS = {"said", "country"}
ADVICE_VALUES = {"call_159", "call_back_on_trusted_number"}

# Codes from domain.md, "Destinations named in call-back and revenue-share fraud
# warnings" (+1 area codes written as 1 followed by the area code).
DOMAIN_HIGH_RISK_CODES = {
    "FTC alert 2017": "1268 1284 1473 1649 1664 1767 1809 1829 1849 1876",
    "FBI IC3 2014": "1264 1268 1246 1284 1767 1473 1664",
    "FCC alerts 2019": "222 232 1809",
    "Ofcom Wangiri advice 2019": "267 224 592",
    "Which? / DMA": "269 231 216 674 222 235 682",
    "Irish mobile industry body 2017": "247 269 235",
    "Spain's Guardia Civil 2022": "355 225 233 234",
    "Cox default blocks (2014)": "220 224 232 236 239 248 252 960 994 377",
}
SATELLITE_AND_GLOBAL_CODES = {"870", "881", "882", "883"}

NETWORK_COST_BANDS = {
    "satellite": "international_high",
    "global_network": "international_high",
    "international_premium": "international_premium",
    "international_freephone": "international",
    "international_shared_cost": "international_shared_cost",
}

# Aliases people are most likely to type for organisations the product must know.
REQUIRED_ALIASES = [
    "hmrc",
    "dwp",
    "dvla",
    "tv licensing",
    "nhs",
    "royal mail",
    "dpd",
    "evri",
    "hermes",
    "dhl",
    "amazon",
    "bt",
    "openreach",
    "microsoft",
    "barclays",
    "british gas",
]

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DIGITS = re.compile(r"^[1-9]\d*$")
REGION = re.compile(r"^[A-Z]{2}$")


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _nanp_areas() -> dict[str, list[str]]:
    """Region -> its +1 area codes as E.164 prefixes ('1876'), from the generated table."""
    found: dict[str, list[str]] = {}
    text = (DATA_DIR / "generated" / "nanp_areas.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#") and line.split("\t")[0].isdigit():
            area, region = line.split("\t")
            found.setdefault(region, []).append(f"1{area}")
    return found


def _organisations(path: Path = ORGANISATIONS) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _all_rows() -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    for path in CATALOGUES:
        data = _organisations(path)
        rows += [(f"{path.stem} kind {k['id']}", k) for k in data["kind"]]
        rows += [(f"{path.stem} organisation {o['name']}", o) for o in data["organisation"]]
    rows += [(f"high_risk {r['region']} {r['prefix']}", r) for r in _read_csv(HIGH_RISK)[1]]
    rows += [(f"networks {r['prefix']}", r) for r in _read_csv(NETWORKS)[1]]
    with (DATA_DIR / "homes.toml").open("rb") as handle:
        homes = tomllib.load(handle)
    rows += [(f"homes {' '.join(g['homes'])}", g) for g in homes["charged_alike"]]
    rows += [(f"homes {h['id']}", h) for h in homes["home"]]
    return rows


def _assert_reviewed_date_is_valid(where: str, value: object) -> None:
    assert isinstance(value, str), f"{where}: reviewed must be a YYYY-MM-DD string"
    assert ISO_DATE.match(value), f"{where}: reviewed {value!r} is not YYYY-MM-DD"
    reviewed = dt.date.fromisoformat(value)
    assert reviewed <= dt.date.today(), f"{where}: reviewed {value} is in the future"


# --- every table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "row"), _all_rows(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_row_cites_a_source_and_a_past_review_date(where: str, row: dict[str, Any]) -> None:
    assert str(row["source"]).strip(), f"{where}: source is empty"
    assert str(row["source"]).strip() == row["source"], f"{where}: source has stray spaces"
    url = row.get("source_url", "")
    assert url == "" or url.startswith("https://"), f"{where}: source_url must be https or empty"
    _assert_reviewed_date_is_valid(where, row["reviewed"])


# --- high_risk.csv ---------------------------------------------------------------------


def test_high_risk_table_has_the_expected_columns() -> None:
    columns, _ = _read_csv(HIGH_RISK)
    assert columns == HIGH_RISK_COLUMNS


def test_every_high_risk_row_cites_a_source() -> None:
    _, rows = _read_csv(HIGH_RISK)
    assert rows, "high_risk.csv is empty"
    for row in rows:
        assert row["source"].strip(), f"{row['region']} {row['prefix']} has no source"
        assert row["destination"].strip(), f"{row['region']} {row['prefix']} has no destination"


def test_high_risk_rows_name_a_region_and_digits_only_prefixes() -> None:
    _, rows = _read_csv(HIGH_RISK)
    for row in rows:
        assert REGION.match(row["region"]), f"bad region {row['region']!r}"
        assert row["prefix"] == "" or DIGITS.match(row["prefix"]), f"bad prefix {row['prefix']!r}"


def test_high_risk_rows_are_unique_per_region_prefix_and_source() -> None:
    _, rows = _read_csv(HIGH_RISK)
    keys = [(row["region"], row["prefix"], row["source"]) for row in rows]
    assert len(keys) == len(set(keys))


def test_a_whole_country_row_is_a_north_american_member() -> None:
    # A row without a prefix stands for every +1 area code of its region (generated from
    # phonenumbers' data); any other country is named by its calling code.
    areas = _nanp_areas()
    _, rows = _read_csv(HIGH_RISK)
    for row in rows:
        if not row["prefix"]:
            assert areas.get(row["region"]), f"{row['region']} has no +1 area codes"


def test_high_risk_table_contains_every_code_named_in_the_domain_notes() -> None:
    areas = _nanp_areas()
    _, rows = _read_csv(HIGH_RISK)
    expected = {
        (code, src) for src, codes in DOMAIN_HIGH_RISK_CODES.items() for code in codes.split()
    }
    covered = {
        (prefix, row["source"])
        for row in rows
        for prefix in ([row["prefix"]] if row["prefix"] else areas[row["region"]])
    }
    assert expected - covered == set(), "codes from domain.md are missing"
    for row in rows:  # each row's country or code was named by its source
        named = {code for code, src in expected if src == row["source"]}
        mine = {row["prefix"]} if row["prefix"] else set(areas[row["region"]])
        assert mine & named, f"{row['region']} {row['prefix']}: not backed by domain.md"


def test_high_risk_region_always_names_the_same_destination() -> None:
    _, rows = _read_csv(HIGH_RISK)
    names: dict[str, set[str]] = {}
    for row in rows:
        names.setdefault(row["region"], set()).add(row["destination"])
    assert {p: n for p, n in names.items() if len(n) > 1} == {}


def test_satellite_and_global_codes_live_in_networks_not_high_risk() -> None:
    _, rows = _read_csv(HIGH_RISK)
    assert {row["prefix"] for row in rows} & SATELLITE_AND_GLOBAL_CODES == set()


# --- networks.csv ----------------------------------------------------------------------


def test_networks_table_has_the_expected_columns() -> None:
    columns, _ = _read_csv(NETWORKS)
    assert columns == NETWORK_COLUMNS


def test_network_prefixes_are_digits_and_unique() -> None:
    _, rows = _read_csv(NETWORKS)
    prefixes = [row["prefix"] for row in rows]
    for prefix in prefixes:
        assert DIGITS.match(prefix), f"bad prefix {prefix!r}"
    assert len(prefixes) == len(set(prefixes))


def test_every_network_kind_has_its_matching_cost_band() -> None:
    _, rows = _read_csv(NETWORKS)
    for row in rows:
        assert row["kind"] in NETWORK_COST_BANDS, f"{row['prefix']}: unknown kind {row['kind']}"
        expected = NETWORK_COST_BANDS[row["kind"]]
        assert row["cost_band"] == expected, f"{row['prefix']}: cost_band should be {expected}"
        assert row["name"].strip(), f"{row['prefix']}: name is empty"


def test_networks_cover_satellite_global_premium_and_freephone_codes() -> None:
    _, rows = _read_csv(NETWORKS)
    prefixes = {row["prefix"] for row in rows}
    assert SATELLITE_AND_GLOBAL_CODES | {"979", "800", "808"} <= prefixes


# --- organisations.toml ----------------------------------------------------------------


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_kinds_and_organisations_use_exactly_the_documented_keys(path: Path) -> None:
    data = _organisations(path)
    assert set(data) == {"kind", "organisation"}
    for kind in data["kind"]:
        assert set(kind) == KIND_KEYS, f"kind {kind.get('id')}: keys {sorted(kind)}"
    for org in data["organisation"]:
        keys = set(org) - ORGANISATION_OPTIONAL_KEYS
        assert keys == ORGANISATION_KEYS, f"{org.get('name')}: keys {sorted(org)}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_kind_ids_are_unique(path: Path) -> None:
    ids = [kind["id"] for kind in _organisations(path)["kind"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_every_kind_gives_known_advice_and_plain_wording(path: Path) -> None:
    for kind in _organisations(path)["kind"]:
        assert kind["advice"] in ADVICE_VALUES, f"kind {kind['id']}: advice {kind['advice']}"
        assert kind["label"].strip(), f"kind {kind['id']}: label is empty"
        assert kind["safe_contact"].strip(), f"kind {kind['id']}: safe_contact is empty"


def test_only_uk_banks_are_sent_to_159() -> None:
    for path in CATALOGUES:
        for kind in _organisations(path)["kind"]:
            uk_bank = kind["id"] == "bank" and path == ORGANISATIONS
            expected = "call_159" if uk_bank else "call_back_on_trusted_number"
            assert kind["advice"] == expected, f"{path.stem} kind {kind['id']}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_every_organisation_kind_is_defined(path: Path) -> None:
    data = _organisations(path)
    kinds = {kind["id"] for kind in data["kind"]}
    for org in data["organisation"]:
        assert org["kind"] in kinds, f"{org['name']}: unknown kind {org['kind']}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_every_kind_is_used_by_an_organisation(path: Path) -> None:
    data = _organisations(path)
    used = {org["kind"] for org in data["organisation"]}
    assert {kind["id"] for kind in data["kind"]} - used == set()


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_organisation_names_are_unique(path: Path) -> None:
    names = [org["name"] for org in _organisations(path)["organisation"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_every_organisation_has_lower_case_trimmed_aliases(path: Path) -> None:
    for org in _organisations(path)["organisation"]:
        aliases = org["aliases"]
        assert aliases, f"{org['name']}: no aliases"
        for alias in aliases:
            assert alias == alias.lower(), f"{org['name']}: alias {alias!r} is not lower-case"
            assert alias == " ".join(alias.split()), f"{org['name']}: alias {alias!r} spacing"
            assert alias, f"{org['name']}: empty alias"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_no_alias_belongs_to_two_organisations(path: Path) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for org in _organisations(path)["organisation"]:
        for alias in org["aliases"]:
            if alias in owner and owner[alias] != org["name"]:
                clashes.append((alias, owner[alias], org["name"]))
            owner.setdefault(alias, org["name"])
    assert clashes == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_no_organisation_lists_an_alias_twice(path: Path) -> None:
    for org in _organisations(path)["organisation"]:
        assert len(org["aliases"]) == len(set(org["aliases"])), org["name"]


@pytest.mark.parametrize("alias", REQUIRED_ALIASES)
def test_required_organisations_can_be_found_by_their_common_name(alias: str) -> None:
    aliases = {a for org in _organisations()["organisation"] for a in org["aliases"]}
    assert alias in aliases


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_banks_have_a_catch_all_row_for_an_unnamed_bank(path: Path) -> None:
    owners = {
        alias: org["kind"]
        for org in _organisations(path)["organisation"]
        for alias in org["aliases"]
    }
    assert owners.get("my bank") == "bank"
    assert owners.get("fraud department") == "bank"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_organisation_data_holds_no_phone_numbers_except_report_fraud(path: Path) -> None:
    # Phone-number-like: starts with 0 or +, or has six or more digits (spaces allowed).
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "", path.read_text(encoding="utf-8"))  # dates
    runs = {re.sub(r"\D", "", run) for run in re.findall(r"\+?\d[\d ]*\d|\+?\d", text)}
    phone_like = {run for run in runs if run.startswith("0") or len(run) >= 6}
    assert phone_like <= {"03001232040"}
