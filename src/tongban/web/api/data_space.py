"""Personal data space: licences held, grants, revocation, access log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
