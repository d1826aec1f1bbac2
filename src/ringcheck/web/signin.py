"""Failed sign-ins, limited per address: CardDAV devices and the moderation token.

Guessing a device password costs the server an scrypt hash each time (on purpose), so
an address that keeps failing is told to wait (429 with ``Retry-After``) before any more
hashing is done. Each address may fail ``BURST`` times at once, then once every
``60 / PER_MINUTE`` seconds. With ``RINGCHECK_REDIS_URL`` set every worker shares the
count. Each failure is logged with the address and the user name, never the password.
"""

from __future__ import annotations

import logging
import math

from ringcheck.web.ratelimit import Limiter, make_limiter

log = logging.getLogger("ringcheck.web")

BURST = 10  # failed sign-ins an address may make at once
PER_MINUTE = 6  # and then this many a minute


class SignInGuard:
    """Whether an address may try to sign in now, and what a failure costs it."""

    def __init__(self, redis_url: str) -> None:
        self.limiter: Limiter = make_limiter(redis_url, PER_MINUTE, BURST, prefix="rc:signin:")

    async def wait(self, client: str) -> int:
        """0 when ``client`` may try, else the whole seconds it must wait."""
        return math.ceil(await self.limiter.peek(client))

    async def failed(self, client: str, where: str, user: str = "") -> None:
        await self.limiter.take(client)
        who = "".join(ch for ch in user[:64] if ch.isprintable())
        log.warning("sign-in failed: %s from %s%s", where, client, f" as {who!r}" if who else "")

    async def close(self) -> None:
        await self.limiter.close()


def refusal_text(wait: int) -> str:
    return f"Too many failed sign-ins from your address. Try again in {wait} seconds."
