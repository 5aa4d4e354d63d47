"""The home page and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from tongban.services.catalogue.stats import catalogue_figures
from tongban.services.platform import health
from tongban.web.deps import ContainerDep, Today, Viewer
from tongban.web.templating import render

router = APIRouter(tags=["pages"])


@router.get("/", include_in_schema=False)
def home(request: Request, container: ContainerDep, _viewer: Viewer) -> Response:
    with container.read() as uow:
        figures = catalogue_figures(uow.conn)
    return render(request, "home.html", {"figures": figures if figures.items else None})


@router.get("/healthz", tags=["system"], summary="健康检查（数据库与工作日历）")
def healthz(
    container: ContainerDep,
    _viewer: Viewer,
    today: Today,
) -> JSONResponse:
    """Status ``ok`` or ``warn`` (calendar known less than the configured days ahead)."""
    with container.read() as uow:
        body = health.check(uow, today=today, warn_days=container.settings.calendar_warn_days)
    return JSONResponse(body)
