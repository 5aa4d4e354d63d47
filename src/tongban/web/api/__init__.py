"""JSON API routers, mounted under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from tongban.web.api import system

    return [system.router]
