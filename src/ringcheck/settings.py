"""ringcheck's settings: one declaration per setting (default, help, parser; the
environment variable follows from the name), read by every face.

Each setting is declared once, as a field of ``Settings`` (``declare``); ``SETTINGS``,
the table ``ringcheck config``, ``serve`` and the docs test read, is derived from those
fields, so a default can't be written twice.

Values come, lowest first, from the defaults below, the user's config file, environment
variables ``RINGCHECK_<NAME>``, and command-line options. The config file (TOML) is
``$RINGCHECK_CONFIG``, else ``$XDG_CONFIG_HOME/ringcheck/config.toml``, else
``~/.config/ringcheck/config.toml``::

    home = "GB"                 # your own country, as a two-letter code
    one_ring_seconds = 5        # calls this short or shorter count as "one ring"
    high_risk = ["+1 473", "+996"]   # extra codes or +1 area codes to treat as high risk
    trusted = ["+33 6 12 34 56 78"]  # numbers you know and trust
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple

import phonenumbers

from ringcheck.errors import ConfigError


class Setting(NamedTuple):
    """One tunable: its name, default, help text and how to read it from text."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False  # read from the environment only, never from the config file

    @property
    def env(self) -> str:
        return f"RINGCHECK_{self.name.upper()}"


def _region(text: str) -> str:
    region = text.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError("use a two-letter country code that ringcheck knows, such as GB or US")
    return region


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 120:
        raise ValueError("must be between 0 and 120 seconds")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 2:
        raise ValueError("must be 2 or more")
    return value


def _bounded(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"{what} must be between {low} and {high}")
        return value

    return parse


_port = _bounded(1, 65535, "a port")
_workers = _bounded(1, 64, "workers")
_positive = _bounded(1, 1_000_000, "the rate")
_days = _bounded(1, 36_500, "days")
_per_hour = _bounded(1, 100_000, "reports an hour")
_megabytes = _bounded(1, 500, "megabytes")
_cache_seconds = _bounded(0, 3600, "seconds")


def _host(text: str) -> str:
    if not text.strip() or any(ch.isspace() for ch in text.strip()):
        raise ValueError("give an address such as 127.0.0.1 or 0.0.0.0")
    return text.strip()


def _environment(text: str) -> str:
    value = text.strip().lower()
    if value not in ("development", "production"):
        raise ValueError("use development or production")
    return value


_night_start = _bounded(18, 23, "the hour night starts")
_night_end = _bounded(3, 9, "the hour night ends")
_callees = _bounded(2, 1_000_000, "the number of people")
_hours = _bounded(1, 24 * 30, "hours")
_minutes = _bounded(1, 525_600, "minutes")


def _level(text: str) -> str:
    from ringcheck.risk import LEVELS  # risk reads Settings: imported when first parsing

    value = text.strip().lower().replace("-", "_").replace(" ", "_")
    if value not in LEVELS:
        raise ValueError("use " + ", ".join(LEVELS[:-1]) + " or " + LEVELS[-1])
    return value


def _callback_action(text: str) -> str:
    value = text.strip().lower()
    if value not in ("block", "warn", "allow"):
        raise ValueError("use block, warn or allow")
    return value


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def default_config_path(env: Mapping[str, str] | None = None) -> str:
    """Where ringcheck looks for the user's config file."""
    env = os.environ if env is None else env
    if env.get("RINGCHECK_CONFIG"):
        return os.path.expanduser(env["RINGCHECK_CONFIG"])
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "ringcheck", "config.toml")


def default_sqlite_path(env: Mapping[str, str] | None = None) -> str:
    """``$XDG_DATA_HOME/ringcheck/ringcheck.db``, else ``~/.local/share/ringcheck/…``."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "ringcheck", "ringcheck.db")


def has_database(settings: Settings, env: Mapping[str, str] | None = None) -> bool:
    """Whether there is a reports database to read (reports, live campaigns): one a
    setting names, or the default SQLite file. Nothing is opened or created."""
    return bool(settings.database_url) or os.path.exists(default_sqlite_path(env))


def declare(
    default: Any, help: str, parse: Callable[[str], Any] = str, *, secret: bool = False
) -> Any:
    """A setting's one declaration, as a ``Settings`` field: its default, its help text,
    how to read it from text, and whether it is a secret (environment only, never shown).

    ``SETTINGS``, the config file, the environment variables, ``ringcheck config`` and the
    README's settings table all read these; nothing else holds a default.
    """
    meta = {"help": help, "parse": parse, "secret": secret}
    return field(default=default, repr=not secret, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``Settings()`` gives the built-in defaults."""

    home: str = declare("GB", "Your own country as a two-letter code (GB, US, …).", _region)
    # Research on call records puts Wangiri rings "under ~5 s" (shared/domain.md); the
    # checker and the operator scan both use this one value.
    one_ring_seconds: float = declare(
        5.0,
        "A call that rang this many seconds or fewer counts as a 'one ring' call (for "
        "'ringcheck check', triage and 'ringcheck scan').",
        _seconds,
    )
    repeat_calls: int = declare(
        3, "How many calls from one number count as repeated attempts.", _count
    )
    night_start: int = declare(
        23, "Calls from this hour (local time, 18 to 23) count as at night.", _night_start
    )
    night_end: int = declare(
        7, "Calls before this hour (local time, 3 to 9) count as at night.", _night_end
    )
    high_risk: tuple[str, ...] = declare(
        (),
        "Extra calling codes or +1 area codes to treat as high risk (comma-separated).",
        _list,
    )
    trusted: tuple[str, ...] = declare((), "Numbers you trust (comma-separated).", _list)
    host: str = declare("127.0.0.1", "Address the web server listens on.", _host)
    port: int = declare(8000, "Port the web server listens on.", _port)
    workers: int = declare(1, "Web server worker processes.", _workers)
    rate_per_minute: int = declare(
        120,
        "API and form requests each client may make a minute (token bucket refill).",
        _positive,
    )
    rate_burst: int = declare(40, "Requests a client may make at once before limiting.", _positive)
    redis_url: str = declare(
        "", "Redis URL (redis://127.0.0.1:6379/0) so several workers share one rate limit."
    )
    database_url: str = declare(
        "",
        "Database for community reports: empty for a SQLite file in your data directory, "
        "or postgresql+psycopg://user@host/db for several workers.",
    )
    report_half_life_days: int = declare(
        120, "Community reports count half as much after this many days.", _days
    )
    reports_per_hour: int = declare(10, "Reports one person may make in an hour.", _per_hour)
    comment_retention_days: int = declare(
        365,
        "Report comments older than this are removed by 'ringcheck db purge' (counts stay).",
        _days,
    )
    community_cache_seconds: int = declare(
        30,
        "How long a web worker reuses a number's community summary (0: always ask the database).",
        _cache_seconds,
    )
    triage_max_upload_mb: int = declare(
        10, "Largest call log the web page and API accept, in megabytes.", _megabytes
    )
    scan_allowlist: tuple[str, ...] = declare(
        (),
        "Caller numbers or ranges 'ringcheck scan' never flags, such as your flash-call "
        "verification providers' ranges (comma-separated, E.164 prefixes).",
        _list,
    )
    scan_min_callees: int = declare(
        30, "'ringcheck scan' looks at a caller number once it rang this many people.", _callees
    )
    scan_min_range_callees: int = declare(
        100,
        "'ringcheck scan' looks at a caller range (the last 2 or 3 digits left out) once "
        "it rang this many people from at least 2 of its numbers.",
        _callees,
    )
    scan_callback_hours: int = declare(
        72,
        "'ringcheck scan' counts a call back to a caller made within this many hours of "
        "being rung.",
        _hours,
    )
    scan_spark_master: str = declare(
        "",
        "Spark master URL for 'ringcheck scan --engine spark' (spark://host:7077, yarn, "
        "k8s://https://host:443); empty: Spark on this machine.",
    )
    live_publish_level: str = declare(
        "high",
        "'ringcheck scan --follow --publish' and the events API publish campaigns from this "
        "level up, for phone-system lookups to block (caution, high, very_high).",
        _level,
    )
    live_quiet_minutes: int = declare(
        60,
        "A published live campaign stops blocking this many minutes after its last call.",
        _minutes,
    )
    live_window_minutes: int = declare(
        120,
        "The events API's live detector (ringcheck serve) scores the calls of this many "
        "last minutes; its memory and each re-score grow with the calls in it.",
        _minutes,
    )
    lookup_block_at: str = declare(
        "very_high",
        "Phone-system lookups answer 'block' from this level up (low, caution, high, very_high).",
        _level,
    )
    lookup_warn_at: str = declare(
        "caution",
        "Phone-system lookups answer 'warn' from this level up, below lookup_block_at.",
        _level,
    )
    callback_action: str = declare(
        "warn",
        "What call-back lookups (?direction=out) answer for a number in a live scam "
        "campaign: block, warn or allow.",
        _callback_action,
    )
    environment: str = declare(
        "development",
        "development or production; production refuses placeholder secrets.",
        _environment,
    )
    secret_key: str = declare(
        "",
        "Secret for signing form tokens. Environment only; required in production.",
        secret=True,
    )
    admin_token: str = declare(
        "",
        "Token for moderation routes (Authorization: Bearer …). Environment only; "
        "required in production.",
        secret=True,
    )
    reporter_salt: str = declare(
        "",
        "Secret mixed into reporter keys (an HMAC of the client address). Environment only; "
        "required in production; in development one is kept in the database.",
        secret=True,
    )
    live_events_token: str = declare(
        "",
        "Token a SIP proxy sends to POST call events to /api/v1/events (Authorization: "
        "Bearer …); set, the server runs the live detector on them. Environment only.",
        secret=True,
    )
    # Where the values came from (not a setting: no declaration).
    sources: tuple[str, ...] = field(default=(), compare=False)

    def updated(self, values: Mapping[str, Any], origin: str) -> Settings:
        """A copy with ``values`` (name -> text or value) checked and applied."""
        changes: dict[str, Any] = {}
        for name, raw in values.items():
            setting = _BY_NAME.get(name)
            if setting is None:
                known = ", ".join(_BY_NAME)
                raise ConfigError(
                    "unknown_setting",
                    f"{origin}: unknown setting '{name}'. Known settings: {known}.",
                )
            changes[name] = _coerce(setting, raw, origin)
        return replace(self, sources=(*self.sources, origin), **changes)


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, f.metadata["help"], f.metadata["parse"], f.metadata["secret"])
    for f in fields(Settings)
    if "help" in f.metadata
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    try:
        if isinstance(raw, list | tuple):
            return tuple(str(item) for item in raw)
        if isinstance(raw, bool):
            raise ValueError("must not be true or false")
        return setting.parse(str(raw))
    except ValueError as exc:
        raise ConfigError(
            "bad_setting", f"{origin}: '{setting.name}' = {raw!r} can't be used: {exc}."
        ) from None


def load_settings(
    env: Mapping[str, str] | None = None, config_path: str | os.PathLike[str] | None = None
) -> Settings:
    """Settings from the config file (if any) and ``RINGCHECK_*`` environment variables."""
    env = os.environ if env is None else env
    path = os.fspath(config_path) if config_path else default_config_path(env)
    settings = Settings()
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as file:
                values = tomllib.loads(file.read())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError("bad_config", f"Can't read the config file {path}: {exc}") from None
        secrets = [s.name for s in SETTINGS if s.secret and s.name in values]
        if secrets:
            raise ConfigError(
                "secret_in_config",
                f"{path}: '{secrets[0]}' is a secret; set it in the environment as "
                f"{_BY_NAME[secrets[0]].env}, not in the config file.",
            )
        settings = settings.updated(values, str(path))
    from_env = {s.name: env[s.env] for s in SETTINGS if env.get(s.env)}
    if from_env:
        settings = settings.updated(from_env, "environment")
    return settings


PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx"})


def check_production(settings: Settings) -> None:
    """Refuse to run a production server on a missing or placeholder secret."""
    if settings.environment != "production":
        return
    for name in ("secret_key", "admin_token", "reporter_salt"):
        value: str = getattr(settings, name)
        if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < 32:
            raise ConfigError(
                "placeholder_secret",
                f"{_BY_NAME[name].env} must be set to a random value of 32 characters or "
                "more in production (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))').",
            )
