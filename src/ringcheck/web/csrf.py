"""CSRF protection for form posts: a signed token in a cookie and in the form.

The page sets ``rc_csrf`` (SameSite=Strict, HttpOnly) and puts the same token in a hidden
field; a post is accepted only when both are present, equal, and carry our signature.
Works with JavaScript off. Tokens are signed with the server secret, so any worker can
check a token another issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "rc_csrf"
FIELD = "csrf_token"


def issue(secret: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def valid(secret: str, form_token: str | None, cookie_token: str | None) -> bool:
    if not form_token or not cookie_token or len(form_token) > 200:
        return False
    if not (form_token.isascii() and cookie_token.isascii()):
        return False  # ours are ASCII, and compare_digest raises TypeError on other text
    if not hmac.compare_digest(form_token, cookie_token):
        return False
    nonce, _, signature = form_token.partition(".")
    return hmac.compare_digest(signature, _sign(secret, nonce))


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]
