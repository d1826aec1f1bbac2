"""Homes other than the UK: every result speaks the home's truth.

A user's home decides which numbers are charged like home, which services they report to
and which organisations a caller can pretend to be (``data/homes.toml``). These tests run
over every region phonenumbers knows, every North American member and every calling code
that several regions share, not over a few examples.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from functools import cache
from typing import Any

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ringcheck import phonemeta
from ringcheck.bulk import classify
from ringcheck.calllog import read_log, triage
from ringcheck.checker import CheckResult, check
from ringcheck.datatables import tables
from ringcheck.homes import charged_as_domestic, home_for, homes, is_uk
from ringcheck.lookup import lookup
from ringcheck.phones.blocklists import curated
from ringcheck.phones.fritzbox.callmonitor import Watcher
from ringcheck.risk import CallContext
from ringcheck.settings import Settings

UK_HOMES = ("GB", "GG", "JE", "IM")
# Services and words that belong to UK homes only (domain.md, "Homes other than the UK").
UK_ONLY = re.compile(
    r"\b7726\b|\b159\b|Report Fraud|reportfraud\.police\.uk|0300 123 2040|Police Scotland|"
    r"\bUK\b|HMRC"
)
UK_ONLY_ADVICE = {"report_7726", "call_159"}
# Numbers and calls that bring out reporting advice, organisation claims and the words
# about shared codes: a premium line, a high-risk +1 member, Africa, a satellite phone,
# a Guernsey mobile, a UK mobile, a UK 070, a withheld caller.
NUMBERS = (
    "+447781123456",
    "+447700900123",
    "+447012345678",
    "+449061234567",
    "+18768123456",
    "+2348031234567",
    "+881612345678",
    "Withheld",
)
CONTEXTS = (
    None,
    CallContext(claimed="my bank", recorded_message=True),
    CallContext(claimed="HMRC"),
    CallContext(claimed="the police", rang_seconds=2),
)
# Regions charged like the US mainland (rate integration, 47 U.S.C. 254(g)): the law's
# list. Their area codes come from phonenumbers' metadata, never typed here.
RATE_INTEGRATED = frozenset({"US", "PR", "VI", "GU", "MP", "AS"})
NANP_REGIONS = tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
SHARED_CODES = {
    code: regions
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
    if len(regions) > 1 and code != 1
}


def _texts(result: CheckResult) -> list[str]:
    verdict = result.verdict
    return [
        verdict.headline,
        result.number.callback_cost.text,
        *(r.text for r in verdict.reasons),
        *(a.text for a in verdict.advice),
    ]


@cache
def _home_numbers(home: str) -> tuple[str, ...]:
    """The home's own example numbers (landline, mobile, premium, written nationally too)."""
    found = []
    for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.PREMIUM_RATE):
        number = phonenumbers.example_number_for_type(home, kind)
        if number is not None:
            found.append(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    return tuple(found)


def _area_probes(region: str) -> list[str]:
    """A number in each of the region's +1 area codes (generated from phonenumbers' data)."""
    areas = [a for a, r in phonemeta.nanp_areas().items() if r == region and a.isdigit()]
    return [f"+1{area}2345678" for area in sorted(areas)]


# --- services and words ------------------------------------------------------------------


@pytest.mark.parametrize("home", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_no_uk_service_or_uk_word_reaches_a_home_outside_the_uk(home: str) -> None:
    for text in (*NUMBERS, *_home_numbers(home)):
        for context in CONTEXTS:
            result = check(text, context, home=home)
            codes = {a.code for a in result.verdict.advice}
            if home in UK_HOMES:
                continue
            assert codes & UK_ONLY_ADVICE == set(), (home, text, context)
            for sentence in _texts(result):
                assert not UK_ONLY.search(sentence), (home, text, context, sentence)


@pytest.mark.parametrize("home", UK_HOMES)
def test_uk_homes_keep_7726_report_fraud_and_159(home: str) -> None:
    risky = check("+18768123456", home=home).verdict
    assert {"report_7726", "report_fraud"} <= {a.code for a in risky.advice}
    assert "reportfraud.police.uk" in " ".join(a.text for a in risky.advice)
    bank = check("+2348031234567", CallContext(claimed="my bank"), home=home).verdict
    assert "call_159" in {a.code for a in bank.advice}


@pytest.mark.parametrize("home", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_a_risky_call_is_reported_to_the_homes_own_service(home: str) -> None:
    entry = home_for(home)
    advice = {a.code: a.text for a in check("+881612345678", home=home).verdict.advice}
    assert "report_fraud" in advice, home
    if entry.id != "uk":
        assert advice["report_fraud"] == entry.wording["advice"]["report_fraud"]


def test_homes_with_a_table_name_their_services_and_others_say_what_is_true_anywhere() -> None:
    def report(home: str) -> str:
        advice = check("+881612345678", home=home).verdict.advice
        return next(a.text for a in advice if a.code == "report_fraud")

    assert "ReportFraud.ftc.gov" in report("US") and "fcc.gov/complaints" in report("PR")
    assert "Bundesnetzagentur" in report("DE")
    for home in ("FR", "JP", "NG", "BR", "KZ"):
        assert report(home) == (
            "Report it to your phone provider and your country's fraud reporting service."
        )


@pytest.mark.parametrize(
    ("home", "claimed", "name"),
    [
        ("US", "they said they were the IRS", "the IRS"),
        ("US", "Social Security", "Social Security"),
        ("DE", "das Finanzamt", "the Finanzamt"),
        ("DE", "Sparkasse", "your bank"),
        ("FR", "my bank", "your bank"),
        ("GB", "HMRC", "HMRC"),
    ],
)
def test_a_claim_is_matched_against_the_homes_own_organisations(
    home: str, claimed: str, name: str
) -> None:
    result = check("+2348031234567", CallContext(claimed=claimed), home=home)
    assert result.verdict.organisation is not None
    assert result.verdict.organisation.name == name
    assert "call_back_on_trusted_number" in {a.code for a in result.verdict.advice}


def test_a_uk_body_is_no_organisation_outside_the_uk() -> None:
    for home in ("US", "DE", "FR"):
        assert (
            check("+2348031234567", CallContext(claimed="HMRC"), home=home).verdict.organisation
            is None
        )


# --- numbers that share the home's calling code -------------------------------------------


@pytest.mark.parametrize("home", sorted(RATE_INTEGRATED))
@pytest.mark.parametrize("region", NANP_REGIONS)
def test_us_territories_are_charged_like_home_and_other_members_are_abroad(
    home: str, region: str
) -> None:
    for text in _area_probes(region):
        result = check(text, home=home)
        codes = {r.code for r in result.verdict.reasons}
        if region in RATE_INTEGRATED or region == "CA":
            assert result.number.domestic, (home, text)
            assert codes & {"international", "looks_domestic"} == set(), (home, text)
            assert not result.number.callback_cost.band.startswith("international")
        else:
            # A Caribbean or Atlantic member: looks domestic, costs more.
            assert not result.number.domestic, (home, text)
            assert {"international", "looks_domestic"} <= codes, (home, text)


@pytest.mark.parametrize("code", sorted(SHARED_CODES))
def test_a_number_on_the_homes_calling_code_is_domestic_only_where_charged_so(code: int) -> None:
    regions = SHARED_CODES[code]
    numbers = {r: phonenumbers.example_number(r) for r in regions}
    for home in regions:
        if phonemeta.region_metadata(home) is None:
            continue
        for region, number in numbers.items():
            if number is None or phonenumbers.region_code_for_number(number) != region:
                continue
            text = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            result = check(text, home=home)
            assert result.number.domestic == (region in charged_as_domestic(home)), (home, text)
            if not result.number.domestic:
                assert "international" in {r.code for r in result.verdict.reasons}


def test_russia_and_kazakhstan_share_plus7_but_call_each_other_abroad() -> None:
    assert check("+77012345678", home="RU").number.domestic is False
    assert check("+79123456789", home="KZ").number.domestic is False
    assert charged_as_domestic("GG") == frozenset(UK_HOMES)


def test_numbers_of_the_homes_own_plan_filed_under_another_region_are_home() -> None:
    # Svalbard (Norway's 79), Aland (Finland's 018), the Vatican (Rome's 06 698): national
    # numbers of the home's plan that phonenumbers files under a region of their own.
    for home, number in (("NO", "+4779123456"), ("FI", "+358181234567"), ("IT", "+390669812345")):
        result = check(number, home=home)
        assert result.number.region != home and result.number.domestic, (home, number)
        assert "international" not in {r.code for r in result.verdict.reasons}
    assert check("+12025550143".replace("555", "456"), home="CA").number.domestic


def test_a_crown_dependency_number_is_simply_abroad_for_a_home_outside_the_uk() -> None:
    for home in ("US", "DE", "FR"):
        result = check("+447781123456", home=home)
        assert "crown_dependency" not in {r.code for r in result.verdict.reasons}
        assert "international" in {r.code for r in result.verdict.reasons}
    assert "crown_dependency" in {r.code for r in check("+447781123456").verdict.reasons}


# --- every +1 area code of a member --------------------------------------------------------


@pytest.mark.parametrize("region", NANP_REGIONS)
def test_every_area_code_of_a_high_risk_member_counts_for_it(region: str) -> None:
    probes = _area_probes(region)
    flagged = [tables().high_risk.longest(p[1:]) is not None for p in probes]
    assert all(flagged) or not any(flagged), region
    for text in probes:
        result = check(text)
        assert result.verdict.has("high_risk_destination") == all(flagged), text


def test_jamaicas_overlay_is_high_risk_like_its_first_area_code() -> None:
    areas = {a for a, r in phonemeta.nanp_areas().items() if r == "JM" and a.isdigit()}
    assert len(areas) >= 2  # 876 and its overlay, from phonenumbers' data
    for area in areas:
        assert check(f"+1{area}2345678").verdict.has("high_risk_destination")


@pytest.mark.parametrize("home", ["GB", "US", "DE"])
def test_block_lists_hold_every_area_code_of_a_high_risk_member(home: str) -> None:
    blocked = {e.e164 for e in curated(home, tables())}
    members = {row.destination for row in tables().high_risk.values()}
    for area, region in phonemeta.nanp_areas().items():
        if not area.isdigit():
            continue
        risky = tables().high_risk.get(f"1{area}")
        if risky is not None:
            assert f"+1{area}" in blocked, (home, area)
        elif phonemeta.country_names().get(region) in members:
            pytest.fail(f"+1 {area} ({region}) is missing from a high-risk member")


@pytest.mark.parametrize("home", ["GB", "US", "PR", "DE"])
def test_the_bulk_classifier_agrees_with_one_check_on_every_nanp_area(home: str) -> None:
    # What the prefixes decide: where it is, whether it is home, whether it is high risk.
    shared = {"international", "high_risk_destination", "looks_domestic"}
    probes = [p for region in NANP_REGIONS for p in _area_probes(region)]
    found = classify(pl.DataFrame({"number": probes}), "number", home=home)
    columns = ("number", "dest_region", "dest_domestic", "dest_high_risk", "dest_reasons")
    for text, region, domestic, high_risk, reasons in found.select(*columns).iter_rows():
        info, verdict = (result := check(text, home=home)).number, result.verdict
        assert (region, domestic) == (info.region, info.domestic), (home, text)
        assert high_risk == (info.high_risk.destination if info.high_risk else None), text
        assert set(reasons) & shared == {r.code for r in verdict.reasons} & shared, text


# --- the faces read the home from their settings ------------------------------------------


def test_phone_system_lookups_give_the_homes_advice() -> None:
    found = lookup("+2348031234567", settings=Settings(home="DE"))
    assert found.result is not None
    advice = " ".join(a.text for a in found.result.verdict.advice)
    assert "Bundesnetzagentur" in advice and not UK_ONLY.search(advice)
    # Puerto Rico is home for a US phone system, abroad for a UK one.
    assert lookup("+17872345678", settings=Settings(home="US")).action == "allow"
    assert lookup("+17872345678", settings=Settings(home="GB")).action != "allow"


def test_the_fritzbox_watcher_judges_with_its_home() -> None:
    def ring(home: str) -> dict[str, Any]:
        events: list[dict[str, Any]] = []
        watcher = Watcher(Settings(home=home), events.append)
        line = "02.12.26 11:00:00;RING;0;+17872345678;03012345678;SIP0;"
        asyncio.run(watcher.handle(line, dt.datetime(2026, 12, 2, 11)))
        return events[0]

    assert ring("US")["action"] == "allow"
    assert ring("GB")["action"] != "allow"


def test_triage_reports_to_the_homes_service() -> None:
    log = read_log(b"number,time\n+2348031234567,2024-03-01 02:10\n")
    verdict = triage(log, settings=Settings(home="US")).numbers[0]["verdict"]
    texts = " ".join(a["text"] for a in verdict["advice"])
    assert "ReportFraud.ftc.gov" in texts and not UK_ONLY.search(texts)


def test_every_home_entry_lists_real_regions_and_a_source() -> None:
    for entry in homes().values():
        assert entry.source.strip()
        for region in entry.regions:
            assert region in phonenumbers.SUPPORTED_REGIONS, (entry.id, region)
    for region in phonenumbers.SUPPORTED_REGIONS:
        alike = charged_as_domestic(region)
        code = phonenumbers.country_code_for_region(region)
        # Only regions on the home's own calling code can be charged like home.
        assert {phonenumbers.country_code_for_region(r) for r in alike} == {code}, region
    assert is_uk("gb") and not is_uk("US")


# --- the web page and report files -------------------------------------------------------


def test_a_triage_report_file_names_the_homes_services() -> None:
    from ringcheck.calllog.html import render_report

    log = read_log(b"number,time\n+2348031234567,2024-03-01 02:10\n")
    page = render_report(triage(log, settings=Settings(home="DE")))
    footer = page.split("<footer")[1]
    assert "Bundesnetzagentur" in footer and not UK_ONLY.search(footer)
    uk = render_report(triage(log, settings=Settings()))
    assert "7726" in uk.split("<footer")[1]
