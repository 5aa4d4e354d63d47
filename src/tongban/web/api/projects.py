"""Proxy service projects (代办): projects, authorisations, roadmaps, steps, notes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
