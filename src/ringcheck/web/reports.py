"""Community reports on the web: report form, /recent, the reports API and moderation."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
