"""HTML page routers (full pages and htmx partials)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from tongban.web.pages import home

    return [home.router]
