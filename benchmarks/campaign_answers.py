"""What does asking the live campaigns cost a phone-system answer?

Run from the repository root, in the project's venv:

    .venv/bin/python benchmarks/campaign_answers.py           # about 30 s
    .venv/bin/python benchmarks/campaign_answers.py --json    # the figures as JSON

In this process, over a SQLite store holding 500 running campaigns: the answer to
``/api/v1/lookup/{number}`` (``PhoneAnswers.answer``, what the route and the fast lane
call) for 3,000 rotating numbers in no campaign, kept answers and computed ones, with
the worker's ``LiveCampaigns`` and without (the baseline, the same code with
``campaigns=None``), in alternating rounds, medians kept; a computed answer for numbers
each in a campaign (block, with the evidence in words); and the once-a-second poll that
finds nothing new (``LiveCampaigns.refresh``: one ``max(updated_at)`` query). Prints the
figures and the ratios; never fails on a figure.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import tempfile
import time
from typing import Any

from ringcheck.settings import Settings
from ringcheck.store import Sighting, Store
from ringcheck.web.livecampaigns import LiveCampaigns
from ringcheck.web.routes.phone import PhoneAnswers

CAMPAIGNS = 500
NUMBERS = [f"%2B3361{i:07d}" for i in range(0, 3_000_000, 1_000)]  # in no campaign
HELD = [f"%2B3362{i:04d}123" for i in range(CAMPAIGNS)]  # each in one


def publish(store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    for i in range(CAMPAIGNS):
        seen = Sighting(
            key=f"+3362{i:04d}xxx", level="high", score=80, reasons=(), subscribers=40,
            calls=40, first_seen=now, last_seen=now, ring_low=1.0, ring_high=2.0,
        )  # fmt: skip
        store.publish_campaign(seen, quiet=dt.timedelta(hours=1))


async def per_answer(
    answers: PhoneAnswers, count: int, keep: bool, numbers: list[str] = NUMBERS
) -> float:
    """Microseconds per answer over ``count`` answers (kept ones, or all computed)."""
    start = time.perf_counter()
    for k in range(count):
        if not keep:
            answers.forget()
        await answers.answer("lookup", numbers[k % len(numbers)], None, None, "")
    return (time.perf_counter() - start) / count * 1e6


async def compare(plain: PhoneAnswers, live: PhoneAnswers, keep: bool) -> dict[str, float]:
    count, rounds = (30_000, 6) if keep else (1_500, 6)
    sides: dict[str, list[float]] = {"without": [], "with": []}
    for one in (plain, live):  # warm: every number answered (and kept) once
        await per_answer(one, len(NUMBERS), True)
    for r in range(rounds):
        order = [("without", plain), ("with", live)]
        for name, answers in order if r % 2 else order[::-1]:
            sides[name].append(await per_answer(answers, count, keep))
    without, with_ = statistics.median(sides["without"]), statistics.median(sides["with"])
    return {"without_us": without, "with_us": with_, "ratio": with_ / without}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Settings(database_url=f"sqlite:///{tmp}/r.db"))
        publish(store)
        live = LiveCampaigns(store)
        live.refresh()
        plain_answers = PhoneAnswers(Settings())
        live_answers = PhoneAnswers(Settings(), None, live)
        figures: dict[str, Any] = {
            "kept": asyncio.run(compare(plain_answers, live_answers, True)),
            "computed": asyncio.run(compare(plain_answers, live_answers, False)),
        }
        figures["in_campaign_us"] = asyncio.run(per_answer(live_answers, 1_500, False, HELD))
        start = time.perf_counter()
        polls = 300
        for _ in range(polls):
            live.refresh()
        figures["poll_ms"] = (time.perf_counter() - start) / polls * 1e3
        store.close()
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{CAMPAIGNS} running campaigns, {len(NUMBERS):,} rotating numbers")
    for name in ("kept", "computed"):
        f = figures[name]
        print(
            f"{name:9} answers: {f['without_us']:8.1f} us without campaigns, "
            f"{f['with_us']:8.1f} us with: {f['ratio']:.2f}x"
        )
    print(f"computed answer for a number in a campaign: {figures['in_campaign_us']:.1f} us")
    print(f"poll finding nothing new: {figures['poll_ms']:.2f} ms (once a second per worker)")


if __name__ == "__main__":
    main()
