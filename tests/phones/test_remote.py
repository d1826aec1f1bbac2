"""The private lookup (k-anonymity, ``ringcheck.phones.remote``): only a hash prefix leaves the
client, every answer is padded, and ``ringcheck check --server URL --private`` combines
the server's answer with the local check. Against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from live_server import PathLog, serving
from ringcheck.cli import cli
from ringcheck.phones import remote
from ringcheck.settings import Settings
from ringcheck.store import Store

REPORTED = "+447400765432"
NOBODY = "+447400111222"


def test_only_five_hex_digits_are_sent_and_the_rest_is_matched_locally() -> None:
    prefix, suffix = remote.split(REPORTED)
    assert re.fullmatch(r"[0-9A-F]{5}", prefix) and re.fullmatch(r"[0-9A-F]{59}", suffix)
    assert prefix + suffix == remote.digest(REPORTED)
    assert remote.valid_prefix("a8acc") == "A8ACC"
    for bad in ("A8AC", "A8ACCC", "G8ACC", "../..", ""):
        assert remote.valid_prefix(bad) is None


@pytest.mark.parametrize("real", [0, 1, 5])
def test_every_answer_is_padded_so_its_size_says_nothing(real: int) -> None:
    r = random.Random(real)
    entries = [(f"{i:059X}", "block", 9) for i in range(real)]
    text = remote.answer(entries, r)
    lines = text.splitlines()
    assert remote.PAD_MIN <= len(lines) <= remote.PAD_MAX
    assert all(re.fullmatch(r"[0-9A-F]{59}:[a-z]+:[0-9]", line) for line in lines)
    assert len({len(line) for line in lines if line.endswith(":0")}) <= 1
    for suffix, _, _ in entries:
        assert remote.find(text, suffix) == ("block", 9)
    assert remote.find(text, "F" * 59) is None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, PathLog]]:
    from ringcheck.web.app import create_app

    folder = tmp_path_factory.mktemp("server")
    settings = Settings(database_url=f"sqlite:///{folder}/r.db")
    with Store.open(settings) as store:
        store.upgrade()
        for i in range(3):
            store.add_report(number=REPORTED, category="one_ring_callback", client=f"10.0.0.{i}")
    logged = PathLog(create_app(settings))
    with serving(logged) as url:
        yield url, logged


def test_the_server_answers_a_bucket_without_learning_the_number(
    server: tuple[str, PathLog],
) -> None:
    url, logged = server
    logged.paths.clear()
    said = remote.ask(url, REPORTED)
    assert said["reported"] is True and said["action"] in ("warn", "block")
    assert remote.ask(url, NOBODY) == {"reported": False, "action": None, "score9": None}
    assert logged.paths == [
        f"/api/v1/range/{remote.split(REPORTED)[0]}",
        f"/api/v1/range/{remote.split(NOBODY)[0]}",
    ]
    assert not any("7400" in path for path in logged.paths)


def test_check_private_shows_the_server_beside_the_local_verdict(
    server: tuple[str, PathLog], tmp_path: Path
) -> None:
    url, _ = server
    runner = CliRunner()
    done = runner.invoke(cli, ["check", REPORTED, "--server", url, "--private", "--json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["number"]["e164"] == REPORTED  # the local check, in full
    assert payload["server"]["private"] is True and payload["server"]["reported"] is True
    human = runner.invoke(cli, ["check", NOBODY, "--server", url, "--private"])
    assert "Server (asked privately): nobody there reported this number." in human.stdout
    missing = runner.invoke(cli, ["check", REPORTED, "--private"])
    assert missing.exit_code == 2 and "--private needs --server" in missing.output
    down = runner.invoke(cli, ["check", REPORTED, "--server", "http://127.0.0.1:9", "--private"])
    assert down.exit_code == 0 and "didn't answer" in down.output  # the local check stands


def test_a_bad_prefix_is_a_clear_error(server: tuple[str, PathLog]) -> None:
    import urllib.error
    import urllib.request

    url, _ = server
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(f"{url}/api/v1/range/{remote.digest(REPORTED)}")
    assert failed.value.code == 422
    assert "first 5 hex digits" in json.loads(failed.value.read())["error"]["message"]
