"""What every ``ringcheck`` command shares: the group, its errors and common options.

Command modules (``check``, ``serve``, ``reports``, ``triage``) import this module only,
never each other or the package; ``ringcheck.cli`` registers their commands in one place.

Exit codes: 0 all good; 1 a verdict reached ``--fail-on``; 2 bad input or usage (one line
on stderr says what was wrong); 3 a bug of ours; 130 interrupted. Never a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from ringcheck import __version__
from ringcheck.cli.options import config_option as config_option  # for older imports
from ringcheck.errors import RingcheckError
from ringcheck.settings import Settings, has_database, load_settings

if TYPE_CHECKING:
    from ringcheck.store import Store
    from ringcheck.store.quick import Quick

EXIT_FAIL_ON = 1
EXIT_BAD_INPUT = 2


class BadInput(click.ClickException):
    """A user mistake: one line on stderr, exit 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"ringcheck: {self.format_message()}", err=True)


class OutputClosed(Exception):
    """Whoever read our output stopped early (``| head``): stop quietly.

    Not an OSError on purpose: click turns a broken pipe into exit status 1, which
    would read as "a verdict reached --fail-on".
    """


@contextlib.contextmanager
def optional_store(settings: Settings, wanted: bool, unused: str) -> Iterator[Store | None]:
    """The reports database (reports, live campaigns) when asked and there is one; None
    otherwise.

    Opt-in: the database code (SQLAlchemy, Alembic) triples the start-up time of a
    one-number check, so a command never loads it unasked. A database that can't be used
    costs a warning (``ringcheck: <unused>: why``), not the command.
    """
    if not wanted or not has_database(settings):
        yield None
        return
    from ringcheck.store import Store

    try:
        store = Store.open(settings)
    except RingcheckError as exc:
        click.echo(f"ringcheck: {unused}: {exc.message}", err=True)
        yield None
        return
    with store:
        yield store


@contextlib.contextmanager
def optional_reader(
    settings: Settings, wanted: bool, unused: str
) -> Iterator[Store | Quick | None]:
    """As ``optional_store``, for a command that reads reports and campaigns in one
    thread and ends: the default SQLite file through ``store.quick``, which starts in
    milliseconds; any other database through the ``Store``."""
    if wanted and has_database(settings):
        from ringcheck.store.quick import Quick

        reader = Quick.open(settings)
        if reader is not None:
            with reader:
                yield reader
            return
    with optional_store(settings, wanted, unused) as store:
        yield store


@contextlib.contextmanager
def opened_store(config: str | None, database: str | None) -> Iterator[Store]:
    """The reports store (``--config``, ``--database``), with any ringcheck error turned
    into one line and exit 2."""
    from ringcheck.store import Store

    with errors_as_bad_input():
        settings = store_settings(config, database)
        with Store.open(settings) as store:
            yield store


def store_settings(config: str | None, database: str | None) -> Settings:
    """The user's settings with ``--database URL`` applied."""
    settings = settings_from(config, None)
    if database is not None:
        settings = settings.updated({"database_url": database}, "--database")
    return settings


def settings_from(config: str | None, home: str | None) -> Settings:
    """The user's settings (from ``config`` or the usual places), with ``--home`` applied.

    Shared by every command that reads settings; a bad file or value becomes ``BadInput``.

    >>> settings_from(None, "US").home  # doctest: +SKIP
    'US'
    """
    try:
        settings = load_settings(config_path=config)
        return settings.updated({"home": home}, "--home") if home else settings
    except RingcheckError as exc:
        raise BadInput(exc.message) from None


class RingcheckGroup(click.Group):
    """click's group, with ringcheck's promise: one-line errors, never a traceback
    (unless ``--debug`` or ``RINGCHECK_DEBUG=1`` asks for one)."""

    debug = False
    # Command name -> "module:attribute" of a command family, imported on first use, so
    # `ringcheck check` never loads the server, the database or the scan engines.
    lazy: dict[str, str] = {}  # noqa: RUF012 (filled once, by ringcheck.cli)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(f"ringcheck.cli.{module}"), attribute)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        self.debug = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "ringcheck"
            click.echo(f"ringcheck: {exc.format_message()} (see '{where} --help')", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("ringcheck: stopped.", err=True)
            sys.exit(130)
        except (BrokenPipeError, OutputClosed):
            # Output piped into `head` and closed early: not an error. Point stdout at
            # /dev/null so the interpreter's final flush doesn't complain either.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # a bug of ours: one line, unless asked for the traceback
            if self.debug or _debug_env():
                traceback.print_exc()
                click.echo(f"ringcheck: internal error ({type(exc).__name__}).", err=True)
            else:
                click.echo(
                    f"ringcheck: internal error ({type(exc).__name__}: {_short(exc)}). "
                    "Run again with --debug (or RINGCHECK_DEBUG=1) to see where, and please "
                    "report it with that output.",
                    err=True,
                )
            sys.exit(3)
        sys.exit(code if isinstance(code, int) else 0)


def _debug_env() -> bool:
    return os.environ.get("RINGCHECK_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def _short(exc: BaseException) -> str:
    """The exception's message on one line, cut short: enough to report, never a dump."""
    text = "".join(c if c.isprintable() else "?" for c in " ".join(str(exc).split()))
    text = text or "no message"
    return text if len(text) <= 120 else text[:117] + "..."


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and isinstance(ctx.command, RingcheckGroup):
        ctx.command.debug = True


@click.group(cls=RingcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ringcheck")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="On an internal error, print the full traceback (also RINGCHECK_DEBUG=1).",
)
def cli() -> None:
    """Check a number that called you: where it is from, what calling back could cost,
    how risky it looks and what to do.

    \b
    Examples:
      ringcheck check "+234 803 123 4567"
      ringcheck check 0906 123 4567 --json
      ringcheck check +33612345678 --claimed HMRC --recorded-message
      ringcheck codes jamaica
    """


@contextlib.contextmanager
def errors_as_bad_input() -> Iterator[None]:
    """Any ringcheck error inside becomes one line on stderr and exit 2."""
    try:
        yield
    except RingcheckError as exc:
        raise BadInput(exc.message) from None
