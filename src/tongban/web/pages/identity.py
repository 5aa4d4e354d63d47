"""Certificate-free identity: the citizen code on the phone, the window scan, reader and face."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
