"""A small SIP lab on 127.0.0.1: a real ``ringcheck serve``, Kamailio running
contrib/kamailio/ringcheck.cfg, a SIPp callee that rings and answers, and SIPp callers.

Used by tests/live/test_kamailio.py and benchmarks/live.py. Every process is started in
its own session and stopped by its own id. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "contrib" / "kamailio" / "ringcheck.cfg"
HANDLER = CONFIG.with_name("ringcheck_handler.py")
SCENARIOS = Path(__file__).resolve().parent / "sipp"
MODULES = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
NEEDED_MODULES = ("async.so", "http_client.so", "jansson.so", "acc_json.so", "app_python3.so")
START_SECONDS = 30.0
CALLS_SECONDS = 120.0
# A busy proxy may pass a late 180 on after the 200, or a BYE before its ACK: SIPp then
# ignores the stray message instead of aborting the call (its errors file lists them).
LENIENT = ("-default_behaviors", "all,-abortunexp")


def missing() -> str | None:
    """Why the lab can't run here, or None when it can."""
    for program, package in (("kamailio", "kamailio"), ("sipp", "sip-tester")):
        if _program(program) is None:
            return f"these tests need {program} (apt-get install -y {package}; .ci/run does)"
    for module in NEEDED_MODULES:
        if not (MODULES / module).exists():
            return (
                f"these tests need Kamailio's {module} (apt-get install -y kamailio "
                "kamailio-utils-modules kamailio-extra-modules kamailio-python3-modules; "
                ".ci/run does)"
            )
    return None


def require() -> None:
    """Skip the calling test module when the lab can't run here; fail it when
    ``CI=true``: CI must run the live tests."""
    import pytest

    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _program(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()),
        None,
    )


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _udp_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _start(
    command: Sequence[str], log: Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole, by its id
        )


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


TOKEN = "lab-proxy-token"  # ringcheck's live_events_token: the proxy's events and lookups


class Ringcheck:
    """``ringcheck serve`` on a free port, with a fresh SQLite store, taking the proxy's
    events (``TOKEN``) and the default rate limit (the proxy's token is exempt)."""

    def __init__(self, home: Path, settings: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = free_port(socket.SOCK_STREAM)
        self.url = f"http://127.0.0.1:{self.port}"
        # what the proxy is given: the token as the Basic password (contrib/kamailio)
        self.proxy_url = f"http://kamailio:{TOKEN}@127.0.0.1:{self.port}"
        self.settings = settings or {}
        self.log = home / "ringcheck.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.home}/reports.db"

    def env(self) -> dict[str, str]:
        """The environment of this ringcheck's processes: its store, token and settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCHECK_")}
        env.update(
            XDG_CONFIG_HOME=str(self.home),
            XDG_DATA_HOME=str(self.home),
            RINGCHECK_DATABASE_URL=self.database_url,
            RINGCHECK_LIVE_EVENTS_TOKEN=TOKEN,
            **{f"RINGCHECK_{name.upper()}": value for name, value in self.settings.items()},
        )
        return env

    def start(self) -> Ringcheck:
        command = [*ringcheck_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = _start(command, self.log, self.home, self.env())
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ringcheck serve exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"ringcheck serve did not start:\n{self.log.read_text()[-3000:]}")

    def ask(self, number: str, direction: str = "in") -> dict[str, object]:
        url = f"{self.url}/api/v1/lookup/{quote(unquote(number))}?direction={direction}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            found: dict[str, object] = json.load(answer)
        return found

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, signal.SIGINT)


def ringcheck_command() -> list[str]:
    script = Path(sys.executable).with_name("ringcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ringcheck"]


class Pusher:
    """``ringcheck kamailio push`` into Kamailio's table on 127.0.0.1:``port`` (-A PUSH),
    from ``server``'s store, every ``every``."""

    def __init__(self, server: Ringcheck, port: int, every: str = "0.2s") -> None:
        self.server = server
        self.port = port
        self.log = server.home / "pusher.log"
        url = f"http://127.0.0.1:{port}/RPC"
        command = [*ringcheck_command(), "kamailio", "push", "--url", url, "--every", every]
        command += ["--list-every", "1s"]  # reports made during a test reach Kamailio
        self.process = _start(command, self.log, server.home, server.env())

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)


def pushed(port: int, key: str, table: str = "verdicts") -> str | None:
    """What Kamailio's ``table`` (``verdicts`` or ``answers``) holds for ``key``, or None."""
    body = json.dumps(
        {"jsonrpc": "2.0", "method": "htable.get", "params": [table, key], "id": 1}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/RPC", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            found = json.load(answer)
    except urllib.error.HTTPError as exc:  # Kamailio answers a missing key with a 500
        found = json.load(exc)
    if "error" in found:
        return None
    item = found.get("result", {}).get("item", {})
    value = item.get("value") if isinstance(item, dict) else None
    return None if value is None else str(value)


class Kamailio:
    """Kamailio with contrib/kamailio/ringcheck.cfg, its settings given with -A."""

    def __init__(
        self,
        home: Path,
        ringcheck_url: str,
        callee_port: int,
        *switches: str,
        env: dict[str, str] | None = None,
    ) -> None:
        self.home = home
        self.ringcheck_url = ringcheck_url
        # -A EMBED: Kamailio's Python imports ringcheck from this environment, with the
        # settings of the lab's ringcheck
        self.env = {**(env or os.environ), "RINGCHECK_SITE": sysconfig.get_path("purelib")}
        self.trunk_port = free_port()
        self.subscriber_port = free_port()
        # the table's JSON-RPC (PUSH_LISTEN: the default mode and -A PUSH*), on a free port
        named = [s for s in switches if s.startswith("PUSH_LISTEN=")]
        self.push_port = (
            int(named[-1].rpartition(":")[2]) if named else free_port(socket.SOCK_STREAM)
        )
        self.log = home / "kamailio.log"
        run = home / "run"
        run.mkdir(exist_ok=True)
        hop = f'"sip:127.0.0.1:{callee_port}"'
        self.command = [
            _program("kamailio") or "kamailio",
            *("-DD", "-E", "-f", str(CONFIG), "-Y", str(run), "-P", str(run / "kamailio.pid")),
            *("-A", f"TRUNK_LISTEN=udp:127.0.0.1:{self.trunk_port}"),
            *("-A", f"SUBSCRIBER_LISTEN=udp:127.0.0.1:{self.subscriber_port}"),
            *("-A", f"CALLEE_HOP={hop}", "-A", f"OUTBOUND_HOP={hop}"),
            *(arg for switch in switches for arg in ("-A", switch)),
            *(() if named else ("-A", f"PUSH_LISTEN=tcp:127.0.0.1:{self.push_port}")),
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Kamailio:
        # read by the configuration's import_file, from the directory Kamailio starts in
        (self.home / "ringcheck-local.cfg").write_text(
            f'#!substdef "!RINGCHECK_URL!{self.ringcheck_url}!g"\n'
            f'#!substdef "!RINGCHECK_HANDLER!{HANDLER}!g"\n'
        )
        self.process = _start(self.command, self.log, self.home, self.env)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kamailio exited:\n{self.log.read_text()[-3000:]}")
            if _answers_options(self.trunk_port):
                return self
        raise RuntimeError(f"kamailio did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def accounting(self) -> list[dict[str, str]]:
        """The accounting records logged so far (lines ``… ringcheck-acc {json}``)."""
        records = []
        for line in self.log.read_text(errors="replace").splitlines():
            _, marker, record = line.partition("ringcheck-acc ")
            if marker:
                records.append(json.loads(record))
        return records


def push(port: int, number: str, action: str) -> None:
    """Put ``number`` => ``action`` in Kamailio's ``verdicts`` table (-A PUSH) over
    JSON-RPC on 127.0.0.1:``port``."""
    body = json.dumps(
        {"jsonrpc": "2.0", "method": "htable.sets", "params": ["verdicts", number, action], "id": 1}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/RPC", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        if "error" in json.load(answer):
            raise RuntimeError(f"Kamailio refused to store {number}")


def _answers_options(port: int) -> bool:
    """True when a SIP OPTIONS sent to ``port`` gets any answer within 0.5 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        here = sock.getsockname()[1]
        probe = (
            f"OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bK-probe{time.monotonic_ns()}\r\n"
            f"From: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:probe@127.0.0.1>\r\n"
            f"Call-ID: probe-{time.monotonic_ns()}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\n"
            "Max-Forwards: 5\r\nContent-Length: 0\r\n\r\n"
        )
        sock.sendto(probe.encode(), ("127.0.0.1", port))
        try:
            return sock.recv(4096).startswith(b"SIP/2.0 ")
        except OSError:
            return False


class Callee:
    """A SIPp callee that logs every call it is offered: tests/live/sipp/callee.xml
    answers at once, ringing_callee.xml after 3 s unless the caller hangs up first."""

    def __init__(self, home: Path, scenario: str = "callee.xml") -> None:
        self.home = home
        self.scenario = scenario
        self.port = free_port()
        self.log = home / "callee-calls.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Callee:
        command = [
            _program("sipp") or "sipp",
            *("-sf", str(SCENARIOS / self.scenario), "-i", "127.0.0.1", "-p", str(self.port)),
            *("-t", "u1", "-nostdin", "-trace_logs", "-log_file", str(self.log)),
            *LENIENT,
        ]
        self.process = _start(command, self.home / "callee.out", self.home)
        deadline = time.monotonic() + START_SECONDS
        while not _udp_taken(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the SIPp callee did not start")
            time.sleep(0.05)
        return self

    def offered(self) -> dict[str, str]:
        """Call-ID -> the P-Ringcheck header it arrived with ('' if none)."""
        calls = {}
        if self.log.exists():
            for line in self.log.read_text(errors="replace").splitlines():
                parts = line.split(";", 1)
                if parts[0] == "RANG":
                    call_id, _, rest = parts[1].partition(";")
                    calls[call_id] = rest.partition("P-Ringcheck: ")[2]
        return calls

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, signal.SIGUSR1)  # SIPp's soft stop


@dataclass
class Call:
    caller: str
    dialled: str
    started_ms: int
    outcome: str = "lost"  # answered, blocked, cancelled, or lost (no final answer logged)
    ended_ms: int | None = None
    trying_ms: int | None = None
    reason: str = ""

    @property
    def setup_ms(self) -> int | None:
        """INVITE sent to answer (200) or refusal received, by SIPp's clock."""
        return None if self.ended_ms is None else self.ended_ms - self.started_ms


@dataclass
class Calls:
    by_id: dict[str, Call] = field(default_factory=dict)
    errors: str = ""

    def of(self, outcome: str) -> list[Call]:
        return [call for call in self.by_id.values() if call.outcome == outcome]


def place_calls(
    home: Path,
    port: int,
    calls: Sequence[tuple[str, ...]],
    rate: int = 20,
    name: str = "calls",
    extra: Sequence[str] = (),
    scenario: str = "caller.xml",
) -> Calls:
    """Place ``calls`` (caller, number dialled[, more fields]) at ``rate`` a second to
    127.0.0.1:``port`` with tests/live/sipp/``scenario``; what happened to each call, by
    Call-ID. one_ring.xml takes a third field: the ms it rings before hanging up."""
    inject = home / f"{name}.csv"
    inject.write_text("SEQUENTIAL\n" + "".join(";".join(call) + "\n" for call in calls))
    log, errors = home / f"{name}.log", home / f"{name}.errors"
    command = [
        _program("sipp") or "sipp",
        f"127.0.0.1:{port}",
        *("-sf", str(SCENARIOS / scenario), "-inf", str(inject)),
        *("-i", "127.0.0.1", "-p", str(free_port()), "-t", "u1"),
        *("-m", str(len(calls)), "-r", str(rate), "-l", "2000", "-nostdin"),
        *("-trace_logs", "-log_file", str(log), "-trace_err", "-error_file", str(errors)),
        *("-timeout", f"{CALLS_SECONDS:.0f}s", "-timeout_error"),
        *LENIENT,
        *extra,
    ]
    subprocess.run(
        command,
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=CALLS_SECONDS + 30,
        check=False,
    )
    found = Calls(errors=errors.read_text(errors="replace")[-3000:] if errors.exists() else "")
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        _read_line(found, line.split(";", 5))
    return found


def _read_line(found: Calls, parts: list[str]) -> None:
    kind = parts[0]
    if kind == "START" and len(parts) >= 5:
        found.by_id[parts[3]] = Call(parts[1], parts[2], int(parts[4]))
    elif kind == "TRYING" and len(parts) >= 3 and parts[1] in found.by_id:
        found.by_id[parts[1]].trying_ms = int(parts[2])
    elif (
        kind in ("ANSWERED", "BLOCKED", "CANCELLED") and len(parts) >= 5 and parts[3] in found.by_id
    ):
        call = found.by_id[parts[3]]
        call.outcome = kind.lower()
        call.ended_ms = int(parts[4])
        call.reason = parts[5] if len(parts) > 5 else ""


class HangingServer:
    """A TCP port that accepts connections and never answers: ringcheck stuck."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def lab(
    home: Path,
    *switches: str,
    ringcheck_url: str | None = None,
    callee: str = "callee.xml",
    settings: dict[str, str] | None = None,
    pushing: bool = False,
) -> Iterator[LabParts]:
    """A callee (``callee``: its scenario), ringcheck with ``settings`` (unless
    ``ringcheck_url`` names another) and Kamailio; with ``pushing``, ``ringcheck kamailio
    push`` too, keeping Kamailio's table (the default mode, -A PUSH*) equal to the store."""
    answering = Callee(home, callee).start()
    server = None if ringcheck_url else Ringcheck(home, settings).start()
    url = ringcheck_url or (server.proxy_url if server else "")
    env = server.env() if server is not None else None
    proxy = Kamailio(home, url, answering.port, *switches, env=env)
    pusher = None
    try:
        proxy.start()
        if pushing and server is not None:
            pusher = Pusher(server, proxy.push_port)
        yield LabParts(answering, server, proxy)
    finally:
        if pusher is not None:
            pusher.stop()
        proxy.stop()
        if server is not None:
            server.stop()
        answering.stop()


@dataclass
class LabParts:
    callee: Callee
    ringcheck: Ringcheck | None
    proxy: Kamailio
