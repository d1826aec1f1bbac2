"""The Raspberry Pi call blocker (pamapa/callblocker) asks ringcheck about each call.

The daemon (``src/Block.cpp``) runs ``onlinecheck_<name>.py --number +44… [--key=value…]
2>&1`` for every incoming call and reads one JSON line from its output: ``{"spam": true,
"score": 8, "name": "SPAM Wangiri"}``, where ``spam`` must be a JSON boolean, ``score``
an integer and ``name`` a string; a non-zero exit means "not spam". Its standard error is
merged into standard output, so a working check writes nothing else; its cache file
stores the name unescaped, so a name never holds ``"`` or ``\\``. ``--key=value`` options
come from the user's ``online_credentials`` entry (``--url=http://host:8000``).

``check`` asks a ringcheck server when given its URL (under 3 seconds, the daemon's own
scripts' limit) and falls back to the local check, which always works offline; both
answers are the same ``lookup`` JSON, mapped to the daemon's line by ``answer``. The
local check reads this machine's reports database too when it has one (what people
reported, the live scam campaigns ``scan --follow --publish`` found), as ``ringcheck
agi`` does: the default SQLite file with ``store.quick`` (a few milliseconds), any other
through the ``Store`` (about a second on a small machine, so not after a server that
took longer than ``STORE_BUDGET`` to fail).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringcheck.lookup import lookup
from ringcheck.settings import Settings, has_database

if TYPE_CHECKING:
    from ringcheck.store import Store

TIMEOUT = 2.5  # seconds for the server; callblocker's own scripts allow 3
STORE_BUDGET = 1.0  # seconds gone, at most, before the local check opens the database
_clock = time.monotonic
SCRIPT = "onlinecheck_ringcheck.py"


def answer(found: dict[str, Any]) -> str:
    """The daemon's JSON line for a lookup answer (``Lookup.to_dict()`` or the API's).

    >>> answer({"action": "block", "score9": 9, "label": 'SPAM "x"'})
    '{"spam": true, "score": 9, "name": "SPAM x"}'
    """
    name = str(found.get("label") or "").replace('"', "").replace("\\", "")
    line = {"spam": found.get("action") == "block", "score": int(found.get("score9") or 0)}
    return json.dumps({**line, "name": name}, ensure_ascii=True)


def check(number: str, url: str | None, settings: Settings) -> str:
    """The daemon's line for ``number``: from the server at ``url`` if it answers, else
    from the local check."""
    started = _clock()
    if url:
        from ringcheck.phones.remote import ask_server  # httpx: only when a server is asked

        try:
            return answer(ask_server(url, number, TIMEOUT))
        except (OSError, ValueError):
            pass  # offline, slow or wrong: the local check answers instead
    in_time = _clock() - started < STORE_BUDGET
    return answer(local(number, settings, in_time and has_database(settings)))


def local(number: str, settings: Settings, with_store: bool = True) -> dict[str, Any]:
    """The lookup on this machine: with the reports database's reports and live campaigns
    when ``with_store`` (a database that can't be read leaves the shipped data alone).
    The default SQLite file is read quickly (``store.quick``); any other, or one the
    quick reader can't take, through the ``Store``."""
    if with_store:
        from ringcheck.errors import RingcheckError
        from ringcheck.store.quick import Quick

        try:
            with Quick.open(settings) or _store(settings) as store:
                found = lookup(
                    number,
                    settings=settings,
                    reports=store.community,
                    campaigns=store.blocking_campaign,
                )
                return found.to_dict()
        except RingcheckError:
            pass
    return lookup(number, settings=settings).to_dict()


def _store(settings: Settings) -> Store:
    from ringcheck.store import Store  # SQLAlchemy: only when the quick reader can't

    return Store.open(settings)


def main(argv: list[str] | None = None) -> int:
    """The online check as the daemon runs it: prints the line, returns the exit code.

    Reads only what it needs (no command-line framework), as the daemon starts one
    process per call: ``onlinecheck_ringcheck.py`` calls this directly.
    """
    parser = argparse.ArgumentParser(prog="onlinecheck_ringcheck.py", add_help=True)
    parser.add_argument("--number", required=True)
    parser.add_argument("--url")
    parser.add_argument("--debug", action="store_true")
    args, _ = parser.parse_known_args(argv)  # other --key=value credentials are ignored
    try:
        from ringcheck.settings import load_settings

        settings = load_settings()
        line = check(args.number, args.url, settings)
    except Exception as exc:  # the daemon logs our output and treats the call as not spam
        print(f"ringcheck: no answer: {exc}")
        return 1
    print(line, flush=True)
    return 0


def install(folder: Path, python: str | None = None) -> Path:
    """Write ``onlinecheck_ringcheck.py`` into callblocker's script folder: it runs
    ``ringcheck callblocker-check`` with the daemon's arguments, in the Python that has
    ringcheck installed (this one, by default).

    The script starts as a shell script that runs that Python, so a moved or rebuilt
    environment doesn't end in the shell's "bad interpreter": it falls back to a
    ``python3`` on the PATH that can import ringcheck, and otherwise says in one line which
    Python it looked for and what to run again.
    """
    interpreter = python or sys.executable
    script = folder / SCRIPT
    text = _SCRIPT.replace("@PYTHON@", shlex.quote(interpreter))
    script.write_text(text, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


# A shell and Python polyglot: the shell runs the part between the quotes (Python reads it
# as a string) and never gets past its exec or exit.
_SCRIPT = '''#!/bin/sh
"""":
PY=@PYTHON@
[ -x "$PY" ] && exec "$PY" "$0" "$@"
for other in python3 python; do
  if command -v "$other" >/dev/null 2>&1 && "$other" -c 'import ringcheck' 2>/dev/null; then
    exec "$other" "$0" "$@"
  fi
done
echo "onlinecheck_ringcheck.py: ringcheck's Python ($PY) is gone, and no python3" \\
  "on the PATH has ringcheck. Run 'ringcheck callblocker install FOLDER' again." >&2
exit 1
"""
# callblocker's online check, answered by ringcheck (written by `ringcheck callblocker
# install`; it runs ringcheck from the Python named above). In callblocker's
# settings.json, under "online_credentials", add
#     {"name": "ringcheck", "url": "http://127.0.0.1:8000"}
# (the url of a ringcheck server is optional: without it, or when it doesn't answer, the
# number is checked here, offline).
import sys

from ringcheck.phones.callblocker import main

sys.exit(main(sys.argv[1:]))
'''


def script_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` can't take the script, or None."""
    if not folder.is_dir():
        return f"{folder} is not a folder."
    if not os.access(folder, os.W_OK):
        return f"{folder} can't be written to (try with sudo)."
    return None
