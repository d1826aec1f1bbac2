"""Barring a scam caller on the FRITZ!Box (``ringcheck.phones.fritzbox.fritzbarring``) with
fritzconnection's real client, against a loopback HTTP server that plays the box: the
client reads a FRITZ!Box 7590's TR-064 description (``tests/data/fritzbox``,
fritzconnection's own MIT test data, loaded as its JSON cache) and sends real SOAP to the
box's ``X_AVM-DE_OnTel`` control URL, which the server answers as a box does (UPnP error
714 for a number that isn't listed)."""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ringcheck.lookup import lookup
from ringcheck.phones.fritzbox.callmonitor import Watcher
from ringcheck.phones.fritzbox.fritzbarring import CallBarring
from ringcheck.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fritzbox"
URN = "urn:dslforum-org:service:X_AVM-DE_OnTel:1"
FAULT = """<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring>
<detail>
<UPnPError xmlns="urn:schemas-upnp-org:control-1-0">
<errorCode>714</errorCode>
<errorDescription>No such array entry in array</errorDescription>
</UPnPError>
</detail>
</s:Fault></s:Body></s:Envelope>"""


def answer(action: str, body: str) -> str:
    return (
        '<?xml version="1.0"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>'
        f'<u:{action}Response xmlns:u="{URN}">{body}</u:{action}Response></s:Body></s:Envelope>'
    )


class Box:
    """What the fake box holds: its barred numbers and every action asked of it."""

    def __init__(self) -> None:
        self.barred: dict[str, str] = {}
        self.actions: list[str] = []


def handler_for(box: Box) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            size = int(self.headers.get("content-length", "0"))
            envelope = self.rfile.read(size).decode()
            action = self.headers.get("soapaction", "").split("#")[-1].strip('"')
            box.actions.append(action)
            if self.path != "/upnp/control/x_contact":
                self.send_error(404)
                return
            if action == "GetCallBarringEntryByNum":
                number = re.search(r"<NewNumber>(.*?)</NewNumber>", envelope).group(1)  # type: ignore[union-attr]
                if number not in box.barred:
                    return self._send(500, FAULT)
                entry = f"<NewPhonebookEntryData>{box.barred[number]}</NewPhonebookEntryData>"
                return self._send(200, answer(action, entry))
            if action == "SetCallBarringEntry":
                data = re.search(
                    r"<NewPhonebookEntryData>(.*?)</NewPhonebookEntryData>", envelope, re.S
                )
                text = data.group(1) if data else ""  # escaped XML inside the envelope
                number = re.search(r"&gt;(\+?\d+)&lt;/number&gt;", text).group(1)  # type: ignore[union-attr]
                box.barred[number] = text
                uid = f"<NewPhonebookEntryUniqueID>{len(box.barred)}</NewPhonebookEntryUniqueID>"
                return self._send(200, answer(action, uid))
            self._send(500, FAULT)

        def _send(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", 'text/xml; charset="utf-8"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def box(tmp_path: Path) -> Iterator[tuple[Box, CallBarring]]:
    if not (FIXTURES / "description.json").exists():
        pytest.fail(f"the FRITZ!Box fixtures are missing from {FIXTURES}")
    state = Box()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cache = tmp_path / "fritzcache"
    cache.mkdir()
    shutil.copy(FIXTURES / "description.json", cache / "127_0_0_1_cache.json")
    try:
        barring = CallBarring.connect(
            "127.0.0.1",
            server.server_address[1],
            user="ringcheck",
            password="secret",
            use_cache=True,
            cache_directory=str(cache),
            cache_format="json",
            verify_cache=False,
        )
        yield state, barring
    finally:
        server.shutdown()


def test_a_very_high_risk_caller_is_barred_once(box: tuple[Box, CallBarring]) -> None:
    state, barring = box
    found = lookup("+18768123456")
    assert barring.block("+18768123456", found) is True
    assert list(state.barred) == ["+18768123456"]
    assert "SPAM Wangiri" in state.barred["+18768123456"]
    assert barring.block("+18768123456", found) is False  # never twice
    fresh = CallBarring(barring.connection)  # another run: the box is asked first
    assert fresh.block("+18768123456", found) is False
    assert state.actions.count("SetCallBarringEntry") == 1


def test_trusted_and_milder_callers_are_never_barred(box: tuple[Box, CallBarring]) -> None:
    state, barring = box
    trusted = lookup("+18768123456", settings=Settings(trusted=("+18768123456",)))
    assert barring.block("+18768123456", trusted) is False
    assert barring.block("+33612345678", lookup("+33612345678")) is False  # warn, not block
    assert barring.block("+447400123456", lookup("+447400123456")) is False
    assert state.barred == {}


def test_the_watcher_bars_a_ringing_wangiri_number(box: tuple[Box, CallBarring]) -> None:
    state, barring = box
    events: list[dict[str, Any]] = []

    async def bar(number: str, found: Any) -> None:
        await asyncio.to_thread(barring.block, number, found)

    watcher = Watcher(Settings(), events.append, block=bar)

    async def main() -> None:
        await watcher.handle("02.12.26 02:10:01;RING;0;+18768123401;03012345678;SIP0;")
        await watcher.handle("02.12.26 02:10:03;DISCONNECT;0;0;")
        await watcher.handle("02.12.26 09:15:00;RING;1;+447400123456;03012345678;SIP0;")

    asyncio.run(main())
    assert list(state.barred) == ["+18768123401"]


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_block_without_credentials_names_the_settings_to_give(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from ringcheck.cli import cli

    monkeypatch.delenv("FRITZ_USERNAME", raising=False)
    monkeypatch.delenv("FRITZ_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["watch", "fritzbox", "--block", "--host", "127.0.0.1"])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "FRITZ_USERNAME" in line and "FRITZ_PASSWORD" in line


def test_an_unreachable_box_is_said_once_in_plain_words(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from ringcheck.phones.fritzbox.fritzbarring import BarringError

    monkeypatch.setenv("FRITZ_PASSWORD", "secret")
    with pytest.raises(BarringError) as caught:
        CallBarring.connect("127.0.0.1", _closed_port(), timeout=2)
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # fritzconnection's own copy of the error stays quiet
    assert "connection refused" in caught.value.message
    assert "HTTPConnectionPool" not in caught.value.message
