"""How fast do phone systems get their answer? Lookups over HTTP, FastAGI, callblocker.

Run from the repository root, in the project's venv (HTTP needs ``wrk``: apt-get install
wrk):

    .venv/bin/python benchmarks/lookups.py           # full run, about 2 minutes
    .venv/bin/python benchmarks/lookups.py --quick   # short runs, ~40 s
    .venv/bin/python benchmarks/lookups.py --json    # figures as one JSON object

1. HTTP (``ringcheck serve --workers 2`` on a free 127.0.0.1 port, driven by wrk at 32
   connections): ``GET /api/v1/lookup/{number}`` and ``GET /api/v1/cid/{number}`` over a
   few thousand rotating numbers, the lookup again over 120,000 numbers that never
   repeat ("fresh"), and ``GET /healthz`` in the same run as the ceiling; the runs
   alternate and the median of each is kept. Goals (issue 12): >= 0.7x /healthz, p99 <
   10 ms.
2. FastAGI (``ringcheck agi`` in its own process): 100 sessions at once, each a full
   Asterisk exchange (the header block, a ``200 result=1`` for each of the five
   commands, close), from this process, against the same exchange with a bare asyncio
   server that answers the same five commands without checking anything (the baseline,
   same client, same run). Goal: >= 2,000 sessions/s on 2 cores.
3. callblocker: wall time of one ``onlinecheck_ringcheck.py --number …`` process (as
   the daemon runs it, one per call), median of 20, beside ``python -c "import
   phonenumbers"``. Goal: < 150 ms.

Prints figures and which goals are met; never fails on a goal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_throughput import SEED, realistic_numbers
from http_check import machine, machine_line, median_run, running_server, server_command, wrk
from http_check import write_script as write_lua

from ringcheck import check
from ringcheck.errors import RingcheckError

RATIO_GOAL, P99_GOAL_MS = 0.7, 10.0
AGI_GOAL = 2_000.0
CALLBLOCKER_GOAL_MS = 150.0
SESSIONS_AT_ONCE = 100


def e164s(count: int, seed: int) -> list[str]:
    """Distinct E.164 numbers, as a switch hands a caller ID over."""
    inputs, _ = realistic_numbers(count, seed)
    found = []
    for text in inputs:
        try:
            number = check(text).number.e164
        except RingcheckError:
            continue
        if number:
            found.append(number)
    return list(dict.fromkeys(found))


def _paths(route: str, numbers: list[str]) -> list[str]:
    return [f"/api/v1/{route}/{quote(n, safe='')}" for n in numbers]


def http(seconds: int, rounds: int, say: Any) -> dict[str, Any]:
    rotating = e164s(3_000, SEED)
    fresh = e164s(120_000, SEED + 1)
    with tempfile.TemporaryDirectory(prefix="ringcheck-lookups-") as tmp:
        folder = Path(tmp)
        scripts = {
            "lookup": write_lua(folder, "lookup", _paths("lookup", rotating)),
            "cid": write_lua(folder, "cid", _paths("cid", rotating)),
            "fresh": write_lua(folder, "fresh", _paths("lookup", fresh)),
            "healthz": write_lua(folder, "healthz", ["/healthz"]),
        }
        with running_server(2, folder / "server.log") as base:
            say("warm-up ...")
            wrk(base, scripts["lookup"], 32, max(2, seconds // 2))
            runs: dict[str, list[dict[str, Any]]] = {}
            for n in range(rounds):
                order = ["lookup", "cid", "healthz", "fresh"]
                if n % 2:
                    order.reverse()
                for target in order:
                    say(f"round {n + 1}/{rounds}: {target} at 32 connections ...")
                    runs.setdefault(target, []).append(wrk(base, scripts[target], 32, seconds))
    return {target: median_run(found) for target, found in runs.items()}


HEADER = (
    "agi_network: yes\nagi_network_script: ringcheck\nagi_request: agi://127.0.0.1/ringcheck\n"
    "agi_channel: PJSIP/trunk-00000001\nagi_language: en\nagi_type: PJSIP\n"
    "agi_uniqueid: 1700000000.12\nagi_version: 20.5.0\nagi_callerid: {number}\n"
    "agi_calleridname: unknown\nagi_callingpres: 0\nagi_callingani2: 0\nagi_callington: 0\n"
    "agi_callingtns: 0\nagi_dnid: 01632960000\nagi_rdnis: unknown\nagi_context: from-trunk\n"
    "agi_extension: s\nagi_priority: 2\nagi_enhanced: 0.0\nagi_accountcode: \n"
    "agi_threadid: 140000000000\n\n"
)


async def _session(port: int, number: str) -> float:
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HEADER.format(number=number).encode())
    while await reader.readline():
        writer.write(b"200 result=1\n")
    writer.close()
    return time.perf_counter() - began


async def _drive(port: int, numbers: list[str], seconds: float) -> dict[str, Any]:
    """SESSIONS_AT_ONCE sessions always open, for ``seconds``."""
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    picks = iter(numbers * 1000)

    async def worker() -> None:
        while time.perf_counter() < deadline:
            times.append(await _session(port, next(picks)))

    await asyncio.gather(*(worker() for _ in range(SESSIONS_AT_ONCE)))
    took = time.perf_counter() - started
    ordered = sorted(times)
    return {
        "sessions": len(times),
        "per_second": round(len(times) / took, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2),
    }


BARE_SERVER = r"""
import asyncio, sys
async def session(reader, writer):
    while (await reader.readline()).strip():
        pass
    for name in ("ACTION", "LEVEL", "SCORE", "CATEGORY", "NAME"):
        writer.write(f'SET VARIABLE {name} "x"\n'.encode())
        await writer.drain()
        await reader.readline()
    writer.close()
async def main():
    server = await asyncio.start_server(session, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def _start(command: list[str], port: int, tmp: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{command[0]} did not start")


def fastagi(seconds: float, rounds: int, say: Any) -> dict[str, Any]:
    from http_check import free_port

    numbers = e164s(2_000, SEED)
    results: dict[str, list[dict[str, Any]]] = {"ringcheck": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="ringcheck-agi-") as tmp:
        ours, bare = free_port(), free_port()
        agi = _start(
            [*server_command(), "agi", "--port", str(ours), "--no-reports"], ours, Path(tmp)
        )
        base = _start([sys.executable, "-c", BARE_SERVER, str(bare)], bare, Path(tmp))
        try:
            asyncio.run(_drive(ours, numbers, 1.0))  # warm-up: rules compile on first use
            for n in range(rounds):
                order = [("ringcheck", ours), ("bare", bare)]
                for name, port in order if n % 2 == 0 else order[::-1]:
                    say(f"round {n + 1}/{rounds}: FastAGI {name} ...")
                    results[name].append(asyncio.run(_drive(port, numbers, seconds)))
        finally:
            for process in (agi, base):
                process.terminate()
                process.wait(10)
    return {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, runs in results.items()
    }


def callblocker(runs: int) -> dict[str, Any]:
    from ringcheck.phones.callblocker import install

    with tempfile.TemporaryDirectory(prefix="ringcheck-cb-") as tmp:
        script = install(Path(tmp))
        env = {**os.environ, "XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp}
        ours, base = [], []
        numbers = e164s(200, SEED)
        rng = random.Random(SEED)
        subprocess.run([str(script), "--number", numbers[0]], env=env, capture_output=True)
        for _ in range(runs):
            began = time.perf_counter()
            subprocess.run(
                [str(script), "--number", rng.choice(numbers)],
                env=env,
                capture_output=True,
                check=True,
            )
            ours.append(time.perf_counter() - began)
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", "import phonenumbers"], capture_output=True, check=True
            )
            base.append(time.perf_counter() - began)
    return {
        "median_ms": round(statistics.median(ours) * 1000, 1),
        "max_ms": round(max(ours) * 1000, 1),
        "import_phonenumbers_ms": round(statistics.median(base) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, one round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    seconds, rounds = (3, 1) if args.quick else (8, 3)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    figures: dict[str, Any] = {"machine": machine()}
    figures["http"] = http(seconds, rounds, say)
    figures["fastagi"] = fastagi(2.0 if args.quick else 5.0, rounds, say)
    figures["callblocker"] = callblocker(10 if args.quick else 20)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    h, ceiling = figures["http"], figures["http"]["healthz"]["rps"]
    print(machine_line(figures["machine"]))
    print("\nHTTP at 32 connections (2 workers):")
    print(f"{'route':<10}{'req/s':>10}{'x healthz':>11}{'p50 ms':>9}{'p99 ms':>9}  goal")
    for name in ("lookup", "cid", "fresh", "healthz"):
        r = h[name]
        ratio = r["rps"] / ceiling if ceiling else 0.0
        ok = ratio >= RATIO_GOAL and r["p99_ms"] < P99_GOAL_MS
        goal = "" if name == "healthz" else ("met" if ok else "not met")
        cells = f"{r['rps']:>10,.0f}{ratio:>10.2f}x{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
        print(f"{name:<10}{cells}  {goal}")
    a = figures["fastagi"]
    ours, bare = a["ringcheck"], a["bare"]
    print(f"\nFastAGI, {SESSIONS_AT_ONCE} sessions at once (client in this process):")
    print(
        f"  ringcheck agi {ours['per_second']:,.0f} sessions/s, p50 {ours['p50_ms']} ms, "
        f"p99 {ours['p99_ms']} ms ({'met' if ours['per_second'] >= AGI_GOAL else 'not met'}: "
        f">= {AGI_GOAL:,.0f}/s)"
    )
    print(
        f"  bare asyncio  {bare['per_second']:,.0f} sessions/s, p99 {bare['p99_ms']} ms "
        f"-> ringcheck is {ours['per_second'] / bare['per_second']:.2f}x the bare server"
    )
    c = figures["callblocker"]
    print(
        f"\ncallblocker-check, one process per call: median {c['median_ms']} ms, max "
        f"{c['max_ms']} ms ({'met' if c['median_ms'] < CALLBLOCKER_GOAL_MS else 'not met'}: "
        f"< {CALLBLOCKER_GOAL_MS:.0f} ms); python -c 'import phonenumbers' "
        f"{c['import_phonenumbers_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
