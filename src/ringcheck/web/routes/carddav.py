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
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ringcheck.phones import blocklists
from ringcheck.phones.carddav import Card, cards
from ringcheck.settings import Settings
from ringcheck.web.signin import SignInGuard, refusal_text

router = APIRouter()
DAV, CARD, CS = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
for _prefix, _uri in (("D", DAV), ("C", CARD), ("CS", CS)):
    ET.register_namespace(_prefix, _uri)
MAX_BODY = 1_000_000
BOOK = "blocklist"
METHODS = "OPTIONS, GET, HEAD, PROPFIND, REPORT, PUT, DELETE"
REALM = 'Basic realm="ringcheck", charset="UTF-8"'
SIGN_IN_SECONDS = 300.0  # a checked password is trusted this long (scrypt is slow on purpose)
CARDS_SECONDS = 300.0  # a device's cards are rebuilt after this long
_XML = "application/xml; charset=utf-8"
_PATH = re.compile(
    r"^/carddav/(?:(?P<kind>principals|addressbooks)/(?P<user>[^/]+)/"
    r"(?:(?P<book>[^/]+)/(?:(?P<card>[^/]+\.vcf))?)?)?$"
)


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class _Target:
    kind: str  # root, principal, home, book, card, unknown
    user: str | None = None
    card: str | None = None


def _target(path: str) -> _Target:
    found = _PATH.match(path if path.endswith((".vcf", "/")) else path + "/")
    if found is None:
        return _Target("unknown")
    kind, user, book, card = found.group("kind", "user", "book", "card")
    if kind is None:
        return _Target("root")
    if kind == "principals":
        return _Target("principal", user) if book is None else _Target("unknown")
    if book is None:
        return _Target("home", user)
    if book != BOOK:
        return _Target("unknown", user)
    return _Target("card", user, card) if card else _Target("book", user)


class _Books:
    """Per app: passwords already checked (so scrypt runs once per device and password,
    not per request) and each device's cards (also by when the live campaigns changed)."""

    def __init__(self) -> None:
        self.checked: dict[tuple[str, str, str], float] = {}
        self.cards: dict[tuple[str, str, int, str], tuple[float, list[Card]]] = {}


def _books(request: Request) -> _Books:
    found = getattr(request.app.state, "carddav", None)
    if found is None:
        found = request.app.state.carddav = _Books()
    return found


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if username and password else None


async def _device(request: Request) -> Any:
    """The device the request signs in as, or None.

    The device's row is read on every request (one indexed query, no hashing), so a device
    revoked with ``ringcheck devices revoke`` is locked out at once in every worker; only
    the scrypt check of its password is remembered, for ``SIGN_IN_SECONDS``.
    """
    given = _credentials(request)
    store = getattr(request.app.state, "store", None)
    if store is None or given is None:
        return None
    username, password = given
    found = await run_in_threadpool(store.active_device, username)
    books = _books(request)
    stored = found[0] if found else ""
    key = (username, hashlib.sha256(password.encode()).hexdigest(), stored)
    if found is not None and books.checked.get(key, 0.0) > time.monotonic():
        return found[1]
    if await run_in_threadpool(store.device, username, password) is None or found is None:
        return None
    if len(books.checked) > 10_000:
        books.checked.clear()
    books.checked[key] = time.monotonic() + SIGN_IN_SECONDS
    return found[1]


async def _cards(request: Request, device: Any) -> list[Card]:
    books = _books(request)
    live = request.app.state.campaigns
    await live.fresh()
    key = (device.home, device.level, device.size, live.stamp)
    kept = books.cards.get(key)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    settings: Settings = request.app.state.settings
    store = request.app.state.store
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
    books.cards = {k: v for k, v in books.cards.items() if k[3] == key[3]}
    books.cards[key] = (time.monotonic() + CARDS_SECONDS, made)
    return made


def _unauthorized() -> Response:
    return Response(
        "Sign in with the user name and password from 'ringcheck devices add'.\n",
        status_code=401,
        headers={"WWW-Authenticate": REALM},
        media_type="text/plain; charset=utf-8",
    )


def _error(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        text + "\n", status_code=status, media_type="text/plain; charset=utf-8", headers=headers
    )


async def _body(request: Request) -> tuple[ET.Element | None, Response | None]:
    """The request's XML, parsed safely: (element or None if empty, or an error)."""
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BODY:
        return None, _error(413, f"The request body is larger than {MAX_BODY:,} bytes.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return None, _error(413, f"The request body is larger than {MAX_BODY:,} bytes.")
    if not raw.strip():
        return None, None
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        return None, _error(400, "Document types and entities are not accepted.")
    try:
        return ET.fromstring(raw), None
    except ET.ParseError as exc:
        return None, _error(400, f"The XML can't be read: {exc}.")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _href(request: Request, user: str | None, kind: str, card: str | None = None) -> str:
    base = _base(request) + "/carddav/"
    if kind == "root":
        return base
    if kind == "principal":
        return f"{base}principals/{user}/"
    if kind == "home":
        return f"{base}addressbooks/{user}/"
    if kind == "book":
        return f"{base}addressbooks/{user}/{BOOK}/"
    return f"{base}addressbooks/{user}/{BOOK}/{card}"


def _ctag(items: list[Card]) -> str:
    return '"' + hashlib.sha1("".join(c.etag for c in items).encode()).hexdigest()[:16] + '"'


def _props(
    request: Request, kind: str, user: str, items: list[Card], card: Card | None
) -> dict[str, Any]:
    """Every property a resource has: name -> a text, or a builder of child elements."""
    principal = _href(request, user, "principal")
    common: dict[str, Any] = {
        q(DAV, "current-user-principal"): [("href", principal)],
    }
    if kind == "root":
        return {
            **common,
            q(DAV, "resourcetype"): [("collection", None)],
            q(DAV, "displayname"): "ringcheck",
        }
    if kind == "principal":
        return {
            **common,
            q(DAV, "resourcetype"): [("principal", None)],
            q(DAV, "principal-URL"): [("href", principal)],
            q(CARD, "addressbook-home-set"): [("href", _href(request, user, "home"))],
            q(DAV, "displayname"): "ringcheck device",
        }
    if kind == "home":
        return {
            **common,
            q(DAV, "resourcetype"): [("collection", None)],
            q(DAV, "displayname"): "ringcheck address books",
        }
    if kind == "book":
        tag = _ctag(items)
        return {
            **common,
            q(DAV, "resourcetype"): [("collection", None), (q(CARD, "addressbook"), None)],
            q(DAV, "displayname"): "ringcheck block list",
            q(CARD, "addressbook-description"): "Scam numbers to block (ringcheck)",
            q(CS, "getctag"): tag,
            q(DAV, "getetag"): tag,
            q(DAV, "supported-report-set"): "reports",
            q(CARD, "supported-address-data"): "address-data",
        }
    assert card is not None
    return {
        q(DAV, "getetag"): card.etag,
        q(DAV, "getcontenttype"): "text/vcard; charset=utf-8",
        q(DAV, "resourcetype"): [],
    }


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, str):
        if value == "reports":
            for name in ("addressbook-multiget", "addressbook-query"):
                report = ET.SubElement(
                    ET.SubElement(element, q(DAV, "supported-report")), q(DAV, "report")
                )
                ET.SubElement(report, q(CARD, name))
        elif value == "address-data":
            ET.SubElement(
                element,
                q(CARD, "address-data-type"),
                {"content-type": "text/vcard", "version": "3.0"},
            )
        else:
            element.text = value
        return
    for name, text in value:
        child = ET.SubElement(element, name if name.startswith("{") else q(DAV, name))
        if text is not None:
            child.text = text


def _response(multi: ET.Element, href: str, have: dict[str, Any], wanted: list[str] | None) -> None:
    response = ET.SubElement(multi, q(DAV, "response"))
    ET.SubElement(response, q(DAV, "href")).text = href
    names = list(have) if wanted is None else wanted
    found = [n for n in names if n in have]
    missing = [n for n in names if n not in have]
    for group, status in ((found, "200 OK"), (missing, "404 Not Found")):
        if not group:
            continue
        stat = ET.SubElement(response, q(DAV, "propstat"))
        prop = ET.SubElement(stat, q(DAV, "prop"))
        for name in group:
            element = ET.SubElement(prop, name)
            if name in have:
                _fill(element, have[name])
        ET.SubElement(stat, q(DAV, "status")).text = f"HTTP/1.1 {status}"


def _multistatus(multi: ET.Element) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(multi)
    return Response(body, status_code=207, media_type=_XML)


def _wanted(body: ET.Element | None) -> list[str] | None:
    """The properties a PROPFIND asks for (None: all of them)."""
    if body is None or body.find(q(DAV, "allprop")) is not None:
        return None
    prop = body.find(q(DAV, "prop"))
    return None if prop is None else [child.tag for child in prop]


@router.api_route(
    "/.well-known/carddav", methods=["GET", "PROPFIND", "OPTIONS"], include_in_schema=False
)
async def well_known(request: Request) -> Response:
    return Response(status_code=301, headers={"Location": _base(request) + "/carddav/"})


@router.api_route(
    "/carddav/{rest:path}",
    methods=[
        "OPTIONS",
        "GET",
        "HEAD",
        "PROPFIND",
        "REPORT",
        "PUT",
        "DELETE",
        "POST",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
    ],
    include_in_schema=False,
)
async def carddav(request: Request, rest: str) -> Response:
    method = request.method
    dav = {"DAV": "1, 3, addressbook", "Allow": METHODS}
    if method == "OPTIONS":
        return Response(status_code=200, headers=dav)
    guard: SignInGuard = request.app.state.sign_in
    client = request.client.host if request.client else "unknown"
    wait = await guard.wait(client)
    if wait:
        return _error(429, refusal_text(wait), {"Retry-After": str(wait)})
    device = await _device(request)
    if device is None:
        if request.headers.get("authorization"):
            given = _credentials(request)
            await guard.failed(client, "CardDAV", given[0] if given else "")
        return _unauthorized()
    target = _target(request.url.path)
    if target.kind == "unknown" or (target.user is not None and target.user != device.username):
        return _error(404, "There is nothing here.")
    if method not in METHODS.split(", "):
        return _error(405, "This address book can't be changed that way.", {"Allow": METHODS})
    items = await _cards(request, device)
    by_file = {f"{c.uid}.vcf": c for c in items}
    user = device.username
    if method in ("GET", "HEAD"):
        card = by_file.get(target.card or "")
        if target.kind != "card" or card is None:
            return _error(404 if target.kind == "card" else 405, "Ask for a card (.vcf).")
        text = card.text.encode()
        return Response(
            b"" if method == "HEAD" else text,
            media_type="text/vcard; charset=utf-8",
            headers={"ETag": card.etag},
        )
    if method == "DELETE":
        return Response(status_code=200)  # the box's "delete" changes nothing here
    if method == "PUT":
        return await _put(request, device, target)
    body, problem = await _body(request)
    if problem is not None:
        return problem
    multi = ET.Element(q(DAV, "multistatus"))
    if method == "PROPFIND":
        depth = request.headers.get("depth", "1")
        wanted = _wanted(body)
        if target.kind == "card":
            card = by_file.get(target.card or "")
            if card is None:
                return _error(404, "There is no such card.")
            _response(
                multi,
                _href(request, user, "card", target.card),
                _props(request, "card", user, items, card),
                wanted,
            )
            return _multistatus(multi)
        _response(
            multi,
            _href(request, user, target.kind),
            _props(request, target.kind, user, items, None),
            wanted,
        )
        if depth != "0":
            children = {"root": ["principal"], "home": ["book"]}.get(target.kind, [])
            for kind in children:
                _response(
                    multi,
                    _href(request, user, kind),
                    _props(request, kind, user, items, None),
                    wanted,
                )
            if target.kind == "book":
                for name, card in by_file.items():
                    _response(
                        multi,
                        _href(request, user, "card", name),
                        _props(request, "card", user, items, card),
                        wanted,
                    )
        return _multistatus(multi)
    # REPORT
    if body is None or target.kind != "book":
        return _error(400, "A REPORT goes to the address book, with a body.")
    if body.tag == q(CARD, "addressbook-multiget"):
        names = [(h.text or "").strip() for h in body.iter(q(DAV, "href"))]
    elif body.tag == q(CARD, "addressbook-query"):
        names = [_href(request, user, "card", name) for name in by_file]
    else:
        return Response(_UNSUPPORTED_REPORT, status_code=403, media_type=_XML)
    prop = body.find(q(DAV, "prop"))
    wanted = (
        [c.tag for c in prop] if prop is not None else [q(DAV, "getetag"), q(CARD, "address-data")]
    )
    for href in names:
        name = href.rstrip("/").rsplit("/", 1)[-1]
        card = by_file.get(name)
        if card is None:
            response = ET.SubElement(multi, q(DAV, "response"))
            ET.SubElement(response, q(DAV, "href")).text = href
            ET.SubElement(response, q(DAV, "status")).text = "HTTP/1.1 404 Not Found"
            continue
        have = {**_props(request, "card", user, items, card), q(CARD, "address-data"): card.text}
        _response(multi, href, have, wanted)
    return _multistatus(multi)


_UNSUPPORTED_REPORT = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<D:error xmlns:D="DAV:"><D:supported-report/></D:error>'
)
_TEL = re.compile(r"^TEL[^:]*:(.+)$", re.M | re.I)


async def _put(request: Request, device: Any, target: _Target) -> Response:
    """A card from the box: one number is the user's "block this caller" (a report)."""
    if target.kind != "card":
        return _error(405, "Put cards (.vcf) into the address book.", {"Allow": METHODS})
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return _error(413, f"The card is larger than {MAX_BODY:,} bytes.")
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    if "BEGIN:VCARD" not in text.upper():
        return _error(400, "That is not a vCard.")
    numbers = [n.strip() for n in _TEL.findall(text) if n.strip()]
    if len(numbers) != 1:
        return Response(status_code=201, headers={"ETag": '"ignored"'})  # only single numbers count
    from ringcheck.errors import RingcheckError

    store = request.app.state.store
    settings: Settings = request.app.state.settings
    try:
        from ringcheck import check

        e164 = check(numbers[0], home=device.home, settings=settings).number.e164
        if e164 is None:
            return _error(400, "That number can't be read.")
        await run_in_threadpool(
            lambda: store.add_report(
                number=e164,
                category="other",
                comment="blocked on a FRITZ!Box",
                client=f"device:{device.username}",
            )
        )
    except RingcheckError as exc:
        status = 429 if exc.code == "rate_limited" else 400
        return _error(status, exc.message)
    community = getattr(request.app.state, "community", None)
    if community is not None and hasattr(community, "invalidate"):
        community.invalidate(e164)
    return Response(status_code=201, headers={"ETag": '"reported"'})
