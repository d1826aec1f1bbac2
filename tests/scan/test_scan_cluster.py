"""The Spark engine on a real standalone cluster: a master and a worker started from the
pyspark package's own ``bin/spark-class`` on 127.0.0.1, and ``ringcheck scan --engine
spark --master spark://…`` run against it, giving the Polars engine's findings exactly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scan_support import ZONE
from test_scan_spark import _spark_or_skip

from ringcheck.scan.demo import demo

ROWS = 6_000
SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(ready: Any, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``ready()`` holds (a start-up wait, not a timed check of the code)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Spark {what} stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"the Spark {what} did not start: {log.read_text(errors='replace')[-2000:]}")


def _start(home: Path, args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(home / "bin" / "spark-class"), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, ended with it
        )


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone master and one small worker on 127.0.0.1; its URL."""
    _spark_or_skip()
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    folder = tmp_path_factory.mktemp("spark-cluster")
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(folder),
        "SPARK_WORKER_DIR": str(folder / "work"),
    }
    port, web = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    master_log, worker_log = folder / "master.log", folder / "worker.log"
    master = _start(
        home,
        [
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            *("--port", str(port)),
            *("--webui-port", str(web)),
        ],
        master_log,
        env,
    )
    processes = [master]
    try:
        _wait_for(lambda: socket.create_connection(("127.0.0.1", port), 1).close() or True,
                  "master", master, master_log)  # fmt: skip
        worker = _start(
            home,
            [
                "org.apache.spark.deploy.worker.Worker",
                url,
                "--host",
                "127.0.0.1",
                *("--port", str(_free_port()), "--webui-port", str(_free_port())),
                *("--cores", "1", "--memory", "1g", "--work-dir", str(folder / "work")),
            ],
            worker_log,
            env,
        )
        processes.append(worker)

        def registered() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{web}/json/", timeout=5) as page:
                return bool(json.load(page).get("aliveworkers"))

        _wait_for(registered, "worker", worker, worker_log)
        yield url
    finally:
        for process in reversed(processes):
            _end(process)


def _scan(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYSPARK_PYTHON": sys.executable}
    done = subprocess.run(
        [sys.executable, "-m", "ringcheck", "scan", *args, "--tz", ZONE, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def _findings(report: dict[str, Any]) -> list[Any]:
    return sorted(json.dumps(f, sort_keys=True) for f in report["findings"])


def test_a_standalone_cluster_gives_the_polars_engines_findings(
    cluster: str, tmp_path: Path
) -> None:
    records = tmp_path / "Master.csv"
    demo(ROWS, records, "asterisk", seed=11)
    polars_report = _scan(str(records))
    cluster_report = _scan(str(records), "--engine", "spark", "--master", cluster)
    assert polars_report["findings"], "the demo plants campaigns"
    assert _findings(cluster_report) == _findings(polars_report)
    assert cluster_report["summary"]["engine"] == "spark"
    for name in ("records", "unreadable", "one_ring_callers", "first_call", "last_call"):
        assert cluster_report["summary"][name] == polars_report["summary"][name]
