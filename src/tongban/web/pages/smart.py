"""Smart approval: applying for a 秒批 item, and the rule editor for rule sets."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
