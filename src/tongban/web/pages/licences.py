"""E-licences: the public /verify page and licence downloads (电子证照)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
