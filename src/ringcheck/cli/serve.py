"""``ringcheck serve``: the web checker and JSON API under uvicorn.

uvicorn and the web app load inside the command, so other commands start without them.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import click

from ringcheck.cli.base import BadInput, settings_from
from ringcheck.cli.options import config_option
from ringcheck.errors import RingcheckError
from ringcheck.settings import SETTINGS, Settings


@click.command("serve")
@click.option("--host", help="Address to listen on. [default: 127.0.0.1]")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on. [default: 8000]")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes. [default: 1]")
@config_option
def serve_command(
    host: str | None, port: int | None, workers: int | None, config: str | None
) -> None:
    """Run the web checker and JSON API (http://127.0.0.1:8000 by default)."""
    import secrets

    import uvicorn

    from ringcheck.settings import check_production

    overrides = {k: v for k, v in (("host", host), ("port", port), ("workers", workers)) if v}
    try:
        settings = settings_from(config, None).updated(overrides, "command line")
        check_production(settings)
        _check_database(settings)
    except RingcheckError as exc:
        raise BadInput(exc.message) from None
    # Workers read their settings from the environment: hand them ours, and one secret
    # for signing form tokens so every worker accepts the others' tokens.
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        os.environ[setting.env] = ",".join(value) if isinstance(value, tuple) else str(value)
    if config:
        os.environ["RINGCHECK_CONFIG"] = config
    if not settings.secret_key:
        os.environ["RINGCHECK_SECRET_KEY"] = secrets.token_urlsafe(32)
    click.echo(
        f"ringcheck: serving on http://{settings.host}:{settings.port} "
        f"with {settings.workers} worker(s). Press Ctrl+C to stop.",
        err=True,
    )
    uvicorn.run(
        "ringcheck.web:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,  # ours logs the route, never the number checked
        log_config=_log_config(),
        timeout_graceful_shutdown=10,
        server_header=False,
    )


def _check_database(settings: Settings) -> None:
    """Open the reports database once before any worker starts: an empty one is set up,
    one at a schema this version doesn't know stops the server with one line saying what
    to run (``ringcheck db upgrade``), instead of every worker failing on its own."""
    from ringcheck.store import Store

    Store.open(settings).close()


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus ringcheck's JSON access log on stderr."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["plain"] = {"format": "%(message)s"}
    config["handlers"]["ringcheck"] = {
        "class": "logging.StreamHandler",
        "formatter": "plain",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["ringcheck"] = {
        "handlers": ["ringcheck"],
        "level": "INFO",
        "propagate": False,
    }
    return config


COMMANDS = (serve_command,)
