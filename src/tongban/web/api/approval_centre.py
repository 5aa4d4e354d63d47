"""The online approval centre: queue, claim, release, reassign, figures."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
