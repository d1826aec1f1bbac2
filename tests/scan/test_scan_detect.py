"""What the scan finds: planted campaigns at high or very high, look-alikes spared, and
features counted exactly on a small hand-made set of calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from scan_support import ZONE

from ringcheck.risk import at_least
from ringcheck.scan import ScanOptions, Thresholds, scan
from ringcheck.scan.demo import write
from ringcheck.scan.features import quantile


@pytest.fixture(scope="module")
def result(demo_dir: Path) -> Any:
    return scan([str(demo_dir / "demo.asterisk")], ScanOptions(tz=ZONE))


def _covers(key: str, numbers: list[str]) -> bool:
    return any(n.startswith(key) for n in numbers)


def test_every_planted_campaign_of_200_victims_is_found_at_high_or_worse(
    result: Any, labels: dict[str, Any]
) -> None:
    flagged = result.at_least("high")
    big = [c for c in labels["campaigns"] if c["victims"] >= 200]
    assert len(big) >= 3
    for campaign in big:
        hits = [f for f in flagged if _covers(f.key, campaign["numbers"])]
        assert hits, campaign["prefix"]
        assert any(f.features["callbacks"] > 0 for f in hits) or campaign["callbacks"] == 0


def test_everything_flagged_high_is_a_planted_campaign(result: Any, labels: dict[str, Any]) -> None:
    numbers = [n for c in labels["campaigns"] for n in c["numbers"]]
    for finding in result.at_least("high"):
        assert _covers(finding.key, numbers), finding.key


def test_flash_calls_are_never_high_and_say_nobody_called_back(
    result: Any, labels: dict[str, Any]
) -> None:
    prefixes = tuple(n["prefix"] for n in labels["negatives"] if n["kind"] == "flash_call")
    found = [f for f in result.findings if f.key.startswith(prefixes)]
    assert found
    for finding in found:
        assert not at_least(finding.level, "high"), finding.key
        assert any(r["code"] == "no_callbacks_yet" for r in finding.reasons)


def test_call_centres_robo_diallers_and_ivr_lines_are_not_findings(
    result: Any, labels: dict[str, Any]
) -> None:
    keys = {f.key for f in result.findings}
    for negative in labels["negatives"]:
        if "number" in negative:
            assert negative["number"] not in keys, negative
    spared = {s.key: s.reason for s in result.spared}
    assert spared.get("+441614961999") == "domestic"  # the UK robo-dialler rings short
    # Call centres ring people who answer: too few one-ring calls to be looked at.
    assert "+912233445566" not in spared and "+442071230000" not in spared


def test_findings_are_ranked_worst_first_and_nested_under_their_range(result: Any) -> None:
    order = [f.sort_key() for f in result.findings]
    assert order == sorted(order)
    for finding in result.findings:
        if finding.within is not None:
            assert finding.key.startswith(finding.within) and finding.key != finding.within


def test_an_allowlisted_range_is_spared(demo_dir: Path) -> None:
    options = ScanOptions(tz=ZONE, allowlist=("+46765432",))
    found = scan([str(demo_dir / "demo.asterisk")], options)
    assert not [f for f in found.findings if f.key.startswith("+46765432")]
    assert "+46765432" in {s.key for s in found.spared if s.reason == "allowlisted"}


def test_a_library_allowlist_in_any_written_form_spares_the_range(demo_dir: Path) -> None:
    options = ScanOptions(tz=ZONE, allowlist=("00 1 876 8123",))  # as a UK dialler writes it
    found = scan([str(demo_dir / "demo.asterisk")], options)
    assert not [f for f in found.findings if f.key.startswith("+18768123")]
    assert "+18768123" in {s.key for s in found.spared if s.reason == "allowlisted"}
    assert found.options.allowlist == ("+18768123",)


def test_all_four_formats_give_the_same_findings(demo_dir: Path, result: Any) -> None:
    expected = [(f.kind, f.key, f.level, f.score, f.features) for f in result.findings]
    for fmt in ("freeswitch", "csv", "parquet"):
        found = scan([str(demo_dir / f"demo.{fmt}")], ScanOptions(tz=ZONE))
        assert [
            (f.kind, f.key, f.level, f.score, f.features) for f in found.findings
        ] == expected, fmt


# --- features, counted exactly on a small set -----------------------------------------

T0 = 1_793_671_800  # 2026-11-03 02:10:00 UTC (GMT in London)


def _calls(rows: list[tuple[str, str, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["caller", "callee", "start", "ring", "billsec"], orient="row"
    ).with_columns(label=pl.lit("test"))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """+225 07 12 34 56 01 rings six subscribers in number order at night (rings 1, 2, 2,
    3, 4, 9 s, one answered); two call back: one after 2 h (counts), one after 80 h."""
    victims = [f"+4474001000{i:02d}" for i in (10, 11, 12, 13, 14, 15)]
    caller = "+2250712345601"
    rings = [1, 2, 2, 3, 4, 9]
    rows = [
        (caller, v, T0 + 20 * i, r, 0) for i, (v, r) in enumerate(zip(victims, rings, strict=True))
    ]
    rows[5] = (caller, victims[5], T0 + 100, 9, 30)  # answered, 30 s
    rows += [
        (victims[0], caller, T0 + 7200, 3, 120),
        (victims[1], caller, T0 + 80 * 3600, 3, 60),
        (victims[2], victims[3], T0 + 500, 5, 200),  # subscribers among themselves
    ]
    path = tmp_path_factory.mktemp("small") / "Master.csv"
    write(_calls(rows), path, "asterisk")
    limits = Thresholds(min_callees=3, min_range_callees=50)
    return scan([str(path)], ScanOptions(tz=ZONE), limits)


def test_features_are_counted_exactly(small: Any) -> None:
    (finding,) = [f for f in small.findings if f.key == "+2250712345601"]
    f = finding.features
    assert (f["calls"], f["callees"], f["answered"], f["unanswered"]) == (6, 6, 1, 5)
    assert f["answered_share"] == round(1 / 6, 6)
    assert f["ring_median"] == 2.0 and f["ring_p90"] == quantile([1, 2, 2, 3, 4], 0.9) == 3.6
    assert (f["ring_min"], f["ring_max"], f["short_unanswered"]) == (1, 4, 5)
    assert f["sequential_share"] == 1.0  # each victim 1 more than the one before
    assert f["night_share"] == 1.0  # all between 02:10 and 02:12 London time
    assert f["peak_per_minute"] == 3  # unanswered calls at :00, :20, :40 of 02:10
    assert (f["callbacks"], f["callback_billsec"]) == (1, 120)  # the 80 h one is too late
    assert f["callback_rate"] == round(1 / 6, 6)
    assert f["detected_at"] == T0 + 40  # the third person rung (min_callees=3)
    assert finding.callbacks[0]["number"] == "+447400100010"
    assert [e["line"] for e in finding.evidence] == [1, 2, 3, 4, 5, 6]


def test_quantiles_interpolate_between_ranks() -> None:
    assert quantile([5], 0.5) == 5 and quantile([1, 3], 0.5) == 2.0
    assert quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9.1


def test_look_alikes_are_spared_in_words_true_of_any_home_country(tmp_path: Path) -> None:
    """A German robo-dialler scanned with --home DE is a home-country number (Germany, not
    'UK'); a caller with a third of its calls answered is not said to have 'most'."""
    robo = "+4930123456789"
    busy = "+2250712345699"
    rows = [(robo, f"+491701234{i:03d}", T0 + 30 * i, 2, 0) for i in range(5)]
    rows += [(busy, f"+491701235{i:03d}", T0 + 30 * i, 2, 60 if i < 2 else 0) for i in range(6)]
    path = tmp_path / "Master.csv"
    write(_calls(rows), path, "asterisk")
    result = scan(
        [str(path)],
        ScanOptions(tz=ZONE, home="DE"),
        Thresholds(min_callees=3, min_range_callees=50),
    )
    texts = {s.key: (s.reason, s.text) for s in result.spared}
    assert texts[robo][0] == "domestic" and "(Germany)" in texts[robo][1]
    assert "UK" not in texts[robo][1]
    assert texts[busy] == (
        "answered",
        "33% of its calls were answered, as a call centre's or a business's calls are. "
        "A one-ring scam hangs up before anyone answers.",
    )


def test_every_bar_in_scan_toml_names_a_signal_and_caps_follow_the_bands() -> None:
    """The scoring bars live once, in data/scan.toml ``[bars]``: each one a signal's
    (its points by the same name) or the answered share that spares a caller; the caps
    are the tops of the checker's bands."""
    from ringcheck.scan.detect import _TOP, wording

    words = wording()
    assert set(words.bars) - set(words.points) == {"answered"}
    assert 0 < words.bars["one_ring"] <= 1 and words.bars["big_fan_out"] > 1
    assert (_TOP["caution"], _TOP["high"]) == (49, 74)


def test_a_range_counts_the_calls_of_a_member_that_never_rang_once(tmp_path: Path) -> None:
    from scan_support import range_with_an_answering_member

    path = range_with_an_answering_member(tmp_path / "calls.csv")
    found = scan([str(path)], ScanOptions(tz="UTC"))
    assert not [f for f in found.findings if f.kind == "range"]
    spared = {s.key: s for s in found.spared if s.kind == "range"}
    assert spared["+22507123456"].reason == "answered"
    assert spared["+22507123456"].callees == 700
    assert len([f for f in found.findings if f.kind == "number"]) == 10


def test_keeping_the_records_on_disk_finds_the_same(
    demo_dir: Path, result: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files bigger than SPILL_FROM_BYTES are read once, their records kept on disk.
    from ringcheck.scan.engines import polars as engine

    monkeypatch.setattr(engine, "SPILL_FROM_BYTES", 0)
    spilled = scan([str(demo_dir / "demo.asterisk")], ScanOptions(tz=ZONE))
    assert [(f.kind, f.key, f.level, f.score) for f in spilled.findings] == [
        (f.kind, f.key, f.level, f.score) for f in result.findings
    ]
    assert spilled.unreadable == result.unreadable and spilled.records == result.records
