"""Commands for community reports and their database: report, reports, moderate, export,
import and db. They add themselves to the ``ringcheck`` group in ``ringcheck.cli``."""

from __future__ import annotations
