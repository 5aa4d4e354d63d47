"""Certificate-free identity: citizen codes, ID-card reader and face check."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
