"""Kept for scripts already installed: ``onlinecheck_ringcheck.py`` files written by
``ringcheck callblocker install`` before the adapters moved to ``ringcheck.phones`` run
``from ringcheck.callblocker import main``. Without this, their daemon would read every
call as "not spam" until the user ran the install again. New scripts import
``ringcheck.phones.callblocker``."""

from ringcheck.phones.callblocker import main

__all__ = ["main"]
