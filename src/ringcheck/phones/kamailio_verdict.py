"""ringcheck's own verdict inside Kamailio: the default mode of
contrib/kamailio/ringcheck.cfg (Kamailio's ``app_python3`` module, Debian package
``kamailio-python3-modules``).

Kamailio loads contrib/kamailio/ringcheck_handler.py, which imports this module and
returns ``mod_init()``'s handler. For each new call the routing script first tries the
``verdicts`` table that ``ringcheck kamailio push`` keeps (live campaigns, numbers
enough people reported); a call the table doesn't hold runs
``python_exec("verdict", "<direction> <number>")`` here, in the SIP worker:
``ringcheck.lookup.lookup`` on the number, the same function the HTTP lookup answers
with, without what people reported and without live campaigns (those come from the
table). It sets ``$avp(action)`` (for ``out``, the call-back answer) and
``$avp(label)``.

Why in the worker, when the HTTP lookup runs in async workers: this verdict reads no
file, database or network, so it can't wait on anything; it takes about 22 us in a
loop and 0.15 ms at p50 inside Kamailio at 500 calls/s (benchmarks/README.md), where
handing a call to a lookup worker and back cost milliseconds to a second on a busy
machine. Anything that goes wrong (a bug, an odd number) leaves the call ``unknown``:
the call goes on.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ringcheck.lookup import ACTIONS

if TYPE_CHECKING:
    from ringcheck.settings import Settings

log = logging.getLogger("ringcheck.kamailio")
MAX_NUMBER_CHARS = 32  # longer than any E.164 number with a prefix: not a number
WARM_NUMBERS = ("+447400123456", "+18768123456", "+8801712345678", "12")  # and odd ones
WARM_KINDS = ("FIXED_LINE", "MOBILE", "PREMIUM_RATE", "TOLL_FREE", "SHARED_COST")


def answer(
    text: str, settings: Settings, pushed: Callable[[str], Any] | None = None
) -> tuple[str, str]:
    """(action, label) for ``"<in|out> <number>"``: for ``in`` the caller's verdict,
    for ``out`` (a subscriber dialling the number) the call-back answer. ``pushed``
    gives the ``answers`` table's entry for a number's E.164 form, if any
    (``"<action> <label>"``, pushed by ``ringcheck kamailio push`` for reported
    numbers): the lookup's answer with the reports weighed in, taken instead.

    >>> from ringcheck.settings import Settings
    >>> answer("in +18768123456", Settings())
    ('block', 'SPAM Wangiri')
    >>> answer("in anonymous", Settings())[0]
    'unknown'
    """
    from ringcheck.lookup import callback_action, lookup

    direction, _, number = text.strip().partition(" ")
    if not number or len(number) > MAX_NUMBER_CHARS:
        return "unknown", ""
    found = lookup(number, settings=settings)
    held = pushed(found.e164) if pushed is not None and found.e164 else None
    if isinstance(held, str) and held.partition(" ")[0] in ACTIONS:
        action, _, label = held.partition(" ")
        return action, label  # not a live campaign's (those are in ``verdicts``)
    action = callback_action(found, settings) if direction == "out" else found.action
    return action, found.label()


class Handler:
    """What app_python3 calls: ``verdict(msg, args)`` sets the call's answer in
    ``$avp(action)`` and ``$avp(label)``; 1 when it did, -1 when it could not."""

    def __init__(
        self,
        settings: Settings,
        setter: Callable[[str, str], Any],
        pushed: Callable[[str], Any] | None = None,
    ) -> None:
        self.settings = settings
        self._set = setter
        self._pushed = pushed

    def child_init(self, _rank: int) -> int:
        return 0

    def verdict(self, _msg: Any, args: str | None = None) -> int:
        try:
            action, label = answer(args or "", self.settings, self._pushed)
        except Exception:  # a call must go on whatever happens here
            log.exception("ringcheck: no verdict for %r; the call goes on", args)
            return -1
        self._set("$avp(action)", action)
        self._set("$avp(label)", label)
        return 1


def handler(
    setter: Callable[[str, str], Any], pushed: Callable[[str], Any] | None = None
) -> Handler:
    """The handler, its settings read now (environment and config file, as ``ringcheck
    serve`` reads them), the data tables loaded, and Python's objects frozen so the
    SIP workers Kamailio forks next share them."""
    from ringcheck.settings import load_settings

    settings = load_settings()
    warm(settings)
    gc.freeze()
    return Handler(settings, setter, pushed)


def warm(settings: Settings) -> int:
    """Answer an example number of every kind of line in every country once, so that
    what is read on first use (each country's numbering plan, ringcheck's tables) is
    read here, before Kamailio forks its workers, and not by each worker in the middle
    of a call (at 500 calls/s with 4 workers that put p99 at 9 ms). About 0.6 s and
    830 numbers; how many were answered."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    phonenumbers.PhoneMetadata.load_all()
    examples = [
        phonenumbers.example_number_for_type(region, getattr(PhoneNumberType, kind))
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in WARM_KINDS
    ]
    examples += [
        phonenumbers.example_number_for_non_geo_entity(code)
        for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    numbers = [phonenumbers.format_number(n, PhoneNumberFormat.E164) for n in examples if n]
    for number in (*numbers, *WARM_NUMBERS):
        for direction in ("in", "out"):
            answer(f"{direction} {number}", settings)
    return len(numbers)
