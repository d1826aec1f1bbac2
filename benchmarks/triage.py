"""Call-log triage throughput: a generated 1,000,000-row CSV log, end to end.

Measures ``read_log`` + ``triage`` + JSON output (``calllog.outputs.to_json``, as the CLI
and the API write it) on a log of 1,000,000 calls from about 50,000 distinct numbers,
against a plain per-row ``check()`` loop over the same rows in the same run. Triage runs
once cold, then three times warm (the median counts); the loop is timed on a sample of rows
(100,000 by default) spread over the whole log and extrapolated to all rows, after a
warm-up. The report says so.

    .venv/bin/python benchmarks/triage.py            # 1,000,000 rows
    .venv/bin/python benchmarks/triage.py --quick    # 100,000 rows, 20,000-row loop sample

The log's mix (fixed seed): UK mobiles and landlines, Europe and North America,
Caribbean and African numbers on call-back warning lists, UK 09 premium rate, satellite,
runs of near-identical numbers ringing within an hour (rotating campaigns), about 8% of
calls at night, about 3% withheld; 2% of numbers appear in a second spelling (07… and
+44 7…). Who rings how often follows a long-tailed (Zipf-like) distribution.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable

from ringcheck import CallContext, check
from ringcheck.errors import RingcheckError
from ringcheck.settings import Settings

START = dt.datetime(2026, 1, 5)
RUNS = 3  # warm triage runs; the median is reported
SPAN_DAYS = 90


def _uk_mobile(r: random.Random) -> str:
    return f"+447{r.choice('1234589')}{r.randint(0, 99_999_999):08d}"


def _uk_landline(r: random.Random) -> str:
    area = r.choice(("20 7", "20 8", "161 4", "113 2", "131 5", "29 20", "1223 3", "1865 2"))
    digits = area.replace(" ", "")
    return "+44" + digits + "".join(str(r.randint(0, 9)) for _ in range(10 - len(digits)))


def _abroad(r: random.Random) -> str:
    choice = r.random()
    if choice < 0.35:
        return f"+336{r.randint(10_000_000, 99_999_999)}"
    if choice < 0.55:
        return f"+1{r.choice(('212', '646', '415', '416'))}{r.randint(2_000_000, 9_999_999)}"
    if choice < 0.75:
        return f"+49{r.choice(('151', '160', '171'))}{r.randint(1_000_000, 9_999_999)}"
    return f"+3465{r.randint(1_000_000, 9_999_999)}"


def _risky(r: random.Random) -> str:
    choice = r.random()
    if choice < 0.45:
        return f"+1{r.choice(('876', '809', '473', '268', '284'))}{r.randint(2_000_000, 9_999_999)}"
    if choice < 0.8:
        return f"+234{r.choice(('803', '805', '813'))}{r.randint(1_000_000, 9_999_999)}"
    if choice < 0.93:
        return f"+4490{r.randint(6, 9)}{r.randint(1_000_000, 9_999_999)}"
    return f"+88161{r.randint(1_000_000, 9_999_999)}"


def make_numbers(count: int, r: random.Random) -> list[str]:
    """About ``count`` distinct numbers, including runs of near-identical ones."""
    makers: list[tuple[float, Callable[[random.Random], str]]] = [
        (0.40, _uk_mobile),
        (0.22, _uk_landline),
        (0.20, _abroad),
        (0.13, _risky),
    ]
    numbers: set[str] = set()
    while len(numbers) < count * 0.95:
        pick, total = r.random(), 0.0
        for weight, maker in makers:
            total += weight
            if pick < total:
                numbers.add(maker(r))
                break
    while len(numbers) < count:  # rotating runs: one range, the last two digits vary
        base = _risky(r)[:-2]
        for _ in range(r.randint(3, 12)):
            numbers.add(f"{base}{r.randint(0, 99):02d}")
    return sorted(numbers)


def spelling(number: str, r: random.Random) -> str:
    if number.startswith("+447") and r.random() < 0.5:
        return "0" + number[3:]
    return number


def write_log(rows: int, distinct: int, seed: int = 7) -> bytes:
    """The CSV log: caller,start,ring,direction,status.

    Ring seconds (how long a call rang before it was answered or given up) in a ring
    column, as the call monitor's log and call records give them: a ``duration`` column
    is talk time, which triage rightly never reads as a short ring.
    """
    r = random.Random(seed)
    numbers = make_numbers(distinct, r)
    respelled = {n: spelling(n, r) for n in r.sample(numbers, len(numbers) // 50)}
    weights = [1 / (i + 1) ** 0.6 for i in range(len(numbers))]
    order = numbers[:]
    r.shuffle(order)
    picks = r.choices(order, weights=weights, k=rows)
    lines = ["caller,start,ring,direction,status"]
    for i, number in enumerate(picks):
        if r.random() < 0.03:
            number = ""
        elif number in respelled and r.random() < 0.5:
            number = respelled[number]
        moment = START + dt.timedelta(seconds=int(i / rows * SPAN_DAYS * 86400))
        if r.random() < 0.08:
            moment = moment.replace(hour=r.choice((23, 0, 1, 2, 3, 4, 5, 6)))
        out = r.random() < 0.15
        missed = not out and r.random() < 0.45
        status = "answered" if out else ("missed" if missed else "answered")
        ring = r.randint(1, 25) if missed else r.randint(20, 900)
        lines.append(
            f"{number},{moment:%Y-%m-%d %H:%M:%S},{ring},"
            f"{'outgoing' if out else 'incoming'},{status}"
        )
    return ("\n".join(lines) + "\n").encode()


def run_triage(data: bytes, settings: Settings) -> tuple[float, int, dict[str, float]]:
    # Imported here, as `ringcheck triage` does (Polars loads with them).
    from ringcheck.calllog import read_log, triage
    from ringcheck.calllog.outputs import to_json

    stages: dict[str, float] = {}
    started = time.perf_counter()
    log = read_log(data)
    stages["read"] = time.perf_counter() - started
    result = triage(log, settings=settings)
    stages["triage"] = time.perf_counter() - started - stages["read"]
    body = to_json(result)  # as `ringcheck triage --output json` and the API write it
    total = time.perf_counter() - started
    stages["json"] = total - stages["read"] - stages["triage"]
    return total, len(result.numbers), stages | {"json_mb": len(body) / 1e6}


def loop_rows(data: bytes, sample: int) -> list[tuple[str, float | None]]:
    """(number, ring seconds if missed) for an evenly spread sample of the log's rows."""
    rows = data.decode().splitlines()[1:]
    step = max(1, len(rows) // sample)
    picked = []
    for line in rows[::step][:sample]:
        number, _, ring, direction, status = line.split(",")
        missed = direction == "incoming" and status == "missed"
        picked.append((number or "Withheld", float(ring) if missed else None))
    return picked


def run_loop(rows: list[tuple[str, float | None]], settings: Settings, context: bool) -> float:
    started = time.perf_counter()
    for number, ring in rows:
        try:
            ctx = CallContext(rang_seconds=ring) if context and ring is not None else None
            check(number, ctx, settings=settings).to_dict()
        except RingcheckError:
            pass
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, 20k-row loop sample")
    parser.add_argument("--rows", type=int, help="rows in the log [1,000,000]")
    parser.add_argument("--distinct", type=int, help="distinct numbers [rows / 20]")
    parser.add_argument("--sample", type=int, help="rows the per-row loop runs [100,000]")
    args = parser.parse_args(argv)
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    distinct = args.distinct or rows // 20
    sample = min(rows, args.sample or (20_000 if args.quick else 100_000))
    settings = Settings()
    print(f"generating {rows:,} rows, ~{distinct:,} distinct numbers…", file=sys.stderr)
    data = write_log(rows, distinct)
    # The first triage in this process compiles each calling code's rules on first use:
    # reported, but the ratios use warm runs, as the loops are warmed up too.
    cold, _, _ = run_triage(data, settings)
    runs = sorted((run_triage(data, settings) for _ in range(RUNS)), key=lambda run: run[0])
    seconds, numbers, stages = runs[len(runs) // 2]
    picked = loop_rows(data, sample)
    run_loop(picked[:2000], settings, True)  # warm up: per-code rules compile on first use
    loop_ctx = run_loop(picked, settings, True) / len(picked) * rows
    loop_plain = run_loop(picked, settings, False) / len(picked) * rows
    rate = rows / seconds
    print(f"log: {rows:,} rows, {len(data) / 1e6:.1f} MB CSV, {numbers:,} distinct callers")
    print(
        f"cores: {os.cpu_count()}; Polars' grouping in triage uses all of them, reading and "
        "judging the numbers one, as do the per-row loops; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"triage end to end, median of {RUNS} runs: {seconds:.2f} s = {rate:,.0f} rows/s "
        f"(read {stages['read']:.2f} s, triage {stages['triage']:.2f} s, "
        f"JSON {stages['json']:.2f} s for {stages['json_mb']:.0f} MB); "
        f"runs {', '.join(f'{run[0]:.2f}' for run in runs)} s"
    )
    print(
        f"first triage in this process (rules compiling): {cold:.2f} s = {rows / cold:,.0f} rows/s"
    )
    for label, loop in (
        ("per-row check(number, CallContext(rang_seconds=…))", loop_ctx),
        ("per-row check(number), no call details", loop_plain),
    ):
        print(
            f"{label}: {rows / loop:,.0f} rows/s "
            f"(timed on {len(picked):,} rows, extrapolated to {rows:,}: {loop:.1f} s) "
            f"-> triage is {loop / seconds:.1f}x (first run {loop / cold:.1f}x)"
        )


if __name__ == "__main__":
    main()
