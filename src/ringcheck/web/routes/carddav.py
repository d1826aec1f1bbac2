"""CardDAV under /carddav/: the block list as an address book a FRITZ!Box subscribes to.

Resources (hrefs are absolute URLs, as boxes expect; PhoneBlock's servlet found that
short relative ones stop the box from sending DELETE):

- ``/carddav/``: the root; ``current-user-principal`` points on;
- ``/carddav/principals/{user}/``: the device's principal; ``addressbook-home-set``;
- ``/carddav/addressbooks/{user}/``: the home set, holding one address book;
- ``/carddav/addressbooks/{user}/blocklist/``: the book (``getctag``, ``getetag``);
- ``/carddav/addressbooks/{user}/blocklist/{uid}.vcf``: a card (``ringcheck.phones.carddav``).

Methods: OPTIONS (``DAV: 1, 3, addressbook``, no sign-in needed), PROPFIND (Depth 0 and
1), REPORT ``addressbook-multiget`` and ``addressbook-query`` (every card), GET of a card,
PUT of a card (a single-number card is the box's "block this caller": one report,
category ``other``, from that device), DELETE (accepted, ignored). Other methods get 405,
other reports 403 ``supported-report``. Every other request needs HTTP Basic with a
device's user name and password (``ringcheck devices add``); a device sees only its own
book. Request bodies: at most ``MAX_BODY`` bytes, no DOCTYPE or entities, else 413/400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringcheck.checker import check
from ringcheck.errors import RingcheckError
from ringcheck.phones import blocklists
from ringcheck.phones.carddav import Card, cards
from ringcheck.store import Store
from ringcheck.web.cache import MISS, TimedCache
from ringcheck.web.dav import (
    CARD,
    DAV,
    MAX_BODY,
    METHODS,
    REALM,
    UNSUPPORTED_REPORT,
    XML,
    DavError,
    Target,
    add_response,
    base_url,
    href_for,
    multistatus,
    props,
    q,
    read_body,
    target_of,
    wanted_props,
)
from ringcheck.web.deps import (
    SettingsDep,
    SignInDep,
    StoreDep,
    campaigns_of,
    client_of,
    community_of,
    settings_of,
    store_of,
)
from ringcheck.web.signin import refusal_text

router = APIRouter()
SIGN_IN_SECONDS = 300.0  # a checked password is trusted this long (scrypt is slow on purpose)
CARDS_SECONDS = 300.0  # a device's cards are rebuilt after this long


class Books:
    """Per app: passwords already checked (so scrypt runs once per device and password,
    not per request) and the cards of each kind of book (home, level, size), also by when
    the live campaigns changed."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.checked: TimedCache[tuple[str, str, str], bool] = TimedCache(
            SIGN_IN_SECONDS, max_entries
        )
        self.cards: TimedCache[tuple[str, str, int, str], list[Card]] = TimedCache(
            CARDS_SECONDS, max_entries
        )
        self.stamp = ""  # when the live campaigns last changed, as the cards know it


def books_of(request: Request) -> Books:
    """The app's ``Books`` (made by ``create_app``)."""
    books: Books = request.app.state.carddav
    return books


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if username and password else None


async def _device(request: Request, store: Store, books: Books) -> Any:
    """The device the request signs in as, or None.

    The device's row is read on every request (one indexed query, no hashing), so a device
    revoked with ``ringcheck devices revoke`` is locked out at once in every worker; only
    the scrypt check of its password is remembered, for ``SIGN_IN_SECONDS``.
    """
    given = _credentials(request)
    if given is None:
        return None
    username, password = given
    found = await run_in_threadpool(store.active_device, username)
    key = (username, hashlib.sha256(password.encode()).hexdigest(), found[0] if found else "")
    if found is not None and books.checked.get(key) is not MISS:
        return found[1]
    # Asked even for an unknown name, so a wrong name costs as long as a wrong password.
    if await run_in_threadpool(store.device, username, password) is None or found is None:
        return None
    books.checked.put(key, True)
    return found[1]


async def _cards(request: Request, device: Any) -> list[Card]:
    books, live = books_of(request), campaigns_of(request)
    await live.fresh()
    key = (device.home, device.level, device.size, live.stamp)
    kept = books.cards.get(key)
    if kept is not MISS:
        return kept
    settings, store = settings_of(request), store_of(request)
    mine = settings.updated({"home": device.home}, "device")

    def build() -> list[Card]:
        found = blocklists.build(
            mine,
            level=device.level,
            limit=device.size,
            reported=store.widely_reported,
            community=store.community,
            campaigns=live.blocking(),
        )
        return cards(found, device.home)

    made = await run_in_threadpool(build)
    if books.stamp != key[3]:  # the campaigns changed: every book is made again
        books.cards.clear()
        books.stamp = key[3]
    books.cards.put(key, made)
    return made


def _unauthorized() -> DavError:
    return DavError(
        401,
        "Sign in with the user name and password from 'ringcheck devices add'.",
        {"WWW-Authenticate": REALM},
    )


@router.api_route(
    "/.well-known/carddav", methods=["GET", "PROPFIND", "OPTIONS"], include_in_schema=False
)
async def well_known(request: Request) -> Response:
    return Response(status_code=301, headers={"Location": base_url(request) + "/carddav/"})


@dataclass(frozen=True)
class Dav:
    """A signed-in request: its device, what it asks for, and the device's cards."""

    request: Request
    device: Any
    target: Target
    items: list[Card]

    @property
    def user(self) -> str:
        return str(self.device.username)

    @property
    def by_file(self) -> dict[str, Card]:
        return {f"{c.uid}.vcf": c for c in self.items}


async def signed_in(request: Request, store: StoreDep, guard: SignInDep) -> Dav:
    """Every method but OPTIONS: an address that keeps failing waits (429), then HTTP
    Basic as a device (401), and only that device's own book (404)."""
    client = client_of(request)
    wait = await guard.wait(client)
    if wait:
        raise DavError(429, refusal_text(wait), {"Retry-After": str(wait)})
    device = await _device(request, store, books_of(request))
    if device is None:
        if request.headers.get("authorization"):
            given = _credentials(request)
            await guard.failed(client, "CardDAV", given[0] if given else "")
        raise _unauthorized()
    target = target_of(request.url.path)
    if target.kind == "unknown" or (target.user is not None and target.user != device.username):
        raise DavError(404, "There is nothing here.")
    if request.method not in METHODS.split(", "):
        raise DavError(405, "This address book can't be changed that way.", {"Allow": METHODS})
    return Dav(request, device, target, await _cards(request, device))


SignedIn = Annotated[Dav, Depends(signed_in)]
_DAVPATH = "/carddav/{rest:path}"
_OTHER_METHODS = ["POST", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"]


@router.options(_DAVPATH, include_in_schema=False)
async def dav_options() -> Response:
    """No sign-in needed: what this server speaks."""
    return Response(status_code=200, headers={"DAV": "1, 3, addressbook", "Allow": METHODS})


@router.api_route(_DAVPATH, methods=["GET", "HEAD"], include_in_schema=False)
async def dav_get(dav: SignedIn) -> Response:
    """One card (.vcf); HEAD: its ETag alone."""
    card = dav.by_file.get(dav.target.card or "")
    if dav.target.kind != "card" or card is None:
        raise DavError(404 if dav.target.kind == "card" else 405, "Ask for a card (.vcf).")
    body = b"" if dav.request.method == "HEAD" else card.text.encode()
    return Response(body, media_type="text/vcard; charset=utf-8", headers={"ETag": card.etag})


@router.delete(_DAVPATH, include_in_schema=False)
async def dav_delete(dav: SignedIn) -> Response:
    return Response(status_code=200)  # the box's "delete" changes nothing here


@router.api_route(_DAVPATH, methods=["PROPFIND"], include_in_schema=False)
async def dav_propfind(dav: SignedIn) -> Response:
    """The properties of a resource (Depth 0) and of its children (Depth 1)."""
    request, user, target, by_file = dav.request, dav.user, dav.target, dav.by_file
    wanted = wanted_props(await read_body(request))
    multi = ET.Element(q(DAV, "multistatus"))

    def add(kind: str, card_file: str | None = None, card: Card | None = None) -> None:
        have = props(request, kind, user, dav.items, card)
        add_response(multi, href_for(request, user, kind, card_file), have, wanted)

    if target.kind == "card":
        card = by_file.get(target.card or "")
        if card is None:
            raise DavError(404, "There is no such card.")
        add("card", target.card, card)
        return multistatus(multi)
    add(target.kind)
    if request.headers.get("depth", "1") != "0":
        for kind in {"root": ["principal"], "home": ["book"]}.get(target.kind, []):
            add(kind)
        if target.kind == "book":
            for name, card in by_file.items():
                add("card", name, card)
    return multistatus(multi)


@router.api_route(_DAVPATH, methods=["REPORT"], include_in_schema=False)
async def dav_report(dav: SignedIn) -> Response:
    """``addressbook-multiget`` (the cards named) and ``addressbook-query`` (every card)."""
    request, user, by_file = dav.request, dav.user, dav.by_file
    body = await read_body(request)
    if body is None or dav.target.kind != "book":
        raise DavError(400, "A REPORT goes to the address book, with a body.")
    if body.tag == q(CARD, "addressbook-multiget"):
        names = [(h.text or "").strip() for h in body.iter(q(DAV, "href"))]
    elif body.tag == q(CARD, "addressbook-query"):
        names = [href_for(request, user, "card", name) for name in by_file]
    else:
        return Response(UNSUPPORTED_REPORT, status_code=403, media_type=XML)
    prop = body.find(q(DAV, "prop"))
    wanted = (
        [c.tag for c in prop] if prop is not None else [q(DAV, "getetag"), q(CARD, "address-data")]
    )
    multi = ET.Element(q(DAV, "multistatus"))
    for href in names:
        card = by_file.get(href.rstrip("/").rsplit("/", 1)[-1])
        if card is None:
            response = ET.SubElement(multi, q(DAV, "response"))
            ET.SubElement(response, q(DAV, "href")).text = href
            ET.SubElement(response, q(DAV, "status")).text = "HTTP/1.1 404 Not Found"
            continue
        have = {
            **props(request, "card", user, dav.items, card),
            q(CARD, "address-data"): card.text,
        }
        add_response(multi, href, have, wanted)
    return multistatus(multi)


@router.api_route(_DAVPATH, methods=_OTHER_METHODS, include_in_schema=False)
async def dav_other(dav: SignedIn) -> Response:
    """Methods an address book here doesn't take (``signed_in`` answers 405 first)."""
    raise DavError(405, "This address book can't be changed that way.", {"Allow": METHODS})


_TEL = re.compile(r"^TEL[^:]*:(.+)$", re.M | re.I)


@router.put(_DAVPATH, include_in_schema=False)
async def dav_put(dav: SignedIn, store: StoreDep, settings: SettingsDep) -> Response:
    """A card from the box: one number is the user's "block this caller" (a report)."""
    request, device = dav.request, dav.device
    if dav.target.kind != "card":
        raise DavError(405, "Put cards (.vcf) into the address book.", {"Allow": METHODS})
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise DavError(413, f"The card is larger than {MAX_BODY:,} bytes.")
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    if "BEGIN:VCARD" not in text.upper():
        raise DavError(400, "That is not a vCard.")
    numbers = [n.strip() for n in _TEL.findall(text) if n.strip()]
    if len(numbers) != 1:
        return Response(status_code=201, headers={"ETag": '"ignored"'})  # only single numbers count
    try:
        e164 = check(numbers[0], home=device.home, settings=settings).number.e164
        if e164 is None:
            raise DavError(400, "That number can't be read.")
        await run_in_threadpool(
            lambda: store.add_report(
                number=e164,
                category="other",
                comment="blocked on a FRITZ!Box",
                client=f"device:{device.username}",
            )
        )
    except RingcheckError as exc:
        raise DavError(429 if exc.code == "rate_limited" else 400, exc.message) from None
    community_of(request).invalidate(e164)
    return Response(status_code=201, headers={"ETag": '"reported"'})
