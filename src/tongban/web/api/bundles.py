"""Bundles (一件事一次办): definitions and applications with their sub-cases."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
