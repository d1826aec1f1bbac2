"""ringcheck: who rang me, and should I call back?

>>> from ringcheck import check, CallContext
>>> result = check("+1 876 812 3456", CallContext(rang_seconds=2))
>>> result.verdict.level
'very_high'
>>> from ringcheck import lookup   # the short answer for phone systems
>>> lookup("+1 876 812 3456").action
'block'
"""

__version__ = "0.1.0"

from ringcheck.checker import CheckResult, check
from ringcheck.datatables import Tables, tables
from ringcheck.errors import ConfigError, NotAPhoneNumber, RingcheckError
from ringcheck.lookup import lookup
from ringcheck.numbers import CallbackCost, NumberInfo, parse_number
from ringcheck.risk import LEVELS, Advice, BadContext, CallContext, Reason, Verdict
from ringcheck.settings import SETTINGS, Settings, load_settings

__all__ = [
    "LEVELS",
    "SETTINGS",
    "Advice",
    "BadContext",
    "CallContext",
    "CallbackCost",
    "CheckResult",
    "ConfigError",
    "NotAPhoneNumber",
    "NumberInfo",
    "Reason",
    "RingcheckError",
    "Settings",
    "Tables",
    "Verdict",
    "check",
    "load_settings",
    "lookup",
    "parse_number",
    "tables",
]
