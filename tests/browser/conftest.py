"""Real-browser tests: the real server in a subprocess, driven by Debian's Chromium.

Without /usr/bin/chromium (or the ``playwright`` package) every test here is skipped with
a message saying how to get it, except when ``CI=true``: CI must run these tests, so
there they fail instead. ``.ci/run`` installs the browser. Playwright's own browser
download (``playwright install``) is never used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_SECONDS = 30.0
SERVER_STOP_SECONDS = 15.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _missing_browser() -> str | None:
    """Why these tests cannot run here, or None when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install -y chromium; .ci/run installs it)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session", autouse=True)
def _require_browser() -> None:
    reason = _missing_browser()
    if reason is None:
        return
    if _in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command() -> list[str]:
    script = Path(sys.executable).with_name("ringcheck")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "ringcheck"]


def _server_env(config_home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCHECK_")}
    env["XDG_CONFIG_HOME"] = config_home  # no personal config file
    # Reports go to a fresh SQLite file in the server's temporary directory, never to the
    # user's data directory.
    env["XDG_DATA_HOME"] = config_home
    env["RINGCHECK_DATABASE_URL"] = f"sqlite:///{config_home}/reports.db"
    # Rate limiting is tested elsewhere; a browser run loads many pages and assets.
    env["RINGCHECK_RATE_PER_MINUTE"] = "1000000"
    env["RINGCHECK_RATE_BURST"] = "1000000"
    return env


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"ringcheck serve exited with {process.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"ringcheck serve did not answer /healthz in {SERVER_START_SECONDS:.0f}s:\n"
        + log.read_text()[-4000:]
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
    try:
        process.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def base_url(_require_browser: None) -> Iterator[str]:
    """http://127.0.0.1:<port> of a real ``ringcheck serve`` for the whole session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="ringcheck-browser-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [*_server_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=tmp,
                env=_server_env(tmp),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so it can be killed whole
            )
            try:
                _wait_healthy(url, process, log)
                yield url
            finally:
                _stop(process)


@pytest.fixture(scope="module")
def browser(_require_browser: None) -> Iterator[Any]:
    """Chromium, one per test module. Not per session: while Playwright's sync API is
    running it leaves an asyncio loop marked running in this thread, and later tests
    elsewhere that call ``asyncio.run()`` would fail."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_context(browser: Any, base_url: str) -> Iterator[Callable[..., Any]]:
    """Make browser contexts for this test (``new_context(viewport=…, …)``); all closed
    at its end. Each has ``base_url`` set, so pages can ``goto("/guide")``."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1024, "height": 800})
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh context with JavaScript on and the site's CSP enforced."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repository root (gitignored): screenshots land here."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's axe.min.js as bundled by the axe-playwright-python package."""
    try:
        import axe_playwright_python
    except ImportError:
        path = None
    else:
        path = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    if path is None or not path.exists():
        npm = shutil.which("npm")
        hint = " (or npm's axe-core)" if npm else ""
        message = f"axe-core needs the axe-playwright-python package{hint}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path
