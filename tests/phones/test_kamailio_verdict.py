"""ringcheck's verdict inside Kamailio (ringcheck.phones.kamailio_verdict, the default
mode of contrib/kamailio/ringcheck.cfg): the same answers as the HTTP lookup, and a
call that goes on whatever goes wrong. Kamailio's own run of it is in
tests/live/test_kamailio.py."""

from __future__ import annotations

import importlib
import runpy
import sys
import types
from pathlib import Path

import pytest

from ringcheck.lookup import callback_action, lookup
from ringcheck.phones import kamailio_verdict
from ringcheck.phones.kamailio_verdict import Handler, answer, handler, warm
from ringcheck.settings import Settings

HANDLER_FILE = Path(__file__).resolve().parents[2] / "contrib" / "kamailio" / "ringcheck_handler.py"
NUMBERS = (
    "+18768123456",  # a curated costly range
    "+8816212345678",
    "+447400123456",
    "+442071838750",
    "+33612345678",
    "+4915123",  # too short to be a number
    "+449098765432",  # UK premium rate
    "004930901820",
    "07400123456",
    "anonymous",
    "",
    "+",  # what a switch may send: no number, only marks
    "++44",
    "00",
    "+44+44",
    "999",  # an emergency number dialled out: never refused
    "118118",
)


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("direction", ["in", "out"])
def test_the_answer_is_the_lookups(number: str, direction: str) -> None:
    settings = Settings(callback_action="block")
    action, label = answer(f"{direction} {number}", settings)
    if not number:
        assert (action, label) == ("unknown", "")
        return
    found = lookup(number, settings=settings)
    wanted = callback_action(found, settings) if direction == "out" else found.action
    assert (action, label) == (wanted, found.label())


def test_an_emergency_call_out_is_let_through() -> None:
    assert answer("out 999", Settings(callback_action="block"))[0] == "allow"


def test_a_number_too_long_to_be_one_is_unknown() -> None:
    assert answer("in +" + "4" * 40, Settings()) == ("unknown", "")


def test_a_pushed_answer_for_the_number_is_taken_instead() -> None:
    settings = Settings()
    held = {"+447400123456": "warn SPAM? Reported"}
    assert answer("in +447400123456", settings, held.get) == ("warn", "SPAM? Reported")
    assert answer("out 07400123456", settings, held.get) == ("warn", "SPAM? Reported")
    # anything else in the table (an odd value, Kamailio's own types) is not an answer
    for odd in ("", "maybe later", 0):
        assert answer("in +447400123456", settings, {"+447400123456": odd}.get) == answer(
            "in +447400123456", settings
        )


def test_the_handler_sets_the_calls_answer() -> None:
    seen: dict[str, str] = {}
    done = Handler(Settings(), seen.__setitem__).verdict(None, "in +18768123456")
    assert done == 1
    assert seen == {"$avp(action)": "block", "$avp(label)": "SPAM Wangiri"}


def test_anything_going_wrong_leaves_the_call_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(importlib.import_module("ringcheck.lookup"), "lookup", broken)
    seen: dict[str, str] = {}
    assert Handler(Settings(), seen.__setitem__).verdict(None, "in +447400123456") == -1
    assert seen == {}  # the configuration marks the call unknown and lets it go on


def test_warming_answers_every_countrys_example_numbers() -> None:
    assert warm(Settings()) > 800


def test_the_handler_reads_the_settings_as_serve_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGCHECK_LOOKUP_BLOCK_AT", "high")
    monkeypatch.setattr(kamailio_verdict, "warm", lambda _settings: 0)
    monkeypatch.setattr("gc.freeze", lambda: None)
    made = handler(lambda _name, _value: None)
    assert made.settings.lookup_block_at == "high"


def test_kamailios_file_finds_ringcheck_through_ringcheck_site(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """contrib/kamailio/ringcheck_handler.py as app_python3 runs it: KSR is Kamailio's
    module; RINGCHECK_SITE's folders are added as site folders (their .pth files too),
    first. Tested under Debian's /usr/bin/python3 (3.11.2) too, by hand: it imported
    nothing of ringcheck's from Debian's dist-packages."""
    calls: list[tuple[str, str]] = []
    fake_ksr = types.ModuleType("KSR")
    fake_ksr.pv = types.SimpleNamespace(sets=lambda name, value: calls.append((name, value)))  # type: ignore[attr-defined]
    held = {"+447400123456": "warn SPAM? Reported"}
    fake_ksr.htable = types.SimpleNamespace(sht_get=lambda table, key: held.get(key))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "KSR", fake_ksr)
    extra = tmp_path / "site"
    extra.mkdir()
    (extra / "marker_for_ringcheck_site.py").write_text("FOUND = True\n")
    monkeypatch.setenv("RINGCHECK_SITE", str(extra))
    monkeypatch.setattr(kamailio_verdict, "warm", lambda _settings: 0)
    monkeypatch.setattr("gc.freeze", lambda: None)
    monkeypatch.setattr(sys, "path", list(sys.path))
    first_before = sys.path[0]
    loaded = runpy.run_path(str(HANDLER_FILE))
    # before what was there (Debian's dist-packages, in Kamailio)
    assert sys.path.index(str(extra)) < sys.path.index(first_before)
    made = loaded["mod_init"]()
    assert made.verdict(None, "out +18768123456") == 1
    assert calls[0] == ("$avp(action)", "block")
    # a reported number: the answer `ringcheck kamailio push` keeps for it, looked up by
    # its E.164 form whatever form the switch sent
    assert made.verdict(None, "in 07400123456") == 1
    assert calls[-2:] == [("$avp(action)", "warn"), ("$avp(label)", "SPAM? Reported")]


def test_ringcheck_kamailio_site_names_where_ringcheck_is_found() -> None:
    import os

    from click.testing import CliRunner

    from ringcheck.cli import cli

    result = CliRunner().invoke(cli, ["kamailio", "site"])
    assert result.exit_code == 0
    folders = result.stdout.strip().split(os.pathsep)
    assert any(Path(f, "ringcheck").exists() or list(Path(f).glob("*ringcheck*")) for f in folders)
