"""Rules as code: rule sets per item, validation, dry-run, publishing."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
