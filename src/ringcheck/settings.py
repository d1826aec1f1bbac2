"""ringcheck's settings: one table of (name, default, help), read by every face.

Values come, lowest first, from the defaults below, the user's config file, environment
variables ``RINGCHECK_<NAME>``, and command-line options. The config file (TOML) is
``$RINGCHECK_CONFIG``, else ``$XDG_CONFIG_HOME/ringcheck/config.toml``, else
``~/.config/ringcheck/config.toml``::

    home = "GB"                 # your own country, as a two-letter code
    one_ring_seconds = 6        # calls this short or shorter count as "one ring"
    high_risk = ["+1 473", "+996"]   # extra codes or +1 area codes to treat as high risk
    trusted = ["+33 6 12 34 56 78"]  # numbers you know and trust
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
_minutes = _bounded(1, 525_600, "minutes")


def _host(text: str) -> str:
    if not text.strip() or any(ch.isspace() for ch in text.strip()):
        raise ValueError("give an address such as 127.0.0.1 or 0.0.0.0")
    return text.strip()


def _environment(text: str) -> str:
    value = text.strip().lower()
    if value not in ("development", "production"):
        raise ValueError("use development or production")
    return value


def _level(text: str) -> str:
    value = text.strip().lower().replace("-", "_").replace(" ", "_")
    if value not in ("low", "caution", "high", "very_high"):
        raise ValueError("use low, caution, high or very_high")
    return value


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "GB", "Your own country as a two-letter code (GB, US, …).", _region),
    Setting(
        "one_ring_seconds",
        6.0,
        "A call that rang this many seconds or fewer counts as a 'one ring' call.",
        _seconds,
    ),
    Setting(
        "repeat_calls",
        3,
        "How many calls from one number count as repeated attempts.",
        _count,
    ),
    Setting(
        "high_risk",
        (),
        "Extra calling codes or +1 area codes to treat as high risk (comma-separated).",
        _list,
    ),
    Setting("trusted", (), "Numbers you trust (comma-separated).", _list),
    Setting("host", "127.0.0.1", "Address the web server listens on.", _host),
    Setting("port", 8000, "Port the web server listens on.", _port),
    Setting("workers", 1, "Web server worker processes.", _workers),
    Setting(
        "rate_per_minute",
        120,
        "API and form requests each client may make a minute (token bucket refill).",
        _positive,
    ),
    Setting("rate_burst", 40, "Requests a client may make at once before limiting.", _positive),
    Setting(
        "redis_url",
        "",
        "Redis URL (redis://127.0.0.1:6379/0) so several workers share one rate limit.",
    ),
    Setting(
        "database_url",
        "",
        "Database for community reports: empty for a SQLite file in your data directory, "
        "or postgresql+psycopg://user@host/db for several workers.",
    ),
    Setting(
        "report_half_life_days",
        120,
        "Community reports count half as much after this many days.",
        _days,
    ),
    Setting(
        "reports_per_hour",
        10,
        "Reports one person may make in an hour.",
        _per_hour,
    ),
    Setting(
        "comment_retention_days",
        365,
        "Report comments older than this are removed by 'ringcheck db purge' (counts stay).",
        _days,
    ),
    Setting(
        "community_cache_seconds",
        30,
        "How long a web worker reuses a number's community summary (0: always ask the database).",
        _cache_seconds,
    ),
    Setting(
        "triage_max_upload_mb",
        10,
        "Largest call log the web page and API accept, in megabytes.",
        _megabytes,
    ),
    Setting(
        "scan_allowlist",
        (),
        "Caller numbers or ranges 'ringcheck scan' never flags, such as your flash-call "
        "verification providers' ranges (comma-separated, E.164 prefixes).",
        _list,
    ),
    Setting(
        "scan_spark_master",
        "",
        "Spark master URL for 'ringcheck scan --engine spark' (spark://host:7077, yarn, "
        "k8s://https://host:443); empty: Spark on this machine.",
    ),
    Setting(
        "live_publish_level",
        "high",
        "'ringcheck scan --follow --publish' publishes campaigns from this level up, for "
        "phone-system lookups to block (caution, high, very_high).",
        _level,
    ),
    Setting(
        "live_quiet_minutes",
        60,
        "A published live campaign stops blocking this many minutes after its last call.",
        _minutes,
    ),
    Setting(
        "lookup_block_at",
        "very_high",
        "Phone-system lookups answer 'block' from this level up (low, caution, high, very_high).",
        _level,
    ),
    Setting(
        "lookup_warn_at",
        "caution",
        "Phone-system lookups answer 'warn' from this level up, below lookup_block_at.",
        _level,
    ),
    Setting(
        "environment",
        "development",
        "development or production; production refuses placeholder secrets.",
        _environment,
    ),
    Setting(
        "secret_key",
        "",
        "Secret for signing form tokens. Environment only; required in production.",
        secret=True,
    ),
    Setting(
        "admin_token",
        "",
        "Token for moderation routes (Authorization: Bearer …). Environment only; "
        "required in production.",
        secret=True,
    ),
    Setting(
        "live_events_token",
        "",
        "Token a SIP proxy sends to POST call events to /api/v1/events (Authorization: "
        "Bearer …); set, the server runs the live detector on them. Environment only.",
        secret=True,
    ),
    Setting(
        "reporter_salt",
        "",
        "Secret mixed into reporter keys (an HMAC of the client address). Environment only; "
        "required in production; in development one is kept in the database.",
        secret=True,
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


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


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``Settings()`` gives the built-in defaults."""

    home: str = "GB"
    one_ring_seconds: float = 6.0
    repeat_calls: int = 3
    high_risk: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    rate_per_minute: int = 120
    rate_burst: int = 40
    redis_url: str = ""
    database_url: str = ""
    report_half_life_days: int = 120
    reports_per_hour: int = 10
    comment_retention_days: int = 365
    community_cache_seconds: int = 30
    triage_max_upload_mb: int = 10
    scan_allowlist: tuple[str, ...] = ()
    scan_spark_master: str = ""
    live_publish_level: str = "high"
    live_quiet_minutes: int = 60
    lookup_block_at: str = "very_high"
    lookup_warn_at: str = "caution"
    environment: str = "development"
    secret_key: str = field(default="", repr=False)
    admin_token: str = field(default="", repr=False)
    reporter_salt: str = field(default="", repr=False)
    live_events_token: str = field(default="", repr=False)
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
