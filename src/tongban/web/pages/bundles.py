"""Bundles (一件事一次办): applying once for several items and following the sub-cases."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
