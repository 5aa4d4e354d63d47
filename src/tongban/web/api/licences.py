"""E-licences: issue, read, revoke, verify, download (电子证照)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
