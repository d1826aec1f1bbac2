"""WebDAV and CardDAV for the /carddav/ routes: which resource a path names, each
resource's properties, and the ``multistatus`` XML that answers PROPFIND and REPORT.

The cards themselves (vCards, their UIDs and ETags) come from ``ringcheck.phones.carddav``;
the routes, sign-in and one handler per method are in ``routes/carddav.py``.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ringcheck.phones.carddav import Card

DAV, CARD, CS = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
for _prefix, _uri in (("D", DAV), ("C", CARD), ("CS", CS)):
    ET.register_namespace(_prefix, _uri)
MAX_BODY = 1_000_000
BOOK = "blocklist"
METHODS = "OPTIONS, GET, HEAD, PROPFIND, REPORT, PUT, DELETE"
REALM = 'Basic realm="ringcheck", charset="UTF-8"'
XML = "application/xml; charset=utf-8"
PATH = re.compile(
    r"^/carddav/(?:(?P<kind>principals|addressbooks)/(?P<user>[^/]+)/"
    r"(?:(?P<book>[^/]+)/(?:(?P<card>[^/]+\.vcf))?)?)?$"
)


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class Target:
    kind: str  # root, principal, home, book, card, unknown
    user: str | None = None
    card: str | None = None


def target_of(path: str) -> Target:
    found = PATH.match(path if path.endswith((".vcf", "/")) else path + "/")
    if found is None:
        return Target("unknown")
    kind, user, book, card = found.group("kind", "user", "book", "card")
    if kind is None:
        return Target("root")
    if kind == "principals":
        return Target("principal", user) if book is None else Target("unknown")
    if book is None:
        return Target("home", user)
    if book != BOOK:
        return Target("unknown", user)
    return Target("card", user, card) if card else Target("book", user)


class DavError(Exception):
    """Answered as a short plain-text error (DAV clients show no JSON or pages)."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status, self.text, self.headers = status, text, headers

    def response(self) -> Response:
        return Response(
            self.text + "\n",
            status_code=self.status,
            media_type="text/plain; charset=utf-8",
            headers=self.headers,
        )


async def on_dav_error(request: Request, exc: DavError) -> Response:
    """The exception handler ``create_app`` installs for ``DavError``."""
    return exc.response()


async def read_body(request: Request) -> ET.Element | None:
    """The request's XML, parsed safely (None if empty); DavError 413 or 400 if not."""
    too_large = DavError(413, f"The request body is larger than {MAX_BODY:,} bytes.")
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BODY:
        raise too_large
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise too_large
    if not raw.strip():
        return None
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise DavError(400, "Document types and entities are not accepted.")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise DavError(400, f"The XML can't be read: {exc}.") from None


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def href_for(request: Request, user: str | None, kind: str, card: str | None = None) -> str:
    base = base_url(request) + "/carddav/"
    if kind == "root":
        return base
    if kind == "principal":
        return f"{base}principals/{user}/"
    if kind == "home":
        return f"{base}addressbooks/{user}/"
    if kind == "book":
        return f"{base}addressbooks/{user}/{BOOK}/"
    return f"{base}addressbooks/{user}/{BOOK}/{card}"


def ctag(items: list[Card]) -> str:
    return '"' + hashlib.sha1("".join(c.etag for c in items).encode()).hexdigest()[:16] + '"'


def props(
    request: Request, kind: str, user: str, items: list[Card], card: Card | None
) -> dict[str, Any]:
    """Every property a resource has: name -> a text, or a builder of child elements."""
    principal = href_for(request, user, "principal")
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
            q(CARD, "addressbook-home-set"): [("href", href_for(request, user, "home"))],
            q(DAV, "displayname"): "ringcheck device",
        }
    if kind == "home":
        return {
            **common,
            q(DAV, "resourcetype"): [("collection", None)],
            q(DAV, "displayname"): "ringcheck address books",
        }
    if kind == "book":
        tag = ctag(items)
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


def fill(element: ET.Element, value: Any) -> None:
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


def add_response(
    multi: ET.Element, href: str, have: dict[str, Any], wanted: list[str] | None
) -> None:
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
                fill(element, have[name])
        ET.SubElement(stat, q(DAV, "status")).text = f"HTTP/1.1 {status}"


def multistatus(multi: ET.Element) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(multi)
    return Response(body, status_code=207, media_type=XML)


def wanted_props(body: ET.Element | None) -> list[str] | None:
    """The properties a PROPFIND asks for (None: all of them)."""
    if body is None or body.find(q(DAV, "allprop")) is not None:
        return None
    prop = body.find(q(DAV, "prop"))
    return None if prop is None else [child.tag for child in prop]


UNSUPPORTED_REPORT = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<D:error xmlns:D="DAV:"><D:supported-report/></D:error>'
)
