"""``ringcheck devices``: phone systems (a FRITZ!Box…) allowed to read the CardDAV block
list: add one (its password is shown once), list them, revoke one.

The database code loads inside the commands (through ``ringcheck.store``).
"""

from __future__ import annotations

import json

import click

from ringcheck.cli.base import BadInput, errors_as_bad_input, opened_store, store_settings
from ringcheck.cli.options import database_options, home_option, json_option, level_option


@click.group("devices")
def devices_group() -> None:
    """Phone systems (a FRITZ!Box…) allowed to read the CardDAV block list."""


@devices_group.command("add")
@click.argument("name")
@home_option("The device's country (numbers there in national form). [default: home setting]")
@level_option("The least risk level its list holds.")
@click.option(
    "--size",
    type=click.IntRange(1, 6000),
    default=2000,
    show_default=True,
    help="The most numbers its list holds (a FRITZ!Box takes 1,000 to 3,000).",
)
@click.option("--url", metavar="URL", help="This server's address as the device reaches it.")
@json_option("Print {username, password, url} as JSON.")
@database_options
def devices_add(
    name: str,
    home: str | None,
    level: str,
    size: int,
    url: str | None,
    as_json: bool,
    database: str | None,
    config: str | None,
) -> None:
    """Add a device NAME ("Kitchen FRITZ!Box"): prints its user name and password once."""
    settings = store_settings(config, database)
    region = (home or settings.home).upper()
    with opened_store(config, database) as store, errors_as_bad_input():
        if region not in _regions():
            raise BadInput(f"'{region}' is not a two-letter country code ringcheck knows.")
        device, password = store.add_device(name, home=region, level=level, size=size)
    base = (url or f"http://{settings.host}:{settings.port}").rstrip("/") + "/carddav/"
    if as_json:
        click.echo(json.dumps({"username": device.username, "password": password, "url": base}))
        return
    what = f"{region}, {level.replace('_', ' ')} and above, up to {size:,} numbers"
    click.echo(f"Added {device.name} ({what}).")
    click.echo(f"  URL:       {base}")
    click.echo(f"  User name: {device.username}")
    click.echo(f"  Password:  {password}")
    click.echo("Write the password down now: it is not shown again. Revoke it with")
    click.echo(f"  ringcheck devices revoke {device.username}")


def _regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


@devices_group.command("list")
@json_option("One JSON object per device.")
@database_options
def devices_list(as_json: bool, database: str | None, config: str | None) -> None:
    """The devices, newest last (revoked ones marked)."""
    with opened_store(config, database) as store, errors_as_bad_input():
        found = store.devices()
    if not found and not as_json:
        click.echo('No devices yet. Add one with: ringcheck devices add "Kitchen FRITZ!Box"')
    for device in found:
        if as_json:
            click.echo(json.dumps(device.to_dict()))
            continue
        state = "active" if device.active else f"revoked {device.revoked_at:%Y-%m-%d}"
        click.echo(
            f"{device.username}  {device.name}  {device.home} {device.level} {device.size}  {state}"
        )


@devices_group.command("revoke")
@click.argument("device")
@database_options
def devices_revoke(device: str, database: str | None, config: str | None) -> None:
    """Revoke DEVICE (its user name or name): it can no longer read the list."""
    with opened_store(config, database) as store, errors_as_bad_input():
        gone = store.revoke_device(device)
    click.echo(f"Revoked {gone.username} ({gone.name}).")


COMMANDS = (devices_group,)
