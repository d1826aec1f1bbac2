"""The errors ringcheck raises.

There is one kind a user can cause, and every face shows it the same way::

    RingcheckError              base of everything ringcheck raises on purpose
    ├── NotAPhoneNumber         the text given is not a phone number we can read
    └── ConfigError             the user's settings or config file can't be used

Each carries a stable ``code`` for tools and a ``message`` written for a person: what was
wrong, with which input, and what to do.
"""

from __future__ import annotations


class RingcheckError(Exception):
    """Base class: ``code`` is stable for tools, ``message`` is for a person."""

    code: str = "error"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The JSON error object shared by the CLI and the API."""
        return {"code": self.code, "message": self.message}


class NotAPhoneNumber(RingcheckError, ValueError):
    """The input can't be read as a phone number.

    Codes: ``empty``, ``no_number``, ``too_short``, ``too_long``, ``country_code_only``,
    ``unknown_country_code``, ``bad_home_region``.
    """


class ConfigError(RingcheckError):
    """A setting or the config file has a value ringcheck can't use."""
