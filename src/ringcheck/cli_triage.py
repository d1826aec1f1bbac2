"""``ringcheck triage``: a call log in, a ranked and explained triage out. Adds itself to
the ``ringcheck`` group in ``ringcheck.cli``."""

from __future__ import annotations
