"""Smart approval (秒批): submit a smart item and get the decision in the same request."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
