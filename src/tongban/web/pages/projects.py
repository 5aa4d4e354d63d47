"""Proxy service (代办): the company, the agent and the centre views of investment projects."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
