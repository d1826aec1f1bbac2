"""Signing in: a revoked device is locked out at once, and an address that keeps failing
(CardDAV passwords, the moderation token) is told to wait before any more checking."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from ringcheck.settings import Settings
from ringcheck.store import Store
from ringcheck.web.signin import BURST

BOOK = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>"""
ADMIN = "a" * 40


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def device(database_url: str) -> tuple[str, str]:
    with Store.open(Settings(database_url=database_url)) as store:
        made, password = store.add_device("Hall FRITZ!Box", home="GB")
    return made.username, password


def propfind(client: Any, auth: str) -> Any:
    path = "/carddav/"
    return client.request(
        "PROPFIND", path, headers={"Depth": "0", "Authorization": auth}, content=BOOK
    )


def test_a_revoked_device_is_locked_out_at_once(
    client: Any, device: tuple[str, str], database_url: str
) -> None:
    auth = basic(*device)
    assert propfind(client, auth).status_code == 207  # signed in; its password check is kept
    with Store.open(Settings(database_url=database_url)) as store:
        store.revoke_device(device[0])
    assert propfind(client, auth).status_code == 401


def test_wrong_device_passwords_are_limited_per_address_and_logged_without_the_password(
    make_client: Any, device: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    attacker = make_client(client_host="203.0.113.9")
    caplog.set_level(logging.WARNING, logger="ringcheck.web")
    answers = [propfind(attacker, basic(device[0], f"guess{n}")) for n in range(BURST + 3)]
    assert [a.status_code for a in answers[:BURST]] == [401] * BURST
    assert {a.status_code for a in answers[BURST:]} == {429}
    assert int(answers[-1].headers["retry-after"]) >= 1
    # The right password from that address waits too: nothing is checked until then.
    assert propfind(attacker, basic(*device)).status_code == 429
    assert "guess" not in caplog.text and device[1] not in caplog.text
    assert "sign-in failed" in caplog.text and device[0] in caplog.text


def test_another_address_still_signs_in_while_one_is_limited(
    make_client: Any, device: tuple[str, str]
) -> None:
    attacker = make_client(client_host="203.0.113.9")
    for n in range(BURST + 1):
        propfind(attacker, basic(device[0], f"guess{n}"))
    box = make_client(client_host="192.0.2.20")
    assert propfind(box, basic(*device)).status_code == 207


def test_wrong_moderation_tokens_are_limited_per_address(make_client: Any) -> None:
    client = make_client(admin_token=ADMIN, client_host="203.0.113.7")
    wrong = [
        client.get("/api/v1/admin/audit", headers={"authorization": f"Bearer x{n}"})
        for n in range(BURST + 1)
    ]
    assert [a.status_code for a in wrong[:BURST]] == [401] * BURST
    limited = wrong[-1]
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    right = client.get("/api/v1/admin/audit", headers={"authorization": f"Bearer {ADMIN}"})
    assert right.status_code == 429
