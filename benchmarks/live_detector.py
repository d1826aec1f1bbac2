"""The live detector's cost: calls at a steady rate into ``scan.live``, re-scored each
second, against counting the same window the batch way, in the same run.

    .venv/bin/python benchmarks/live_detector.py                 # 2,000 calls/s, 1 and 10 min
    .venv/bin/python benchmarks/live_detector.py --quick         # 1 min window only
    .venv/bin/python benchmarks/live_detector.py --rate 500 --windows 60,600,1800

Traffic: ``--rate`` calls a second from a million subscribers (90% of callers UK
numbers, 10% from abroad; 60% answered, rings 1-29 s) and a one-ring campaign at 20 a
second (10 numbers of one range taking turns, subscribers in number order). Each window
is filled, then ``--seconds`` more seconds are fed one at a time, each followed by a
re-score, as ``scan --follow --every 1s`` does.

Prints per window: the calls and different callers in it, the window's memory (its
calls, as Polars counts them) and the process's peak, the median time to take a
second's calls and re-score, whether that keeps up with one second, when the campaign
was first flagged (seconds of calls, subscribers rung), and the baseline: counting the
whole window with the batch scan's counting (``engines.polars.count``) as one re-score
without the live detector's narrowing (``live.relevant``); the ratio is live ÷ batch.
Never fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from typing import Any

from ringcheck.scan.kamailio import CallEvent, calls_frame
from ringcheck.scan.live import Detector, Window
from ringcheck.scan.model import CALLS, ScanOptions

T0 = 1_796_600_000
OPTIONS = ScanOptions(tz="UTC")


def second(at: int, rate: int, rng: random.Random) -> Any:
    """One second of calls: the background, and the campaign's 20."""
    events = []
    for i in range(rate):
        abroad = rng.random() < 0.1
        caller = (
            f"+{rng.choice(['33', '49', '1212', '234'])}{rng.randrange(10**8):08d}"
            if abroad
            else f"+4479{rng.randrange(10**8):08d}"
        )
        answered = rng.random() < 0.6
        events.append(
            CallEvent(
                f"{at}-{i}", caller, f"+4477{rng.randrange(10**6):08d}", T0 + at,
                200 if answered else 487, rng.randrange(1, 30),
                rng.randrange(10, 300) if answered else 0,
            )
        )  # fmt: skip
    for j in range(20):
        k = at * 20 + j
        events.append(
            CallEvent(f"w{k}", f"+88017123456{k % 10:02d}", f"+4477009{k:06d}", T0 + at, 487, 1)
        )
    return calls_frame(events, "GB")


def run(window: int, rate: int, seconds: int) -> dict[str, Any]:
    rng = random.Random(window)
    detector = Detector(OPTIONS, Window(window))
    flagged = None
    for at in range(window):
        detector.feed(second(at, rate, rng))
        if at < 5 or (flagged is None and at % 10 == 0):  # the campaign: when first flagged
            for event in detector.rescore():
                if flagged is None:
                    flagged = (at + 1, event.finding.features["callees"])
    detector.rescore()
    taken = []
    for at in range(window, window + seconds):
        frame = second(at, rate, rng)
        began = time.perf_counter()
        detector.feed(frame)
        detector.rescore()
        taken.append(time.perf_counter() - began)
    calls = detector.window.calls()
    batch = _batch(calls, detector)
    live = statistics.median(taken)
    return {
        "window_seconds": window,
        "calls": calls.height,
        "callers": calls["caller"].n_unique(),
        "window_mb": round(calls.estimated_size() / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rescore_s": round(live, 3),
        "keeps_up": live < 1.0,
        "flagged_after": {"seconds": flagged[0], "subscribers": flagged[1]} if flagged else None,
        "batch_count_s": round(batch, 3),
        "ratio_live_to_batch": round(live / batch, 3) if batch else None,
    }


def _batch(calls: Any, detector: Detector) -> float:
    """The window counted the batch way: every call, spellings read again."""
    import polars as pl

    from ringcheck.scan.detect import worth_a_look
    from ringcheck.scan.engines import polars as counting

    rows = calls.lazy().select(
        *(pl.col(n) for n in CALLS if n in calls.columns),
        caller_text="caller",
        callee_text="callee",
        ok=pl.lit(True),
        why=pl.lit(None, pl.String),
    )

    def keep(candidates: Any) -> Any:
        return worth_a_look(candidates, "GB", detector.data)

    began = time.perf_counter()
    counting.count(rows.select(list(CALLS)), [], OPTIONS, detector.limits, keep)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=2000, help="calls a second")
    parser.add_argument("--windows", default="60,600", help="window lengths, seconds")
    parser.add_argument("--seconds", type=int, default=9, help="re-scores measured")
    parser.add_argument("--quick", action="store_true", help="the 1-minute window only")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args()
    windows = [60] if args.quick else [int(w) for w in args.windows.split(",")]
    found = [run(w, args.rate, args.seconds) for w in windows]
    if args.json:
        print(json.dumps(found, indent=1))
        return
    for f in found:
        print(
            f"window {f['window_seconds']} s: {f['calls']:,} calls, {f['callers']:,} callers, "
            f"{f['window_mb']} MB (peak RSS {f['peak_rss_mb']} MB); re-score "
            f"{f['rescore_s']} s a second (keeps up: {f['keeps_up']}); batch counting of "
            f"the same window {f['batch_count_s']} s, ratio {f['ratio_live_to_batch']}; "
            f"campaign flagged after {f['flagged_after']}"
        )


if __name__ == "__main__":
    main()
