"""Device tokens: the user name and password a phone system signs in to CardDAV with.

The password is shown once, when the device is added; the database keeps only an scrypt
hash of it (Python's ``hashlib.scrypt``, n=2^14, r=8, p=1, a random salt). User names
are random too (``rc-`` and 10 letters or digits), so they say nothing about the home.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringcheck.errors import RingcheckError
from ringcheck.risk import LEVELS as ALL_LEVELS
from ringcheck.store.models import Device

_N, _R, _P = 2**14, 8, 1
_ALPHABET = string.ascii_lowercase + string.digits
MAX_NAME = 100
LEVELS = ALL_LEVELS[1:]  # a list from "low" would block every caller
MAX_SIZE = 6_000  # a FRITZ!Box 7590 handles about 3,000; PhoneBlock offers up to 6,000


class DeviceError(RingcheckError):
    pass


@dataclass(frozen=True)
class DeviceView:
    username: str
    name: str
    home: str
    level: str
    size: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "name": self.name,
            "home": self.home,
            "level": self.level,
            "size": self.size,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def view(device: Device) -> DeviceView:
    return DeviceView(
        device.username,
        device.name,
        device.home,
        device.level,
        device.size,
        device.created_at,
        device.revoked_at,
    )


def hash_secret(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def secret_matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


def add(
    session: Session, name: str, home: str, level: str, size: int, now: dt.datetime
) -> tuple[DeviceView, str]:
    """A new device and its password (shown once)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise DeviceError("bad_name", f"Give the device a name of 1 to {MAX_NAME} characters.")
    if level not in LEVELS:
        raise DeviceError("bad_level", f"The level must be one of {', '.join(LEVELS)}.")
    if not 1 <= size <= MAX_SIZE:
        raise DeviceError("bad_size", f"The list size must be between 1 and {MAX_SIZE:,}.")
    username = "rc-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))
    password = secrets.token_urlsafe(18)  # 24 characters, no spaces
    device = Device(
        username=username,
        name=name,
        secret_hash=hash_secret(password),
        home=home,
        level=level,
        size=size,
        created_at=now,
        revoked_at=None,
    )
    session.add(device)
    session.flush()
    return view(device), password


def listed(session: Session) -> list[DeviceView]:
    return [view(d) for d in session.scalars(select(Device).order_by(Device.created_at, Device.id))]


def revoke(session: Session, key: str, now: dt.datetime) -> DeviceView:
    """Revoke the device with user name (or name) ``key``."""
    found = list(
        session.scalars(select(Device).where((Device.username == key) | (Device.name == key)))
    )
    active = [d for d in found if d.revoked_at is None]
    if not active:
        raise DeviceError("no_device", f"No active device is called {key!r}.")
    if len(active) > 1:
        raise DeviceError(
            "ambiguous_device", f"{len(active)} devices are called {key!r}: give its user name."
        )
    active[0].revoked_at = now
    return view(active[0])


def signed_in(session: Session, username: str, password: str) -> DeviceView | None:
    """The active device with these credentials, or None."""
    device = session.scalars(select(Device).where(Device.username == username)).first()
    if device is None or device.revoked_at is not None:
        hash_secret(password, b"0" * 16)  # the same work either way: no timing hint
        return None
    return view(device) if secret_matches(password, device.secret_hash) else None


def active(session: Session, username: str) -> tuple[str, DeviceView] | None:
    """An active device's password hash and view, by user name (no hashing: cheap enough
    to ask on every request, so a revoked device is locked out at once)."""
    device = session.scalars(select(Device).where(Device.username == username)).first()
    if device is None or device.revoked_at is not None:
        return None
    return device.secret_hash, view(device)
