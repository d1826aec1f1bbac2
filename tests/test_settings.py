"""Settings: each declared once (default, help, parser), read from the config file and
the environment, and shared by the checker and the operator scan."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ringcheck.errors import ConfigError
from ringcheck.scan import Thresholds
from ringcheck.settings import SETTINGS, Settings, load_settings


def test_every_field_of_settings_is_one_declared_setting_and_nothing_else() -> None:
    declared = {s.name: s.default for s in SETTINGS}
    fields = {f.name: f.default for f in dataclasses.fields(Settings) if f.name != "sources"}
    assert declared == fields
    assert all(s.help.strip() for s in SETTINGS)


def test_a_secret_is_never_shown_in_the_settings_repr() -> None:
    settings = Settings(secret_key="x" * 40, admin_token="y" * 40)
    assert "x" * 40 not in repr(settings) and "y" * 40 not in repr(settings)


def test_settings_come_from_the_config_file_then_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("one_ring_seconds = 3\nnight_start = 22\nscan_min_callees = 40\n")
    settings = load_settings({"RINGCHECK_NIGHT_START": "21"}, path)
    assert (settings.one_ring_seconds, settings.night_start) == (3.0, 21)
    assert settings.scan_min_callees == 40


@pytest.mark.parametrize(
    ("name", "value"),
    [("night_start", "12"), ("night_end", "11"), ("scan_min_callees", "1"), ("port", "0")],
)
def test_a_value_out_of_range_is_refused_with_the_setting_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings().updated({name: value}, "test")
    assert name in caught.value.message


def test_a_level_setting_takes_the_levels_and_nothing_else() -> None:
    assert Settings().updated({"lookup_block_at": "Very High"}, "t").lookup_block_at == "very_high"
    with pytest.raises(ConfigError) as caught:
        Settings().updated({"lookup_warn_at": "safe"}, "t")
    assert "low, caution, high or very_high" in caught.value.message


def test_the_scan_and_the_checker_share_one_ring_and_the_night_hours() -> None:
    defaults = Settings()
    assert Thresholds() == Thresholds.from_settings(defaults)
    assert Thresholds().short_ring == defaults.one_ring_seconds == 5
    assert (Thresholds().night_start, Thresholds().night_end) == (23, 7)
    mine = Thresholds.from_settings(
        Settings(one_ring_seconds=3.5, night_start=22, night_end=6, scan_callback_hours=24)
    )
    # Ring times in call records are whole seconds: 3.5 s or less is 3 s or less.
    assert (mine.short_ring, mine.night_start, mine.night_end) == (3, 22, 6)
    assert mine.callback_hours == 24
