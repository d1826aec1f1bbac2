"""CardDAV (/carddav/): the block list as an address book a FRITZ!Box subscribes to.

Requests shaped as the box sends them (PhoneBlock's logs: no credentials before a 401,
PROPFIND Depth 0 and 1 down to the book, REPORT addressbook-multiget), bad input of
every kind, and a real CardDAV client (vdirsyncer) syncing the book into a folder over
loopback, every card parsed with vobject.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import vobject

from ringcheck.settings import Settings
from ringcheck.store import Store

REPORTED = "+447400765432"
PROPFIND_PRINCIPAL = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"""
PROPFIND_HOME = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:prop><card:addressbook-home-set/></d:prop></d:propfind>"""
PROPFIND_BOOKS = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
<d:prop><d:resourcetype/><d:displayname/><cs:getctag/><d:getetag/></d:prop></d:propfind>"""


def multiget(hrefs: list[str]) -> bytes:
    inner = "".join(f"<d:href>{h}</d:href>" for h in hrefs)
    return (
        '<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget xmlns:d="DAV:" '
        'xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/>'
        f"</d:prop>{inner}</card:addressbook-multiget>"
    ).encode()


@pytest.fixture
def device(database_url: str) -> dict[str, str]:
    with Store.open(Settings(database_url=database_url)) as store:
        made, password = store.add_device("Kitchen FRITZ!Box", home="GB", level="caution")
        for i in range(3):
            store.add_report(number=REPORTED, category="one_ring_callback", client=f"10.0.0.{i}")
    token = base64.b64encode(f"{made.username}:{password}".encode()).decode()
    return {"username": made.username, "password": password, "auth": f"Basic {token}"}


def dav(
    client: Any, method: str, path: str, auth: str | None, body: bytes = b"", depth: str = "1"
) -> Any:
    headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
    if auth:
        headers["Authorization"] = auth
    return client.request(method, path, headers=headers, content=body)


def test_the_box_finds_its_book_the_way_it_looks(client: Any, device: dict[str, str]) -> None:
    first = dav(client, "PROPFIND", "/carddav/", None, PROPFIND_PRINCIPAL, "0")
    assert first.status_code == 401  # the box never sends credentials before this
    assert first.headers["www-authenticate"].startswith('Basic realm="ringcheck"')
    auth = device["auth"]
    found = dav(client, "PROPFIND", "/carddav/", auth, PROPFIND_PRINCIPAL, "0")
    assert found.status_code == 207
    principal = re.search(r"<D:current-user-principal><D:href>([^<]+)", found.text).group(1)  # type: ignore[union-attr]
    assert principal.startswith("http://testserver/carddav/principals/")  # absolute hrefs
    home_answer = dav(client, "PROPFIND", principal, auth, PROPFIND_HOME, "0").text
    home = re.search(r"<C:addressbook-home-set><D:href>([^<]+)", home_answer).group(1)  # type: ignore[union-attr]
    books = dav(client, "PROPFIND", home, auth, PROPFIND_BOOKS, "1").text
    assert "<C:addressbook />" in books
    book = re.findall(r"<D:href>([^<]+/blocklist/)</D:href>", books)[0]
    listing = dav(client, "PROPFIND", book, auth, b"", "1")
    hrefs = re.findall(r"<D:href>([^<]+\.vcf)</D:href>", listing.text)
    assert len(hrefs) >= 40
    cards = dav(client, "REPORT", book, auth, multiget(hrefs))
    assert cards.status_code == 207
    texts = re.findall(r"<C:address-data>(.*?)</C:address-data>", cards.text, re.S)
    assert len(texts) == len(hrefs)
    parsed = [vobject.readOne(t.replace("&#13;", "\r")) for t in texts]
    assert parsed[0].fn.value.startswith("ringcheck list, updated ")
    numbers = [tel.value for card in parsed for tel in getattr(card, "tel_list", [])]
    assert "07400765432" in numbers  # a reported home number, in national form
    assert "+1876*" in numbers and "09*" in numbers  # ranges as wildcards
    assert all(card.categories.value == ["SPAM"] for card in parsed)
    assert all(len(getattr(card, "tel_list", [])) <= 9 for card in parsed)


def test_a_multiget_of_2000_hrefs_answers_each(client: Any, device: dict[str, str]) -> None:
    book = f"/carddav/addressbooks/{device['username']}/blocklist/"
    hrefs = [f"http://testserver{book}rc-{i:016x}.vcf" for i in range(2000)]
    answer = dav(client, "REPORT", book, device["auth"], multiget(hrefs))
    assert answer.status_code == 207
    assert answer.text.count("HTTP/1.1 404 Not Found") == 2000  # unknown hrefs: 404 each


def test_cards_are_stable_and_gettable(client: Any, device: dict[str, str]) -> None:
    book = f"/carddav/addressbooks/{device['username']}/blocklist/"
    one = dav(client, "PROPFIND", book, device["auth"]).text
    two = dav(client, "PROPFIND", book, device["auth"]).text
    assert one == two  # the same UIDs and ETags on every sync
    href = re.findall(r"<D:href>[^<]+/blocklist/([^<]+\.vcf)</D:href>", one)[1]
    card = client.get(book + href, headers={"Authorization": device["auth"]})
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/vcard")
    assert vobject.readOne(card.text).categories.value == ["SPAM"]


@pytest.mark.parametrize(
    ("auth", "status"),
    [
        (None, 401),
        ("Basic " + base64.b64encode(b"rc-nobody:wrong").decode(), 401),
        ("Basic !!!not-base64", 401),
        ("Bearer abc", 401),
    ],
)
def test_no_card_leaks_without_a_valid_token(
    client: Any, device: dict[str, str], auth: str | None, status: int
) -> None:
    book = f"/carddav/addressbooks/{device['username']}/blocklist/"
    answer = dav(client, "PROPFIND", book, auth)
    assert answer.status_code == status
    assert "VCARD" not in answer.text and "blocklist" not in answer.text


def test_a_wrong_password_revoked_device_or_other_users_book_gets_nothing(
    client: Any, device: dict[str, str], database_url: str
) -> None:
    wrong = "Basic " + base64.b64encode(f"{device['username']}:nope".encode()).decode()
    assert dav(client, "PROPFIND", "/carddav/", wrong).status_code == 401
    other = "/carddav/addressbooks/rc-someoneelse/blocklist/"
    assert dav(client, "PROPFIND", other, device["auth"]).status_code == 404
    with Store.open(Settings(database_url=database_url)) as store:
        store.revoke_device(device["username"])
        revoked = store.device(device["username"], device["password"])
    assert revoked is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<d:propfind xmlns:d='DAV:'><d:prop>", 400),  # malformed
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            400,
        ),
        (b"<x>" + b"a" * 10_000_000 + b"</x>", 413),
    ],
)
def test_bad_bodies_get_the_right_status(
    client: Any, device: dict[str, str], body: bytes, status: int
) -> None:
    assert dav(client, "PROPFIND", "/carddav/", device["auth"], body).status_code == status


def test_other_methods_and_reports_get_dav_errors(client: Any, device: dict[str, str]) -> None:
    book = f"/carddav/addressbooks/{device['username']}/blocklist/"
    sync = b'<d:sync-collection xmlns:d="DAV:"><d:sync-token/></d:sync-collection>'
    refused = dav(client, "REPORT", book, device["auth"], sync)
    assert refused.status_code == 403 and "supported-report" in refused.text
    assert dav(client, "MKCOL", book + "x/", device["auth"]).status_code in (404, 405)
    assert dav(client, "PROPPATCH", book, device["auth"]).status_code == 405
    options = client.request("OPTIONS", "/carddav/")
    assert options.status_code == 200 and "addressbook" in options.headers["dav"]
    assert client.get("/.well-known/carddav", follow_redirects=False).status_code == 301


def test_blocking_a_caller_on_the_box_counts_as_one_report(
    client: Any, device: dict[str, str], database_url: str
) -> None:
    book = f"/carddav/addressbooks/{device['username']}/blocklist/"
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Blocked\nN:Blocked;;;;\n"
    card += "TEL;TYPE=HOME:+33612345678\nEND:VCARD\n"
    put = client.put(
        book + "new.vcf", content=card.encode(), headers={"Authorization": device["auth"]}
    )
    assert put.status_code == 201
    again = client.put(
        book + "new.vcf", content=card.encode(), headers={"Authorization": device["auth"]}
    )
    assert again.status_code == 201
    two = card.replace("END:VCARD", "TEL:+33612345679\nEND:VCARD")
    assert (
        client.put(
            book + "two.vcf", content=two.encode(), headers={"Authorization": device["auth"]}
        ).status_code
        == 201
    )
    assert (
        client.delete(book + "new.vcf", headers={"Authorization": device["auth"]}).status_code
        == 200
    )
    with Store.open(Settings(database_url=database_url)) as store:
        reports = store.reports("+33612345678").items
        assert [(r.category, r.comment) for r in reports] == [("other", "blocked on a FRITZ!Box")]
        assert store.reports("+33612345679").total == 0


def test_vdirsyncer_syncs_the_book_into_a_folder(
    tmp_path: Path, device: dict[str, str], database_url: str
) -> None:
    from live_server import serving
    from ringcheck.web.app import create_app

    app = create_app(
        Settings(database_url=database_url, rate_per_minute=100_000, rate_burst=100_000)
    )
    with serving(app) as url:
        (tmp_path / "cards" / "blocklist").mkdir(parents=True)
        config = tmp_path / "config"
        config.write_text(
            f"""[general]
status_path = "{tmp_path}/status/"

[pair box]
a = "local"
b = "ringcheck"
collections = ["from b"]
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "{tmp_path}/cards/"
fileext = ".vcf"

[storage ringcheck]
type = "carddav"
url = "{url}/carddav/"
username = "{device["username"]}"
password = "{device["password"]}"
read_only = true
"""
        )
        vdirsyncer = Path(sys.executable).with_name("vdirsyncer")
        env = {**os.environ, "HOME": str(tmp_path)}
        for step in (["discover", "box"], ["sync"]):
            done = subprocess.run(
                [str(vdirsyncer), "-c", str(config), *step],
                input=b"y\n" * 5,
                capture_output=True,
                env=env,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    files = sorted((tmp_path / "cards" / "blocklist").glob("*.vcf"))
    assert len(files) >= 40
    parsed = [vobject.readOne(f.read_text()) for f in files]
    assert any(card.fn.value.startswith("ringcheck list, updated") for card in parsed)
    assert "07400765432" in {tel.value for card in parsed for tel in getattr(card, "tel_list", [])}


def _names_and_cards(listing: str, report: str) -> tuple[set[str], dict[str, str]]:
    names = {h.rsplit("/", 1)[-1] for h in re.findall(r"<(?:D|d|):?href>([^<]+\.vcf)</", listing)}
    cards = {}
    for block in re.findall(r"<(?:\w+:)?response>(.*?)</(?:\w+:)?response>", report, re.S):
        href = re.search(r"<(?:\w+:)?href>([^<]+)</", block)
        data = re.search(r"<(?:\w+:)?address-data[^>]*>(.*?)</(?:\w+:)?address-data>", block, re.S)
        if href and data:
            text = data.group(1).replace("&#13;", "\r").replace("&amp;", "&")
            cards[href.group(1).rsplit("/", 1)[-1]] = text
    return names, cards


def _normal(card: str) -> str:
    parsed = vobject.readOne(card)
    return "\n".join(sorted(f"{c.name}:{c.value}" for c in parsed.getChildren()))


def test_radicale_serving_the_same_cards_answers_the_same(
    client: Any, device: dict[str, str], tmp_path: Path
) -> None:
    """Differential: Radicale (the reference CardDAV server) holding our cards as files
    answers a box's PROPFIND and multiget with the same hrefs and card contents."""
    import socket
    import time
    import urllib.request

    user, auth = device["username"], device["auth"]
    book = f"/carddav/addressbooks/{user}/blocklist/"
    ours_listing = dav(client, "PROPFIND", book, auth).text
    names = re.findall(r"<D:href>[^<]+/blocklist/([^<]+\.vcf)</D:href>", ours_listing)
    ours_report = dav(
        client, "REPORT", book, auth, multiget([book + n for n in names] + [book + "missing.vcf"])
    ).text
    our_names, our_cards = _names_and_cards(ours_listing, ours_report)
    folder = tmp_path / "collections" / "collection-root" / user / "blocklist"
    folder.mkdir(parents=True)
    (folder / ".Radicale.props").write_text('{"tag": "VADDRESSBOOK"}')
    for name, text in our_cards.items():
        (folder / name).write_bytes(text.encode())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--auth-type",
            "none",
            "--rights-type",
            "owner_only",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/{user}/blocklist/"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/.web/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        def ask(method: str, body: bytes) -> str:
            request = urllib.request.Request(
                base,
                data=body,
                method=method,
                headers={"Depth": "1", "Content-Type": "application/xml", "Authorization": auth},
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 207
                return str(answer.read().decode())

        theirs_listing = ask("PROPFIND", b"")
        hrefs = [f"/{user}/blocklist/{n}" for n in names] + [f"/{user}/blocklist/missing.vcf"]
        theirs_report = ask("REPORT", multiget(hrefs))
    finally:
        process.terminate()
        process.wait(10)
    their_names, their_cards = _names_and_cards(theirs_listing, theirs_report)
    assert their_names == our_names and len(our_names) >= 40
    assert set(their_cards) == set(our_cards)
    assert {n: _normal(t) for n, t in their_cards.items()} == {
        n: _normal(t) for n, t in our_cards.items()
    }
    assert "404" in theirs_report.split("missing.vcf", 1)[1][:300]
    assert "404" in ours_report.split("missing.vcf", 1)[1][:300]


def test_a_revoked_device_is_locked_out_at_its_next_request(
    client: Any, device: dict[str, str], database_url: str
) -> None:
    # Its password was just checked (and that check is remembered): the revoke still wins.
    assert dav(client, "PROPFIND", "/carddav/", device["auth"], b"", "0").status_code == 207
    with Store.open(Settings(database_url=database_url)) as store:
        store.revoke_device(device["username"])
    assert dav(client, "PROPFIND", "/carddav/", device["auth"], b"", "0").status_code == 401
