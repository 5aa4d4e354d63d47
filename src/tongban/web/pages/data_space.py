"""The citizen's and enterprise's personal data space: licences, grants, access log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
