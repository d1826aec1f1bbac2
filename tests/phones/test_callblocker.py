"""pamapa/callblocker's online check, as its daemon runs it (``src/Block.cpp``):
``onlinecheck_<name>.py --number +44… [--key=value…] 2>&1``, one JSON line read back with
strict types (``spam`` a boolean, ``score`` an integer, ``name`` a string), a non-zero
exit read as "not spam". The script is the one ``ringcheck callblocker install`` writes;
``--url`` points it at a real ringcheck server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from live_server import free_port, serving
from ringcheck.lookup import lookup
from ringcheck.phones.callblocker import SCRIPT, answer, install
from ringcheck.settings import Settings


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("callblocker")
    return install(folder)


def run(
    script: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    # As the daemon runs it: stderr merged into stdout (so we can see nothing else comes).
    return subprocess.run(
        [str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        timeout=60,
    )


def daemon_reads(output: bytes) -> dict[str, object]:
    """What the daemon's json-c parse would accept: one object, strict types."""
    lines = output.decode().strip().splitlines()
    assert len(lines) == 1, output
    found = json.loads(lines[0])
    assert set(found) == {"spam", "score", "name"}
    assert isinstance(found["spam"], bool)
    assert isinstance(found["score"], int) and not isinstance(found["score"], bool)
    assert isinstance(found["name"], str) and '"' not in found["name"] and "\\" not in found["name"]
    return found


def test_install_writes_an_executable_script_the_daemon_can_run(script: Path) -> None:
    assert script.name == SCRIPT == "onlinecheck_ringcheck.py"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert f"PY={shlex.quote(sys.executable)}\n" in text


def test_a_script_whose_python_is_gone_uses_a_python3_that_has_ringcheck(
    tmp_path: Path,
) -> None:
    moved = install(tmp_path, python=str(tmp_path / "old checkout" / "python"))
    # The venv's bin folder holds a python3 that can import ringcheck.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = run(moved, "--number", "+447400123456", env={"PATH": path})
    assert done.returncode == 0, done.stdout
    assert daemon_reads(done.stdout)["spam"] is False


def test_a_script_installed_before_the_adapters_moved_still_answers(tmp_path: Path) -> None:
    # Scripts written by earlier versions import ringcheck.callblocker: a daemon running
    # one must not read every call as "not spam" until the user installs again.
    old = install(tmp_path)
    text = old.read_text().replace("ringcheck.phones.callblocker", "ringcheck.callblocker")
    old.write_text(text)
    done = run(old, "--number", "+18768123456")
    assert done.returncode == 0, done.stdout
    assert daemon_reads(done.stdout)["spam"] is True


def test_a_script_with_no_ringcheck_left_says_what_to_run_again(tmp_path: Path) -> None:
    moved = install(tmp_path, python=str(tmp_path / "gone" / "python"))
    done = run(moved, "--number", "+447400123456", env={"PATH": "/nonexistent"})
    assert done.returncode == 1
    message = done.stdout.decode()
    assert "ringcheck callblocker install" in message and "gone" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("number", "spam", "name"),
    [
        ("+18768123456", True, "SPAM Wangiri"),
        ("+447400123456", False, "UK mobile"),
        ("+2348031234567", True, "SPAM Wangiri"),
    ],
)
def test_one_json_line_with_the_daemon_types(
    script: Path, number: str, spam: bool, name: str
) -> None:
    done = run(script, "--number", number, "--username=someone", "--spamscore=5")
    assert done.returncode == 0
    found = daemon_reads(done.stdout)
    assert found == {"spam": spam, "score": lookup(number).score9, "name": name}


def test_a_missing_number_is_a_failure_not_a_verdict(script: Path) -> None:
    done = run(script)
    assert done.returncode != 0
    assert b"Traceback" not in done.stdout


def test_names_never_hold_quotes_or_backslashes() -> None:
    line = answer({"action": "warn", "score9": 4, "label": 'a"b\\c'})
    assert json.loads(line) == {"spam": False, "score": 4, "name": "abc"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ringcheck server with its own reports database."""
    from ringcheck.web.app import create_app

    folder = tmp_path_factory.mktemp("server")
    with serving(create_app(Settings(database_url=f"sqlite:///{folder}/r.db"))) as url:
        yield url


def test_the_server_answers_when_given(script: Path, server: str) -> None:
    # A setting only this process's server has: the server's answer must be the one used.
    done = run(script, "--number", "+33612345678", f"--url={server}")
    assert done.returncode == 0
    assert daemon_reads(done.stdout) == {"spam": False, "score": 5, "name": "Intl +33 FR"}
    strict = run(
        script, "--number", "+33612345678", f"--url={server}",
        env={"RINGCHECK_LOOKUP_BLOCK_AT": "high"},
    )  # fmt: skip
    # The server's settings decide, not this machine's: still not spam.
    assert daemon_reads(strict.stdout)["spam"] is False


def test_the_local_check_answers_when_the_server_does_not(script: Path) -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    done = run(
        script, "--number", "+33612345678", f"--url=http://127.0.0.1:{port}",
        env={"RINGCHECK_LOOKUP_BLOCK_AT": "high"},
    )  # fmt: skip
    assert time.monotonic() - started < 30  # never the daemon's wait without end
    assert done.returncode == 0
    assert daemon_reads(done.stdout) == {"spam": True, "score": 5, "name": "Intl +33 FR"}
    junk = run(script, "--number", "+18768123456", "--url=not-a-url")
    assert daemon_reads(junk.stdout)["spam"] is True


def _published_campaign(database_url: str) -> None:
    """A campaign in ``+336123456xx`` published as ``scan --follow --publish`` does."""
    from campaign_support import publish, sighting

    reasons = (("one_ring_fanout", "one-ring calls to many subscribers"),)
    publish(Settings(database_url=database_url), sighting(calls=415, reasons=reasons))


def test_the_local_check_blocks_a_caller_in_a_live_campaign(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ringcheck.phones.callblocker import check

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "no-default-database"))

    url = f"sqlite:///{tmp_path}/r.db"
    _published_campaign(url)
    settings = Settings(database_url=url)
    inside = json.loads(check("+33612345677", None, settings))
    assert inside == {"spam": True, "score": 9, "name": "SPAM Wangiri"}
    outside = json.loads(check("+33612345777", None, settings))
    assert outside == {"spam": False, "score": 5, "name": "Intl +33 FR"}
    # no database: the shipped data alone, as before
    alone = json.loads(check("+33612345677", None, Settings()))
    assert alone == {"spam": False, "score": 5, "name": "Intl +33 FR"}


def test_the_script_reads_the_default_database_when_there_is_one(
    script: Path, tmp_path: Path
) -> None:
    from ringcheck.settings import default_sqlite_path

    env = {"XDG_DATA_HOME": str(tmp_path), "RINGCHECK_DATABASE_URL": ""}
    path = Path(default_sqlite_path(env))
    path.parent.mkdir(parents=True)
    _published_campaign(f"sqlite:///{path}")
    done = run(script, "--number", "+33612345677", env=env)
    assert done.returncode == 0, done.stdout
    assert daemon_reads(done.stdout) == {"spam": True, "score": 9, "name": "SPAM Wangiri"}


def test_after_a_server_that_was_slow_to_fail_the_database_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the database costs about a second; the daemon waits 3 in all."""
    from ringcheck.phones import callblocker, remote

    url = f"sqlite:///{tmp_path}/r.db"
    _published_campaign(url)
    clock = iter([0.0, 0.2, 10.0, 12.5])  # refused at once; then slow (2.5 s) to fail

    def unreachable(*_: object, **__: object) -> dict[str, object]:
        raise remote.ServerUnreachable("no answer")

    monkeypatch.setattr(callblocker, "_clock", lambda: next(clock))
    monkeypatch.setattr(remote, "ask_server", unreachable)
    settings = Settings(database_url=url)
    quick = json.loads(callblocker.check("+33612345677", "http://127.0.0.1:9", settings))
    assert quick["name"] == "SPAM Wangiri"  # the database read: the campaign blocks
    slow = json.loads(callblocker.check("+33612345677", "http://127.0.0.1:9", settings))
    assert slow == {"spam": False, "score": 5, "name": "Intl +33 FR"}  # shipped data only
