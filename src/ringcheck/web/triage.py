"""Call-log triage on the web: the /triage upload page and POST /api/v1/triage."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
