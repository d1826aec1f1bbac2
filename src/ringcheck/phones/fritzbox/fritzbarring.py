"""Add a scam number to a FRITZ!Box's call barring list, so its next call never rings.

The call monitor can't stop a call that is ringing. The box's call barring list can stop
the next one: TR-064 service ``X_AVM-DE_OnTel:1``, actions ``GetCallBarringEntryByNum``
(UPnP error 714 when the number isn't listed) and ``SetCallBarringEntry`` (a contact as
XML, answering ``NewPhonebookEntryUniqueID``), spoken by the ``fritzconnection`` library
(an optional dependency: ``pip install 'ringcheck[fritzbox]'``). Credentials come from the
environment as fritzconnection reads them: ``FRITZ_USERNAME``, ``FRITZ_PASSWORD``.

A number is never added twice (the box is asked first, and this process remembers what
it added) and a number the user trusts is never added.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from ringcheck.errors import RingcheckError
from ringcheck.lookup import Lookup

SERVICE = "X_AVM-DE_OnTel:1"
TR064_PORT = 49000


class BarringError(RingcheckError):
    """The box could not be reached or refused the change."""

    def __init__(self, message: str) -> None:
        super().__init__("fritzbox_barring", message)


def _why(exc: BaseException) -> str:
    """A connection failure in a few words, not urllib3's nested dump."""
    text = str(exc)
    for needle, words in (
        ("refused", "connection refused"),
        ("timed out", "no answer in time"),
        ("Name or service not known", "no such host"),
        ("401", "user name or password not accepted"),
    ):
        if needle in text:
            return words
    return type(exc).__name__


def contact_xml(name: str, number: str) -> str:
    """The ``NewPhonebookEntryData`` of one barred number (AVM's phonebook contact).

    >>> contact_xml("SPAM Wangiri", "+18768123456")[:47]
    '<?xml version="1.0" encoding="utf-8"?><contact>'
    """
    return (
        '<?xml version="1.0" encoding="utf-8"?><contact><category>0</category>'
        f"<person><realName>{escape(name)}</realName></person>"
        f'<telephony nid="1"><number type="home" prio="1" id="0">{escape(number)}</number>'
        "</telephony></contact>"
    )


@dataclass
class CallBarring:
    """The box's call barring list, over TR-064."""

    connection: Any  # a fritzconnection.FritzConnection
    added: set[str] = field(default_factory=set)

    @classmethod
    def connect(cls, address: str, port: int = TR064_PORT, **options: Any) -> CallBarring:
        """A connection to the box at ``address`` (credentials from the environment)."""
        try:
            from fritzconnection import FritzConnection
            from fritzconnection.core.exceptions import FritzConnectionException
        except ImportError:
            raise BarringError(
                "--block needs the fritzconnection library: pip install 'ringcheck[fritzbox]'"
            ) from None
        if not (options.get("password") or os.environ.get("FRITZ_PASSWORD")):
            raise BarringError(
                "--block needs a FRITZ!Box user that may change settings: set FRITZ_USERNAME "
                "and FRITZ_PASSWORD (make the user under System > FRITZ!Box Users)"
            )
        # fritzconnection prints its own copy of a connection error; ours says it once.
        quiet = io.StringIO()
        try:
            with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                return cls(FritzConnection(address=address, port=port, **options))
        except (FritzConnectionException, OSError) as exc:
            raise BarringError(
                f"can't reach the FRITZ!Box's TR-064 at {address}:{port} ({_why(exc)}). "
                "Check the address, and that 'Allow access for applications' is on "
                "(Home Network > Network > Network Settings)"
            ) from exc

    def block(self, number: str, found: Lookup) -> bool:
        """Bar ``number`` (as the box wrote it) if ``found`` says block; True if added."""
        from fritzconnection.core.exceptions import FritzConnectionException, FritzLookUpError

        trusted = found.result is not None and "trusted_number" in found.reasons
        if found.action != "block" or trusted or not number or number in self.added:
            return False
        try:
            self.connection.call_action(SERVICE, "GetCallBarringEntryByNum", NewNumber=number)
        except FritzLookUpError:
            pass  # not listed yet
        except (FritzConnectionException, OSError) as exc:
            raise BarringError(f"the FRITZ!Box didn't answer: {exc}") from exc
        else:
            self.added.add(number)  # the box has it already
            return False
        try:
            self.connection.call_action(
                SERVICE,
                "SetCallBarringEntry",
                NewPhonebookEntryData=contact_xml(found.label(), number),
            )
        except (FritzConnectionException, OSError) as exc:
            raise BarringError(f"the FRITZ!Box refused to bar {number}: {exc}") from exc
        self.added.add(number)
        return True
