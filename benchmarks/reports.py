"""What do community reports cost the web server, on SQLite and on PostgreSQL?

Run from the repository root, in the project's venv (needs ``wrk``: apt-get install wrk,
and PostgreSQL on 127.0.0.1:5432, database ``test``, user ``postgres``; without it the
PostgreSQL half is left out with a message):

    .venv/bin/python benchmarks/reports.py            # 10 s runs, about 2 minutes
    .venv/bin/python benchmarks/reports.py --quick    # 3 s runs
    .venv/bin/python benchmarks/reports.py --json     # figures as one JSON object

For each engine it seeds a fresh database (SQLite file in a temporary directory, or a
fresh PostgreSQL schema dropped afterwards) with reports on 2,000 numbers (1 to 20 each,
from distinct reporters, some with comments and neighbours), starts ``ringcheck serve
--workers 2`` on it, and drives it with wrk at 32 connections (loopback only):

- ``/number/+E164`` for the 2,000 reported numbers (community block, report form);
- ``/number/+E164`` for 2,000 numbers nobody reported (same kind of numbers);
- ``GET /api/v1/check`` for the reported numbers (answers carry the community block);
- ``POST /api/v1/reports``, each request a new number: report writes per second;
- then, for scale, the pages with reports again on a server with
  ``community_cache_seconds = 0``: every page reads the database.

With the default settings each worker keeps a number's reports (and the set of ranges
anyone reported in) for ``community_cache_seconds``; the warm-up run visits every
reported number first, as a steady stream of visitors would.

The goal (issue 4): a number page with reports costs at most 2x a page without, that is
``page with reports / page without`` in requests per second is at least 0.5. The script
prints figures and says whether the goal is met; it never fails on a goal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_check import (
    DONE_LUA,
    HOST,
    _get,
    _table,
    free_port,
    machine,
    machine_line,
    server_command,
    stop,
    wrk,
)

from ringcheck.settings import Settings
from ringcheck.store import Store

WORKERS = 2
CONNECTIONS = 32
NUMBERS = 2_000
SEED = 4
RATIO_GOAL = 0.5
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START_SECONDS = 30.0
CATEGORIES = ("one_ring_callback", "recorded_press_1", "impersonation", "silent", "sales")

GET_LUA = """
local paths = {%(paths)s}
local n = #paths
local counter = 0
function setup(thread) thread:set("offset", counter * 997); counter = counter + 1 end
function init(args) i = tonumber(wrk.thread:get("offset")) or 0 end
function request() i = (i %% n) + 1; return wrk.format("GET", paths[i]) end
"""
# Each thread posts reports about numbers of its own: +225 07 09 <thread> <5 digits>.
POST_LUA = """
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) t = tonumber(wrk.thread:get("id")) or 0; i = 0 end
function request()
  i = i + 1
  local body = string.format(
    '{"number": "+2250709%d%05d", "category": "one_ring_callback"}', t, i)
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json"}, body)
end
"""


def reported_numbers(count: int) -> list[str]:
    """Côte d'Ivoire mobiles, four reported in each range of 100 neighbours (Wangiri
    campaigns ring from runs of nearby numbers)."""
    return [f"+2250701{n // 4:04d}{n % 4 * 7:02d}" for n in range(count)]


def quiet_numbers(count: int) -> list[str]:
    return [f"+2250702{n:06d}" for n in range(count)]


def seed_records(numbers: list[str], seed: int) -> Iterator[str]:
    """JSON Lines for ``Store.import_``: 1-20 reports a number, one per reporter."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    for e164 in numbers:
        for r in range(rng.randint(1, 20)):
            at = now - dt.timedelta(days=rng.uniform(0, 6), seconds=r)
            stamp = at.isoformat(timespec="microseconds").replace("+00:00", "Z")
            comment = "Rang once and hung up." if rng.random() < 0.3 else None
            yield json.dumps(
                {
                    "e164": e164,
                    "category": rng.choice(CATEGORIES[:3]) if r % 4 else rng.choice(CATEGORIES),
                    "rang_seconds": rng.choice([None, 1.0, 2.0, 3.0]),
                    "comment": comment,
                    "claimed": None,
                    "reporter": f"{r:04x}{secrets.token_hex(14)}",
                    "reported_at": stamp,
                    "updated_at": stamp,
                }
            )


def seed(database_url: str, numbers: list[str], say: Any) -> int:
    started = time.perf_counter()
    lines = "\n".join(seed_records(numbers, SEED)) + "\n"
    with Store.open(Settings(database_url=database_url)) as store:
        result = store.import_("jsonl", io.StringIO(lines))
    if result.errors:
        raise RuntimeError(f"seeding failed: {result.errors[:3]}")
    say(f"  seeded {result.added:,} reports in {time.perf_counter() - started:.1f} s")
    return result.added


@contextlib.contextmanager
def database(engine: str, directory: Path) -> Iterator[str | None]:
    """A fresh database URL for ``engine``, or None when PostgreSQL is unreachable."""
    if engine == "sqlite":
        yield f"sqlite:///{directory}/bench.db"
        return
    import psycopg

    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL is not reachable ({exc}); leaving it out", file=sys.stderr)
        yield None
        return
    schema = f"rc_bench_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{PG_URL}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextlib.contextmanager
def server(
    database_url: str, directory: Path, workers: int, cache_seconds: int | None = None
) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCHECK_")}
    env.update(
        RINGCHECK_DATABASE_URL=database_url,
        RINGCHECK_RATE_PER_MINUTE="1000000",
        RINGCHECK_RATE_BURST="1000000",
        RINGCHECK_REPORTS_PER_HOUR="100000",
        XDG_CONFIG_HOME=str(directory),
        XDG_DATA_HOME=str(directory),
    )
    if cache_seconds is not None:
        env["RINGCHECK_COMMUNITY_CACHE_SECONDS"] = str(cache_seconds)
    command = [*server_command(), "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)]
    log = directory / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _healthy(base):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        stop(process)


def _healthy(base: str) -> bool:
    with contextlib.suppress(OSError):
        return _get(base + "/healthz")[0] == 200
    return False


def scripts(directory: Path, reported: list[str], quiet: list[str]) -> dict[str, Path]:
    def get_script(name: str, paths: list[str]) -> Path:
        path = directory / f"{name}.lua"
        quoted = ",\n".join(json.dumps(p) for p in paths)
        path.write_text(GET_LUA % {"paths": quoted} + DONE_LUA)
        return path

    post = directory / "report.lua"
    post.write_text(POST_LUA + DONE_LUA)
    return {
        "page_with_reports": get_script("with", [f"/number/{n}" for n in reported]),
        "page_without_reports": get_script("without", [f"/number/{n}" for n in quiet]),
        "api_check": get_script("check", [f"/api/v1/check?number=%2B{n[1:]}" for n in reported]),
        "report_writes": post,
    }


def measure_engine(
    engine: str, directory: Path, seconds: int, workers: int, say: Any
) -> dict[str, Any] | None:
    with database(engine, directory) as url:
        if url is None:
            return None
        say(f"{engine}: seeding {NUMBERS:,} numbers ...")
        reports = seed(url, reported_numbers(NUMBERS), say)
        paths = scripts(directory, reported_numbers(NUMBERS), quiet_numbers(NUMBERS))
        with server(url, directory, workers) as base:
            status, body = _get(base + f"/number/{reported_numbers(1)[0]}")
            if status != 200 or b"What other people reported" not in body:
                raise RuntimeError(f"number page answered {status}")
            say(f"{engine}: warm-up ...")
            wrk(base, paths["page_with_reports"], CONNECTIONS, max(2, seconds // 2))
            results = {}
            for name in ("page_with_reports", "page_without_reports", "api_check"):
                say(f"{engine}: {name} at {CONNECTIONS} connections ...")
                results[name] = wrk(base, paths[name], CONNECTIONS, seconds)
            say(f"{engine}: report writes at {CONNECTIONS} connections ...")
            results["report_writes"] = wrk(base, paths["report_writes"], CONNECTIONS, seconds)
        # For scale: every page reads the database (no per-worker cache at all).
        with server(url, directory, workers, cache_seconds=0) as base:
            say(f"{engine}: page_with_reports, no cache, at {CONNECTIONS} connections ...")
            results["page_with_reports_no_cache"] = wrk(
                base, paths["page_with_reports"], CONNECTIONS, seconds
            )
    with_rps = results["page_with_reports"]["rps"]
    without_rps = results["page_without_reports"]["rps"]
    ratio = with_rps / without_rps if without_rps else 0.0
    bare = results["page_with_reports_no_cache"]["rps"] / without_rps if without_rps else 0.0
    return {
        "seeded_reports": reports,
        "results": results,
        "ratio": round(ratio, 3),
        "ratio_no_cache": round(bare, 3),
    }


def report_lines(figures: dict[str, Any]) -> Iterator[str]:
    yield machine_line(figures["machine"])
    yield (
        f"server: ringcheck serve --workers {figures['workers']}; {NUMBERS:,} reported numbers; "
        f"{figures['seconds']} s runs at {CONNECTIONS} connections"
    )
    for engine, data in figures["engines"].items():
        yield ""
        if data is None:
            yield f"{engine}: not run (database unreachable)"
            continue
        yield f"{engine}: {data['seeded_reports']:,} reports seeded"
        rows = [("run", "req/s", "p50 ms", "p99 ms", "errors")]
        for name, x in data["results"].items():
            errors = x["socket_errors"] + x["non_2xx"]
            rps = f"{x['rps']:,.0f}"
            rows.append((name, rps, f"{x['p50_ms']:.2f}", f"{x['p99_ms']:.2f}", str(errors)))
        yield from _table(rows)
        met = "met" if data["ratio"] >= RATIO_GOAL else "NOT met"
        yield (
            f"page with reports / page without: {data['ratio']:.2f} (goal >= {RATIO_GOAL}: {met})"
        )
        yield (
            "page with reports read from the database every time / page without: "
            f"{data['ratio_no_cache']:.2f} (for scale)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--seconds", type=int, help="length of each wrk run (default 10)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="server workers")
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    args = parser.parse_args(argv)
    seconds = max(1, min(args.seconds or (3 if args.quick else 10), 60))
    say = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr))
    if shutil.which("wrk") is None:
        print("benchmarks/reports.py needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    engines: dict[str, Any] = {}
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory(prefix=f"ringcheck-reports-{engine}-") as tmp:
            engines[engine] = measure_engine(engine, Path(tmp), seconds, args.workers, say)
    figures = {
        "machine": machine(),
        "workers": args.workers,
        "seconds": seconds,
        "engines": engines,
    }
    print(json.dumps(figures) if args.json else "\n".join(report_lines(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
