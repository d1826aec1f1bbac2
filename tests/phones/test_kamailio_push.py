"""``ringcheck kamailio push``: what goes into Kamailio's ``verdicts`` table and how it is
kept equal to what ringcheck blocks (against a stand-in for Kamailio's JSON-RPC; the
real proxy is in tests/live/test_push.py)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ringcheck.cli import cli
from ringcheck.lookup import lookup
from ringcheck.phones.kamailio import MARK, Pusher, PushError, Source, wanted
from ringcheck.settings import Settings
from ringcheck.store.running import Sighting, keys_for


class FakeKamailio:
    """htable.sets / get / delete on the configuration's two tables, as Kamailio's
    jsonrpcs answers them (``table``: ``verdicts``)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, str]] = {"verdicts": {}, "answers": {}}
        self.table = self.tables["verdicts"]
        self.calls: list[tuple[str, list[str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Kamailio's xhttp

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body = json.dumps(fake.answer(request)).encode()
                status = 500 if "error" in json.loads(body) else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/RPC"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        method, params = request["method"], request["params"]
        self.calls.append((method, params))
        name, key = params[0], params[1]
        if name not in self.tables:
            return {"jsonrpc": "2.0", "error": {"code": 500, "message": "No such htable"}}
        table = self.tables[name]
        if method == "htable.sets":
            table[key] = params[2]
        elif method == "htable.delete":
            table.pop(key, None)
        elif method == "htable.get":
            if key not in table:
                return {
                    "jsonrpc": "2.0",
                    "error": {"code": 500, "message": "Key name doesn't exist in htable."},
                    "id": request["id"],
                }
            return {"jsonrpc": "2.0", "result": {"item": {"name": key, "value": table[key]}}}
        return {"jsonrpc": "2.0", "result": None, "id": request["id"]}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kamailio() -> Iterator[FakeKamailio]:
    fake = FakeKamailio()
    yield fake
    fake.close()


def closed_port_url() -> str:
    """The RPC address of a Kamailio that isn't running: a port nobody listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/RPC"


def _matches(table: dict[str, str], e164: str) -> bool:
    """The configuration's match (contrib/kamailio/ringcheck.cfg, route PUSHED)."""
    if any(key in table for key in keys_for(e164)):
        return True
    return any(e164[:n] + "*" in table for n in range(len(e164), 2, -1))


def test_the_table_blocks_what_the_lookup_blocks_from_the_block_list() -> None:
    table = wanted(Settings(), ())
    for number in ("+8816212345678", "+18768123456"):
        assert lookup(number).action == "block"
        assert _matches(table, number), number
    for number in ("+447400123456", "+33612345678", "+8801712345600"):
        assert lookup(number).action != "block"
        assert not _matches(table, number), number
    assert set(table.values()) == {"block"}


def test_a_campaign_is_pushed_by_its_key_with_the_call_back_answer() -> None:
    from ringcheck.store.running import CampaignView

    now = dt.datetime.now(dt.UTC)
    campaign = CampaignView(
        1, "+8801712345xxx", "very_high", 90, (), 40, 40, 1.0, 2.0, 0,
        now, now, now + dt.timedelta(hours=1), "active", "live", now,
    )  # fmt: skip
    table = wanted(Settings(callback_action="warn"), [campaign])
    assert table["+8801712345xxx"] == "warn"
    assert _matches(table, "+8801712345600") and not _matches(table, "+8801712346600")


def test_only_the_changes_are_sent_and_a_lost_table_is_pushed_again(
    kamailio: FakeKamailio,
) -> None:
    pusher = Pusher(kamailio.url)
    first = pusher.sync({"+1876*": "block", "+447400123456": "block"})
    assert first.whole and first.set == 2
    assert kamailio.table == {"+1876*": "block", "+447400123456": "block", MARK: "1"}
    kamailio.calls.clear()
    again = pusher.sync({"+1876*": "block", "+8801712345xxx": "warn"})
    assert (again.whole, again.set, again.deleted) == (False, 1, 1)
    assert [m for m, _ in kamailio.calls] == ["htable.get", "htable.sets", "htable.delete"]
    kamailio.table.clear()  # Kamailio restarted
    back = pusher.sync({"+1876*": "block", "+8801712345xxx": "warn"})
    assert back.whole and back.set == 2
    assert kamailio.table == {"+1876*": "block", "+8801712345xxx": "warn", MARK: "1"}
    pusher.close()


def test_the_whole_table_is_pushed_again_before_kamailio_forgets_it(
    kamailio: FakeKamailio,
) -> None:
    now = [0.0]
    pusher = Pusher(kamailio.url, refresh_seconds=100, clock=lambda: now[0])
    pusher.sync({"+1876*": "block"})
    now[0] = 99
    assert pusher.sync({"+1876*": "block"}).set == 0
    now[0] = 100
    assert pusher.sync({"+1876*": "block"}).whole
    pusher.close()


def test_kamailio_not_answering_is_a_push_error() -> None:
    pusher = Pusher(closed_port_url())
    with pytest.raises(PushError) as caught:
        pusher.sync({"+1876*": "block"})
    assert caught.value.code == "unreachable"


def test_a_bad_address_is_refused() -> None:
    with pytest.raises(PushError):
        Pusher("ftp://example.org/RPC")


def _store(tmp_path):  # type: ignore[no-untyped-def]
    from ringcheck.store import Store

    return Store.open(Settings(database_url=f"sqlite:///{tmp_path}/r.db"))


def _sighting(key: str) -> Sighting:
    now = dt.datetime.now(dt.UTC)
    return Sighting(key, "very_high", 90, (), 40, 40, now - dt.timedelta(seconds=30), now)


def test_the_source_follows_published_and_released_campaigns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _store(tmp_path) as store:
        source = Source(store.settings, store)
        assert "+8801712345xxx" not in source.current()
        campaign = store.publish_campaign(
            _sighting("+8801712345xxx"), quiet=dt.timedelta(minutes=30)
        )
        assert source.current()["+8801712345xxx"] == store.settings.callback_action
        store.set_campaign_status(campaign.id, "false_alarm", actor="t", reason="a test")
        assert "+8801712345xxx" not in source.current()
        assert "+1876*" in source.current()  # the block list stays


def _push_once(kamailio: FakeKamailio, tmp_path: Path) -> Result:
    """``ringcheck kamailio push --once`` from the store in ``tmp_path`` into ``kamailio``."""
    return CliRunner().invoke(
        cli,
        ["kamailio", "push", "--url", kamailio.url, "--once", "--database",
         f"sqlite:///{tmp_path}/r.db"],
    )  # fmt: skip


def test_the_command_pushes_once(kamailio: FakeKamailio, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _store(tmp_path) as store:
        store.publish_campaign(_sighting("+8801712345xxx"), quiet=dt.timedelta(minutes=30))
    result = _push_once(kamailio, tmp_path)
    assert result.exit_code == 0, result.output
    assert "+8801712345xxx" in kamailio.table and "+1876*" in kamailio.table


def test_reported_numbers_get_the_lookups_answer_with_their_reports(  # type: ignore[no-untyped-def]
    kamailio: FakeKamailio, tmp_path
) -> None:
    """One report is too few for the block list, but the lookup weighs it: the
    ``answers`` table carries that answer for the default mode's verdict in Kamailio."""
    number = "+33612345678"
    with _store(tmp_path) as store:
        store.add_report(number=number, category="one_ring_callback", client="one", rang_seconds=1)
        found = lookup(number, settings=store.settings, community=store.community(number))
        assert number not in wanted(store.settings, (), store.widely_reported, store.community)
    static = lookup(number)
    assert found.label() != static.label()  # the report changed the answer
    result = _push_once(kamailio, tmp_path)
    assert result.exit_code == 0, result.output
    assert kamailio.tables["answers"][number] == f"{found.action} {found.label()}"
    assert "answers for 1 reported numbers" in result.output


def test_the_command_says_plainly_when_kamailio_does_not_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        cli,
        ["kamailio", "push", "--url", closed_port_url(), "--once", "--database",
         f"sqlite:///{tmp_path}/r.db"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "did not answer" in result.output and "Traceback" not in result.output


def test_every_takes_seconds_and_milliseconds() -> None:
    result = CliRunner().invoke(cli, ["kamailio", "push", "--every", "0", "--once"])
    assert result.exit_code == 2 and "length of time" in result.output
