"""The calls tests/live/test_live_loop.py and benchmarks/live.py play: a one-ring
campaign, and legitimate traffic beside it (answered UK and foreign callers, a call
centre, flash-call verification). Each call is a row of SIPp's injection file."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kamailio_lab import Calls, place_calls

# name -> (the calls, calls a second, the SIPp caller scenario)
Plan = Mapping[str, tuple[Sequence[tuple[str, ...]], int, str]]

# From a destination the static data warns about but does not block (test_live_loop.py checks):
# ten numbers of one range taking turns, subscribers rung in number order, 20 a second,
# each cancelled after 1-2 s.
CAMPAIGN_RANGE = "+8801712345"
CAMPAIGN_CALLS = 400  # 20 s at 20 a second: twice the 10 s goal
CALL_CENTRE = "+443301234567"
CALLBACK_ACTION = "block"


def campaign_calls(count: int = CAMPAIGN_CALLS) -> list[tuple[str, str, str]]:
    return [
        (f"{CAMPAIGN_RANGE}6{i % 10:02d}", f"+44740091{i:04d}", str(1000 + (i * 37) % 1001))
        for i in range(count)
    ]


def answered_calls(count: int, seed: int) -> list[tuple[str, str]]:
    """UK and foreign callers, a new one each call, to random subscribers; answered."""
    rng = random.Random(seed)
    prefixes = (  # and the digits after them
        ("+447911", 6), ("+44207183", 4), ("+33612", 6), ("+4915123", 6), ("+12126", 6),
        ("+353861", 6),
    )  # fmt: skip
    calls = []
    for _ in range(count):
        prefix, digits = rng.choice(prefixes)
        number = prefix + "".join(rng.choice("0123456789") for _ in range(digits))
        calls.append((number, f"+4474008{rng.randrange(10**5):05d}"))
    return calls


def call_centre_calls(count: int) -> list[tuple[str, str]]:
    """One number calling many subscribers, down a list, and they answer."""
    return [(CALL_CENTRE, f"+44740070{i:04d}") for i in range(count)]


def flash_calls(count: int, seed: int) -> list[tuple[str, str, str]]:
    """Flash-call verification: numbers of one range abroad taking turns, random
    callees about once each, cancelled after about 1 s, nobody calls back."""
    rng = random.Random(seed)
    return [
        (f"+3197010123{400 + i % 20}", f"+4474006{rng.randrange(10**5):05d}",
         str(800 + rng.randrange(400)))
        for i in range(count)
    ]  # fmt: skip


def play(home: Path, port: int, plan: Plan) -> dict[str, Calls]:
    """Every group of ``plan`` at once, each from its own SIPp, to 127.0.0.1:``port``:
    what happened to each group's calls."""
    with ThreadPoolExecutor(len(plan)) as pool:
        futures = {
            name: pool.submit(place_calls, home, port, calls, rate, name, (), scenario)
            for name, (calls, rate, scenario) in plan.items()
        }
        return {name: future.result() for name, future in futures.items()}
