"""The closed loop's figures for benchmarks/live.py --loop (issue 21, section 4): a
one-ring campaign among legitimate traffic through Kamailio, the setup time with
ringcheck up, stopped and stuck, and the events detector's CPU and memory."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from kamailio_lab import lab, place_calls

from live import callers, machine, pct
from ringcheck.settings import Settings

LOOP_GOALS = {"first_block_s": 10.0, "rung_before_block": 100, "legit_blocked": 0}


def loop_run(home: Path, delivery: str, legit_rate: int, legit_seconds: int) -> dict:
    """A one-ring campaign (tests/live/test_live_loop.py's: 400 calls at 20 a second)
    among answered UK and foreign calls, a call centre and flash calls, through Kamailio;
    the records reach ringcheck by ``delivery``: ``events`` (the shipped configuration
    posts them to /api/v1/events) or ``follow`` (-A NO_EVENTS, and ``ringcheck scan
    kamailio.log --follow --every 1s --publish`` into serve's database)."""
    import traffic as mix

    count = legit_rate * legit_seconds
    plan = {
        "campaign": (mix.campaign_calls(), 20, "one_ring.xml"),
        "answered": (mix.answered_calls(count * 9 // 20, 31), legit_rate * 9 // 20, "caller.xml"),
        "call_centre": (mix.call_centre_calls(count // 10), legit_rate // 10, "caller.xml"),
        "flash": (mix.flash_calls(count * 9 // 20, 32), legit_rate * 9 // 20, "one_ring.xml"),
    }
    switches = ("NO_EVENTS",) if delivery == "follow" else ()
    follower = None
    with lab(home, *switches, callee="ringing_callee.xml", pushing=True) as parts:
        assert parts.ringcheck is not None
        if delivery == "follow":
            follower = _follow(home, parts.proxy.log)
        port = parts.proxy.trunk_port
        groups = mix.play(home, port, plan)
        if follower is not None:
            _stop_process(follower)
    campaign = groups["campaign"]
    blocked = campaign.of("blocked")
    start = min(c.started_ms for c in campaign.by_id.values())
    first = min((c.ended_ms or 0) for c in blocked) if blocked else None
    legit = [c for name, g in groups.items() if name != "campaign" for c in g.by_id.values()]
    return {
        "delivery": delivery,
        "campaign_calls": len(campaign.by_id),
        "first_block_s": None if first is None else round((first - start) / 1000, 2),
        "rung_before_block": len(campaign.by_id) - len(blocked),
        "legit_calls": len(legit),
        "legit_blocked": sum(c.outcome == "blocked" for c in legit),
        "legit_lost": sum(c.outcome == "lost" for c in legit),
        "flash_calls": len(groups["flash"].by_id),
        "call_centre_calls": len(groups["call_centre"].by_id),
    }


def _follow(home: Path, log: Path) -> Any:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCHECK_")}
    env.update(
        XDG_CONFIG_HOME=str(home),
        XDG_DATA_HOME=str(home),
        RINGCHECK_DATABASE_URL=f"sqlite:///{home}/reports.db",
    )
    script = Path(sys.executable).with_name("ringcheck")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ringcheck"]
    command += ["scan", str(log), "--follow", "--every", "1s", "--publish", "--tz", "UTC"]
    with (home / "follow.out").open("ab") as out:
        return subprocess.Popen(
            command, cwd=home, env=env, stdout=out, stderr=out, start_new_session=True
        )


def _stop_process(process: Any) -> None:
    import signal
    import subprocess

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def stopped_run(home: Path, calls: int, rate: int) -> dict:
    """Setup time (INVITE to 200, SIPp's clock) of the same calls with ringcheck up, then
    stopped (connection refused), then stuck (accepts, never answers): the extra delay
    per call and the calls lost."""
    from kamailio_lab import HangingServer

    placed = {}
    mix = [(c, "+442071838750") for c in callers(calls, 41)]
    with lab(home / "up") as parts:
        assert parts.ringcheck is not None
        placed["up"] = place_calls(home / "up", parts.proxy.trunk_port, mix, rate=rate, name="up")
        parts.ringcheck.stop()
        placed["stopped"] = place_calls(
            home / "up", parts.proxy.trunk_port, mix, rate=rate, name="stopped"
        )
    hanging = HangingServer()
    try:
        with lab(home / "stuck", ringcheck_url=hanging.url) as parts:
            placed["stuck"] = place_calls(
                home / "stuck", parts.proxy.trunk_port, mix, rate=rate, name="stuck"
            )
    finally:
        hanging.close()
    out: dict[str, Any] = {"calls": calls, "rate": rate}
    for name, found in placed.items():
        setups = [c.setup_ms for c in found.by_id.values() if c.setup_ms is not None]
        out[name] = {
            "p50_ms": pct(setups, 0.5),
            "p99_ms": pct(setups, 0.99),
            "max_ms": max(setups) if setups else None,
            "lost": calls - len(found.of("answered")) - len(found.of("blocked")),
        }
    return out


def detector_run(rate: int, seconds: int) -> dict:
    """The server's detector (POST /api/v1/events' LiveEvents) fed ``rate`` events a
    second of the calls' time, posted every 0.2 s and re-scored every second as the
    server does: CPU seconds per second of events, and memory against distinct callers
    in the window (most callers new, as in a day's traffic, plus a campaign)."""
    import resource
    import time

    from ringcheck.web.routes.events import LiveEvents

    class Store:
        def publish_campaign(self, *_: Any, **__: Any) -> None:
            return None

    live = LiveEvents(Settings(live_events_token="x"), Store())
    numbers = callers(rate * seconds, 51)
    t0 = 1_796_600_000.0
    per_post = rate // 5
    marks, cpu, rescore = [], 0.0, []
    for second in range(seconds):
        for post in range(5):
            lines = []
            for k in range(per_post):
                i = second * rate + post * per_post + k
                at = t0 + second + post * 0.2 + k / rate
                if k % 100 == 0:  # a campaign, 1 % of the events
                    item = {"call_id": f"w{i}", "caller": f"+8801712345{i % 1000:03d}",
                            "callee": f"+447400{i % 10**6:06d}", "invite_at": at, "code": 487,
                            "ring_seconds": 1.5}  # fmt: skip
                else:
                    item = {"call_id": f"c{i}", "caller": numbers[i], "callee":
                            f"+4474{(i * 7919) % 10**8:08d}", "invite_at": at,
                            "code": 200 if k % 3 else 487, "ring_seconds": 4,
                            "talk_seconds": 60 if k % 3 else 0}  # fmt: skip
                lines.append(json.dumps(item))
            body = "\n".join(lines).encode()
            began = time.process_time()
            live.take(body)
            cpu += time.process_time() - began
        began = time.process_time()
        live.detector.rescore()
        spent = time.process_time() - began
        cpu += spent
        rescore.append(spent)
        if second + 1 in (10, 30, 60, 120, 300) or second + 1 == seconds:
            calls = live.detector.window.calls()
            marks.append(
                {
                    "seconds": second + 1,
                    "calls_in_window": calls.height,
                    "distinct_callers": calls["caller"].n_unique(),
                    "window_mb": round(calls.estimated_size() / 2**20, 1),
                    "rss_peak_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                    "rescore_s": round(spent, 3),
                }
            )
    return {
        "rate": rate,
        "seconds": seconds,
        "cpu_per_second": round(cpu / seconds, 3),
        "rescore_p50_s": round(statistics.median(rescore), 3),
        "marks": marks,
    }


def figures(args: argparse.Namespace) -> dict:
    report: dict[str, Any] = {"machine": machine(), "loop": [], "stopped": None}
    for delivery in ("events", "follow"):
        with tempfile.TemporaryDirectory(prefix=f"ringcheck-loop-{delivery}-") as tmp:
            found = loop_run(Path(tmp), delivery, args.legit_rate, args.legit_seconds)
        print(f"loop {delivery}: {found}", file=sys.stderr)
        report["loop"].append(found)
    with tempfile.TemporaryDirectory(prefix="ringcheck-stopped-") as tmp:
        for part in ("up", "stuck"):
            (Path(tmp) / part).mkdir()
        report["stopped"] = stopped_run(Path(tmp), args.stopped_calls, args.stopped_rate)
    print(f"stopped: {report['stopped']}", file=sys.stderr)
    report["detector"] = detector_run(args.detector_rate, args.detector_seconds)
    print(f"detector: {report['detector']}", file=sys.stderr)
    return report


def show_figures(report: dict) -> None:
    print(report["machine"])
    print("| measure | goal | " + " | ".join(r["delivery"] for r in report["loop"]) + " |")
    print("|---|---|" + "---|" * len(report["loop"]))
    rows = (
        ("first 603/608 after the campaign's first INVITE (20 calls/s)", "≤ 10 s",
         lambda r: f"{r['first_block_s']} s"),
        ("subscribers rung before the block", "< 100", lambda r: str(r["rung_before_block"])),
        ("legitimate calls blocked (flash calls, a call centre among them)", "0",
         lambda r: f"{r['legit_blocked']} of {r['legit_calls']} ({r['flash_calls']} flash, "
         f"{r['call_centre_calls']} call centre; {r['legit_lost']} lost)"),
    )  # fmt: skip
    for name, goal, value in rows:
        print(f"| {name} | {goal} | " + " | ".join(value(r) for r in report["loop"]) + " |")
    s = report["stopped"]
    print(
        f"\nringcheck stopped / stuck, {s['calls']} calls at {s['rate']}/s, setup p50/p99/max "
        "(goal: < 1.1 s extra, 0 lost):"
    )
    for name in ("up", "stopped", "stuck"):
        r = s[name]
        print(f"  {name}: {r['p50_ms']} / {r['p99_ms']} / {r['max_ms']} ms, lost {r['lost']}")
    d = report["detector"]
    print(
        f"\ndetector at {d['rate']} events/s for {d['seconds']} s of calls: "
        f"{d['cpu_per_second']} CPU s per s, re-score p50 {d['rescore_p50_s']} s"
    )
    for m in d["marks"]:
        print(
            f"  after {m['seconds']} s: {m['calls_in_window']} calls, "
            f"{m['distinct_callers']} callers in the window, {m['window_mb']} MB of calls, "
            f"peak RSS {m['rss_peak_mb']} MB, re-score {m['rescore_s']} s"
        )
