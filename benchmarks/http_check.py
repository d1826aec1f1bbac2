"""How fast does the web server answer ``GET /api/v1/check``, next to ``GET /healthz``?

Run from the repository root, in the project's venv (needs ``wrk``: apt-get install wrk):

    .venv/bin/python benchmarks/http_check.py           # full run, about 1.5 minutes
    .venv/bin/python benchmarks/http_check.py --quick   # 3 s runs, one round, ~20 s
    .venv/bin/python benchmarks/http_check.py --json    # figures as one JSON object

It starts ``ringcheck serve --workers 2`` on a free 127.0.0.1 port with the rate limit
raised out of the way, waits for /healthz, then drives it with wrk (loopback only):

- ``GET /api/v1/check?number=…`` rotating through a few thousand distinct numbers written
  the ways people paste them (the list from check_throughput.py), URL-encoded;
- ``GET /healthz`` in the same run as the ceiling: the same server, workers, middleware
  and connection handling, with no checking;
- "fresh": ``GET /api/v1/check`` over 120,000 other numbers that never repeat within a
  run, so no answer comes from a worker's answer cache (see src/ringcheck/web/answers.py):
  the cost of computing every answer. With the few thousand rotating numbers each one
  comes back every fraction of a second, as when many people check one campaign's
  numbers, and most answers are the kept ones.

Each at 1 connection (latency) and 32 connections (throughput; "fresh" at 32 only), after
a warm-up. With several rounds the check and healthz runs alternate and the median of
each is kept.

Goals (issue 3, on a 2-core machine with 2 workers), checked at 32 connections:
>= 5,000 requests/s, >= 0.7x the /healthz rate, p99 < 15 ms.

The script prints figures and says which goals are met; it never fails on a goal. It
exits non-zero only when it cannot run (no wrk, server did not start) or crashes. It
always stops the server it started.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_throughput import SEED, realistic_numbers

HOST = "127.0.0.1"
WORKERS = 2
RATE = "1000000"  # the most the settings accept (per minute, and burst)
NUMBERS = 3_000
# Numbers that never come back within a run: each is asked for once, so no answer can come
# from the worker's answer cache (at most 20,000 answers are kept per worker, so by the
# time this list wraps around its first numbers are long gone).
FRESH_NUMBERS = 120_000
FRESH_SEED = SEED + 1
CONNECTIONS = (1, 32)
RATE_GOAL = 5_000.0  # requests/s at 32 connections, at least
RATIO_GOAL = 0.7  # check requests/s divided by /healthz requests/s, at least
P99_GOAL_MS = 15.0  # at 32 connections, below
START_SECONDS = 30.0
STOP_SECONDS = 15.0

# wrk Lua: rotate through the paths (each thread from its own offset) and print the
# figures as one JSON line at the end, so nothing is parsed from wrk's text.
LUA = """
local paths = {%(paths)s}
local n = #paths
local threads = {}
local counter = 0

function setup(thread)
  thread:set("offset", counter * 997)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  i = tonumber(wrk.thread:get("offset")) or 0
end

function request()
  i = (i %% n) + 1
  return wrk.format("GET", paths[i])
end
"""


# Shared with benchmarks/reports.py: print the figures as one JSON line at the end.
DONE_LUA = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, '
    .. '"p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
    .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, '
    .. '"timeouts": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_script(directory: Path, name: str, paths: list[str]) -> Path:
    script = directory / f"{name}.lua"
    script.write_text(LUA % {"paths": ",\n".join(_lua_string(p) for p in paths)} + DONE_LUA)
    return script


def check_paths(count: int, seed: int = SEED) -> list[str]:
    inputs, _ = realistic_numbers(count, seed)
    return [f"/api/v1/check?number={quote(text, safe='')}" for text in inputs]


# The server
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command() -> list[str]:
    script = Path(sys.executable).with_name("ringcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ringcheck"]


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextlib.contextmanager
def running_server(workers: int, log: Path) -> Iterator[str]:
    """``ringcheck serve`` on a free loopback port; stopped (whole process group) at exit."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCHECK_")}
    env.update(
        RINGCHECK_RATE_PER_MINUTE=RATE,
        RINGCHECK_RATE_BURST=RATE,
        XDG_CONFIG_HOME=str(log.parent),  # no personal config file
        XDG_DATA_HOME=str(log.parent),  # a fresh, empty reports database
    )
    command = [*server_command(), "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()}")
            with contextlib.suppress(OSError):
                if _get(base + "/healthz")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no /healthz in {START_SECONDS:.0f}s:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)  # uvicorn's graceful shutdown, every worker
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# Load
# ---------------------------------------------------------------------------------------------


def wrk(base: str, script: Path, connections: int, seconds: int) -> dict[str, Any]:
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        base + "/",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "connections": connections,
        "threads": threads,
        "seconds": round(seconds_run, 2),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "socket_errors": errors,
        "non_2xx": raw["non_2xx"],
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of several runs: the median of each, and every run's rate kept."""
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms")
    out = {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}
    out["max_ms"] = max(r["max_ms"] for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    out["socket_errors"] = sum(r["socket_errors"] for r in runs)
    out["non_2xx"] = sum(r["non_2xx"] for r in runs)
    out["rps_each_run"] = [r["rps"] for r in runs]
    out["connections"] = runs[0]["connections"]
    out["threads"] = runs[0]["threads"]
    return out


def measure(base: str, scripts: dict[str, Path], seconds: int, rounds: int, say: Any) -> Any:
    say(f"warm-up: {max(2, seconds // 2)} s of /api/v1/check at 32 connections ...")
    wrk(base, scripts["check"], 32, max(2, seconds // 2))
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for n in range(rounds):
        for connections in CONNECTIONS:
            order = ["check", "healthz"] if n % 2 == 0 else ["healthz", "check"]
            if connections == 32:
                order.append("fresh")
            for target in order:
                say(f"round {n + 1}/{rounds}: {target} at {connections} connection(s) ...")
                run = wrk(base, scripts[target], connections, seconds)
                runs.setdefault((target, connections), []).append(run)
    return {f"{t}_c{c}": median_run(r) for (t, c), r in sorted(runs.items())}


# Report
# ---------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    try:
        ours = version("ringcheck")
    except PackageNotFoundError:
        ours = "not installed"
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "ringcheck": ours,
        "uvicorn": _version("uvicorn"),
        "fastapi": _version("fastapi"),
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("[")[0].strip(),
    }


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def goals(results: dict[str, Any]) -> dict[str, Any]:
    check32, health32 = results["check_c32"], results["healthz_c32"]
    ratio = check32["rps"] / health32["rps"] if health32["rps"] else 0.0
    fresh = results["fresh_c32"]["rps"] / health32["rps"] if health32["rps"] else 0.0
    return {
        "rps_c32": {"value": check32["rps"], "goal": RATE_GOAL, "met": check32["rps"] >= RATE_GOAL},
        "ratio_c32": {"value": round(ratio, 3), "goal": RATIO_GOAL, "met": ratio >= RATIO_GOAL},
        "p99_c32_ms": {
            "value": check32["p99_ms"],
            "goal": P99_GOAL_MS,
            "met": check32["p99_ms"] < P99_GOAL_MS,
        },
        "fresh_ratio_c32": {"value": round(fresh, 3), "goal": None, "met": None},
    }


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def machine_line(m: dict[str, Any]) -> str:
    """The machine and versions a run was measured on, as one line."""
    return (
        f"Python {m['python']} on {m['platform']}, {m['cpus']} CPUs; ringcheck {m['ringcheck']}, "
        f"uvicorn {m['uvicorn']}, fastapi {m['fastapi']}; {m['wrk']}"
    )


def report_lines(figures: dict[str, Any]) -> Iterator[str]:
    yield machine_line(figures["machine"])
    yield (
        f"server: ringcheck serve --workers {figures['workers']} on {HOST}; "
        f"{figures['numbers']:,} distinct numbers rotated (fresh: {FRESH_NUMBERS:,} that "
        f"never repeat); {figures['seconds']} s runs, "
        f"{figures['rounds']} round(s), median kept"
    )
    yield ""
    r = figures["results"]
    rows = [("endpoint", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors")]
    names = {"check": "/api/v1/check", "healthz": "/healthz", "fresh": "/api/v1/check fresh"}
    for key in ("check_c1", "healthz_c1", "check_c32", "healthz_c32", "fresh_c32"):
        x = r[key]
        name = names[key.split("_")[0]]
        rows.append(
            (
                name,
                str(x["connections"]),
                f"{x['rps']:,.0f}",
                f"{x['p50_ms']:.2f}",
                f"{x['p90_ms']:.2f}",
                f"{x['p99_ms']:.2f}",
                f"{x['max_ms']:.1f}",
                str(x["socket_errors"] + x["non_2xx"]),
            )
        )
    yield from _table(rows)
    yield ""
    g = figures["goals"]
    rows = [
        ("goal (32 connections)", "value", "goal", "result"),
        (
            "check req/s",
            f"{g['rps_c32']['value']:,.0f}",
            f">= {RATE_GOAL:,.0f}",
            _met(g["rps_c32"]["met"]),
        ),
        (
            "check / healthz req/s",
            f"{g['ratio_c32']['value']:.2f}",
            f">= {RATIO_GOAL}",
            _met(g["ratio_c32"]["met"]),
        ),
        (
            "check p99 latency (ms)",
            f"{g['p99_c32_ms']['value']:.2f}",
            f"< {P99_GOAL_MS:.0f}",
            _met(g["p99_c32_ms"]["met"]),
        ),
    ]
    yield from _table(rows)
    c1 = r["check_c1"]["rps"] / r["healthz_c1"]["rps"] if r["healthz_c1"]["rps"] else 0.0
    yield ""
    yield f"check / healthz at 1 connection: {c1:.2f}"
    fresh = g["fresh_ratio_c32"]["value"]
    yield f"check / healthz at 32 connections, numbers that never repeat (no cache): {fresh:.2f}"
    bad = {k: v["socket_errors"] + v["non_2xx"] for k, v in r.items()}
    if any(bad.values()):
        yield f"WARNING: errors or non-2xx answers during the runs: {bad}"


def _table(rows: list[tuple[str, ...]]) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        yield "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        if n == 0:
            yield "  ".join("-" * w for w in widths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs, one round")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--seconds", type=int, help="length of each wrk run (default 10)")
    parser.add_argument("--rounds", type=int, help="rounds of runs, median kept (default 2)")
    parser.add_argument("--numbers", type=int, default=NUMBERS, help="distinct numbers rotated")
    parser.add_argument("--workers", type=int, default=WORKERS, help="server workers")
    args = parser.parse_args(argv)
    seconds = max(1, min(args.seconds or (3 if args.quick else 10), 60))
    rounds = max(1, min(args.rounds or (1 if args.quick else 2), 10))
    say = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr))
    if shutil.which("wrk") is None:
        print("benchmarks/http_check.py needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="ringcheck-http-bench-") as tmp:
        directory = Path(tmp)
        say(f"generating {args.numbers:,} numbers ...")
        paths = check_paths(args.numbers, SEED)
        say(f"generating {FRESH_NUMBERS:,} numbers that never repeat ...")
        scripts = {
            "check": write_script(directory, "check", paths),
            "healthz": write_script(directory, "healthz", ["/healthz"]),
            "fresh": write_script(directory, "fresh", check_paths(FRESH_NUMBERS, FRESH_SEED)),
        }
        say(f"starting ringcheck serve --workers {args.workers} ...")
        with running_server(args.workers, directory / "server.log") as base:
            status, body = _get(base + paths[0])
            if status != 200 or b'"verdict"' not in body:
                raise RuntimeError(f"check answered {status}: {body[:300]!r}")
            results = measure(base, scripts, seconds, rounds, say)
    figures: dict[str, Any] = {
        "machine": machine(),
        "workers": args.workers,
        "numbers": args.numbers,
        "seconds": seconds,
        "rounds": rounds,
        "results": results,
    }
    figures["goals"] = goals(results)
    if args.json:
        print(json.dumps(figures))
    else:
        print("\n".join(report_lines(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
