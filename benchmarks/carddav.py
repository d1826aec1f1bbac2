"""FRITZ!Box speed: a full CardDAV sync of the block list, and the call monitor's warning.

    .venv/bin/python benchmarks/carddav.py            # 2,000 reported numbers, ~1 minute
    .venv/bin/python benchmarks/carddav.py --quick    # 300 numbers
    .venv/bin/python benchmarks/carddav.py --json

1. CardDAV: a reports database with N numbers, each reported by 3 people, so the book
   holds about N cards plus the curated ranges; ``ringcheck serve`` on a free loopback
   port; then the box's full sync, as PhoneBlock's logs show it: PROPFIND Depth 1 on the
   book, then REPORT addressbook-multiget of every card, with Basic auth. The first
   sync (cards built) and the median of 10 warm ones, against two GET /healthz round
   trips on the same connection in the same run. Goal (issue 13): under 200 ms.
2. Call monitor: a loopback server writes 200 RING lines of different numbers; the time
   from writing a line to the watcher's warning (its ``emit``), median and p99. Goal:
   under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_check import machine, machine_line, running_server

from ringcheck.phones.fritzbox.callmonitor import Watcher
from ringcheck.settings import Settings

SYNC_GOAL_MS, RING_GOAL_MS = 200.0, 20.0


def fill(folder: Path, numbers: int) -> tuple[str, str]:
    """The reports database ``ringcheck serve`` will use; returns (user, password)."""
    from ringcheck.store import Store

    os.environ["XDG_DATA_HOME"] = str(folder)
    r = random.Random(7)
    with Store.open(Settings(reports_per_hour=100_000)) as store:
        device, password = store.add_device("Benchmark box", home="GB", level="caution", size=6000)
        for _ in range(numbers):
            number = f"+4474{r.randint(10_000_000, 99_999_999)}"
            for who in range(3):
                store.add_report(
                    number=number, category="one_ring_callback", client=f"10.0.{who}.1"
                )
    return device.username, password


def _request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    auth: str,
    body: bytes = b"",
    depth: str = "1",
) -> bytes:
    headers = {"Authorization": auth, "Depth": depth, "Content-Type": "application/xml"}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status not in (200, 207):
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return data


def sync(port: int, user: str, auth: str) -> tuple[float, int]:
    """One full box-style sync: (seconds, cards)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    book = f"/carddav/addressbooks/{user}/blocklist/"
    began = time.perf_counter()
    listing = _request(conn, "PROPFIND", book, auth).decode()
    hrefs = re.findall(r"<D:href>([^<]+\.vcf)</D:href>", listing)
    inner = "".join(f"<d:href>{h}</d:href>" for h in hrefs)
    body = (
        '<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget xmlns:d="DAV:" '
        'xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/>'
        f"</d:prop>{inner}</card:addressbook-multiget>"
    ).encode()
    cards = _request(conn, "REPORT", book, auth, body).decode().count("BEGIN:VCARD")
    took = time.perf_counter() - began
    conn.close()
    return took, cards


def healthz(port: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    began = time.perf_counter()
    for _ in range(2):
        conn.request("GET", "/healthz")
        conn.getresponse().read()
    took = time.perf_counter() - began
    conn.close()
    return took


def carddav(numbers: int, say: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ringcheck-carddav-") as tmp:
        folder = Path(tmp)
        say(f"filling a reports database with {numbers:,} numbers ...")
        user, password = fill(folder, numbers)
        auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        with running_server(1, folder / "server.log") as base:
            port = int(base.rsplit(":", 1)[1])
            first, cards = sync(port, user, auth)
            warm, base_runs = [], []
            for _ in range(10):
                warm.append(sync(port, user, auth)[0])
                base_runs.append(healthz(port))
    return {
        "cards": cards,
        "first_sync_ms": round(first * 1000, 1),
        "warm_sync_ms": round(statistics.median(warm) * 1000, 1),
        "healthz_two_requests_ms": round(statistics.median(base_runs) * 1000, 2),
    }


def ring_latency(lines: int) -> dict[str, Any]:
    r = random.Random(3)
    sent: dict[str, float] = {}
    delays: list[float] = []

    def emit(event: dict[str, Any]) -> None:
        if event["event"] == "ring" and event["number"] in sent:
            delays.append(time.perf_counter() - sent[event["number"]])

    async def main() -> None:
        numbers = [
            f"+{r.choice(['1876', '234', '447', '33', '4930'])}{r.randint(10**7, 10**8 - 1)}"
            for _ in range(lines)
        ]

        async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for i, number in enumerate(numbers):
                sent[number] = time.perf_counter()
                writer.write(f"02.12.26 02:10:01;RING;{i};{number};030123;SIP0;\r\n".encode())
                await writer.drain()
                await asyncio.sleep(0.005)
            writer.close()

        server = await asyncio.start_server(session, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            watcher = Watcher(Settings(), emit)
            await watcher.run("127.0.0.1", port, attempts=1)

    asyncio.run(main())
    ordered = sorted(delays)
    return {
        "rings": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--numbers", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    numbers = args.numbers or (300 if args.quick else 2000)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    figures = {"machine": machine(), "carddav": carddav(numbers, say), "ring": ring_latency(200)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    c, g = figures["carddav"], figures["ring"]
    print(machine_line(figures["machine"]))
    met = "met" if c["warm_sync_ms"] < SYNC_GOAL_MS else "not met"
    print(
        f"CardDAV full sync of {c['cards']:,} cards: first {c['first_sync_ms']} ms (cards "
        f"built), then {c['warm_sync_ms']} ms ({met}: < {SYNC_GOAL_MS:.0f} ms); two GET "
        f"/healthz {c['healthz_two_requests_ms']} ms"
    )
    met = "met" if g["p99_ms"] < RING_GOAL_MS else "not met"
    print(
        f"Call monitor, RING line to warning over {g['rings']} calls: median {g['median_ms']} "
        f"ms, p99 {g['p99_ms']} ms, max {g['max_ms']} ms ({met}: < {RING_GOAL_MS:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
