"""Options several commands share, each declared once as a decorator (sqlite-utils'
``output_options`` pattern): the same name, type and help text wherever it appears.

This module imports no command family and nothing heavy (click and the level names only),
so every family may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import click

from ringcheck.risk import LEVELS

F = TypeVar("F", bound=Callable[..., Any])


class Decorator(Protocol):
    """What an option factory returns: it adds its options to any command function."""

    def __call__(self, func: F, /) -> F: ...


BLOCKLISTS = ("callblocker", "csv", "vcard", "spamblocker")  # phones.blocklists.FORMATS
# Levels a block list (or a device's list) can start from: "low" would block everyone.
LIST_LEVELS = LEVELS[1:]


def _apply(func: F, *decorators: Callable[[Any], Any]) -> F:
    """``func`` with ``decorators`` applied so options appear in ``--help`` in the order
    given (click lists the last-applied first)."""
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def home_option(
    help: str = "Your own country as two letters (GB, US, DE…). [default: home setting, GB]",
) -> Decorator:
    """``--home REGION``: the user's country for this run (overrides the ``home``
    setting; ``settings_from`` applies it)."""
    return click.option("--home", metavar="REGION", help=help)


def config_option(func: F) -> F:
    """``--config PATH``: the config file to read instead of the default one."""
    return click.option(
        "--config",
        type=click.Path(dir_okay=False),
        help="Config file to use instead of the default.",
    )(func)


def json_option(help: str = "Print JSON.") -> Decorator:
    """``--json`` (passed as ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def fail_on_option(what: str) -> Decorator:
    """``--fail-on LEVEL``: exit 1 when any ``what`` reaches LEVEL (``EXIT_FAIL_ON``)."""
    return click.option(
        "--fail-on",
        type=click.Choice(LEVELS),
        metavar="LEVEL",
        help=f"Exit 1 if any {what} reaches LEVEL ({', '.join(LEVELS)}).",
    )


def level_option(help: str = "Lowest level that goes on the block list.") -> Decorator:
    """``--level``: the least risk level a list holds (caution, high or very_high)."""
    return click.option(
        "--level", type=click.Choice(LIST_LEVELS), default="high", show_default=True, help=help
    )


def format_option(formats: Sequence[str], help: str) -> Decorator:
    """``--format`` (passed as ``form``): the kind of file read or written, the first of
    ``formats`` by default."""
    return click.option(
        "--format",
        "form",
        type=click.Choice(formats),
        default=formats[0],
        show_default=True,
        help=help,
    )


def output_options(outputs: Sequence[str], help: str) -> Decorator:
    """``--output``, ``--out``, ``--blocklist`` and ``--level``: what a report command
    writes (``triage``, ``scan``), and where. ``--out -`` is standard output."""

    def decorate(func: F) -> F:
        return _apply(
            func,
            click.option(
                "--output",
                type=click.Choice(outputs),
                default=outputs[0],
                show_default=True,
                help=help,
            ),
            click.option(
                "--out",
                "out_path",
                type=click.Path(dir_okay=False, allow_dash=True),
                help="Write to this file instead of standard output.",
            ),
            click.option(
                "--blocklist",
                type=click.Choice(BLOCKLISTS),
                help="Write a block list of the worrying numbers instead of the report.",
            ),
            level_option(),
        )

    return decorate


def database_options(func: F) -> F:
    """``--database URL`` and ``--config PATH``, for every command on the reports
    database."""
    func = config_option(func)
    return click.option(
        "--database",
        metavar="URL",
        help="Database URL (overrides RINGCHECK_DATABASE_URL).",
    )(func)


def column_options(
    helps: dict[str, str], *, suffix: str = "", metavar: str = "COLUMN"
) -> Decorator:
    """One ``--NAME{suffix}`` option per entry of ``helps`` (name -> help): the columns of
    a table file that hold what, when their names aren't the usual ones. The command
    gets them as ``NAME{suffix}`` keywords (``--number-column`` -> ``number_column``)."""

    def decorate(func: F) -> F:
        options = (
            click.option(f"--{name}{suffix}", metavar=metavar, help=text)
            for name, text in helps.items()
        )
        return _apply(func, *options)

    return decorate
