"""How fast is ringcheck next to a bare ``phonenumbers`` loop, and how quickly does the CLI start?

Run from the repository root, in the project's venv:

    .venv/bin/python benchmarks/check_throughput.py           # full run (30k numbers)
    .venv/bin/python benchmarks/check_throughput.py --quick   # 5k numbers, fewer rounds
    .venv/bin/python benchmarks/check_throughput.py --json    # figures as one JSON object

Three measurements, each against a baseline taken in the same run:

1. Throughput: ``check(s).to_dict()`` over >= 30,000 distinct numbers written the ways people
   paste them, against ``phonenumbers.parse(s, "GB")`` + ``is_valid_number`` +
   ``number_type`` over the same inputs. Both get a warm-up pass (ringcheck compiles a
   country's rules on first use; phonenumbers loads a region's metadata on first use), then
   several rounds, the two loops alternating every 1,000 numbers, and the median round of
   each is kept.
   Goal: ratio (ringcheck / baseline numbers per second) >= 1.0.
2. CLI cold start: ``ringcheck check --json +442071234567`` against
   ``python -c "import phonenumbers"``, interleaved, median of >= 15 runs each.
   Goal: <= 4x the baseline.
3. Peak memory (max RSS) of one CLI check. Goal: < 60 MB.

The script prints figures and says which goals are met; it never fails on a goal. It exits
non-zero only when it crashes.

``--check-only PASSES`` runs nothing but ``check(s).to_dict()``: a warm-up pass and then
PASSES passes over the inputs, for counting instructions under valgrind, which the
machine's load doesn't change (see benchmarks/README.md):

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/check_throughput.py --numbers 3000 --check-only 1
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException

from ringcheck import RingcheckError, check

SEED = 20261127
THROUGHPUT_GOAL = 1.0  # ringcheck numbers/s divided by baseline numbers/s, at least
COLD_START_GOAL = 4.0  # CLI check time divided by `import phonenumbers` time, at most
MEMORY_GOAL_MB = 60.0  # peak RSS of one CLI check, below
CLI_NUMBER = "+442071234567"
VALIDITY_SAMPLE = 3000

Gen = Callable[[random.Random], tuple[str, str]]  # -> (international digits, national form)


# ---------------------------------------------------------------------------------------------
# Realistic numbers
#
# Each generator returns the number as digits after the country code plus how a person
# would write the national part. Ranges are real allocations (Ofcom's National Numbering
# Plan for the UK; NANP area codes; national plans for the rest); a validity check on a
# sample (reported with the results) shows they are what phonenumbers accepts.
# ---------------------------------------------------------------------------------------------


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _nxx(rng: random.Random) -> str:
    """A NANP exchange: first digit 2-9, and not an N11 service code."""
    while True:
        x = str(rng.randint(2, 9)) + _d(rng, 2)
        if x[1:] != "11" and x != "555":
            return x


# UK mobile: 071xx-075xx and 077xx-079xx (076 is pagers, 070 personal numbers).
UK_MOBILE_DIGIT = "12345789"
# UK geographic: (area digits without the 0, first digits its local numbers start with,
# local number length, grouping of the local number).
UK_LANDLINE_AREAS = [
    ("20", "378", 8, (4, 4)),  # London: 020 7xxx xxxx, 020 8xxx xxxx, 020 3xxx xxxx
    ("29", "2", 8, (4, 4)),  # Cardiff: 029 2xxx xxxx
    ("28", "9", 8, (4, 4)),  # Belfast: 028 9xxx xxxx
    ("23", "8", 8, (4, 4)),  # Southampton: 023 8xxx xxxx
    ("24", "7", 8, (4, 4)),  # Coventry: 024 7xxx xxxx
    ("121", "234567", 7, (3, 4)),  # Birmingham: 0121 xxx xxxx
    ("131", "2345678", 7, (3, 4)),  # Edinburgh
    ("141", "2345689", 7, (3, 4)),  # Glasgow
    ("161", "2345689", 7, (3, 4)),  # Manchester
    ("113", "2345", 7, (3, 4)),  # Leeds
    ("114", "2345", 7, (3, 4)),  # Sheffield
    ("115", "2789", 7, (3, 4)),  # Nottingham
    ("116", "234", 7, (3, 4)),  # Leicester
    ("117", "2349", 7, (3, 4)),  # Bristol
    ("151", "2345678", 7, (3, 4)),  # Liverpool
    ("191", "2345", 7, (3, 4)),  # Tyneside
    ("1223", "2345678", 6, (6,)),  # Cambridge: 01223 xxxxxx
    ("1865", "2345678", 6, (6,)),  # Oxford
    ("1904", "2345678", 6, (6,)),  # York
    ("1273", "2345678", 6, (6,)),  # Brighton
    ("1392", "2345678", 6, (6,)),  # Exeter
    ("1603", "2345678", 6, (6,)),  # Norwich
    ("1224", "2345678", 6, (6,)),  # Aberdeen
    ("1482", "2345678", 6, (6,)),  # Hull
    ("1752", "2345678", 6, (6,)),  # Plymouth
    ("1792", "2345678", 6, (6,)),  # Swansea
]
# UK non-geographic, freephone, service and premium: (prefix without 0, digits after it).
UK_SPECIAL = [
    ("300", 7),
    ("303", 7),
    ("330", 7),
    ("333", 7),
    ("343", 7),
    ("345", 7),
    ("370", 7),
    ("371", 7),
    ("800", 7),
    ("808", 7),
    ("800", 6),  # 0800 xxxxxx, the older 10-digit freephone form
    ("843", 7),
    ("844", 7),
    ("845", 7),
    ("870", 7),
    ("871", 7),
    ("872", 7),
    ("873", 7),
    ("900", 7),
    ("901", 7),
    ("904", 7),
    ("905", 7),
    ("906", 7),
    ("907", 7),
    ("908", 7),
    ("909", 7),
    ("911", 7),
    ("982", 7),
    ("983", 7),
]
US_CA_AREAS = ["212", "646", "718", "415", "213", "310", "312", "617", "202", "305", "713"]
US_CA_AREAS += ["404", "206", "512", "702", "416", "647", "604", "514", "403", "613"]
# Caribbean NANP areas named in call-back scam warnings, with exchanges in use there.
CARIBBEAN = {
    "876": ["812", "822", "832", "842", "852", "862", "872", "878", "884", "895"],  # Jamaica
    "809": ["201", "222", "250", "301", "350", "401", "452", "501", "601", "701"],  # Dom. Rep.
    "829": ["201", "222", "250", "301", "350", "401", "452", "501", "601", "701"],
    "473": ["403", "404", "405", "406", "407", "409", "410", "414", "415", "416"],  # Grenada
    "268": ["464", "720", "721", "722", "723", "724", "725", "726", "727", "728"],  # Antigua
    "284": ["300", "301", "340", "341", "345", "346", "496", "499", "540", "541"],  # BVI
    "649": ["231", "232", "241", "242", "243", "244", "245", "246", "247", "249"],  # Turks & C.
    "767": ["225", "235", "245", "265", "275", "276", "277", "295", "315", "316"],  # Dominica
    "664": ["349", "391", "392", "393", "491", "492", "493", "494", "495", "496"],  # Montserrat
}


def uk_mobile(rng: random.Random) -> tuple[str, str]:
    nsn = "7" + rng.choice(UK_MOBILE_DIGIT) + _d(rng, 8)
    return "44" + nsn, _group("0" + nsn, (5, 6))


def uk_landline(rng: random.Random) -> tuple[str, str]:
    area, first, size, groups = rng.choice(UK_LANDLINE_AREAS)
    local = rng.choice(first) + _d(rng, size - 1)
    return "44" + area + local, f"0{area} {_group(local, groups)}"


def uk_special(rng: random.Random) -> tuple[str, str]:
    prefix, more = rng.choice(UK_SPECIAL)
    nsn = prefix + _d(rng, more)
    return "44" + nsn, "0" + prefix + " " + _group(nsn[3:], (3, more - 3))


def us_canada(rng: random.Random) -> tuple[str, str]:
    nsn = rng.choice(US_CA_AREAS) + _nxx(rng) + _d(rng, 4)
    return "1" + nsn, _nanp(nsn)


def caribbean(rng: random.Random) -> tuple[str, str]:
    area = rng.choice(list(CARIBBEAN))
    nsn = area + rng.choice(CARIBBEAN[area]) + _d(rng, 4)
    return "1" + nsn, _nanp(nsn)


def europe(rng: random.Random) -> tuple[str, str]:
    kind = rng.randrange(4)
    if kind == 0:  # France 06 / 07 mobiles: +33 6 12 34 56 78
        nsn = rng.choice(["6" + rng.choice("01245678"), "7" + rng.choice("3456789")]) + _d(rng, 7)
        return "33" + nsn, nsn[0] + " " + _group(nsn[1:], (2, 2, 2, 2))
    if kind == 1:  # Spain 6xx mobiles: +34 612 345 678
        nsn = "6" + _d(rng, 8)
        return "34" + nsn, _group(nsn, (3, 3, 3))
    if kind == 2:  # Germany 015x / 016x / 017x mobiles: +49 151 23456789
        head = rng.choice(["1511", "1512", "1514", "1515", "1520", "1522", "1570", "1590"])
        if rng.random() < 0.5:
            head = rng.choice(["160", "162", "163", "170", "171", "172", "173", "176", "179"])
        nsn = head + _d(rng, 11 - len(head) if head.startswith("15") else 10 - len(head))
        return "49" + nsn, nsn[:3] + " " + nsn[3:]
    # Italy 3xx mobiles: +39 347 123 4567
    nsn = rng.choice(["320", "328", "329", "333", "335", "338", "340", "347", "348", "366"])
    nsn += _d(rng, 7)
    return "39" + nsn, _group(nsn, (3, 3, 4))


def africa(rng: random.Random) -> tuple[str, str]:
    kind = rng.randrange(3)
    if kind == 0:  # Nigeria 080x / 070x / 081x / 090x mobiles: +234 803 123 4567
        head = rng.choice(["803", "806", "805", "807", "808", "809", "703", "706", "813", "816"])
        nsn = head + _d(rng, 7)
        return "234" + nsn, _group(nsn, (3, 3, 4))
    if kind == 1:  # Côte d'Ivoire 10-digit mobiles: +225 07 12 34 56 78
        nsn = rng.choice(["07", "05", "01"]) + _d(rng, 8)
        return "225" + nsn, _group(nsn, (2, 2, 2, 2, 2))
    # Ghana 02x / 05x mobiles: +233 24 123 4567
    nsn = rng.choice(["24", "54", "55", "20", "50", "26", "27", "57"]) + _d(rng, 7)
    return "233" + nsn, _group(nsn, (2, 3, 4))


def asia(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:  # India 9x / 8x / 7x mobiles: +91 98123 45678
        nsn = rng.choice(["98", "99", "97", "96", "94", "91", "88", "87", "70", "73"])
        nsn += _d(rng, 8)
        return "91" + nsn, _group(nsn, (5, 5))
    # China 13x / 15x / 18x mobiles: +86 138 1234 5678
    nsn = rng.choice(["130", "133", "135", "136", "138", "139", "150", "158", "186", "189"])
    nsn += _d(rng, 8)
    return "86" + nsn, _group(nsn, (3, 4, 4))


def satellite(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.6:  # Iridium +881 6 / +881 7: +881 6 3123 4567
        nsn = rng.choice("67") + _d(rng, 8)
        return "881" + nsn, nsn[0] + " " + _group(nsn[1:], (4, 4))
    # Inmarsat +870 76x / 77x: +870 773 123 456
    nsn = rng.choice(["76", "77"]) + _d(rng, 7)
    return "870" + nsn, _group(nsn, (3, 3, 3))


def invalid(rng: random.Random) -> tuple[str, str]:
    """Numbers people mistype: a digit missing or extra, or a range nobody uses."""
    kind = rng.randrange(5)
    if kind == 0:  # UK mobile one digit short
        nsn = "7" + rng.choice("1234789") + _d(rng, 7)
    elif kind == 1:  # UK mobile one digit long
        nsn = "7" + rng.choice("1234789") + _d(rng, 9)
    elif kind == 2:  # London one digit short
        nsn = "207" + _d(rng, 6)
    elif kind == 3:  # unallocated UK 04 / 06 ranges
        nsn = rng.choice("46") + _d(rng, 9)
    else:  # Nigeria mobile with a digit missing
        nsn = "803" + _d(rng, 6)
        return "234" + nsn, _group(nsn, (3, 3, 3))
    return "44" + nsn, "0" + nsn


def _group(digits: str, sizes: tuple[int, ...]) -> str:
    out, i = [], 0
    for size in sizes:
        if i >= len(digits):
            break
        out.append(digits[i : i + size])
        i += size
    if i < len(digits):
        out[-1] += digits[i:]
    return " ".join(out)


def _nanp(nsn: str) -> str:
    return f"{nsn[:3]} {nsn[3:6]} {nsn[6:]}"


# Weights roughly follow what a UK user is asked about: mostly UK numbers, then the
# international ranges that turn up in scam warnings.
CATEGORIES: list[tuple[str, Gen, int]] = [  # (name, generator, weight)
    ("uk_mobile", uk_mobile, 22),
    ("uk_landline", uk_landline, 18),
    ("uk_special", uk_special, 12),
    ("us_canada", us_canada, 8),
    ("caribbean", caribbean, 6),
    ("europe", europe, 12),
    ("africa", africa, 8),
    ("asia", asia, 6),
    ("satellite", satellite, 3),
    ("invalid", invalid, 3),
]


def _write(rng: random.Random, cc_digits: str, national: str, cc_len: int, *, uk: bool) -> str:
    """Write one number the way a person might paste it."""
    cc, rest = cc_digits[:cc_len], cc_digits[cc_len:]
    style = rng.random()
    if uk and style < 0.45:  # national form: 07400 123456, 020 7123 4567
        text = national
    elif uk and style < 0.5:  # +44 (0)20 7123 4567
        text = f"+{cc} (0){national[1:]}"
    elif style < 0.75:  # +CC national-part-without-trunk-0, spaced
        text = f"+{cc} {national[1:] if uk else national}"
    elif style < 0.85:  # 00CC ...
        text = f"00{cc} {national[1:] if uk else national}"
    else:  # compact E.164
        text = f"+{cc}{rest}"
    sep = rng.random()
    if sep < 0.08:
        text = text.replace(" ", "-")
    elif sep < 0.12:
        text = text.replace(" ", ".")
    elif sep < 0.16 and cc == "1" and " " in text:  # +1 (212) 736-5000
        parts = text.split(" ")
        if len(parts) == 4:
            text = f"{parts[0]} ({parts[1]}) {parts[2]}-{parts[3]}"
    elif sep < 0.18 and uk and text[:1] == "0" and text[:2] != "00" and " " in text:
        head, tail = text.split(" ", 1)
        text = f"({head}) {tail}"
    elif sep < 0.19:
        text = f"Missed call from {text}"
    return text


def realistic_numbers(count: int, seed: int = SEED) -> tuple[list[str], list[str]]:
    """``count`` inputs, each a different number, and the category of each.

    The same seed gives the same list. Numbers are distinct (not just their written forms),
    so a per-number cache could not make either side look faster.
    """
    rng = random.Random(seed)
    names = [c[0] for c in CATEGORIES]
    weights = [c[2] for c in CATEGORIES]
    by_name = {c[0]: c[1] for c in CATEGORIES}
    numbers: dict[str, tuple[str, str]] = {}  # E.164 digits -> (as written, category)
    while len(numbers) < count:
        name = rng.choices(names, weights)[0]
        digits, national = by_name[name](rng)
        if digits in numbers:
            continue
        cc_len = next(n for n in (1, 2, 3) if int(digits[:n]) in _CODES)
        text = _write(rng, digits, national, cc_len, uk=digits.startswith("44"))
        numbers[digits] = (text, name)
    return [t for t, _ in numbers.values()], [k for _, k in numbers.values()]


_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def validity(inputs: list[str], kinds: list[str], sample: int) -> dict[str, Any]:
    """Share of a sample that phonenumbers calls valid, overall and per category."""
    rng = random.Random(SEED + 1)
    picks = rng.sample(range(len(inputs)), min(sample, len(inputs)))
    total: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    agree = 0
    for i in picks:
        text, kind = inputs[i], kinds[i]
        total[kind] += 1
        try:
            ok = phonenumbers.is_valid_number(phonenumbers.parse(text, "GB"))
        except NumberParseException:
            ok = False
        valid[kind] += ok
        try:
            ours = bool(check(text).number.valid)
        except RingcheckError:
            ours = False
        agree += ours == ok
    return {
        "sample": len(picks),
        "valid_share": sum(valid.values()) / len(picks),
        "ringcheck_agrees": agree / len(picks),
        "by_category": {k: round(valid[k] / total[k], 3) for k in sorted(total)},
    }


# ---------------------------------------------------------------------------------------------
# Throughput
# ---------------------------------------------------------------------------------------------


def ringcheck_pass(inputs: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and error count of one ``check().to_dict()`` pass."""
    errors = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for s in inputs:
        try:
            check(s).to_dict()
        except RingcheckError:
            errors += 1
    return time.perf_counter() - wall, time.process_time() - cpu, errors


def baseline_pass(inputs: list[str]) -> tuple[float, float, int]:
    """The same for ``phonenumbers`` parse + is_valid_number + number_type."""
    errors = 0
    parse, is_valid, number_type = (
        phonenumbers.parse,
        phonenumbers.is_valid_number,
        phonenumbers.number_type,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    for s in inputs:
        try:
            n = parse(s, "GB")
            is_valid(n)
            number_type(n)
        except NumberParseException:
            errors += 1
    return time.perf_counter() - wall, time.process_time() - cpu, errors


def throughput(inputs: list[str], rounds: int, chunk: int = 1000) -> dict[str, Any]:
    """Both loops over the same inputs, interleaved chunk by chunk, for several rounds.

    Each round runs the inputs in chunks of ``chunk`` numbers, ringcheck and the baseline
    back to back on each chunk (alternating which goes first), and adds up each side's
    time. Load from other processes on a shared machine then falls on both sides alike.
    """
    ringcheck_pass(inputs)  # warm-up: compile each country's rules once
    baseline_pass(inputs)  # warm-up: load each region's metadata once
    chunks = [inputs[i : i + chunk] for i in range(0, len(inputs), chunk)]
    passes = [("ringcheck", ringcheck_pass), ("baseline", baseline_pass)]
    runs: dict[str, list[tuple[float, float, int]]] = {"ringcheck": [], "baseline": []}
    for _ in range(rounds):
        gc.collect()
        totals = {name: (0.0, 0.0, 0) for name, _ in passes}
        for n, part in enumerate(chunks):
            for name, fn in passes if n % 2 == 0 else passes[::-1]:
                wall, cpu, errors = fn(part)
                before = totals[name]
                totals[name] = (before[0] + wall, before[1] + cpu, before[2] + errors)
        for name, total in totals.items():
            runs[name].append(total)
    wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    ratio = wall["baseline"] / wall["ringcheck"]  # (n / ours) / (n / theirs)
    paired = statistics.median(
        b[0] / o[0] for o, b in zip(runs["ringcheck"], runs["baseline"], strict=True)
    )
    return {
        "inputs": len(inputs),
        "rounds": rounds,
        "chunk": chunk,
        "ringcheck_per_s": round(len(inputs) / wall["ringcheck"]),
        "baseline_per_s": round(len(inputs) / wall["baseline"]),
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu["baseline"] / cpu["ringcheck"], 3),
        "paired_ratio": round(paired, 3),
        "ringcheck_us_per_number": round(wall["ringcheck"] / len(inputs) * 1e6, 1),
        "baseline_us_per_number": round(wall["baseline"] / len(inputs) * 1e6, 1),
        "ringcheck_errors": runs["ringcheck"][-1][2],
        "baseline_parse_errors": runs["baseline"][-1][2],
        "ringcheck_seconds": [round(r[0], 3) for r in runs["ringcheck"]],
        "baseline_seconds": [round(r[0], 3) for r in runs["baseline"]],
        "goal": THROUGHPUT_GOAL,
        "goal_met": ratio >= THROUGHPUT_GOAL,
    }


# ---------------------------------------------------------------------------------------------
# CLI cold start and memory
# ---------------------------------------------------------------------------------------------


def cli_path() -> Path:
    """The ``ringcheck`` console script installed beside this interpreter."""
    return Path(sys.executable).parent / "ringcheck"


def cli_problem(cli: Path) -> str | None:
    """Why the CLI can't be timed, or None when ``ringcheck check --json`` works."""
    if not cli.exists():
        return f"{cli} not found; install the package (`make run` or `pip install -e .`)."
    proc = subprocess.run(
        [str(cli), "check", "--json", CLI_NUMBER], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`ringcheck check --json {CLI_NUMBER}` exited {proc.returncode}: {last}"
    try:
        json.loads(proc.stdout.splitlines()[0])
    except (ValueError, IndexError):
        return f"`ringcheck check --json {CLI_NUMBER}` did not print a JSON object."
    return None


def _time_run(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def cold_start(cli: Path, runs: int) -> dict[str, Any]:
    ours_cmd = [str(cli), "check", "--json", CLI_NUMBER]
    base_cmd = [sys.executable, "-c", "import phonenumbers"]
    _time_run(ours_cmd)  # one untimed run each, so both read the files from a warm cache
    _time_run(base_cmd)
    ours: list[float] = []
    base: list[float] = []
    for i in range(runs):
        pair = [(ours_cmd, ours), (base_cmd, base)]
        for cmd, into in pair if i % 2 == 0 else reversed(pair):
            into.append(_time_run(cmd))
    ours_ms = statistics.median(ours) * 1000
    base_ms = statistics.median(base) * 1000
    return {
        "runs": runs,
        "ringcheck_ms": round(ours_ms, 1),
        "baseline_ms": round(base_ms, 1),
        "ratio": round(ours_ms / base_ms, 2),
        "goal": COLD_START_GOAL,
        "goal_met": ours_ms / base_ms <= COLD_START_GOAL,
    }


def peak_rss_mb(cmd: list[str]) -> tuple[float, str]:
    """Max resident memory of one run of ``cmd``, and how it was measured."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time:
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
            subprocess.run(
                [gnu_time, "-f", "%M", "-o", out.name, *cmd],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
            kb = int(out.read().strip().splitlines()[-1])
        return kb / 1024, "/usr/bin/time -f %M"
    # A fresh child runs the command, so RUSAGE_CHILDREN holds that one run only.
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True
    )
    kb = int(out.stdout.strip())  # kilobytes on Linux
    return kb / 1024, "getrusage(RUSAGE_CHILDREN).ru_maxrss"


def memory(cli: Path, runs: int = 3) -> dict[str, Any]:
    ours = [peak_rss_mb([str(cli), "check", "--json", CLI_NUMBER]) for _ in range(runs)]
    base = [peak_rss_mb([sys.executable, "-c", "import phonenumbers"]) for _ in range(runs)]
    peak = max(mb for mb, _ in ours)
    return {
        "ringcheck_mb": round(peak, 1),
        "baseline_mb": round(max(mb for mb, _ in base), 1),
        "method": ours[0][1],
        "runs": runs,
        "goal_mb": MEMORY_GOAL_MB,
        "goal_met": peak < MEMORY_GOAL_MB,
    }


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    try:
        ours = version("ringcheck")
    except PackageNotFoundError:
        ours = "not installed (imported from the source tree)"
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "phonenumbers": phonenumbers.__version__,
        "ringcheck": ours,
    }


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report_lines(figures: dict[str, Any]) -> Iterator[str]:
    m = figures["machine"]
    yield (
        f"Python {m['python']} ({m['implementation']}) on {m['platform']}, {m['cpus']} CPUs; "
        f"phonenumbers {m['phonenumbers']}, ringcheck {m['ringcheck']}"
    )
    v = figures["validity"]
    yield (
        f"Inputs: {figures['throughput']['inputs']:,} distinct numbers; "
        f"{v['valid_share']:.1%} of a {v['sample']:,} sample valid per phonenumbers; "
        f"ringcheck agrees on validity for {v['ringcheck_agrees']:.1%}"
    )
    yield "  valid share by category: " + ", ".join(
        f"{k} {share:.0%}" for k, share in v["by_category"].items()
    )
    yield ""
    t = figures["throughput"]
    rows = [
        ("measure", "ringcheck", "baseline", "ratio", "goal", "result"),
        (
            "throughput (numbers/s)",
            f"{t['ringcheck_per_s']:,}",
            f"{t['baseline_per_s']:,}",
            f"{t['ratio']:.2f}",
            f">= {t['goal']:.1f}",
            _met(t["goal_met"]),
        ),
    ]
    c, mem = figures.get("cold_start"), figures.get("memory")
    if c:
        rows.append(
            (
                "CLI cold start (ms, median)",
                f"{c['ringcheck_ms']:.0f}",
                f"{c['baseline_ms']:.0f}",
                f"{c['ratio']:.2f}",
                f"<= {c['goal']:.0f}x",
                _met(c["goal_met"]),
            )
        )
    if mem:
        rows.append(
            (
                "CLI peak memory (MB)",
                f"{mem['ringcheck_mb']:.1f}",
                f"{mem['baseline_mb']:.1f}",
                f"{mem['ringcheck_mb'] / mem['baseline_mb']:.2f}",
                f"< {mem['goal_mb']:.0f} MB",
                _met(mem["goal_met"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        yield "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        if n == 0:
            yield "  ".join("-" * w for w in widths)
    yield ""
    yield (
        f"throughput: median of {t['rounds']} rounds after a warm-up pass, the two loops "
        f"interleaved every {t['chunk']:,} numbers "
        f"({t['ringcheck_us_per_number']} vs {t['baseline_us_per_number']} µs a number; "
        f"ratio by CPU time {t['cpu_ratio']:.2f}, median of per-round ratios "
        f"{t['paired_ratio']:.2f}); "
        f"ringcheck errors (NotAPhoneNumber) {t['ringcheck_errors']}, "
        f"baseline NumberParseException {t['baseline_parse_errors']}"
    )
    if c:
        yield (
            f"cold start: `ringcheck check --json {CLI_NUMBER}` vs "
            f'`python -c "import phonenumbers"`, {c["runs"]} interleaved runs each'
        )
    if mem:
        yield f"memory: max RSS of {mem['runs']} runs each, measured with {mem['method']}"
    if figures.get("cli_note"):
        yield f"NOTE: CLI not measured: {figures['cli_note']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5k numbers, 2 rounds, 5 CLI runs")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--numbers", type=int, help="how many distinct numbers (default 30000)")
    parser.add_argument("--rounds", type=int, help="throughput rounds (default 5)")
    parser.add_argument("--runs", type=int, help="CLI cold-start runs each (default 15)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed for the number generator")
    parser.add_argument(
        "--check-only",
        type=int,
        metavar="PASSES",
        help="only check the numbers: a warm-up pass, then PASSES passes (for valgrind)",
    )
    args = parser.parse_args(argv)
    count = args.numbers or (5_000 if args.quick else 30_000)
    if args.check_only is not None:
        inputs, _ = realistic_numbers(count, args.seed)
        for _ in range(1 + args.check_only):
            ringcheck_pass(inputs)
        return 0
    rounds = args.rounds or (2 if args.quick else 5)
    runs = args.runs or (5 if args.quick else 15)
    say = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr))

    say(f"generating {count:,} numbers ...")
    inputs, kinds = realistic_numbers(count, args.seed)
    figures: dict[str, Any] = {"machine": machine(), "seed": args.seed}
    figures["validity"] = validity(inputs, kinds, VALIDITY_SAMPLE)
    figures["categories"] = dict(sorted(Counter(kinds).items()))
    say(f"timing throughput: warm-up + {rounds} rounds ...")
    figures["throughput"] = throughput(inputs, rounds)
    cli = cli_path()
    note = cli_problem(cli)
    if note is None:
        say(f"timing CLI cold start: {runs} runs each ...")
        try:
            figures["cold_start"] = cold_start(cli, runs)
            figures["memory"] = memory(cli)
        except (OSError, subprocess.CalledProcessError, ValueError) as exc:
            figures.pop("cold_start", None)
            note = f"a CLI run failed part-way: {exc}"
    if note is not None:
        figures["cli_note"] = note
    if args.json:
        print(json.dumps(figures, indent=None))
    else:
        print("\n".join(report_lines(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
